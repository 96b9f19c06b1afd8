// nsg.sql-inbound-internet: no NSG in use admits untrusted sources on TCP 1433. Seed 004: the default rules already
// limit access to the virtual network, so only an Allow that widens that exposes SQL. Microsoft's NSG semantics:
// five-tuple match, first match by priority, the client picks its source port, one address family per rule. An NSG
// counts when it is associated with a subnet or a NIC (network-security-groups-overview).
import { expect } from "vitest";
import { ids, miRow, nicRow, nsgRow, vnetRow, type Row, type RuleSpec } from "../../support/rows";
import { verdictTable, type VerdictCase } from "./verdict-table";
import { MI_DELEGATION, miNsg, miSubnet } from "./mi-estates";

/** NSG nsg-x on subnet snet-sql (10.4.0.0/24) of vnet-sql. */
function sqlNsg(rules: unknown[]): Row[] {
  return [
    vnetRow("vnet-sql", ["10.4.0.0/16"], [{ name: "snet-sql", prefix: "10.4.0.0/24", nsg: ids.nsg("nsg-x") }]),
    nsgRow("nsg-x", rules),
  ];
}

/** NSG nsg-nic on NIC nic-sql (10.5.0.4) only; its subnet has no NSG. */
function nicNsg(rules: unknown[]): Row[] {
  return [
    vnetRow("vnet-vm", ["10.5.0.0/16"], [{ name: "snet-vm", prefix: "10.5.0.0/24" }]),
    nsgRow("nsg-nic", rules),
    nicRow("nic-sql", ids.subnet("vnet-vm", "snet-vm"), "10.5.0.4", ids.nsg("nsg-nic")),
  ];
}

/** The MI subnet's NSG nsg-mi (associated from both sides) holding `rules`, with a public-endpoint MI in it. */
function miSubnetNsg(rules: RuleSpec[]): Row[] {
  return [
    vnetRow(
      "vnet-mi",
      ["10.1.0.0/16"],
      [{ name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION, nsg: miNsg }],
      [],
    ),
    nsgRow("nsg-mi", rules, { subnets: [miSubnet] }),
    miRow("sqlmi-1", miSubnet, { publicDataEndpointEnabled: true }),
  ];
}

const allowSql = (extra: Partial<RuleSpec> = {}): RuleSpec => ({
  name: "allow-sql",
  priority: 100,
  ports: "1433",
  ...extra,
});
const sourcePorts = (ports: string) => ({ sourcePortRange: ports });

