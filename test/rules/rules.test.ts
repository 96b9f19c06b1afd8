// Table-driven tests per rule: small named estates, and exactly which verdict each gets.
import { describe, expect, it } from "vitest";
import { findingsFor, verdict } from "../support/evaluate";
import {
  aseRow,
  circuitRow,
  connectionRow,
  gatewayRow,
  ids,
  miRow,
  nicRow,
  nsgRow,
  publicIpRow,
  siteRow,
  vnetRow,
  type Row,
  SUB2,
} from "../support/rows";
import type { Status } from "../../src/rules/rule";
import type { CoverageGap } from "../../src/model/estate";

interface Case {
  name: string;
  rows: Row[];
  rule: string;
  resource: string;
  status: Status;
  trusted?: string[];
  trustOwned?: boolean;
  gaps?: CoverageGap[];
  /** Substrings the message must contain, and evidence fields that must match. */
  message?: string[];
  evidence?: Record<string, unknown>;
}

const MI_DELEGATION = "Microsoft.Sql/managedInstances";
const miSubnet = ids.subnet("vnet-mi", "snet-mi");
const miNsg = ids.nsg("nsg-mi");

/** An MI with the public endpoint on, in a dedicated VNet whose subnet NSG has the given rules. */
function publicMi(rules: unknown[], miProps: Row = {}): Row[] {
  return [
    vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24", nsg: miNsg, delegation: MI_DELEGATION }]),
    nsgRow("nsg-mi", rules),
    miRow("mi1", miSubnet.toUpperCase(), { publicDataEndpointEnabled: true, ...miProps }),
  ];
}

const allow3342 = (name: string, priority: number, source: string | string[]) => ({ name, priority, source, ports: "3342" });
const deny3342 = (name: string, priority: number, source: string | string[] = "*") => ({ name, priority, access: "Deny" as const, source, ports: "3342" });

