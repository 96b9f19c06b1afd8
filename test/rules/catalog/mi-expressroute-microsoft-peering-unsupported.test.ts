// mi.expressroute.microsoft-peering-unsupported, from the "Networking constraints" of Microsoft's connectivity
// architecture page: Microsoft peering enabled on an ExpressRoute circuit peered directly or transitively with the
// MI's VNet is not supported. Directly: the circuit is connected to a gateway in the MI's VNet. Transitively: to the
// gateway of a hub whose gateway the MI's VNet uses (its peering uses remote gateways, the hub's allows transit).
// A circuit whose peerings are not known, or a walk that cannot be finished, never gives a pass or notApplicable.
import {
  SUB1,
  SUB2,
  circuitRow,
  connectionRow,
  gatewayRow,
  ids,
  miRow,
  vnetRow,
  type PeeringSpec,
  type Row,
} from "../../support/rows";
import { localNetworkGatewayRow, netIds, siteToSiteRow, vnet2vnetRow, withPeering } from "../network-rows";
import { verdictTable } from "./verdict-table";
import { miSubnet } from "./mi-estates";

const PRIVATE: [string, string] = ["AzurePrivatePeering", "Enabled"];
const MICROSOFT: [string, string] = ["MicrosoftPeering", "Enabled"];

/** Moves a builder's row into another subscription (the builders in rows.ts write SUB1 ids for these kinds). */
function inSubscription(row: Row, id: string, sub: string): Row {
  return { ...row, id, subscriptionId: sub };
}

function miVnet(peerings: PeeringSpec[] | null = []): Row {
  return vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], peerings);
}

/** The MI's VNet with its own ExpressRoute gateway, connected to circuit er1. */
function direct(peerings: [string, string][] | null, miVnetPeerings: PeeringSpec[] | null = []): Row[] {
  return [
    miVnet(miVnetPeerings),
    gatewayRow("vgw", ids.vnet("vnet-mi")),
    circuitRow("er1", peerings),
    connectionRow("conn1", ids.gateway("vgw").toUpperCase(), ids.circuit("er1")),
    miRow("mi1", miSubnet.toUpperCase()),
  ];
}

interface HubOptions {
  useRemoteGateways?: boolean;
  allowGatewayTransit?: boolean;
  hubPeerings?: "none" | "uncollected";
}

/** The MI's VNet peered with hub, whose gateway is connected to er1. */
function viaHub(peerings: [string, string][] | null, opts: HubOptions = {}): Row[] {
  const hubPeerings =
    opts.hubPeerings === "uncollected"
      ? null
      : [{ remote: ids.vnet("vnet-mi"), allowGatewayTransit: opts.allowGatewayTransit ?? true }];
  return [
    miVnet([{ remote: ids.vnet("hub").toUpperCase(), useRemoteGateways: opts.useRemoteGateways ?? true }]),
    vnetRow("hub", ["10.0.0.0/16"], [{ name: "GatewaySubnet", prefix: "10.0.0.0/27" }], hubPeerings),
    gatewayRow("vgw", ids.vnet("hub")),
    circuitRow("er1", peerings),
    connectionRow("conn1", ids.gateway("vgw"), ids.circuit("er1")),
    miRow("mi1", miSubnet),
  ];
}

/** A hub in SUB2 (another subscription of the audit) whose gateway is connected to er1. */
function crossSubscriptionHub(): Row[] {
  const hubId = ids.vnet("hub", SUB2);
  const gatewayId = ids.gateway("vgw", SUB2);
  return [
    miVnet([{ remote: hubId, useRemoteGateways: true }]),
    vnetRow(
      "hub",
      ["10.0.0.0/16"],
      [{ name: "GatewaySubnet", prefix: "10.0.0.0/27" }],
      [{ remote: ids.vnet("vnet-mi"), allowGatewayTransit: true }],
      { sub: SUB2 },
    ),
    inSubscription(gatewayRow("vgw", hubId), gatewayId, SUB2),
    circuitRow("er1", [PRIVATE]),
    inSubscription(connectionRow("conn1", gatewayId, ids.circuit("er1")), ids.connection("conn1", SUB2), SUB2),
    miRow("mi1", miSubnet),
  ];
}

