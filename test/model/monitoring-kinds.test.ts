// The estate model of issue 13's new data: private DNS zone links, flow logs, NAT gateways on subnets, MI private
// endpoint connections, creation times, and the subscriptions an audit covers. Shapes as Resource Graph and ARM
// return them (azure-rest-api-specs: privatedns VirtualNetworkLink, network FlowLog, sql PrivateEndpointConnection,
// resources GenericResourceExpanded.createdTime).
import { describe, expect, it } from "vitest";
import { buildEstate, EstateBuilder } from "../../src/model/build-estate";
import { armTypeOf } from "../../src/model/arm-id";
import { SUB1, SUB2, dnsLinkRow, flowLogRow, ids, miRow, privateEndpointConnection, vnetRow } from "../support/rows";

const miVnet = () =>
  vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24", natGateway: ids.natGateway("nat1") }]);

describe("private DNS zone links", () => {
  it("reads the zone from the link id (lower case, no trailing dot) and relates the link to its VNet", () => {
    const link = dnsLinkRow("Blob.Core.Windows.NET.", "to-mi", ids.vnet("VNET-MI"));
    const estate = buildEstate([miVnet(), link]);
    const [read] = estate.byKind.privateDnsZoneLink;
    expect(read).toMatchObject({
      zoneName: "blob.core.windows.net",
      registrationEnabled: false,
      linkState: "Completed",
    });
    expect(estate.privateDnsLinksByVnet.get(estate.byKind.virtualNetwork[0]!.key)).toEqual([read]);
  });

  it("records a link whose id names no zone, and one without a VNet, as data issues or unrelated", () => {
    const bad = {
      ...dnsLinkRow("z.example", "l", ids.vnet("vnet-mi")),
      id: `/subscriptions/${SUB1}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworkLinks/l`,
    };
    const noVnet = dnsLinkRow("z.example", "l2", ids.vnet("vnet-mi"), { virtualNetwork: null });
    const estate = buildEstate([bad, noVnet]);
    const [first, second] = estate.byKind.privateDnsZoneLink;
    expect(first!.issues.map((i) => i.field)).toContain("id");
    expect(second!.vnetKey).toBeUndefined();
    expect([...estate.privateDnsLinksByVnet.values()].flat()).toEqual([first]);
  });
});

describe("flow logs", () => {
  it("reads target, kind of target, state and retention, and indexes by target", () => {
    const vnetLog = flowLogRow("fl-vnet", ids.vnet("vnet-mi"));
    const nsgLog = flowLogRow("fl-nsg", ids.nsg("nsg-mi"), {
      enabled: false,
      retentionPolicy: { days: 0, enabled: false },
    });
    const estate = buildEstate([miVnet(), vnetLog, nsgLog]);
    const [v, n] = estate.byKind.flowLog;
    expect(v).toMatchObject({ targetType: "microsoft.network/virtualnetworks", enabled: true, retentionDays: 90 });
    expect(n).toMatchObject({
      targetType: "microsoft.network/networksecuritygroups",
      enabled: false,
      retentionEnabled: false,
    });
    expect(estate.flowLogsByTarget.get(estate.byKind.virtualNetwork[0]!.key)).toEqual([v]);
  });

  it("makes a missing target a data issue", () => {
    const estate = buildEstate([flowLogRow("fl", ids.vnet("x"), { targetResourceId: null })]);
    expect(estate.byKind.flowLog[0]!.issues.map((i) => i.field)).toEqual(["properties.targetResourceId"]);
  });

  it("derives ARM types from ids of any depth and case", () => {
    expect(armTypeOf(ids.subnet("v", "s").toUpperCase())).toBe("microsoft.network/virtualnetworks/subnets");
    expect(armTypeOf(ids.nic("n"))).toBe("microsoft.network/networkinterfaces");
    expect(armTypeOf("/subscriptions/s/resourceGroups/r")).toBeUndefined();
  });
});

describe("subnets, MIs and creation times", () => {
  it("reads a subnet's NAT gateway", () => {
    const subnet = buildEstate([miVnet()]).byKind.subnet[0]!;
    expect(subnet.natGatewayId).toBe(ids.natGateway("nat1"));
    expect(subnet.natGatewayKey).toBe(ids.natGateway("nat1").toLowerCase());
  });

  it("reads private endpoint connections with the endpoint's subscription and state; absent stays undefined", () => {
    const pe = ids.privateEndpoint("pe1", SUB2.toUpperCase());
    const connections = [privateEndpointConnection("mi1", "c1", pe, "Pending")];
    const estate = buildEstate([
      miRow("mi1", ids.subnet("vnet-mi", "snet-mi"), { privateEndpointConnections: connections }),
    ]);
    expect(estate.byKind.managedInstance[0]!.privateEndpointConnections).toEqual([
      {
        id: `${ids.mi("mi1")}/privateEndpointConnections/c1`,
        name: "c1",
        privateEndpointId: pe,
        privateEndpointSubscriptionId: SUB2,
        status: "Pending",
        description: "",
      },
    ]);
    expect(
      buildEstate([miRow("mi2", undefined)]).byKind.managedInstance[0]!.privateEndpointConnections,
    ).toBeUndefined();
  });

  it("keeps ARM's createdTime and makes a malformed one a data issue", () => {
    const good = miRow("mi1", undefined, {}, { createdTime: "2019-05-01T10:00:00.1234567Z" });
    const bad = miRow("mi2", undefined, {}, { createdTime: "last spring" });
    const [a, b] = buildEstate([good, bad]).byKind.managedInstance;
    expect(a!.createdTime).toBe("2019-05-01T10:00:00.1234567Z");
    expect(b!.createdTime).toBeUndefined();
    expect(b!.issues.map((i) => i.field)).toEqual(["createdTime"]);
  });

  it("covers every resource's subscription and the subscriptions listed in scope", () => {
    const builder = new EstateBuilder();
    builder.add(miRow("mi1", undefined));
    builder.addScopeSubscriptions([SUB2.toUpperCase()]);
    expect([...builder.build().auditedSubscriptions].sort()).toEqual([SUB1, SUB2]);
  });
});