const cases: Case[] = [
  // ---- mi.public-endpoint.untrusted-source
  { name: "public endpoint off", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "notApplicable", rows: [vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }]), miRow("mi1", miSubnet)] },
  { name: "defaults only: 3342 closed", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "pass", rows: publicMi([]), evidence: { decidingRule: expect.objectContaining({ name: "DenyAllInBound", priority: 65500 }) } },
  { name: "Internet allowed", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "fail", rows: publicMi([allow3342("allow-internet", 200, "Internet")]), message: ["allow-internet", "priority 200"], evidence: { decidingRule: expect.objectContaining({ name: "allow-internet", priority: 200 }) } },
  { name: "* allowed via port range", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "fail", rows: publicMi([{ name: "allow-range", priority: 200, source: "*", ports: "3300-3400" }]) },
  { name: "range that misses 3342 (near miss)", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "pass", rows: publicMi([{ name: "allow-near", priority: 200, source: "*", ports: ["3341", "3343-3400"] }]) },
  { name: "AzureCloud tag is untrusted", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "fail", rows: publicMi([allow3342("allow-azure", 200, "AzureCloud")]), evidence: { exampleUntrustedSource: "AzureCloud" } },
  { name: "configured trusted prefix", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "pass", trusted: ["198.51.100.0/24"], rows: publicMi([allow3342("allow-office", 200, "198.51.100.0/25")]) },
  { name: "range wider than trusted prefix", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "fail", trusted: ["198.51.100.0/24"], rows: publicMi([allow3342("allow-office", 200, "198.51.100.0/23")]) },
  { name: "owned public IP trusted", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "pass", rows: [...publicMi([allow3342("allow-nat", 200, "20.1.2.3")]), publicIpRow("pip-nat", "20.1.2.3")] },
  { name: "owned public IP not trusted with --no-trust-owned-ips", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "fail", trustOwned: false, rows: [...publicMi([allow3342("allow-nat", 200, "20.1.2.3")]), publicIpRow("pip-nat", "20.1.2.3")] },
  { name: "Deny at 300 shadows Allow at 4000", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "pass", rows: publicMi([deny3342("deny-all", 300), allow3342("allow-all", 4000, "*")]), evidence: { decidingRule: expect.objectContaining({ name: "deny-all", priority: 300 }) } },
  { name: "Allow at 200 beats Deny at 300", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "fail", rows: publicMi([allow3342("allow-all", 200, "*"), deny3342("deny-all", 300)]) },
  { name: "ASG source is uncertain", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "unknown", rows: publicMi([{ name: "allow-asg", priority: 200, source: [], ports: "3342", extra: { sourceApplicationSecurityGroups: [{ id: "/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/applicationSecurityGroups/asg" }] } }]) },
  { name: "ASG Allow followed by Allow * is still a certain fail", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "fail", rows: publicMi([{ name: "allow-asg", priority: 200, source: [], ports: "3342", extra: { sourceApplicationSecurityGroups: [{ id: "/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/applicationSecurityGroups/asg" }] } }, allow3342("allow-all", 300, "*")]) },
  { name: "subnet without NSG", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "fail", rows: [vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }]), miRow("mi1", miSubnet, { publicDataEndpointEnabled: true })], message: ["no NSG"] },
  { name: "subnet not in estate", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "unknown", rows: [miRow("mi1", miSubnet, { publicDataEndpointEnabled: true })], message: ["not in the audited estate"] },
  { name: "NSG referenced but missing", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "unknown", rows: [vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24", nsg: miNsg }]), miRow("mi1", miSubnet, { publicDataEndpointEnabled: true })] },
  { name: "null rule in NSG", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "unknown", rows: publicMi([null]) },
  { name: "string rule in NSG", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "unknown", rows: publicMi(["allow everything"]) },
  { name: "malformed public flag", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "unknown", rows: publicMi([], { publicDataEndpointEnabled: "yes please" }) },
  { name: "NSG unreadable in this subscription", rule: "mi.public-endpoint.untrusted-source", resource: "mi1", status: "unknown", rows: publicMi([]), gaps: [{ types: ["microsoft.network/networksecuritygroups"], reason: "HTTP 500 after 5 retries" }], message: ["could not be read"] },

  // ---- mi.subnet.nsg-missing
  { name: "MI subnet with NSG", rule: "mi.subnet.nsg-missing", resource: "mi1", status: "pass", rows: publicMi([]) },
  { name: "MI subnet without NSG", rule: "mi.subnet.nsg-missing", resource: "mi1", status: "fail", rows: [vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }]), miRow("mi1", miSubnet)] },
  { name: "NSG associated only from the NSG side", rule: "mi.subnet.nsg-missing", resource: "mi1", status: "pass", rows: [vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }]), nsgRow("nsg-mi", [], { subnets: [miSubnet.toUpperCase()] }), miRow("mi1", miSubnet)] },
  { name: "MI subnet not in estate", rule: "mi.subnet.nsg-missing", resource: "mi1", status: "unknown", rows: [miRow("mi1", miSubnet)] },
  { name: "MI without subnetId", rule: "mi.subnet.nsg-missing", resource: "mi1", status: "unknown", rows: [miRow("mi1", undefined)] },

  // ---- mi.tls.minimum-version
  ...(
    [
      ["1.2", "pass"],
      ["1.3", "pass"],
      ["1.1", "fail"],
      ["1.0", "fail"],
      ["None", "fail"],
      [undefined, "fail"],
      ["TLS1_2", "pass"],
      ["banana", "unknown"],
      [12, "unknown"],
    ] as [unknown, Status][]
  ).map(([value, status]): Case => ({
    name: `minimalTlsVersion ${JSON.stringify(value)}`,
    rule: "mi.tls.minimum-version",
    resource: "mi1",
    status,
    rows: [miRow("mi1", miSubnet, { minimalTlsVersion: value })],
  })),

  // ---- mi.auth.entra-only
  { name: "Entra-only on", rule: "mi.auth.entra-only", resource: "mi1", status: "pass", rows: [miRow("mi1", miSubnet)] },
  { name: "Entra-only off", rule: "mi.auth.entra-only", resource: "mi1", status: "fail", rows: [miRow("mi1", miSubnet, { administrators: { azureADOnlyAuthentication: false } })] },
  { name: "no administrators block", rule: "mi.auth.entra-only", resource: "mi1", status: "fail", rows: [miRow("mi1", miSubnet, { administrators: undefined })] },
  { name: "child resource overrides administrators", rule: "mi.auth.entra-only", resource: "mi1", status: "fail", rows: [miRow("mi1", miSubnet, {}, { enrichment: { azureADOnlyAuthentication: false } })], evidence: { source: "azureADOnlyAuthentications" } },
  { name: "child resource unreadable", rule: "mi.auth.entra-only", resource: "mi1", status: "unknown", rows: [miRow("mi1", miSubnet, {}, { enrichment: { azureADOnlyAuthentication: { error: "HTTP 403" } } })] },
  { name: "administrators malformed", rule: "mi.auth.entra-only", resource: "mi1", status: "unknown", rows: [miRow("mi1", miSubnet, { administrators: "admins" })] },

  // ---- mi.vnet.dedicated
  { name: "dedicated VNet", rule: "mi.vnet.dedicated", resource: "mi1", status: "pass", rows: publicMi([]) },
  { name: "public endpoint off", rule: "mi.vnet.dedicated", resource: "mi1", status: "notApplicable", rows: [vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }]), miRow("mi1", miSubnet)] },
  {
    name: "shared subnet",
    rule: "mi.vnet.dedicated",
    resource: "mi1",
    status: "fail",
    rows: [vnetRow("vnet-mi", ["10.1.0.0/16"], [{ name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION }, { name: "snet-vm", prefix: "10.1.1.0/24" }]), miRow("mi1", miSubnet, { publicDataEndpointEnabled: true })],
    evidence: { subnetsNotDelegatedToMi: ["snet-vm"] },
  },
  { name: "peered VNet", rule: "mi.vnet.dedicated", resource: "mi1", status: "fail", rows: [vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION }], [{ remote: ids.vnet("hub") }]), miRow("mi1", miSubnet, { publicDataEndpointEnabled: true })] },
  { name: "peerings not collected", rule: "mi.vnet.dedicated", resource: "mi1", status: "unknown", rows: [vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION }], null), miRow("mi1", miSubnet, { publicDataEndpointEnabled: true })] },

  // ---- mi.peering.same-region
  { name: "no peerings", rule: "mi.peering.same-region", resource: "mi1", status: "notApplicable", rows: publicMi([]) },
  { name: "same-region peering", rule: "mi.peering.same-region", resource: "mi1", status: "pass", rows: [vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], [{ remote: ids.vnet("hub").toUpperCase() }]), vnetRow("hub", ["10.0.0.0/16"], []), miRow("mi1", miSubnet)] },
  { name: "global peering", rule: "mi.peering.same-region", resource: "mi1", status: "fail", rows: [vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], [{ remote: ids.vnet("hub") }]), vnetRow("hub", ["10.0.0.0/16"], [], [], { location: "eastus" }), miRow("mi1", miSubnet)], message: ["eastus"] },
  { name: "remote VNet not in estate", rule: "mi.peering.same-region", resource: "mi1", status: "unknown", rows: [vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], [{ remote: ids.vnet("hub", SUB2) }]), miRow("mi1", miSubnet)] },

  // ---- mi.peering.connected
  { name: "connected and in sync", rule: "mi.peering.connected", resource: "mi1", status: "pass", rows: [vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], [{ remote: ids.vnet("hub"), sync: "FullyInSync" }]), miRow("mi1", miSubnet)] },
  { name: "connected, sync level absent", rule: "mi.peering.connected", resource: "mi1", status: "pass", rows: [vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], [{ remote: ids.vnet("hub") }]), miRow("mi1", miSubnet)] },
  { name: "initiated", rule: "mi.peering.connected", resource: "mi1", status: "fail", rows: [vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], [{ remote: ids.vnet("hub"), state: "Initiated" }]), miRow("mi1", miSubnet)] },
  { name: "connected but out of sync", rule: "mi.peering.connected", resource: "mi1", status: "fail", rows: [vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], [{ remote: ids.vnet("hub"), sync: "LocalNotInSync" }]), miRow("mi1", miSubnet)] },
  { name: "no peerings", rule: "mi.peering.connected", resource: "mi1", status: "notApplicable", rows: publicMi([]) },
  { name: "MI VNet missing", rule: "mi.peering.connected", resource: "mi1", status: "unknown", rows: [miRow("mi1", miSubnet)] },

  // ---- mi.peering.app-gateway-transit
  ...gatewayTransitCases(),

  // ---- nsg.sql-inbound-internet
  { name: "unassociated NSG", rule: "nsg.sql-inbound-internet", resource: "nsg-x", status: "notApplicable", rows: [nsgRow("nsg-x", [{ name: "allow-sql", priority: 100, ports: "1433" }])] },
  { name: "1433 open to *", rule: "nsg.sql-inbound-internet", resource: "nsg-x", status: "fail", rows: sqlNsg([{ name: "allow-sql", priority: 100, ports: "1433" }]), evidence: { decidingRule: expect.objectContaining({ name: "allow-sql" }) } },
  { name: "1433 from VirtualNetwork only", rule: "nsg.sql-inbound-internet", resource: "nsg-x", status: "pass", rows: sqlNsg([{ name: "allow-sql", priority: 100, ports: "1433", source: "VirtualNetwork" }]) },
  { name: "1433 from a private range", rule: "nsg.sql-inbound-internet", resource: "nsg-x", status: "pass", rows: sqlNsg([{ name: "allow-sql", priority: 100, ports: "1433", source: "172.16.4.0/22" }]) },
  { name: "1433 from Sql service tag", rule: "nsg.sql-inbound-internet", resource: "nsg-x", status: "fail", rows: sqlNsg([{ name: "allow-sql", priority: 100, ports: "1433", source: "Sql.WestEurope" }]) },
  { name: "UDP 1433 only", rule: "nsg.sql-inbound-internet", resource: "nsg-x", status: "pass", rows: sqlNsg([{ name: "allow-udp", priority: 100, ports: "1433", protocol: "Udp" }]) },
  { name: "IPv6 ::/0", rule: "nsg.sql-inbound-internet", resource: "nsg-x", status: "fail", rows: sqlNsg([{ name: "allow-v6", priority: 100, ports: "1433", source: "::/0" }]) },
  { name: "destination elsewhere", rule: "nsg.sql-inbound-internet", resource: "nsg-x", status: "pass", rows: sqlNsg([{ name: "allow-other-subnet", priority: 100, ports: "1433", destination: "10.9.0.0/24" }]) },
  { name: "malformed CIDR Allow", rule: "nsg.sql-inbound-internet", resource: "nsg-x", status: "unknown", rows: sqlNsg([{ name: "allow-bad", priority: 100, ports: "1433", source: "10.0.0.300/24" }]) },
  { name: "malformed port Allow", rule: "nsg.sql-inbound-internet", resource: "nsg-x", status: "unknown", rows: sqlNsg([{ name: "allow-bad", priority: 100, ports: "14x33", source: "*" }]) },
  {
    name: "NIC-level NSG",
    rule: "nsg.sql-inbound-internet",
    resource: "nsg-nic",
    status: "fail",
    rows: [vnetRow("vnet-vm", ["10.5.0.0/16"], [{ name: "snet-vm", prefix: "10.5.0.0/24" }]), nsgRow("nsg-nic", [{ name: "allow-sql", priority: 100, ports: "1433", source: "Internet" }]), nicRow("nic-sql", ids.subnet("vnet-vm", "snet-vm"), "10.5.0.4", ids.nsg("nsg-nic"))],
  },

  // ---- nsg.app-subnet.sql-outbound
  ...appSubnetCases(),

  // ---- app.managed-identity
  { name: "app with identity reaching an MI", rule: "app.managed-identity", resource: "app1", status: "pass", rows: appEstate({ type: "SystemAssigned" }) },
  { name: "app without identity reaching an MI", rule: "app.managed-identity", resource: "app1", status: "fail", rows: appEstate(null) },
  { name: "identity type None", rule: "app.managed-identity", resource: "app1", status: "fail", rows: appEstate({ type: "None" }) },
  { name: "app without VNet integration", rule: "app.managed-identity", resource: "app1", status: "notApplicable", rows: [siteRow("app1", {}, null)] },
  { name: "app VNet without MI", rule: "app.managed-identity", resource: "app1", status: "notApplicable", rows: [vnetRow("vnet-app", ["10.2.0.0/16"], [{ name: "snet-app", prefix: "10.2.1.0/24" }]), siteRow("app1", { virtualNetworkSubnetId: ids.subnet("vnet-app", "snet-app") }, null)] },
  { name: "integration subnet not in estate", rule: "app.managed-identity", resource: "app1", status: "unknown", rows: [siteRow("app1", { virtualNetworkSubnetId: ids.subnet("vnet-gone", "snet") }, null)] },

  // ---- ase.dedicated-subnet
  { name: "ASE alone in its subnet", rule: "ase.dedicated-subnet", resource: "ase1", status: "pass", rows: [vnetRow("vnet-ase", ["10.3.0.0/16"], [{ name: "snet-ase", prefix: "10.3.0.0/24" }]), aseRow("ase1", ids.subnet("vnet-ase", "snet-ase"))] },
  { name: "NIC in the ASE subnet", rule: "ase.dedicated-subnet", resource: "ase1", status: "fail", rows: [vnetRow("vnet-ase", ["10.3.0.0/16"], [{ name: "snet-ase", prefix: "10.3.0.0/24" }]), aseRow("ase1", ids.subnet("vnet-ase", "snet-ase")), nicRow("nic-vm", ids.subnet("vnet-ase", "snet-ase").toUpperCase(), "10.3.0.10")] },
  { name: "NIC known only from the subnet's ip configurations", rule: "ase.dedicated-subnet", resource: "ase1", status: "fail", rows: [vnetRow("vnet-ase", ["10.3.0.0/16"], [{ name: "snet-ase", prefix: "10.3.0.0/24", ipConfigurations: [`${ids.nic("nic-vm")}/ipConfigurations/ipconfig1`] }]), aseRow("ase1", ids.subnet("vnet-ase", "snet-ase"))] },
  { name: "ASE subnet not in estate", rule: "ase.dedicated-subnet", resource: "ase1", status: "unknown", rows: [aseRow("ase1", ids.subnet("vnet-ase", "snet-ase"))] },
  { name: "ASE without subnet", rule: "ase.dedicated-subnet", resource: "ase1", status: "unknown", rows: [aseRow("ase1", undefined)] },
  { name: "NICs unreadable", rule: "ase.dedicated-subnet", resource: "ase1", status: "unknown", gaps: [{ types: ["microsoft.network/networkinterfaces"], subscriptionIds: ["11111111-1111-1111-1111-111111111111"], reason: "throttled" }], rows: [vnetRow("vnet-ase", ["10.3.0.0/16"], [{ name: "snet-ase", prefix: "10.3.0.0/24" }]), aseRow("ase1", ids.subnet("vnet-ase", "snet-ase"))] },

  // ---- expressroute.microsoft-peering
  ...expressRouteCases(),
];

