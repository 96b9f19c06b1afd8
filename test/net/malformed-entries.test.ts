// malformedPrefixes and malformedRuleEntries name exactly the entries the parsers reject: the fast path for plain IPv4
// never lets a malformed value through, and well-formed rules have nothing to report.
import { describe, expect, it } from "vitest";
import { malformedPrefixes, malformedRuleEntries } from "../../src/net/malformed-entries";
import { parsePrefix } from "../../src/net/address-set";
import { DEFAULT_SECURITY_RULES } from "../../src/model/default-security-rules";
import type { SecurityRule } from "../../src/model/estate";

describe("malformedPrefixes", () => {
  it("agrees with parsePrefix on IPv4 texts near every boundary (octets, leading zeros, lengths)", () => {
    const octets = [
      "0",
      "00",
      "01",
      "9",
      "10",
      "99",
      "100",
      "199",
      "200",
      "249",
      "250",
      "255",
      "256",
      "260",
      "300",
      "1000",
      "-1",
      "",
    ];
    const lengths = ["", "/0", "/8", "/09", "/24", "/32", "/33", "/40", "/", "/x", "/1/2"];
    let checked = 0;
    for (const a of octets) {
      for (const b of ["0", "255", "256", "01"]) {
        for (const length of lengths) {
          const text = `${a}.${b}.10.${a === "" ? "1" : a}${length}`;
          expect(malformedPrefixes([text]).length === 0, text).toBe(parsePrefix(text).ok);
          checked += 1;
        }
      }
    }
    expect(checked).toBe(octets.length * 4 * lengths.length);
  });

  it("accepts IPv6 and, where asked, service tags; names the bad entries with the parser's reason", () => {
    expect(malformedPrefixes(["2001:db8::/32", "::1", "10.0.0.0/8"])).toEqual([]);
    expect(malformedPrefixes(["AzureCloud"], { tags: true })).toEqual([]);
    expect(malformedPrefixes(["AzureCloud"])).toEqual([
      { entry: "AzureCloud", problem: expect.stringContaining("'AzureCloud' is not a valid IP prefix") },
    ]);
    expect(malformedPrefixes(["10.0.0.300/24", "2001:db8::/129"]).map((p) => p.entry)).toEqual([
      "10.0.0.300/24",
      "2001:db8::/129",
    ]);
  });
});

describe("malformedRuleEntries", () => {
  const rule = (fields: Partial<SecurityRule>): SecurityRule => ({
    ...DEFAULT_SECURITY_RULES[0]!,
    isDefault: false,
    ...fields,
  });

  it("the platform default rules are well formed", () => {
    for (const platform of DEFAULT_SECURITY_RULES) expect(malformedRuleEntries(platform)).toEqual([]);
  });

  it("names malformed ports and prefixes per list; tags, words and ranges are fine", () => {
    const found = malformedRuleEntries(
      rule({
        sourcePortRanges: ["*"],
        destinationPortRanges: ["1433", "33a42", "5-1", "3300-3400"],
        sourceAddressPrefixes: ["Internet", "Sql.WestEurope", "SomeFutureTag", "10.0.0.300/24"],
        destinationAddressPrefixes: ["VirtualNetwork", "10.1.0.0/33"],
      }),
    );
    expect(found.map(({ list, entry }) => [list, entry])).toEqual([
      ["destinationPortRanges", "33a42"],
      ["destinationPortRanges", "5-1"],
      ["sourceAddressPrefixes", "10.0.0.300/24"],
      ["destinationAddressPrefixes", "10.1.0.0/33"],
    ]);
  });

  it("a rule without ports is reported: Azure never stores one", () => {
    expect(malformedRuleEntries(rule({ sourcePortRanges: [], destinationPortRanges: ["*"] }))).toEqual([
      { list: "sourcePortRanges", problem: "has no port range" },
    ]);
  });
});
