import { describe, expect, it } from "vitest";
import { DEFAULT_SECURITY_RULES } from "../../src/model/default-security-rules";

describe("DEFAULT_SECURITY_RULES", () => {
  it("are the six platform defaults", () => {
    expect(
      DEFAULT_SECURITY_RULES.map((r) => [
        r.name,
        r.priority,
        r.direction,
        r.access,
        r.sourceAddressPrefixes[0],
        r.destinationAddressPrefixes[0],
      ]),
    ).toEqual([
      ["AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"],
      ["AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"],
      ["DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"],
      ["AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"],
      ["AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"],
      ["DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"],
    ]);
  });

  it("are marked default, well-formed and open on protocol and ports", () => {
    for (const r of DEFAULT_SECURITY_RULES) {
      expect(r).toMatchObject({
        isDefault: true,
        issues: [],
        protocol: "*",
        sourcePortRanges: ["*"],
        destinationPortRanges: ["*"],
      });
    }
  });

  it("cannot be edited through a shared reference", () => {
    const first = DEFAULT_SECURITY_RULES[0]!;
    expect(() => {
      (first as { priority: number }).priority = 1;
    }).toThrow(TypeError);
    expect(() => first.sourceAddressPrefixes.push("*")).toThrow(TypeError);
  });
});
