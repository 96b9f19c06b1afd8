import { describe, expect, it } from "vitest";
import { ALL_IP, AddressSet, EVERYTHING } from "../../src/net/address-set";

// A seeded generator, so a failure can be replayed.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function v4(rand: () => number): string {
  const octet = () => Math.floor(rand() * 256);
  return `${octet()}.${octet()}.${octet()}.${octet()}`;
}

function randomPrefixes(rand: () => number, count: number, minLength: number): string[] {
  return Array.from({ length: count }, () => {
    if (rand() < 0.1) return `2001:db8:${Math.floor(rand() * 65536).toString(16)}::/${48 + Math.floor(rand() * 80)}`;
    return `${v4(rand)}/${minLength + Math.floor(rand() * (33 - minLength))}`;
  });
}

const TAGS = ["Sql", "Storage.WestEurope", "AzureCloud"];

function randomBase(rand: () => number): AddressSet {
  const parts = randomPrefixes(rand, 1 + Math.floor(rand() * 4), 0).map((p) => AddressSet.fromPrefixes([p]));
  if (rand() < 0.3) parts.push(EVERYTHING);
  if (rand() < 0.3) parts.push(ALL_IP);
  if (rand() < 0.3) parts.push(AddressSet.serviceTag(TAGS[Math.floor(rand() * TAGS.length)]!)!);
  return AddressSet.unionAll(parts);
}

describe("AddressSet.unionAll", () => {
  it("equals unions one at a time", () => {
    const rand = random(11);
    for (let round = 0; round < 50; round++) {
      const sets = randomPrefixes(rand, 1 + Math.floor(rand() * 40), 4).map((p) => AddressSet.fromPrefixes([p]));
      if (rand() < 0.3) sets.push(AddressSet.serviceTag("Sql")!);
      const oneByOne = sets.reduce((a, b) => a.union(b), AddressSet.EMPTY);
      const once = AddressSet.unionAll(sets);
      expect(once.equals(oneByOne)).toBe(true);
      expect(once.describe(1000)).toEqual(oneByOne.describe(1000));
    }
  });
});

describe("SetDifference (small set minus a large indexed one)", () => {
  it("answers exactly as the subtracted set does", () => {
    const rand = random(7);
    for (let round = 0; round < 80; round++) {
      const excluded = AddressSet.fromPrefixes(randomPrefixes(rand, Math.floor(rand() * 60), 8));
      const base = randomBase(rand);
      const other = randomBase(rand);
      const lazy = base.minusIndexed(excluded);
      const exact = base.subtract(excluded);
      for (const [l, e] of [
        [lazy, exact],
        [lazy.intersect(other), exact.intersect(other)],
        [lazy.union(other.minusIndexed(excluded)), exact.union(other.subtract(excluded))],
      ] as const) {
        expect(l.toAddressSet().equals(e)).toBe(true);
        expect(l.isEmpty()).toBe(e.isEmpty());
        expect(l.hasServiceTags()).toBe(e.hasServiceTags());
        expect(l.addressCount("ipv4")).toBe(e.addressCount("ipv4"));
        expect(l.addressCount("ipv6")).toBe(e.addressCount("ipv6"));
        expect(l.sampleAddress()).toBe(e.sampleAddress());
        for (const limit of [1, 2, 5, 20, 500]) expect(l.describe(limit)).toEqual(e.describe(limit));
      }
      expect(lazy.overlaps(other)).toBe(exact.overlaps(other));
    }
  });

  it("describes a set with thousands of holes by its first blocks and an exact count", () => {
    const owned = Array.from({ length: 3000 }, (_, i) => `20.${Math.floor(i / 250)}.${i % 250}.7`);
    const excluded = AddressSet.fromPrefixes(owned);
    const lazy = ALL_IP.minusIndexed(excluded);
    const exact = ALL_IP.subtract(excluded);
    expect(lazy.describe(20)).toEqual(exact.describe(20));
    expect(lazy.describe(20).at(-1)).toBe(`… and ${exact.toCidrs().length - 19} more`);
    expect(lazy.addressCount("ipv4")).toBe(2n ** 32n - 3000n);
    expect(lazy.sampleAddress()).toBe("203.0.113.5");
  });

  it("is empty when the excluded set covers the base", () => {
    const excluded = AddressSet.fromPrefixes(["10.0.0.0/8", "11.0.0.0/8"]);
    expect(AddressSet.fromPrefixes(["10.200.0.0/16", "11.0.0.0/9"]).minusIndexed(excluded).isEmpty()).toBe(true);
    expect(AddressSet.fromPrefixes(["10.0.0.0/7", "12.0.0.0/32"]).minusIndexed(excluded).describe()).toEqual([
      "12.0.0.0/32",
    ]);
    expect(AddressSet.serviceTag("Sql")!.minusIndexed(excluded).describe()).toEqual(["Sql"]);
  });
});

describe("describe() of recurring differences (memoised per excluded set)", () => {
  it("equal content gives the same text from distinct objects, and a caller changing its copy changes nothing", () => {
    const excluded = AddressSet.fromPrefixes(["10.0.0.0/8", "20.50.60.70/32", "40.0.0.0/28"]);
    const build = (prefixes: string[]) => AddressSet.fromPrefixes(prefixes).minusIndexed(excluded);
    const first = build(["0.0.0.0/0"]).describe(20);
    expect(first[0]).toBe("0.0.0.0/5");
    first.push("tampered");
    first[0] = "tampered";
    const second = build(["0.0.0.0/0"]).describe(20);
    expect(second[0]).toBe("0.0.0.0/5");
    expect(second).not.toContain("tampered");
    expect(second).toEqual(build(["0.0.0.0/0"]).toAddressSet().describe(20));
    // Different content or limit: a different answer, never the memoised one.
    expect(build(["128.0.0.0/1"]).describe(20)[0]).toBe("128.0.0.0/1");
    expect(build(["0.0.0.0/0"]).describe(3)).toEqual(["0.0.0.0/5", "8.0.0.0/7", "… and 57 more"]);
    expect(build(["0.0.0.0/0"]).describe(3)).toEqual(build(["0.0.0.0/0"]).toAddressSet().describe(3));
  });
});