function sqlNsg(rules: unknown[]): Row[] {
  return [vnetRow("vnet-sql", ["10.4.0.0/16"], [{ name: "snet-sql", prefix: "10.4.0.0/24", nsg: ids.nsg("nsg-x") }]), nsgRow("nsg-x", rules)];
}

function appEstate(identity: Row | null): Row[] {
  return [
    vnetRow("vnet-mi", ["10.1.0.0/16"], [{ name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION }, { name: "snet-app", prefix: "10.1.1.0/24" }]),
    miRow("mi1", miSubnet),
    siteRow("app1", { virtualNetworkSubnetId: ids.subnet("vnet-mi", "snet-app") }, identity),
  ];
}

function gatewayTransitCases(): Case[] {
  const estate = (opts: { useRemote: boolean; transit: boolean; miGateway?: boolean; backPeering?: boolean; appVnetName?: string }): Row[] => [
    vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], [{ name: "mi-to-app", remote: ids.vnet("vnet-app"), useRemoteGateways: opts.useRemote }]),
    vnetRow("vnet-app", ["10.2.0.0/16"], [{ name: "GatewaySubnet", prefix: "10.2.255.0/27" }], opts.backPeering === false ? [] : [{ name: "app-to-mi", remote: ids.vnet("vnet-mi"), allowGatewayTransit: opts.transit }]),
    gatewayRow("vgw-app", ids.vnet("vnet-app"), "Vpn"),
    ...(opts.miGateway ? [gatewayRow("vgw-mi", ids.vnet("vnet-mi"))] : []),
    miRow("mi1", miSubnet),
    siteRow("app1", { siteConfig: { vnetName: opts.appVnetName ?? "0a1b2c3d-0000-4000-8000-123456789abc_vnet-app" } }),
  ];
  const rule = "mi.peering.app-gateway-transit";
  return [
    { name: "configured as required", rule, resource: "mi1", status: "pass", rows: estate({ useRemote: true, transit: true }) },
    { name: "MI VNet has its own gateway", rule, resource: "mi1", status: "fail", rows: estate({ useRemote: true, transit: true, miGateway: true }), message: ["own gateway"] },
    { name: "no useRemoteGateways", rule, resource: "mi1", status: "fail", rows: estate({ useRemote: false, transit: true }), message: ["does not use remote gateways"] },
    { name: "no allowGatewayTransit", rule, resource: "mi1", status: "fail", rows: estate({ useRemote: true, transit: false }), message: ["does not allow gateway transit"] },
    { name: "no peering back", rule, resource: "mi1", status: "fail", rows: estate({ useRemote: true, transit: true, backPeering: false }) },
    { name: "app VNet name in another subscription does not match", rule, resource: "mi1", status: "notApplicable", rows: estate({ useRemote: false, transit: false, appVnetName: "vnet-elsewhere" }) },
    {
      name: "regional integration is not gateway-required",
      rule,
      resource: "mi1",
      status: "notApplicable",
      rows: [
        vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], [{ remote: ids.vnet("vnet-app") }]),
        vnetRow("vnet-app", ["10.2.0.0/16"], [{ name: "snet-app", prefix: "10.2.1.0/24" }], [{ remote: ids.vnet("vnet-mi") }]),
        miRow("mi1", miSubnet),
        siteRow("app1", { virtualNetworkSubnetId: ids.subnet("vnet-app", "snet-app"), siteConfig: { vnetName: "vnet-app" } }),
      ],
    },
    { name: "web apps unreadable", rule, resource: "mi1", status: "unknown", gaps: [{ types: ["microsoft.web/sites"], reason: "403" }], rows: estate({ useRemote: false, transit: false, appVnetName: "vnet-elsewhere" }) },
  ];
}

