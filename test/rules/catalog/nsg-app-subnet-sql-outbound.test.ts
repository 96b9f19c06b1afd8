// nsg.app-subnet.sql-outbound: an App Service integration subnet that can reach an MI lets TCP 1433 out to it, and
// 11000-11999 too when the MI uses Redirect. Seed 000 says "11000-12000"; connection-types-overview.md gives the
// redirect range as 11000-11999, so a Deny on 12000 alone blocks nothing. A subnet without an app gets no finding.
// The app's stack picks an ephemeral source port, so a Deny on some source ports fails the connections that draw one.
import { expect } from "vitest";
import { ids, miRow, nsgRow, siteRow, vnetRow, type Row, type RuleSpec } from "../../support/rows";
import { verdictTable, type VerdictCase } from "./verdict-table";
import { MI_DELEGATION, miSubnet } from "./mi-estates";

const appNsg = ids.nsg("nsg-app");

/** App VNet peered with the MI VNet; `rules` null leaves the app subnet without NSG. */
function estate(
  rules: unknown[] | null,
  proxyOverride: string | undefined = "Default",
  peeringState = "Connected",
): Row[] {
  return [
    vnetRow(
      "vnet-mi",
      ["10.1.0.0/24"],
      [{ name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION }],
      [{ remote: ids.vnet("vnet-app"), state: peeringState }],
    ),
    vnetRow(
      "vnet-app",
      ["10.2.0.0/16"],
      [{ name: "snet-app", prefix: "10.2.1.0/24", ...(rules === null ? {} : { nsg: appNsg }) }],
      [{ remote: ids.vnet("vnet-mi") }],
    ),
    ...(rules === null ? [] : [nsgRow("nsg-app", rules)]),
    miRow("mi1", miSubnet, { proxyOverride }),
    siteRow("app1", { virtualNetworkSubnetId: ids.subnet("vnet-app", "snet-app") }),
  ];
}

/** MI and app in one VNet; the app subnet's NSG holds `rules`. */
function sharedVnet(rules: RuleSpec[]): Row[] {
  const appSubnet = ids.subnet("vnet-shared", "snet-app");
  return [
    vnetRow(
      "vnet-shared",
      ["10.1.0.0/16"],
      [
        { name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION },
        { name: "snet-app", prefix: "10.1.1.0/24", nsg: appNsg },
      ],
      [],
    ),
    nsgRow("nsg-app", rules, { subnets: [appSubnet] }),
    miRow("sqlmi-1", ids.subnet("vnet-shared", "snet-mi"), { publicDataEndpointEnabled: false }),
    siteRow("app1", { virtualNetworkSubnetId: appSubnet }),
  ];
}

const out = (
  name: string,
  priority: number,
  ports: string | string[],
  access: "Allow" | "Deny" = "Deny",
  destination = "10.1.0.0/24",
) => ({ name, priority, ports, access, destination, direction: "Outbound" as const });
const fromSourcePorts = (name: string, access: "Allow" | "Deny", sourcePortRange: string): RuleSpec => ({
  ...out(name, 100, "1433", access),
  extra: { sourcePortRange },
});

