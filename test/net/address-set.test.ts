import { describe, expect, it } from "vitest";
import {
  ALL_IP,
  ALL_IPV4,
  ALL_IPV6,
  ALL_SERVICE_TAGS,
  AddressSet,
  EVERYTHING,
  PRIVATE_RANGES,
  parsePrefix,
} from "../../src/net/address-set";
import {
  intersectIntervals,
  normalizeIntervals,
  subtractIntervals,
  unionIntervals,
  type Interval,
} from "../../src/net/intervals";

const set = (...prefixes: string[]) => AddressSet.fromPrefixes(prefixes);
const tag = (name: string) => {
  const atom = AddressSet.serviceTag(name);
  if (atom === undefined) throw new Error(`test fixture: unknown tag ${name}`);
  return atom;
};

describe("parsePrefix", () => {
  it.each([
    ["10.0.0.0/8", "ipv4", 8, "10.0.0.0/8"],
    ["1.2.3.4", "ipv4", 32, "1.2.3.4/32"],
    ["10.0.0.5/8", "ipv4", 8, "10.0.0.0/8"], // host bits set: Azure reads the network
    ["0.0.0.0/0", "ipv4", 0, "0.0.0.0/0"],
    [" 192.168.1.0/24 ", "ipv4", 24, "192.168.1.0/24"],
    ["2001:db8::/32", "ipv6", 32, "2001:db8::/32"],
    ["2001:db8::1", "ipv6", 128, "2001:db8::1/128"],
    ["::/0", "ipv6", 0, "::/0"],
    ["fc00::/7", "ipv6", 7, "fc00::/7"],
    ["2001:DB8:0:0:0:0:0:1/64", "ipv6", 64, "2001:db8::/64"],
  ])("accepts %s", (text, family, length, cidr) => {
    const parsed = parsePrefix(text);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.prefix).toMatchObject({ family, length, cidr });
  });

  it.each([
    ["10.0.0.300/8", "malformed IPv4"],
    ["10.0.0.0/33", "longer than 32"],
    ["2001:db8::/129", "longer than 128"],
    ["abc", "malformed IPv4"],
    ["", "empty"],
    ["   ", "empty"],
    ["10.0.0.0/", "not a number"],
    ["10.0.0.0/8/8", "more than one"],
    ["10.0.0.0/-1", "not a number"],
    ["10.0.0/24", "malformed IPv4"], // ipaddr.js would read three-part forms; Azure does not
    ["010.0.0.1", "malformed IPv4"],
    ["0x0a.0.0.1", "malformed IPv4"],
    ["167772161", "malformed IPv4"],
    ["fe80::1%eth0", "malformed IPv6"],
    ["2001:db8:::1", "malformed IPv6"],
    ["Internet", "malformed IPv4"],
  ])("rejects %j", (text, why) => {
    const parsed = parsePrefix(text);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reason).toContain(why);
    expect(parsed.reason).toContain(`'${text}'`);
  });
});

