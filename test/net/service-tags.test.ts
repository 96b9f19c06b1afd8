import { describe, expect, it } from "vitest";
import { canonicalServiceTag, parseServiceTag } from "../../src/net/service-tags";

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

  it.each([
    "AzureFoo",
    "Sql.",
    ".WestEurope",
    "Sql.West-Europe",
    "Internet.WestEurope",
    "VirtualNetwork.EastUS",
    "AzureLoadBalancer.EastUS",
    "10.0.0.0/8",
    "*",
    "",
    "Sql.WestEurope.Extra",
  ])("rejects %j", (text) => {
    expect(canonicalServiceTag(text)).toBeUndefined();
  });

  it("splits base and region", () => {
    expect(parseServiceTag("storage.westeurope")).toEqual({
      name: "Storage.WestEurope",
      base: "Storage",
      region: "westeurope",
    });
    expect(parseServiceTag("AzureFrontDoor.Backend")).toEqual({
      name: "AzureFrontDoor.Backend",
      base: "AzureFrontDoor.Backend",
    });
  });
});