/** er1 (SUB1) and er2 (another subscription, the circuit owner's) both connected to the MI VNet's gateway. */
function twoCircuits(er2: [string, string][] | "absent"): Row[] {
  const er2Id = ids.circuit("er2", SUB2);
  return [
    ...direct([PRIVATE]),
    ...(er2 === "absent" ? [] : [inSubscription(circuitRow("er2", er2), er2Id, SUB2)]),
    connectionRow("conn2", ids.gateway("vgw"), er2Id),
  ];
}

verdictTable("mi.expressroute.microsoft-peering-unsupported", [
  {
    name: "circuit on the MI VNet's own gateway has Microsoft peering enabled",
    resource: "mi1",
    status: "fail",
    rows: direct([PRIVATE, MICROSOFT]),
    message: ["er1", "Microsoft peering enabled", "vgw"],
    evidence: {
      vnet: ids.vnet("vnet-mi"),
      circuits: [
        {
          circuit: ids.circuit("er1"),
          connection: ids.connection("conn1"),
          gateway: ids.gateway("vgw"),
          viaGatewayTransit: false,
          microsoftPeering: "enabled",
        },
      ],
    },
  },
  {
    name: "peering type and state in lower case",
    resource: "mi1",
    status: "fail",
    rows: direct([["microsoftpeering", "enabled"]]),
  },
  {
    name: "circuit on the hub gateway the MI VNet uses by gateway transit (transitively peered)",
    resource: "mi1",
    status: "fail",
    rows: viaHub([PRIVATE, MICROSOFT]),
    message: ["hub", "gateway transit"],
    evidence: { circuits: [{ gatewayVnet: ids.vnet("hub"), viaGatewayTransit: true }] },
  },
  {
    name: "a second circuit, in another subscription, has it enabled",
    resource: "mi1",
    status: "fail",
    rows: twoCircuits([MICROSOFT]),
    message: ["er2"],
  },
  {
    name: "enabled Microsoft peering fails although another circuit's peerings are unknown",
    resource: "mi1",
    status: "fail",
    rows: [...direct([MICROSOFT]), connectionRow("conn2", ids.gateway("vgw"), ids.circuit("er-gone", SUB2))],
  },
  {
    name: "enabled Microsoft peering in the row fails although the ARM peerings read failed",
    resource: "mi1",
    status: "fail",
    rows: direct([MICROSOFT]),
    gaps: [{ types: ["microsoft.network/expressroutecircuits/peerings"], reason: "HTTP 500" }],
  },
  {
    name: "private peering only",
    resource: "mi1",
    status: "pass",
    rows: direct([PRIVATE]),
    message: ["er1"],
  },
  {
    name: "Microsoft peering configured but disabled",
    resource: "mi1",
    status: "pass",
    rows: direct([PRIVATE, ["MicrosoftPeering", "Disabled"]]),
    evidence: { circuits: [{ microsoftPeering: "clear" }] },
  },
  { name: "circuit with no peerings yet", resource: "mi1", status: "pass", rows: direct([]) },
  {
    name: "through the hub, private peering only",
    resource: "mi1",
    status: "pass",
    rows: viaHub([PRIVATE]),
  },
  {
    name: "two circuits, both without Microsoft peering",
    resource: "mi1",
    status: "pass",
    rows: twoCircuits([PRIVATE]),
    message: ["er1", "er2"],
  },
  {
    name: "the MI VNet's peering does not use remote gateways: the hub's circuit does not reach it",
    resource: "mi1",
    status: "notApplicable",
    rows: viaHub([MICROSOFT], { useRemoteGateways: false }),
  },
  {
    name: "the hub does not allow gateway transit",
    resource: "mi1",
    status: "notApplicable",
    rows: viaHub([MICROSOFT], { allowGatewayTransit: false }),
  },
  {
    name: "the hub's peering back is not Connected",
    resource: "mi1",
    status: "notApplicable",
    rows: viaHub([MICROSOFT]).map((row) =>
      row["name"] === "hub" ? withPeering(row, "peering0", { peeringState: "Disconnected" }) : row,
    ),
  },
  {
    name: "gateway with no circuit connected",
    resource: "mi1",
    status: "notApplicable",
    rows: direct([MICROSOFT]).filter((row) => row["name"] !== "conn1"),
  },
  {
    name: "the gateway's only connection is site-to-site",
    resource: "mi1",
    status: "notApplicable",
    rows: [
      ...direct([MICROSOFT]).filter((row) => row["name"] !== "conn1"),
      localNetworkGatewayRow("onprem", ["192.168.0.0/16"]),
      siteToSiteRow("s2s", ids.gateway("vgw"), netIds.site("onprem")),
    ],
  },
  {
    // A VNet-to-VNet tunnel is not a peering of the circuit: the other VNet's ExpressRoute routes are not passed on.
    name: "the circuit is on the gateway of a VNet reached only by a VNet-to-VNet connection",
    resource: "mi1",
    status: "notApplicable",
    rows: [
      miVnet([]),
      gatewayRow("vgw-mi", ids.vnet("vnet-mi"), "Vpn"),
      vnetRow("other", ["10.2.0.0/16"], [{ name: "GatewaySubnet", prefix: "10.2.0.0/27" }]),
      gatewayRow("vgw-other", ids.vnet("other")),
      vnet2vnetRow("v2v", ids.gateway("vgw-mi"), ids.gateway("vgw-other")),
      circuitRow("er1", [MICROSOFT]),
      connectionRow("conn1", ids.gateway("vgw-other"), ids.circuit("er1")),
      miRow("mi1", miSubnet),
    ],
  },
  {
    name: "no gateway and no peering",
    resource: "mi1",
    status: "notApplicable",
    rows: [miVnet(), miRow("mi1", miSubnet)],
  },
  {
    name: "the circuit's peerings were not collected",
    resource: "mi1",
    status: "unknown",
    rows: direct(null),
    message: ["peerings of er1 were not collected"],
  },
  {
    name: "the ARM read of circuit peerings failed in the MI's subscription",
    resource: "mi1",
    status: "unknown",
    rows: direct([PRIVATE]),
    gaps: [{ types: ["microsoft.network/expressroutecircuits/peerings"], subscriptionIds: [SUB1], reason: "HTTP 500" }],
    message: ["HTTP 500"],
  },
  {
    name: "the ARM read of circuit peerings failed in the other circuit's subscription",
    resource: "mi1",
    status: "unknown",
    rows: twoCircuits([PRIVATE]),
    gaps: [{ types: ["microsoft.network/expressroutecircuits/peerings"], subscriptionIds: [SUB2], reason: "HTTP 500" }],
    message: ["peerings of er2 could not be read", "HTTP 500"],
  },
  {
    name: "a Microsoft peering without a state",
    resource: "mi1",
    status: "unknown",
    rows: [
      ...direct([PRIVATE]).filter((row) => row["name"] !== "er1"),
      {
        ...circuitRow("er1", []),
        properties: { peerings: [{ name: "MicrosoftPeering", properties: { peeringType: "MicrosoftPeering" } }] },
      },
    ],
    message: ["state of Microsoft peering"],
  },
  {
    name: "a peering without a type",
    resource: "mi1",
    status: "unknown",
    rows: [
      ...direct([PRIVATE]).filter((row) => row["name"] !== "er1"),
      { ...circuitRow("er1", []), properties: { peerings: [{ name: "p1", properties: { state: "Enabled" } }] } },
    ],
    message: ["has no type"],
  },
  {
    name: "a connected circuit in another subscription is not in the estate",
    resource: "mi1",
    status: "unknown",
    rows: twoCircuits("absent"),
    message: ["not in the audited estate"],
  },
  {
    name: "circuits of that subscription could not be read",
    resource: "mi1",
    status: "unknown",
    rows: twoCircuits("absent"),
    gaps: [{ types: ["microsoft.network/expressroutecircuits"], subscriptionIds: [SUB2], reason: "HTTP 403" }],
    message: ["HTTP 403"],
  },
  {
    name: "the hub the MI VNet uses is not in the estate",
    resource: "mi1",
    status: "unknown",
    rows: viaHub([PRIVATE]).filter((row) => row["name"] !== "hub"),
  },
  {
    name: "the hub's peerings were not collected",
    resource: "mi1",
    status: "unknown",
    rows: viaHub([PRIVATE], { hubPeerings: "uncollected" }),
  },
  {
    name: "the MI VNet has no gateway and its peerings were not collected",
    resource: "mi1",
    status: "unknown",
    rows: [miVnet(null), miRow("mi1", miSubnet)],
    message: ["peerings of vnet-mi were not collected"],
  },
  {
    name: "peerings not collected do not matter when the MI VNet has its own gateway",
    resource: "mi1",
    status: "pass",
    rows: direct([PRIVATE], null),
  },
  {
    name: "gateways of the hub's subscription could not be read",
    resource: "mi1",
    status: "unknown",
    rows: crossSubscriptionHub().filter((row) => row["name"] !== "vgw" && row["name"] !== "conn1"),
    gaps: [{ types: ["microsoft.network/virtualnetworkgateways"], subscriptionIds: [SUB2], reason: "HTTP 429" }],
    message: ["virtual network gateways could not be read", "HTTP 429"],
  },
  {
    name: "connections of the hub gateway's subscription could not be read",
    resource: "mi1",
    status: "unknown",
    rows: crossSubscriptionHub().filter((row) => row["name"] !== "conn1"),
    gaps: [{ types: ["microsoft.network/connections"], subscriptionIds: [SUB2], reason: "HTTP 403" }],
    message: ["connections could not be read"],
  },
  {
    name: "cross-subscription hub, private peering only",
    resource: "mi1",
    status: "pass",
    rows: crossSubscriptionHub(),
  },
  {
    name: "connections of the MI's subscription could not be read (engine: notApplicable not confirmed)",
    resource: "mi1",
    status: "unknown",
    rows: [miVnet(), gatewayRow("vgw", ids.vnet("vnet-mi")), miRow("mi1", miSubnet)],
    gaps: [{ types: ["microsoft.network/connections"], reason: "HTTP 500" }],
  },
  {
    // The gateway's row is what says which VNet it sits in; a gateway lives in its VNet's subscription.
    name: "an ExpressRoute connection in the MI's subscription names a gateway that is not in the estate",
    resource: "mi1",
    status: "unknown",
    rows: [
      miVnet(),
      miRow("mi1", miSubnet),
      circuitRow("er1", [PRIVATE]),
      connectionRow("conn1", ids.gateway("vgw-gone"), ids.circuit("er1")),
    ],
    message: ["conn1", "may sit in vnet-mi"],
  },
  {
    name: "a connection whose missing gateway is in a subscription with no VNet of the path",
    resource: "mi1",
    status: "notApplicable",
    rows: [
      miVnet(),
      miRow("mi1", miSubnet),
      circuitRow("er1", [MICROSOFT]),
      connectionRow("conn1", ids.gateway("vgw-gone", SUB2), ids.circuit("er1")),
    ],
  },
  {
    name: "the MI's subnet is not in the estate",
    resource: "mi1",
    status: "unknown",
    rows: [miRow("mi1", ids.subnet("vnet-gone", "snet-mi")), circuitRow("er1", [MICROSOFT])],
    message: ["not in the audited estate"],
  },
]);