const cases: VerdictCase[] = [
  {
    name: "no NSG on app subnet",
    resource: "snet-app",
    status: "pass",
    rows: estate(null),
    evidence: { nsg: null, managedInstances: [ids.mi("mi1")] },
  },
  { name: "defaults allow VNet outbound", resource: "snet-app", status: "pass", rows: estate([]) },
  {
    name: "1433 denied",
    resource: "snet-app",
    status: "fail",
    rows: estate([out("deny-sql", 100, "1433")]),
    message: ["deny-sql"],
    evidence: { decidingRule: expect.objectContaining({ name: "deny-sql" }) },
  },
  {
    name: "1433 denied to VirtualNetwork",
    resource: "snet-app",
    status: "fail",
    rows: estate([out("deny-vnet-sql", 100, "1433", "Deny", "VirtualNetwork")]),
  },
  {
    name: "1433 denied over UDP only",
    resource: "snet-app",
    status: "pass",
    rows: estate([{ ...out("deny-udp", 100, "1433"), protocol: "Udp" }]),
  },
  {
    name: "1433 denied inbound only",
    resource: "snet-app",
    status: "pass",
    rows: estate([{ ...out("deny-in", 100, "1433"), direction: "Inbound" as const }]),
  },
  {
    name: "near miss: 1432 and 1434 denied",
    resource: "snet-app",
    status: "pass",
    rows: estate([out("deny-near", 100, ["1432", "1434"])]),
  },
  {
    name: "redirect ports denied, proxy MI",
    resource: "snet-app",
    status: "pass",
    rows: estate([out("deny-redirect", 100, "11000-11999")]),
  },
  {
    name: "redirect ports denied, proxy MI written Proxy",
    resource: "snet-app",
    status: "pass",
    rows: estate([out("deny-redirect", 100, "11000-11999")], "Proxy"),
  },
  {
    name: "redirect ports partly denied, redirect MI",
    resource: "snet-app",
    status: "fail",
    rows: estate([out("deny-some", 100, "11500")], "Redirect"),
  },
  {
    name: "first redirect port denied, redirect MI",
    resource: "snet-app",
    status: "fail",
    rows: estate([out("deny-first", 100, "11000")], "Redirect"),
    message: ["11000-11999"],
  },
  {
    name: "last redirect port (11999) denied, redirect MI",
    resource: "snet-app",
    status: "fail",
    rows: estate([out("deny-last", 100, "11999")], "redirect"),
  },
  {
    name: "12000 denied, redirect MI: outside 11000-11999",
    resource: "snet-app",
    status: "pass",
    rows: estate([out("deny-12000", 100, "12000")], "Redirect"),
  },
  {
    name: "1433 denied, redirect MI",
    resource: "snet-app",
    status: "fail",
    rows: estate([out("deny-sql", 100, "1433")], "Redirect"),
    message: ["TCP 1433"],
  },
  {
    name: "deny all outbound but allow 1433 first",
    resource: "snet-app",
    status: "pass",
    rows: estate([out("allow-sql", 100, "1433", "Allow"), out("deny-all", 200, "*", "Deny", "*")]),
  },
  {
    name: "deny all outbound first, allow 1433 after",
    resource: "snet-app",
    status: "fail",
    rows: estate([out("deny-all", 100, "*", "Deny", "*"), out("allow-sql", 200, "1433", "Allow")]),
    message: ["deny-all"],
  },
  {
    name: "Deny 1433 to Internet does not block the MI",
    resource: "snet-app",
    status: "pass",
    rows: estate([out("deny-internet-sql", 100, "1433", "Deny", "Internet")]),
  },
  {
    name: "Deny 1433 to another private range does not block the MI",
    resource: "snet-app",
    status: "pass",
    rows: estate([out("deny-other", 100, "1433", "Deny", "10.9.0.0/16")]),
  },
  {
    name: "peering not connected: MI unreachable",
    resource: "snet-app",
    status: "notApplicable",
    rows: estate([out("deny-sql", 100, "1433")], "Default", "Disconnected"),
  },
  {
    name: "a subnet without an app gets no finding",
    resource: "snet-mi",
    status: "noFinding",
    rows: estate([out("deny-sql", 100, "1433")]),
  },
  {
    name: "malformed destination Deny",
    resource: "snet-app",
    status: "unknown",
    rows: estate([out("deny-bad", 100, "1433", "Deny", "10.1.0/24")]),
  },
  { name: "null rule in the app NSG", resource: "snet-app", status: "unknown", rows: estate([null]) },
  {
    name: "NSG referenced but missing",
    resource: "snet-app",
    status: "unknown",
    rows: estate([out("deny-sql", 100, "1433")]).filter(
      (row) => row["type"] !== "microsoft.network/networksecuritygroups",
    ),
  },
  {
    name: "NSGs unreadable in this subscription: a pass is not confirmed",
    resource: "snet-app",
    status: "unknown",
    rows: estate([]),
    gaps: [{ types: ["microsoft.network/networksecuritygroups"], reason: "HTTP 500" }],
  },
  {
    name: "MIs unreadable: cannot say the subnet reaches no MI",
    resource: "snet-app",
    status: "unknown",
    rows: estate([], "Default", "Disconnected"),
    gaps: [{ types: ["microsoft.sql/managedinstances"], reason: "HTTP 403" }],
  },

  // Source ports: the app's stack picks an ephemeral one (Windows: 49152-65535).
  {
    name: "a Deny on Windows' ephemeral range fails, naming the source ports whose connections fail",
    resource: "snet-app",
    status: "fail",
    rows: sharedVnet([fromSourcePorts("DenyEphemeral", "Deny", "49152-65535")]),
    message: ["for connections from source ports 49152-65535"],
    evidence: { decidingRule: expect.objectContaining({ name: "DenyEphemeral" }) },
  },
  {
    name: "a Deny on well-known source ports only never meets an ephemeral port",
    resource: "snet-app",
    status: "pass",
    rows: sharedVnet([fromSourcePorts("DenyLowPorts", "Deny", "0-1023")]),
  },
];

verdictTable("nsg.app-subnet.sql-outbound", cases);