describe("AddressSet algebra", () => {
  it("unions touching ranges into one block", () => {
    expect(set("10.0.0.0/24", "10.0.1.0/24").toCidrs()).toEqual(["10.0.0.0/23"]);
    expect(set("10.0.1.0/24", "10.0.0.0/24", "10.0.0.0/25").toCidrs()).toEqual(["10.0.0.0/23"]);
  });

  it("keeps families apart", () => {
    expect(ALL_IPV4.overlaps(ALL_IPV6)).toBe(false);
    expect(ALL_IPV4.containsAll(set("::/0"))).toBe(false);
    expect(ALL_IP.toCidrs()).toEqual(["0.0.0.0/0", "::/0"]);
  });

  it("subtracts to a minimal CIDR list", () => {
    expect(set("10.0.0.0/8").subtract(set("10.0.0.0/9")).toCidrs()).toEqual(["10.128.0.0/9"]);
    expect(set("10.0.0.0/24").subtract(set("10.0.0.5")).toCidrs()).toEqual([
      "10.0.0.0/30",
      "10.0.0.4/32",
      "10.0.0.6/31",
      "10.0.0.8/29",
      "10.0.0.16/28",
      "10.0.0.32/27",
      "10.0.0.64/26",
      "10.0.0.128/25",
    ]);
    expect(ALL_IPV4.subtract(set("128.0.0.0/1")).toCidrs()).toEqual(["0.0.0.0/1"]);
    expect(ALL_IPV6.subtract(PRIVATE_RANGES).toCidrs()).toEqual([
      "::/1",
      "8000::/2",
      "c000::/3",
      "e000::/4",
      "f000::/5",
      "f800::/6",
      "fe00::/7",
    ]);
  });

  it("intersects, tests subsets and overlaps", () => {
    const a = set("10.0.0.0/16");
    expect(a.intersect(set("10.0.128.0/17", "11.0.0.0/8")).toCidrs()).toEqual(["10.0.128.0/17"]);
    expect(a.containsAll(set("10.0.5.0/24"))).toBe(true);
    expect(a.containsAll(set("10.0.0.0/15"))).toBe(false);
    expect(a.overlaps(set("10.0.0.0/15"))).toBe(true);
    expect(a.overlaps(set("10.1.0.0/16"))).toBe(false);
    expect(AddressSet.EMPTY.isEmpty()).toBe(true);
    expect(a.subtract(a).isEmpty()).toBe(true);
    expect(a.containsAll(AddressSet.EMPTY)).toBe(true);
  });

  it("treats the /0 edges without overflow", () => {
    expect(set("255.255.255.255").union(set("0.0.0.0")).toCidrs()).toEqual(["0.0.0.0/32", "255.255.255.255/32"]);
    expect(set("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").toCidrs()).toEqual([
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
    ]);
    expect(set("0.0.0.0/1", "128.0.0.0/1").equals(ALL_IPV4)).toBe(true);
  });

  it("holds the private ranges the trust policy relies on", () => {
    expect(PRIVATE_RANGES.toCidrs()).toEqual([
      "10.0.0.0/8",
      "100.64.0.0/10",
      "172.16.0.0/12",
      "192.168.0.0/16",
      "fc00::/7",
    ]);
    expect(PRIVATE_RANGES.containsAll(set("fd12:3456::/32"))).toBe(true);
    expect(PRIVATE_RANGES.overlaps(set("172.32.0.0/16"))).toBe(false);
    expect(PRIVATE_RANGES.overlaps(set("100.128.0.0/16"))).toBe(false);
  });
});

describe("service-tag atoms", () => {
  it("are disjoint from addresses and from other base tags", () => {
    expect(tag("Sql").overlaps(ALL_IP)).toBe(false);
    expect(tag("Sql").overlaps(tag("Storage"))).toBe(false);
    expect(tag("AzureCloud").overlaps(tag("Sql"))).toBe(false);
    expect(EVERYTHING.containsAll(tag("Sql.WestEurope"))).toBe(true);
    expect(ALL_SERVICE_TAGS.containsAll(tag("AzureFrontDoor.Backend"))).toBe(true);
  });

  it("put a regional tag inside its base tag", () => {
    expect(tag("Sql").containsAll(tag("Sql.WestEurope"))).toBe(true);
    expect(tag("Sql.WestEurope").containsAll(tag("Sql"))).toBe(false);
    expect(tag("Sql.WestEurope").overlaps(tag("Sql.EastUS"))).toBe(false);
    expect(tag("sql.westeurope").equals(tag("Sql.WestEurope"))).toBe(true);
  });

  it("subtract exactly, and name what is left", () => {
    expect(tag("Sql").subtract(tag("Sql.WestEurope")).serviceTagNames()).toEqual(["Sql except Sql.WestEurope"]);
    expect(tag("Sql").subtract(tag("Sql.WestEurope")).isEmpty()).toBe(false);
    expect(tag("Sql").subtract(tag("Sql.WestEurope")).overlaps(tag("Sql.WestEurope"))).toBe(false);
    expect(tag("Sql").subtract(tag("Sql.WestEurope")).overlaps(tag("Sql.EastUS"))).toBe(true);
    expect(tag("Sql").subtract(tag("Sql.WestEurope")).union(tag("Sql.WestEurope")).equals(tag("Sql"))).toBe(true);
    expect(ALL_SERVICE_TAGS.serviceTagNames()).toEqual(["any service tag"]);
    expect(ALL_SERVICE_TAGS.subtract(tag("Sql")).serviceTagNames()).toEqual(["any service tag except Sql"]);
    expect(ALL_SERVICE_TAGS.subtract(tag("Storage.WestEurope")).serviceTagNames()).toEqual([
      "any service tag except Storage.WestEurope",
    ]);
    expect(ALL_SERVICE_TAGS.subtract(ALL_SERVICE_TAGS).isEmpty()).toBe(true);
    expect(tag("Storage.WestEurope").union(tag("Sql")).serviceTagNames()).toEqual(["Sql", "Storage.WestEurope"]);
  });

  it("spell AzureCloud regions as Azure publishes them", () => {
    expect(tag("AzureCloud.WestUS").serviceTagNames()).toEqual(["AzureCloud.westus"]);
  });

  it("refuse unknown tags", () => {
    expect(AddressSet.serviceTag("AzureFoo")).toBeUndefined();
    expect(AddressSet.serviceTag("Internet.WestEurope")).toBeUndefined();
  });
});

