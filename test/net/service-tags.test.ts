import { describe, expect, it } from "vitest";
import { DEFAULT_SECURITY_RULES, canonicalServiceTag, parseServiceTag } from "../../src/net/service-tags";

describe("canonicalServiceTag", () => {
  it.each([
    ["AzureCloud", "AzureCloud"],
    ["azurecloud", "AzureCloud"],
    ["SQL", "Sql"],
    ["Storage", "Storage"],
    ["internet", "Internet"],
    ["VIRTUALNETWORK", "VirtualNetwork"],
    ["AzureLoadBalancer", "AzureLoadBalancer"],
    ["AzureTrafficManager", "AzureTrafficManager"],
    ["GatewayManager", "GatewayManager"],
    ["AzureActiveDirectory", "AzureActiveDirectory"],
    ["AzureMonitor", "AzureMonitor"],
    ["AppService", "AppService"],
    ["EventHub", "EventHub"],
    ["ServiceBus", "ServiceBus"],
    ["ApiManagement", "ApiManagement"],
    ["AzureFrontDoor.Backend", "AzureFrontDoor.Backend"],
    ["azurefrontdoor.frontend", "AzureFrontDoor.Frontend"],
    ["Sql.WestEurope", "Sql.WestEurope"],
    ["sql.westeurope", "Sql.WestEurope"],
    ["Storage.EastUS", "Storage.EastUS"],
    ["AzureCloud.westus", "AzureCloud.westus"],
    ["AzureCloud.WestUS", "AzureCloud.westus"],
    ["Storage.newregion2", "Storage.newregion2"], // regions Azure adds later still read as regional tags
    [" Sql ", "Sql"],
  ])("%j → %s", (text, expected) => {
    expect(canonicalServiceTag(text)).toBe(expected);
  });

  it.each(["AzureFoo", "Sql.", ".WestEurope", "Sql.West-Europe", "Internet.WestEurope", "VirtualNetwork.EastUS",
    "AzureLoadBalancer.EastUS", "10.0.0.0/8", "*", "", "Sql.WestEurope.Extra"])("rejects %j", (text) => {
    expect(canonicalServiceTag(text)).toBeUndefined();
  });

  it("splits base and region", () => {
    expect(parseServiceTag("storage.westeurope")).toEqual({ name: "Storage.WestEurope", base: "Storage", region: "westeurope" });
    expect(parseServiceTag("AzureFrontDoor.Backend")).toEqual({ name: "AzureFrontDoor.Backend", base: "AzureFrontDoor.Backend" });
  });
});

describe("DEFAULT_SECURITY_RULES", () => {
  it("are the six platform defaults", () => {
    expect(
      DEFAULT_SECURITY_RULES.map((r) => [r.name, r.priority, r.direction, r.access, r.sourceAddressPrefixes[0], r.destinationAddressPrefixes[0]]),
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
      expect(r).toMatchObject({ isDefault: true, issues: [], protocol: "*", sourcePortRanges: ["*"], destinationPortRanges: ["*"] });
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