function appSubnetCases(): Case[] {
  const rule = "nsg.app-subnet.sql-outbound";
  const appNsg = ids.nsg("nsg-app");
  const estate = (rules: unknown[] | null, proxyOverride = "Default", peeringState = "Connected"): Row[] => [
    vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION }], [{ remote: ids.vnet("vnet-app"), state: peeringState }]),
    vnetRow("vnet-app", ["10.2.0.0/16"], [{ name: "snet-app", prefix: "10.2.1.0/24", ...(rules === null ? {} : { nsg: appNsg }) }], [{ remote: ids.vnet("vnet-mi") }]),
    ...(rules === null ? [] : [nsgRow("nsg-app", rules)]),
    miRow("mi1", miSubnet, { proxyOverride }),
    siteRow("app1", { virtualNetworkSubnetId: ids.subnet("vnet-app", "snet-app") }),
  ];
  const out = (name: string, priority: number, ports: string | string[], access: "Allow" | "Deny" = "Deny", destination = "10.1.0.0/24") => ({ name, priority, ports, access, destination, direction: "Outbound" as const });
  return [
    { name: "no NSG on app subnet", rule, resource: "snet-app", status: "pass", rows: estate(null) },
    { name: "defaults allow VNet outbound", rule, resource: "snet-app", status: "pass", rows: estate([]) },
    { name: "1433 denied", rule, resource: "snet-app", status: "fail", rows: estate([out("deny-sql", 100, "1433")]), message: ["deny-sql"] },
    { name: "redirect ports denied, proxy MI", rule, resource: "snet-app", status: "pass", rows: estate([out("deny-redirect", 100, "11000-11999")]) },
    { name: "redirect ports partly denied, redirect MI", rule, resource: "snet-app", status: "fail", rows: estate([out("deny-some", 100, "11500")], "Redirect") },
    { name: "deny all outbound but allow 1433 first", rule, resource: "snet-app", status: "pass", rows: estate([out("allow-sql", 100, "1433", "Allow"), out("deny-all", 200, "*", "Deny", "*")]) },
    { name: "peering not connected: MI unreachable", rule, resource: "snet-app", status: "notApplicable", rows: estate([out("deny-sql", 100, "1433")], "Default", "Disconnected") },
    { name: "Deny 1433 to Internet does not block the MI", rule, resource: "snet-app", status: "pass", rows: estate([out("deny-internet-sql", 100, "1433", "Deny", "Internet")]) },
    { name: "malformed destination Deny", rule, resource: "snet-app", status: "unknown", rows: estate([out("deny-bad", 100, "1433", "Deny", "10.1.0/24")]) },
  ];
}