describe("display and evidence", () => {
  it("describes CIDRs then tags, capped with a count of the rest", () => {
    expect(set("10.0.0.0/8").union(tag("Sql")).describe()).toEqual(["10.0.0.0/8", "Sql"]);
    const many = set("10.0.0.0/24").subtract(set("10.0.0.1", "10.0.0.3", "10.0.0.5", "10.0.0.7", "10.0.0.9"));
    expect(many.toCidrs().length).toBeGreaterThan(5);
    const shown = many.describe(5);
    expect(shown).toHaveLength(5);
    expect(shown[4]).toBe(`… and ${many.toCidrs().length - 4} more`);
    expect(AddressSet.EMPTY.toString()).toBe("(none)");
  });

  it("shares the room between IPv4, IPv6 and tags when cutting", () => {
    const internet = ALL_IP.subtract(PRIVATE_RANGES).union(ALL_SERVICE_TAGS);
    const v4Count = ALL_IPV4.subtract(PRIVATE_RANGES).toCidrs().length;
    expect(internet.describe(6)).toEqual([
      "0.0.0.0/5",
      "8.0.0.0/7",
      "::/1",
      "8000::/2",
      "any service tag",
      `… and ${v4Count - 2 + 5} more`,
    ]);
  });

  it.each([
    ["first address of the first block", set("52.0.0.0/8", "60.0.0.0/8"), "52.0.0.0"],
    ["a documentation address for the whole Internet", ALL_IPV4.subtract(PRIVATE_RANGES), "203.0.113.5"],
    ["the next candidate when the first is excluded", ALL_IPV4.subtract(set("203.0.113.0/24")), "198.51.100.7"],
    ["IPv6 when there is no IPv4", ALL_IPV6.subtract(PRIVATE_RANGES), "2001:db8::5"],
    ["a tag name when there are no addresses", tag("Sql.WestEurope"), "Sql.WestEurope"],
    ["AzureCloud for every tag", ALL_SERVICE_TAGS, "AzureCloud"],
    ["another tag when AzureCloud is gone", ALL_SERVICE_TAGS.subtract(tag("AzureCloud")), "ActionGroup"],
    ["nothing for the empty set", AddressSet.EMPTY, undefined],
  ])("sampleAddress gives %s", (_name, input, expected) => {
    expect(input.sampleAddress()).toBe(expected);
  });
});

describe("interval algebra against brute force", () => {
  // Deterministic pseudo-random sets over 0..63, compared element by element.
  let seed = 12345;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed;
  };
  const randomIntervals = (): Interval[] => {
    const list: Interval[] = [];
    for (let i = next() % 5; i > 0; i--) {
      const lo = BigInt(next() % 64);
      list.push({ lo, hi: lo + BigInt(next() % 10) });
    }
    return normalizeIntervals(list);
  };
  const members = (list: Interval[]) => {
    const out = new Set<number>();
    for (const i of list) for (let v = i.lo; v <= i.hi; v++) out.add(Number(v));
    return [...out].sort((a, b) => a - b);
  };

  it("agrees on 500 random pairs", () => {
    for (let n = 0; n < 500; n++) {
      const a = randomIntervals();
      const b = randomIntervals();
      const ma = new Set(members(a));
      const mb = new Set(members(b));
      expect(members(unionIntervals(a, b))).toEqual([...new Set([...ma, ...mb])].sort((x, y) => x - y));
      expect(members(intersectIntervals(a, b))).toEqual([...ma].filter((x) => mb.has(x)));
      expect(members(subtractIntervals(a, b))).toEqual([...ma].filter((x) => !mb.has(x)));
      // normalised: sorted, disjoint, not touching
      for (const result of [unionIntervals(a, b), intersectIntervals(a, b), subtractIntervals(a, b)]) {
        for (let i = 1; i < result.length; i++) expect(result[i]!.lo > result[i - 1]!.hi + 1n).toBe(true);
      }
    }
  });
});
