// expressroute.microsoft-peering: a circuit that connects on-premises to the VNet of an MI with its public endpoint on
// has Microsoft peering enabled (seed 001). A circuit serves an MI through a gateway in the MI's VNet, or in a hub the
// MI's VNet uses through gateway transit. Peering types and states compare case-insensitively.
import { circuitRow, connectionRow, gatewayRow, ids, miRow, vnetRow, type Row } from "../../support/rows";
import { verdictTable } from "./verdict-table";
import { miSubnet } from "./mi-estates";

interface Options {
  publicEndpoint?: unknown;
  viaHub?: boolean;
  connected?: boolean;
}

function estate(peerings: [string, string][] | null, opts: Options = {}): Row[] {
  const viaHub = opts.viaHub ?? false;
  const gwVnet = viaHub ? ids.vnet("hub") : ids.vnet("vnet-mi");
  return [
    vnetRow(
      "vnet-mi",
      ["10.1.0.0/24"],
      [{ name: "snet-mi", prefix: "10.1.0.0/24" }],
      viaHub ? [{ remote: ids.vnet("hub"), useRemoteGateways: true }] : [],
    ),
    ...(viaHub
      ? [
          vnetRow(
            "hub",
            ["10.0.0.0/16"],
            [{ name: "GatewaySubnet", prefix: "10.0.0.0/27" }],
            [{ remote: ids.vnet("vnet-mi"), allowGatewayTransit: true }],
          ),
        ]
      : []),
    gatewayRow("vgw", gwVnet),
    circuitRow("er1", peerings),
    ...(opts.connected === false ? [] : [connectionRow("conn1", ids.gateway("vgw").toUpperCase(), ids.circuit("er1"))]),
    miRow("mi1", miSubnet, { publicDataEndpointEnabled: "publicEndpoint" in opts ? opts.publicEndpoint : true }),
  ];
}

verdictTable("expressroute.microsoft-peering", [
  {
    name: "Microsoft peering enabled",
    resource: "er1",
    status: "pass",
    rows: estate([
      ["AzurePrivatePeering", "Enabled"],
      ["MicrosoftPeering", "Enabled"],
    ]),
    evidence: { managedInstances: [ids.mi("mi1")], gateways: [ids.gateway("vgw")] },
  },
  {
    name: "Microsoft peering enabled, written in lower case",
    resource: "er1",
    status: "pass",
    rows: estate([["microsoftpeering", "enabled"]]),
  },
  {
    name: "through the hub, Microsoft peering enabled",
    resource: "er1",
    status: "pass",
    rows: estate([["MicrosoftPeering", "Enabled"]], { viaHub: true }),
  },
  {
    name: "private peering only",
    resource: "er1",
    status: "fail",
    rows: estate([["AzurePrivatePeering", "Enabled"]]),
    message: ["no Microsoft peering"],
  },
  { name: "no peerings at all", resource: "er1", status: "fail", rows: estate([]), message: ["no Microsoft peering"] },
  {
    name: "Microsoft peering disabled",
    resource: "er1",
    status: "fail",
    rows: estate([["MicrosoftPeering", "Disabled"]]),
    message: ["in state Disabled"],
  },
  {
    name: "through the hub via useRemoteGateways",
    resource: "er1",
    status: "fail",
    rows: estate([["AzurePrivatePeering", "Enabled"]], { viaHub: true }),
  },
  {
    name: "MI public endpoint off",
    resource: "er1",
    status: "notApplicable",
    rows: estate([["AzurePrivatePeering", "Enabled"]], { publicEndpoint: false }),
  },
  {
    name: "circuit not connected",
    resource: "er1",
    status: "notApplicable",
    rows: estate([["AzurePrivatePeering", "Enabled"]], { connected: false }),
  },
  // Missing data is unknown, not notApplicable: ARM's managed instance has publicDataEndpointEnabled (a boolean), and
  // a row without it, or with something else, cannot tell whether the endpoint the rule is about is on.
  {
    name: "MI public endpoint setting missing: whether the rule applies is unknown",
    resource: "er1",
    status: "unknown",
    rows: estate([["AzurePrivatePeering", "Enabled"]], { publicEndpoint: undefined }),
    message: ["mi1", "missing or unreadable"],
    evidence: { undecidedManagedInstances: [ids.mi("mi1")], gateways: [ids.gateway("vgw")] },
  },
  {
    name: "MI public endpoint setting unreadable (not a boolean)",
    resource: "er1",
    status: "unknown",
    rows: estate([["MicrosoftPeering", "Enabled"]], { publicEndpoint: "sometimes" }),
  },
  {
    name: "through the hub, MI public endpoint setting missing",
    resource: "er1",
    status: "unknown",
    rows: estate([["AzurePrivatePeering", "Enabled"]], { publicEndpoint: undefined, viaHub: true }),
  },
  {
    name: "MI public endpoint setting missing, circuit not connected: still notApplicable",
    resource: "er1",
    status: "notApplicable",
    rows: estate([["AzurePrivatePeering", "Enabled"]], { publicEndpoint: undefined, connected: false }),
  },
  {
    name: "one MI with the endpoint on decides even when another MI's setting is missing",
    resource: "er1",
    status: "fail",
    rows: [
      ...estate([["AzurePrivatePeering", "Enabled"]]),
      miRow("mi2", miSubnet, { publicDataEndpointEnabled: undefined }),
    ],
    evidence: { managedInstances: [ids.mi("mi1")] },
  },
  { name: "peerings not collected", resource: "er1", status: "unknown", rows: estate(null) },
  {
    name: "circuit peerings unreadable: a pass is not confirmed",
    resource: "er1",
    status: "unknown",
    rows: estate([["MicrosoftPeering", "Enabled"]]),
    gaps: [{ types: ["microsoft.network/expressroutecircuits/peerings"], reason: "HTTP 500" }],
  },
  {
    name: "connections unreadable: cannot say the circuit serves no MI",
    resource: "er1",
    status: "unknown",
    rows: estate([["AzurePrivatePeering", "Enabled"]], { connected: false }),
    gaps: [{ types: ["microsoft.network/connections"], reason: "HTTP 403" }],
  },
]);
