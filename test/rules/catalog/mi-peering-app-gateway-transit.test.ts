// mi.peering.app-gateway-transit: an app with gateway-required VNet integration in a VNet peered with the MI VNet
// reaches the MI only through the app VNet's gateway, which needs (seed 000): no gateway in the MI VNet, Use remote
// gateways on the MI VNet's peering, Allow gateway transit on the app VNet's peering back. Regional integration
// (virtualNetworkSubnetId) needs none of it. Gateway-required integration names the VNet (siteConfig.vnetName, with
// a GUID prefix), which must be in the app's own subscription.
import { expect } from "vitest";
import { ids, miRow, siteRow, vnetRow, gatewayRow, type Row } from "../../support/rows";
import { verdictTable, type VerdictCase } from "./verdict-table";
import { miSubnet } from "./mi-estates";

interface Options {
  useRemote: boolean;
  transit: boolean;
  miGateway?: boolean;
  backPeering?: boolean | null;
  appVnetName?: string;
  miPeerings?: boolean;
}

function estate(opts: Options): Row[] {
  const back =
    opts.backPeering === null
      ? null
      : opts.backPeering === false
        ? []
        : [{ name: "app-to-mi", remote: ids.vnet("vnet-mi"), allowGatewayTransit: opts.transit }];
  return [
    vnetRow(
      "vnet-mi",
      ["10.1.0.0/24"],
      [{ name: "snet-mi", prefix: "10.1.0.0/24" }],
      opts.miPeerings === false
        ? []
        : [{ name: "mi-to-app", remote: ids.vnet("vnet-app"), useRemoteGateways: opts.useRemote }],
    ),
    vnetRow("vnet-app", ["10.2.0.0/16"], [{ name: "GatewaySubnet", prefix: "10.2.255.0/27" }], back),
    gatewayRow("vgw-app", ids.vnet("vnet-app"), "Vpn"),
    ...(opts.miGateway ? [gatewayRow("vgw-mi", ids.vnet("vnet-mi"))] : []),
    miRow("mi1", miSubnet),
    siteRow("app1", { siteConfig: { vnetName: opts.appVnetName ?? "0a1b2c3d-0000-4000-8000-123456789abc_vnet-app" } }),
  ];
}

const cases: VerdictCase[] = [
  {
    name: "configured as required",
    resource: "mi1",
    status: "pass",
    rows: estate({ useRemote: true, transit: true }),
    evidence: { appVnets: [ids.vnet("vnet-app")], problems: [] },
  },
  {
    name: "vnetName without the GUID prefix",
    resource: "mi1",
    status: "pass",
    rows: estate({ useRemote: true, transit: true, appVnetName: "vnet-app" }),
  },
  {
    name: "MI VNet has its own gateway",
    resource: "mi1",
    status: "fail",
    rows: estate({ useRemote: true, transit: true, miGateway: true }),
    message: ["own gateway"],
  },
  {
    name: "no useRemoteGateways",
    resource: "mi1",
    status: "fail",
    rows: estate({ useRemote: false, transit: true }),
    message: ["does not use remote gateways"],
  },
  {
    name: "no allowGatewayTransit",
    resource: "mi1",
    status: "fail",
    rows: estate({ useRemote: true, transit: false }),
    message: ["does not allow gateway transit"],
  },
  {
    name: "all three settings wrong are all named",
    resource: "mi1",
    status: "fail",
    rows: estate({ useRemote: false, transit: false, miGateway: true }),
    evidence: {
      problems: [
        expect.stringContaining("own gateway"),
        expect.stringContaining("remote gateways"),
        expect.stringContaining("gateway transit"),
      ],
    },
  },
  {
    name: "no peering back",
    resource: "mi1",
    status: "fail",
    rows: estate({ useRemote: true, transit: true, backPeering: false }),
    message: ["no peering back"],
  },
  {
    name: "app VNet name in another subscription does not match",
    resource: "mi1",
    status: "notApplicable",
    rows: estate({ useRemote: false, transit: false, appVnetName: "vnet-elsewhere" }),
  },
  {
    name: "MI VNet without peerings",
    resource: "mi1",
    status: "notApplicable",
    rows: estate({ useRemote: false, transit: false, miPeerings: false }),
  },
  {
    name: "regional integration is not gateway-required",
    resource: "mi1",
    status: "notApplicable",
    rows: [
      vnetRow(
        "vnet-mi",
        ["10.1.0.0/24"],
        [{ name: "snet-mi", prefix: "10.1.0.0/24" }],
        [{ remote: ids.vnet("vnet-app") }],
      ),
      vnetRow(
        "vnet-app",
        ["10.2.0.0/16"],
        [{ name: "snet-app", prefix: "10.2.1.0/24" }],
        [{ remote: ids.vnet("vnet-mi") }],
      ),
      miRow("mi1", miSubnet),
      siteRow("app1", {
        virtualNetworkSubnetId: ids.subnet("vnet-app", "snet-app"),
        siteConfig: { vnetName: "vnet-app" },
      }),
    ],
  },
  {
    name: "peerings of the app VNet not collected",
    resource: "mi1",
    status: "unknown",
    rows: estate({ useRemote: true, transit: true, backPeering: null }),
    message: ["were not collected"],
  },
  {
    name: "peerings of the MI VNet not collected",
    resource: "mi1",
    status: "unknown",
    rows: [
      vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], null),
      miRow("mi1", miSubnet),
    ],
  },
  { name: "MI subnet not in estate", resource: "mi1", status: "unknown", rows: [miRow("mi1", miSubnet)] },
  {
    name: "web apps unreadable",
    resource: "mi1",
    status: "unknown",
    gaps: [{ types: ["microsoft.web/sites"], reason: "403" }],
    rows: estate({ useRemote: false, transit: false, appVnetName: "vnet-elsewhere" }),
  },
  {
    name: "gateways unreadable: a pass is not confirmed",
    resource: "mi1",
    status: "unknown",
    gaps: [{ types: ["microsoft.network/virtualnetworkgateways"], reason: "HTTP 500" }],
    rows: estate({ useRemote: true, transit: true }),
  },
];

verdictTable("mi.peering.app-gateway-transit", cases);