const cases: VerdictCase[] = [
  { name: "unassociated NSG", resource: "nsg-x", status: "notApplicable", rows: [nsgRow("nsg-x", [allowSql()])] },
  {
    name: "unassociated NSG with malformed rules",
    resource: "nsg-x",
    status: "notApplicable",
    rows: [nsgRow("nsg-x", [null])],
  },
  {
    name: "defaults only: VirtualNetwork and the load balancer",
    resource: "nsg-x",
    status: "pass",
    rows: sqlNsg([]),
    evidence: { port: 1433, decidingRule: expect.objectContaining({ name: "DenyAllInBound" }) },
  },
  {
    name: "1433 open to *",
    resource: "nsg-x",
    status: "fail",
    rows: sqlNsg([allowSql()]),
    evidence: { decidingRule: expect.objectContaining({ name: "allow-sql" }) },
  },
  {
    name: "1433 open to Internet",
    resource: "nsg-x",
    status: "fail",
    rows: sqlNsg([allowSql({ source: "Internet" })]),
    message: ["allow-sql"],
  },
  {
    name: "1433 from VirtualNetwork only",
    resource: "nsg-x",
    status: "pass",
    rows: sqlNsg([allowSql({ source: "VirtualNetwork" })]),
  },
  {
    name: "1433 from a private range",
    resource: "nsg-x",
    status: "pass",
    rows: sqlNsg([allowSql({ source: "172.16.4.0/22" })]),
  },
  {
    name: "1433 from a configured trusted prefix",
    resource: "nsg-x",
    status: "pass",
    trusted: ["198.51.100.0/24"],
    rows: sqlNsg([allowSql({ source: "198.51.100.0/24" })]),
  },
  {
    name: "1433 from a public range outside the trusted list",
    resource: "nsg-x",
    status: "fail",
    trusted: ["198.51.100.0/24"],
    rows: sqlNsg([allowSql({ source: "198.51.101.0/24" })]),
  },
  {
    name: "1433 from Sql service tag",
    resource: "nsg-x",
    status: "fail",
    rows: sqlNsg([allowSql({ source: "Sql.WestEurope" })]),
  },
  {
    name: "UDP 1433 only",
    resource: "nsg-x",
    status: "pass",
    rows: sqlNsg([allowSql({ name: "allow-udp", protocol: "Udp" })]),
  },
  { name: "protocol * includes TCP", resource: "nsg-x", status: "fail", rows: sqlNsg([allowSql({ protocol: "*" })]) },
  {
    name: "an outbound Allow admits nothing",
    resource: "nsg-x",
    status: "pass",
    rows: sqlNsg([allowSql({ direction: "Outbound" })]),
  },
  {
    name: "near miss: 1432 and 1434-1500",
    resource: "nsg-x",
    status: "pass",
    rows: sqlNsg([allowSql({ ports: ["1432", "1434-1500"] })]),
  },
  {
    name: "a range that starts at 1433",
    resource: "nsg-x",
    status: "fail",
    rows: sqlNsg([allowSql({ ports: "1433-1500" })]),
  },
  {
    name: "IPv6 ::/0",
    resource: "nsg-x",
    status: "fail",
    rows: sqlNsg([allowSql({ name: "allow-v6", source: "::/0" })]),
  },
  {
    name: "destination elsewhere",
    resource: "nsg-x",
    status: "pass",
    rows: sqlNsg([allowSql({ name: "allow-other-subnet", destination: "10.9.0.0/24" })]),
  },
  {
    name: "Deny at 100 shadows Allow * at 200",
    resource: "nsg-x",
    status: "pass",
    rows: sqlNsg([{ name: "deny-sql", priority: 100, access: "Deny", ports: "1433" }, allowSql({ priority: 200 })]),
    evidence: { decidingRule: expect.objectContaining({ name: "deny-sql", priority: 100 }) },
  },
  {
    name: "malformed CIDR Allow",
    resource: "nsg-x",
    status: "unknown",
    rows: sqlNsg([allowSql({ name: "allow-bad", source: "10.0.0.300/24" })]),
  },
  {
    name: "malformed port Allow",
    resource: "nsg-x",
    status: "unknown",
    rows: sqlNsg([allowSql({ name: "allow-bad", ports: "14x33", source: "*" })]),
  },
  {
    name: "rule without a priority",
    resource: "nsg-x",
    status: "unknown",
    rows: sqlNsg([
      {
        name: "no-priority",
        properties: {
          direction: "Inbound",
          access: "Allow",
          protocol: "Tcp",
          sourceAddressPrefix: "*",
          destinationAddressPrefix: "*",
          sourcePortRange: "*",
          destinationPortRange: "1433",
        },
      },
    ]),
  },
  {
    name: "VNets unreadable in this subscription: a pass is not confirmed",
    resource: "nsg-x",
    status: "unknown",
    rows: sqlNsg([]),
    gaps: [{ types: ["microsoft.network/virtualnetworks"], reason: "HTTP 500" }],
  },
  { name: "NIC-level NSG", resource: "nsg-nic", status: "fail", rows: nicNsg([allowSql({ source: "Internet" })]) },
  {
    name: "NIC-level NSG open only to a private range",
    resource: "nsg-nic",
    status: "pass",
    rows: nicNsg([allowSql({ source: "10.0.0.0/8" })]),
  },
  {
    name: "NIC-level NSG whose rule targets another address",
    resource: "nsg-nic",
    status: "pass",
    rows: nicNsg([allowSql({ source: "Internet", destination: "10.5.0.5/32" })]),
  },

  // The MI subnet's NSG, as in the issue that opened with 3342 and 1433 open to every client port.
  {
    name: "Allow Internet on 1433 from client ports 1024-65535: every client picks one",
    resource: "nsg-mi",
    status: "fail",
    trusted: ["203.0.113.0/24"],
    rows: miSubnetNsg([
      { name: "AllowInternet3342", priority: 100, source: "Internet", ports: "3342", extra: sourcePorts("1024-65535") },
      { name: "AllowInternet1433", priority: 110, source: "Internet", ports: "1433", extra: sourcePorts("1024-65535") },
    ]),
    evidence: { exampleSourcePorts: "1024-65535" },
  },
  {
    name: "a Deny on low client ports before Allow Internet protects nobody",
    resource: "nsg-mi",
    status: "fail",
    trusted: ["203.0.113.0/24"],
    rows: miSubnetNsg([
      { name: "DenyLowPorts", priority: 100, access: "Deny", ports: ["1433", "3342"], extra: sourcePorts("0-1023") },
      { name: "AllowInternet", priority: 200, source: "Internet", ports: ["1433", "3342"] },
    ]),
  },
  {
    name: "Deny 0.0.0.0/0 and Deny ::/0 before an Allow of AzureCloud close every tag",
    resource: "nsg-mi",
    status: "pass",
    trusted: ["203.0.113.0/24"],
    rows: miSubnetNsg([
      { name: "AllowPartner", priority: 100, source: "203.0.113.0/24", ports: ["1433", "3342"] },
      { name: "DenyAllV4", priority: 200, access: "Deny", source: "0.0.0.0/0", ports: ["1433", "3342"] },
      { name: "DenyAllV6", priority: 210, access: "Deny", source: "::/0", ports: ["1433", "3342"] },
      { name: "AllowAzureCloud", priority: 300, source: "AzureCloud", ports: ["1433", "3342"] },
    ]),
  },
  {
    name: "only IPv4 denied before an Allow of AzureCloud: its IPv6 addresses may get in",
    resource: "nsg-mi",
    status: "unknown",
    trusted: ["203.0.113.0/24"],
    rows: miSubnetNsg([
      { name: "DenyAllV4", priority: 200, access: "Deny", source: "0.0.0.0/0", ports: ["1433", "3342"] },
      { name: "AllowAzureCloud", priority: 300, source: "AzureCloud", ports: ["1433", "3342"] },
    ]),
  },
];

verdictTable("nsg.sql-inbound-internet", cases);
