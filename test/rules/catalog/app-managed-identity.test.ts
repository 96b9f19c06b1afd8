// app.managed-identity: an app that can reach an MI authenticates with a managed identity, not secrets (seed 003).
// App Service identity types: SystemAssigned, UserAssigned, both ("SystemAssigned, UserAssigned"), or None. The app
// reaches an MI through its integration subnet's VNet (regional) or the VNet named by gateway-required integration.
import { ids, miRow, siteRow, vnetRow, type Row } from "../../support/rows";
import { verdictTable } from "./verdict-table";
import { MI_DELEGATION, miSubnet } from "./mi-estates";

/** The app's integration subnet is in the MI's VNet. */
function appEstate(identity: Row | null): Row[] {
  return [
    vnetRow(
      "vnet-mi",
      ["10.1.0.0/16"],
      [
        { name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION },
        { name: "snet-app", prefix: "10.1.1.0/24" },
      ],
    ),
    miRow("mi1", miSubnet),
    siteRow("app1", { virtualNetworkSubnetId: ids.subnet("vnet-mi", "snet-app") }, identity),
  ];
}

/** The app uses gateway-required integration into the MI's VNet (siteConfig.vnetName). */
function gatewayApp(identity: Row | null): Row[] {
  return [
    vnetRow("vnet-mi", ["10.1.0.0/16"], [{ name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION }]),
    miRow("mi1", miSubnet),
    siteRow("app1", { siteConfig: { vnetName: "0a1b2c3d-0000-4000-8000-123456789abc_vnet-mi" } }, identity),
  ];
}

/** The same row in another resource group (the row builders put VNets in rg-net). */
function inResourceGroup(row: Row, rg: string): Row {
  return JSON.parse(JSON.stringify(row).replaceAll("/resourceGroups/rg-net/", `/resourceGroups/${rg}/`)) as Row;
}

verdictTable("app.managed-identity", [
  {
    name: "app with identity reaching an MI",
    resource: "app1",
    status: "pass",
    rows: appEstate({ type: "SystemAssigned" }),
    evidence: { identityType: "SystemAssigned", reachableManagedInstances: [ids.mi("mi1")] },
  },
  { name: "user-assigned identity", resource: "app1", status: "pass", rows: appEstate({ type: "UserAssigned" }) },
  {
    name: "both identity kinds",
    resource: "app1",
    status: "pass",
    rows: appEstate({ type: "SystemAssigned, UserAssigned" }),
  },
  {
    name: "gateway-required integration with identity",
    resource: "app1",
    status: "pass",
    rows: gatewayApp({ type: "SystemAssigned" }),
  },
  {
    name: "app without identity reaching an MI",
    resource: "app1",
    status: "fail",
    rows: appEstate(null),
    message: ["mi1"],
    evidence: { identityType: null },
  },
  { name: "identity type None", resource: "app1", status: "fail", rows: appEstate({ type: "None" }) },
  { name: "identity type none in lower case", resource: "app1", status: "fail", rows: appEstate({ type: " none " }) },
  { name: "identity type empty", resource: "app1", status: "fail", rows: appEstate({ type: "" }) },
  { name: "gateway-required integration without identity", resource: "app1", status: "fail", rows: gatewayApp(null) },
  {
    name: "app without VNet integration",
    resource: "app1",
    status: "notApplicable",
    rows: [siteRow("app1", {}, null)],
  },
  {
    name: "app VNet without MI",
    resource: "app1",
    status: "notApplicable",
    rows: [
      vnetRow("vnet-app", ["10.2.0.0/16"], [{ name: "snet-app", prefix: "10.2.1.0/24" }]),
      siteRow("app1", { virtualNetworkSubnetId: ids.subnet("vnet-app", "snet-app") }, null),
    ],
  },
  {
    name: "integration subnet not in estate",
    resource: "app1",
    status: "unknown",
    rows: [siteRow("app1", { virtualNetworkSubnetId: ids.subnet("vnet-gone", "snet") }, null)],
    evidence: { dataQuality: ["integration subnet missing"] },
  },
  // Gateway-required integration names its VNet (siteConfig.vnetName), looked up in the app's subscription. A name
  // that matches no VNet, or several, leaves which MIs the app reaches unknown: missing data, not "no MI".
  {
    name: "gateway-required VNet name matches no VNet",
    resource: "app1",
    status: "unknown",
    rows: [
      vnetRow("vnet-mi", ["10.1.0.0/16"], [{ name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION }]),
      miRow("mi1", miSubnet),
      siteRow("app1", { siteConfig: { vnetName: "vnet-elsewhere" } }, null),
    ],
    message: ["vnet-elsewhere", "matches no VNet"],
    evidence: { gatewayVnetName: "vnet-elsewhere" },
  },
  {
    name: "gateway-required VNet name matches two VNets (two resource groups)",
    resource: "app1",
    status: "unknown",
    rows: [
      ...gatewayApp(null),
      inResourceGroup(vnetRow("vnet-mi", ["10.9.0.0/16"], [{ name: "snet-x", prefix: "10.9.0.0/24" }]), "rg-other"),
    ],
    message: ["matches several VNets"],
  },
  {
    name: "MIs unreadable: cannot say the app reaches none",
    resource: "app1",
    status: "unknown",
    rows: [
      vnetRow("vnet-app", ["10.2.0.0/16"], [{ name: "snet-app", prefix: "10.2.1.0/24" }]),
      siteRow("app1", { virtualNetworkSubnetId: ids.subnet("vnet-app", "snet-app") }, null),
    ],
    gaps: [{ types: ["microsoft.sql/managedinstances"], reason: "HTTP 403" }],
  },
]);