function expressRouteCases(): Case[] {
  const rule = "expressroute.microsoft-peering";
  const estate = (peerings: [string, string][] | null, opts: { publicEndpoint?: boolean; viaHub?: boolean; connected?: boolean } = {}): Row[] => {
    const viaHub = opts.viaHub ?? false;
    const gwVnet = viaHub ? ids.vnet("hub") : ids.vnet("vnet-mi");
    return [
      vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], viaHub ? [{ remote: ids.vnet("hub"), useRemoteGateways: true }] : []),
      ...(viaHub ? [vnetRow("hub", ["10.0.0.0/16"], [{ name: "GatewaySubnet", prefix: "10.0.0.0/27" }], [{ remote: ids.vnet("vnet-mi"), allowGatewayTransit: true }])] : []),
      gatewayRow("vgw", gwVnet),
      circuitRow("er1", peerings),
      ...(opts.connected === false ? [] : [connectionRow("conn1", ids.gateway("vgw").toUpperCase(), ids.circuit("er1"))]),
      miRow("mi1", miSubnet, { publicDataEndpointEnabled: opts.publicEndpoint ?? true }),
    ];
  };
  return [
    { name: "Microsoft peering enabled", rule, resource: "er1", status: "pass", rows: estate([["AzurePrivatePeering", "Enabled"], ["MicrosoftPeering", "Enabled"]]) },
    { name: "private peering only", rule, resource: "er1", status: "fail", rows: estate([["AzurePrivatePeering", "Enabled"]]), message: ["no Microsoft peering"] },
    { name: "Microsoft peering disabled", rule, resource: "er1", status: "fail", rows: estate([["MicrosoftPeering", "Disabled"]]) },
    { name: "through the hub via useRemoteGateways", rule, resource: "er1", status: "fail", rows: estate([["AzurePrivatePeering", "Enabled"]], { viaHub: true }) },
    { name: "MI public endpoint off", rule, resource: "er1", status: "notApplicable", rows: estate([["AzurePrivatePeering", "Enabled"]], { publicEndpoint: false }) },
    { name: "circuit not connected", rule, resource: "er1", status: "notApplicable", rows: estate([["AzurePrivatePeering", "Enabled"]], { connected: false }) },
    { name: "peerings not collected", rule, resource: "er1", status: "unknown", rows: estate(null) },
  ];
}

describe("rule catalog verdicts", () => {
  it.each(cases.map((c) => [`${c.rule}: ${c.name} → ${c.status}`, c] as const))("%s", (_label, c) => {
    const findings = findingsFor(c.rows, { trusted: c.trusted, trustOwned: c.trustOwned, gaps: c.gaps });
    const finding = verdict(findings, c.rule, c.resource);
    expect(finding.status, finding.message).toBe(c.status);
    expect(finding.message.length).toBeGreaterThan(10);
    for (const text of c.message ?? []) expect(finding.message).toContain(text);
    if (c.evidence) expect(finding.evidence).toMatchObject(c.evidence);
  });

  it("covers every rule with pass, fail and notApplicable-or-unknown cases", () => {
    const byRule = new Map<string, Set<Status>>();
    for (const c of cases) byRule.set(c.rule, (byRule.get(c.rule) ?? new Set()).add(c.status));
    expect([...byRule.keys()].sort()).toHaveLength(13);
    for (const [rule, statuses] of byRule) {
      expect(statuses.has("pass"), `${rule} pass`).toBe(true);
      expect(statuses.has("fail"), `${rule} fail`).toBe(true);
      expect(statuses.has("unknown"), `${rule} unknown`).toBe(true);
    }
  });
});
