#!/usr/bin/env node
// Writes samples/estate.json: a small but realistic estate of three subscriptions (prod, dev, connectivity) with a
// passing and a failing case for every rule. Run `node samples/build-sample-estate.mjs` after editing; the JSON is
// committed so that `npm start` needs nothing but the clone. References deliberately mix upper and lower case, as real
// ARM payloads do.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const SUB = {
  prod: "6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
  dev: "7c2d1e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f",
  conn: "8d3e2f5a-6b7c-4d8e-8f9a-1b2c3d4e5f60",
};

const rows = [];
const id = (sub, rg, provider, ...path) => `/subscriptions/${sub}/resourceGroups/${rg}/providers/${provider}/${path.join("/")}`;
const upper = (text) => text.replace(/\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)/, (_, s, g) => `/subscriptions/${s.toUpperCase()}/resourceGroups/${g.toUpperCase()}`);
const base = (type, sub, rg, name, location, resourceId, extra = {}) => ({
  id: resourceId,
  name,
  type,
  location,
  subscriptionId: sub,
  resourceGroup: rg,
  tags: extra.tags ?? {},
  identity: extra.identity ?? null,
  sku: extra.sku ?? null,
  kind: extra.kind ?? "",
  properties: extra.properties ?? {},
});

// ---------- NSGs ----------
const rule = (name, priority, direction, access, protocol, src, dst, ports, extra = {}) => ({
  name,
  properties: {
    protocol,
    sourcePortRange: "*",
    ...(Array.isArray(src) ? { sourceAddressPrefixes: src } : { sourceAddressPrefix: src }),
    ...(Array.isArray(dst) ? { destinationAddressPrefixes: dst } : { destinationAddressPrefix: dst }),
    ...(Array.isArray(ports) ? { destinationPortRanges: ports } : { destinationPortRange: ports }),
    access,
    priority,
    direction,
    ...extra,
  },
});
const miManagementRules = [
  rule("allow_management_inbound", 100, "Inbound", "Allow", "Tcp", "SqlManagement", "*", ["9000", "9003", "1438", "1440", "1452"], { description: "MI management traffic" }),
  rule("allow_misubnet_inbound", 200, "Inbound", "Allow", "*", "10.10.0.0/24", "*", "*"),
  rule("allow_health_probe_inbound", 300, "Inbound", "Allow", "*", "AzureLoadBalancer", "*", "*"),
];
const nsg = (sub, rg, name, location, securityRules, subnets = [], nics = [], extra = {}) => {
  const nsgId = id(sub, rg, "Microsoft.Network", "networkSecurityGroups", name);
  const row = base("microsoft.network/networksecuritygroups", sub, rg, name, location, nsgId, {
    properties: {
      provisioningState: "Succeeded",
      securityRules,
      ...(extra.omitDefaults ? {} : { defaultSecurityRules: defaultRules() }),
      subnets: subnets.map((s) => ({ id: s })),
      networkInterfaces: nics.map((n) => ({ id: n })),
    },
    tags: extra.tags,
  });
  rows.push(row);
  return nsgId;
};
function defaultRules() {
  const d = (name, priority, direction, access, src, dst, description) => ({
    name,
    properties: { description, protocol: "*", sourcePortRange: "*", destinationPortRange: "*", sourceAddressPrefix: src, destinationAddressPrefix: dst, access, priority, direction },
  });
  return [
    d("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork", "Allow inbound traffic from all VMs in VNET"),
    d("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*", "Allow inbound traffic from azure load balancer"),
    d("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*", "Deny all inbound traffic"),
    d("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork", "Allow outbound traffic from all VMs to all VMs in VNET"),
    d("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet", "Allow outbound traffic from all VMs to Internet"),
    d("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*", "Deny all outbound traffic"),
  ];
}

// ---------- VNets ----------
const subnet = (vnetId, name, prefix, { nsgId, delegation, ipConfigurations = [] } = {}) => ({
  name,
  id: `${vnetId}/subnets/${name}`,
  properties: {
    provisioningState: "Succeeded",
    addressPrefix: prefix,
    ...(nsgId ? { networkSecurityGroup: { id: nsgId } } : {}),
    delegations: delegation ? [{ name: "delegation", properties: { serviceName: delegation } }] : [],
    ipConfigurations: ipConfigurations.map((c) => ({ id: c })),
  },
});
const peering = (name, remoteId, remotePrefixes, opts = {}) => ({
  name,
  properties: {
    peeringState: opts.state ?? "Connected",
    peeringSyncLevel: opts.sync ?? "FullyInSync",
    remoteVirtualNetwork: { id: remoteId },
    allowVirtualNetworkAccess: true,
    allowForwardedTraffic: opts.forwarded ?? false,
    allowGatewayTransit: opts.gatewayTransit ?? false,
    useRemoteGateways: opts.remoteGateways ?? false,
    remoteAddressSpace: { addressPrefixes: remotePrefixes },
  },
});
const vnet = (sub, rg, name, location, prefixes, subnets, peerings) => {
  const vnetId = id(sub, rg, "Microsoft.Network", "virtualNetworks", name);
  rows.push(
    base("microsoft.network/virtualnetworks", sub, rg, name, location, vnetId, {
      properties: { provisioningState: "Succeeded", addressSpace: { addressPrefixes: prefixes }, subnets: subnets(vnetId), virtualNetworkPeerings: peerings },
    }),
  );
  return vnetId;
};
const vnetId = (sub, rg, name) => id(sub, rg, "Microsoft.Network", "virtualNetworks", name);
const subnetId = (sub, rg, vnetName, name) => `${vnetId(sub, rg, vnetName)}/subnets/${name}`;

// ---------- Managed instances ----------
const mi = (sub, rg, name, location, props, extra = {}) => {
  rows.push(
    base("microsoft.sql/managedinstances", sub, rg, name, location, id(sub, rg, "Microsoft.Sql", "managedInstances", name), {
      sku: { name: "GP_Gen5", tier: "GeneralPurpose", family: "Gen5", capacity: 8 },
      identity: { type: "SystemAssigned", principalId: "00000000-0000-0000-0000-000000000000" },
      tags: extra.tags ?? { owner: "data-platform" },
      properties: {
        provisioningState: "Succeeded",
        state: "Ready",
        fullyQualifiedDomainName: `${name}.a1b2c3d4e5f6.database.windows.net`,
        administratorLogin: "miadmin",
        vCores: 8,
        storageSizeInGB: 256,
        licenseType: "LicenseIncluded",
        collation: "SQL_Latin1_General_CP1_CI_AS",
        dnsZone: "a1b2c3d4e5f6",
        ...props,
      },
    }),
  );
};
const admins = (entraOnly) => ({ administratorType: "ActiveDirectory", principalType: "Group", login: "sql-admins", sid: "11111111-2222-3333-4444-555555555555", tenantId: "99999999-8888-7777-6666-555555555555", azureADOnlyAuthentication: entraOnly });

// ================= Subscription prod (westeurope) =================
const P = SUB.prod;
const nsgMiProd = nsg(P, "rg-data-prod", "nsg-sqlmi-prod-01", "westeurope", [
  ...miManagementRules,
  rule("allow_public_endpoint_egress_ips", 400, "Inbound", "Allow", "Tcp", "20.50.100.0/28", "*", "3342", { description: "Public endpoint from our NAT egress prefix" }),
  rule("deny_public_endpoint_others", 410, "Inbound", "Deny", "Tcp", "*", "*", "3342"),
  rule("allow_sql_from_vnet", 500, "Inbound", "Allow", "Tcp", "VirtualNetwork", "*", "1433"),
], [upper(subnetId(P, "rg-network-prod", "vnet-sqlmi-prod-01", "snet-sqlmi"))]);
vnet(P, "rg-network-prod", "vnet-sqlmi-prod-01", "westeurope", ["10.10.0.0/24"], (v) => [
  subnet(v, "snet-sqlmi", "10.10.0.0/24", { nsgId: nsgMiProd, delegation: "Microsoft.Sql/managedInstances" }),
], []);
mi(P, "rg-data-prod", "sqlmi-prod-01", "westeurope", {
  subnetId: upper(subnetId(P, "rg-network-prod", "vnet-sqlmi-prod-01", "snet-sqlmi")),
  publicDataEndpointEnabled: true,
  proxyOverride: "Proxy",
  minimalTlsVersion: "1.2",
  administrators: admins(true),
});

const nsgMiProd2 = nsg(P, "rg-data-prod", "nsg-sqlmi-prod-02", "westeurope", [
  ...miManagementRules,
  rule("allow_public_endpoint_partners", 400, "Inbound", "Allow", "Tcp", "Internet", "*", "3342", { description: "Temporary: partner ETL (ticket CHG-1182)" }),
  rule("deny_sql_all", 600, "Inbound", "Deny", "Tcp", "*", "*", "1433"),
  rule("allow_sql_any_legacy", 4000, "Inbound", "Allow", "Tcp", "*", "*", "1433", { description: "Shadowed by deny_sql_all" }),
], [subnetId(P, "rg-network-prod", "vnet-apps-prod", "snet-sqlmi")]);
const nsgAppProd = nsg(P, "rg-network-prod", "nsg-app-orders-prod", "westeurope", [
  rule("allow_sql_to_mi", 100, "Outbound", "Allow", "Tcp", "*", "10.20.0.0/24", "1433"),
  rule("deny_redirect_range", 200, "Outbound", "Deny", "Tcp", "*", "10.20.0.0/24", "11000-11999", { description: "Blocks MI redirect ports" }),
], [subnetId(P, "rg-network-prod", "vnet-apps-prod", "snet-app-orders")]);
const hubId = vnetId(SUB.conn, "rg-hub", "vnet-hub-weu");
vnet(P, "rg-network-prod", "vnet-apps-prod", "westeurope", ["10.20.0.0/16"], (v) => [
  subnet(v, "snet-sqlmi", "10.20.0.0/24", { nsgId: nsgMiProd2, delegation: "Microsoft.Sql/managedInstances" }),
  subnet(v, "snet-app-orders", "10.20.1.0/26", { nsgId: nsgAppProd, delegation: "Microsoft.Web/serverFarms" }),
  subnet(v, "snet-app-reporting", "10.20.1.64/26", { delegation: "Microsoft.Web/serverFarms" }),
  subnet(v, "snet-ase", "10.20.2.0/24", { delegation: "Microsoft.Web/hostingEnvironments" }),
], [peering("peer-apps-prod-to-hub", upper(hubId), ["10.0.0.0/16"], { remoteGateways: true, forwarded: true })]);
mi(P, "rg-data-prod", "sqlmi-prod-02", "westeurope", {
  subnetId: subnetId(P, "rg-network-prod", "vnet-apps-prod", "snet-sqlmi"),
  publicDataEndpointEnabled: true,
  proxyOverride: "Redirect",
  minimalTlsVersion: "1.1",
  administrators: admins(false),
});
const site = (sub, rg, name, location, props, identity, extra = {}) =>
  rows.push(
    base("microsoft.web/sites", sub, rg, name, location, id(sub, rg, "Microsoft.Web", "sites", name), {
      kind: extra.kind ?? "app",
      identity,
      tags: extra.tags,
      properties: { state: "Running", enabled: true, httpsOnly: true, serverFarmId: id(sub, rg, "Microsoft.Web", "serverfarms", `plan-${name}`), ...props },
    }),
  );
site(P, "rg-apps-prod", "app-orders-prod", "westeurope", { virtualNetworkSubnetId: subnetId(P, "rg-network-prod", "vnet-apps-prod", "snet-app-orders") }, { type: "SystemAssigned", principalId: "aaaaaaaa-0000-0000-0000-000000000001" });
site(P, "rg-apps-prod", "app-reporting-prod", "westeurope", { virtualNetworkSubnetId: upper(subnetId(P, "rg-network-prod", "vnet-apps-prod", "snet-app-reporting")) }, null);
site(P, "rg-apps-prod", "app-marketing-prod", "westeurope", {}, { type: "None" });
rows.push(
  base("microsoft.web/hostingenvironments", P, "rg-apps-prod", "ase-prod", "westeurope", id(P, "rg-apps-prod", "Microsoft.Web", "hostingEnvironments", "ase-prod"), {
    kind: "ASEV3",
    properties: { provisioningState: "Succeeded", virtualNetwork: { id: subnetId(P, "rg-network-prod", "vnet-apps-prod", "snet-ase") }, internalLoadBalancingMode: "Web, Publishing" },
  }),
);
rows.push(
  base("microsoft.network/publicipprefixes", P, "rg-network-prod", "ippre-egress-prod", "westeurope", id(P, "rg-network-prod", "Microsoft.Network", "publicIPPrefixes", "ippre-egress-prod"), {
    sku: { name: "Standard", tier: "Regional" },
    properties: { prefixLength: 28, publicIPAddressVersion: "IPv4", ipPrefix: "20.50.100.0/28" },
  }),
);
rows.push(
  base("microsoft.network/publicipaddresses", P, "rg-network-prod", "pip-natgw-prod", "westeurope", id(P, "rg-network-prod", "Microsoft.Network", "publicIPAddresses", "pip-natgw-prod"), {
    sku: { name: "Standard", tier: "Regional" },
    properties: { publicIPAllocationMethod: "Static", publicIPAddressVersion: "IPv4", ipAddress: "20.50.100.4", publicIPPrefix: { id: id(P, "rg-network-prod", "Microsoft.Network", "publicIPPrefixes", "ippre-egress-prod") } },
  }),
);

// ================= Subscription connectivity (westeurope hub) =================
const C = SUB.conn;
const appsProdId = vnetId(P, "rg-network-prod", "vnet-apps-prod");
vnet(C, "rg-hub", "vnet-hub-weu", "westeurope", ["10.0.0.0/16"], (v) => [
  subnet(v, "GatewaySubnet", "10.0.0.0/27", { ipConfigurations: [`${id(C, "rg-hub", "Microsoft.Network", "virtualNetworkGateways", "vgw-hub-weu")}/ipConfigurations/default`] }),
  subnet(v, "snet-shared", "10.0.1.0/24"),
], [peering("peer-hub-to-apps-prod", appsProdId, ["10.20.0.0/16"], { gatewayTransit: true, forwarded: true })]);
const gateway = (sub, rg, name, location, vnetRef, gatewayType = "ExpressRoute") => {
  const gwId = id(sub, rg, "Microsoft.Network", "virtualNetworkGateways", name);
  rows.push(
    base("microsoft.network/virtualnetworkgateways", sub, rg, name, location, gwId, {
      properties: {
        gatewayType,
        vpnType: "RouteBased",
        sku: { name: "ErGw1AZ", tier: "ErGw1AZ" },
        ipConfigurations: [{ name: "default", properties: { subnet: { id: `${vnetRef}/subnets/GatewaySubnet` }, privateIPAllocationMethod: "Dynamic" } }],
      },
    }),
  );
  return gwId;
};
const circuit = (sub, rg, name, location, peerings) => {
  const circuitId = id(sub, rg, "Microsoft.Network", "expressRouteCircuits", name);
  rows.push(
    base("microsoft.network/expressroutecircuits", sub, rg, name, location, circuitId, {
      sku: { name: "Standard_MeteredData", tier: "Standard", family: "MeteredData" },
      properties: {
        circuitProvisioningState: "Enabled",
        serviceProviderProvisioningState: "Provisioned",
        serviceProviderProperties: { serviceProviderName: "Equinix", peeringLocation: "Amsterdam", bandwidthInMbps: 1000 },
        peerings: peerings.map(([peeringType, state]) => ({ name: peeringType, properties: { peeringType, state, azureASN: 12076, peerASN: 65010, vlanId: peeringType === "MicrosoftPeering" ? 300 : 200 } })),
      },
    }),
  );
  return circuitId;
};
const connection = (sub, rg, name, location, gatewayId, circuitId) =>
  rows.push(
    base("microsoft.network/connections", sub, rg, name, location, id(sub, rg, "Microsoft.Network", "connections", name), {
      properties: { connectionType: "ExpressRoute", virtualNetworkGateway1: { id: gatewayId }, peer: { id: circuitId }, routingWeight: 0, connectionStatus: "Connected" },
    }),
  );
const hubGw = gateway(C, "rg-hub", "vgw-hub-weu", "westeurope", hubId);
const erProd = circuit(C, "rg-hub", "er-ams-primary", "westeurope", [["AzurePrivatePeering", "Enabled"], ["MicrosoftPeering", "Enabled"]]);
connection(C, "rg-hub", "conn-hub-er-ams", "westeurope", upper(hubGw), upper(erProd));
circuit(C, "rg-hub", "er-ams-dr", "westeurope", [["AzurePrivatePeering", "Enabled"]]);

// Shared MI with its own gateway to a branch circuit that has private peering only.
const nsgMiShared = nsg(C, "rg-data-shared", "nsg-sqlmi-shared-01", "westeurope", [
  ...miManagementRules,
  rule("allow_public_endpoint_azure", 400, "Inbound", "Allow", "Tcp", "AzureCloud", "*", "3342", { description: "Allow Azure services" }),
]);
const sharedVnet = vnet(C, "rg-network-shared", "vnet-sqlmi-shared", "westeurope", ["10.30.0.0/16"], (v) => [
  subnet(v, "snet-sqlmi", "10.30.0.0/24", { nsgId: nsgMiShared, delegation: "Microsoft.Sql/managedInstances" }),
  subnet(v, "GatewaySubnet", "10.30.255.0/27"),
], [peering("peer-shared-to-appgw", vnetId(C, "rg-network-shared", "vnet-appgw-shared"), ["10.31.0.0/16"], { remoteGateways: false })]);
vnet(C, "rg-network-shared", "vnet-appgw-shared", "westeurope", ["10.31.0.0/16"], (v) => [subnet(v, "GatewaySubnet", "10.31.255.0/27")], [
  peering("peer-appgw-to-shared", sharedVnet, ["10.30.0.0/16"], { gatewayTransit: false }),
]);
const sharedGw = gateway(C, "rg-network-shared", "vgw-sqlmi-shared", "westeurope", sharedVnet);
const erBranch = circuit(C, "rg-hub", "er-branch-office", "westeurope", [["AzurePrivatePeering", "Enabled"], ["MicrosoftPeering", "Disabled"]]);
connection(C, "rg-network-shared", "conn-shared-er-branch", "westeurope", sharedGw, erBranch);
mi(C, "rg-data-shared", "sqlmi-shared-01", "westeurope", {
  subnetId: subnetId(C, "rg-network-shared", "vnet-sqlmi-shared", "snet-sqlmi"),
  publicDataEndpointEnabled: true,
  proxyOverride: "Default",
  minimalTlsVersion: "1.2",
  administrators: admins(true),
});
site(C, "rg-apps-shared", "app-legacy-shared", "westeurope", { siteConfig: { vnetName: "2f1e0d9c-8b7a-4654-9321-0fedcba98765_vnet-appgw-shared" } }, { type: "UserAssigned", userAssignedIdentities: {} });

// Integration VNet pair done right: the MI VNet uses the app VNet's gateway.
const nsgMiInt = nsg(C, "rg-data-int", "nsg-sqlmi-int-01", "westeurope", [...miManagementRules]);
const intVnet = vnet(C, "rg-network-int", "vnet-sqlmi-int", "westeurope", ["10.40.0.0/24"], (v) => [
  subnet(v, "snet-sqlmi", "10.40.0.0/24", { nsgId: nsgMiInt, delegation: "Microsoft.Sql/managedInstances" }),
], [peering("peer-int-to-appgw", vnetId(C, "rg-network-int", "vnet-appgw-int"), ["10.41.0.0/16"], { remoteGateways: true })]);
const nsgAppInt = nsg(C, "rg-network-int", "nsg-app-int", "westeurope", [
  rule("allow_sql_redirect_to_mi", 100, "Outbound", "Allow", "Tcp", "*", "10.40.0.0/24", ["1433", "11000-11999"]),
  rule("deny_internet_out", 4000, "Outbound", "Deny", "*", "*", "Internet", "*"),
]);
const appGwIntVnet = vnet(C, "rg-network-int", "vnet-appgw-int", "westeurope", ["10.41.0.0/16"], (v) => [
  subnet(v, "GatewaySubnet", "10.41.255.0/27"),
  subnet(v, "snet-app-int", "10.41.1.0/26", { nsgId: nsgAppInt, delegation: "Microsoft.Web/serverFarms" }),
], [peering("peer-appgw-to-int", intVnet, ["10.40.0.0/24"], { gatewayTransit: true })]);
gateway(C, "rg-network-int", "vgw-appgw-int", "westeurope", appGwIntVnet, "Vpn");
mi(C, "rg-data-int", "sqlmi-int-01", "westeurope", {
  subnetId: subnetId(C, "rg-network-int", "vnet-sqlmi-int", "snet-sqlmi"),
  publicDataEndpointEnabled: false,
  proxyOverride: "Redirect",
  minimalTlsVersion: "1.3",
  administrators: admins(true),
});
site(C, "rg-apps-int", "app-int-gateway", "westeurope", { siteConfig: { vnetName: "vnet-appgw-int" } }, { type: "SystemAssigned" });
site(C, "rg-apps-int", "app-int-api", "westeurope", { virtualNetworkSubnetId: subnetId(C, "rg-network-int", "vnet-appgw-int", "snet-app-int") }, { type: "SystemAssigned" });

// ================= Subscription dev (northeurope) =================
const D = SUB.dev;
const westusVnet = vnetId(D, "rg-network-dev", "vnet-dev-westus");
vnet(D, "rg-network-dev", "vnet-sqlmi-dev", "northeurope", ["10.50.0.0/16"], (v) => [
  subnet(v, "snet-sqlmi", "10.50.0.0/24", { delegation: "Microsoft.Sql/managedInstances" }),
], [peering("peer-dev-to-westus", westusVnet, ["10.60.0.0/16"], { state: "Disconnected", sync: "RemoteNotInSync" })]);
vnet(D, "rg-network-dev", "vnet-dev-westus", "westus", ["10.60.0.0/16"], (v) => [subnet(v, "snet-default", "10.60.0.0/24")], []);
mi(D, "rg-data-dev", "sqlmi-dev-01", "northeurope", {
  subnetId: subnetId(D, "rg-network-dev", "vnet-sqlmi-dev", "snet-sqlmi"),
  publicDataEndpointEnabled: false,
  proxyOverride: "Default",
  administrators: admins(true),
}, { tags: { owner: "dev-team", "cost-center": "=HYPERLINK(\"http://example.invalid\")" } });

const nsgMiDev2 = nsg(D, "rg-data-dev", "nsg-sqlmi-dev-02", "northeurope", [
  ...miManagementRules,
  rule("allow_public_endpoint_jumphosts", 400, "Inbound", "Allow", "Tcp", undefined, "*", "3342", {
    sourceApplicationSecurityGroups: [{ id: id(D, "rg-data-dev", "Microsoft.Network", "applicationSecurityGroups", "asg-jumphosts") }],
    description: "Jump hosts only",
  }),
]);
const dev2Vnet = vnet(D, "rg-network-dev", "vnet-sqlmi-dev-02", "northeurope", ["10.51.0.0/24"], (v) => [
  subnet(v, "snet-sqlmi", "10.51.0.0/24", { nsgId: nsgMiDev2, delegation: "Microsoft.Sql/managedInstances" }),
], [peering("peer-dev02-to-appgw", vnetId(D, "rg-network-dev", "vnet-appgw-dev"), ["10.52.0.0/16"], { remoteGateways: false })]);
vnet(D, "rg-network-dev", "vnet-appgw-dev", "northeurope", ["10.52.0.0/16"], (v) => [
  subnet(v, "GatewaySubnet", "10.52.255.0/27"),
  subnet(v, "snet-ase-dev", "10.52.2.0/24", { ipConfigurations: [`${id(D, "rg-compute-dev", "Microsoft.Network", "networkInterfaces", "nic-jumpbox-dev")}/ipConfigurations/ipconfig1`] }),
], [peering("peer-appgw-to-dev02", dev2Vnet, ["10.51.0.0/24"], { gatewayTransit: true })]);
mi(D, "rg-data-dev", "sqlmi-dev-02", "northeurope", {
  subnetId: subnetId(D, "rg-network-dev", "vnet-sqlmi-dev-02", "snet-sqlmi"),
  publicDataEndpointEnabled: true,
  proxyOverride: "Proxy",
  minimalTlsVersion: "1.2",
  administrators: admins(false),
});
site(D, "rg-apps-dev", "app-dev-portal", "northeurope", { siteConfig: { vnetName: "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d_vnet-appgw-dev" } }, { type: "SystemAssigned" });
rows.push(
  base("microsoft.web/hostingenvironments", D, "rg-apps-dev", "ase-dev", "northeurope", id(D, "rg-apps-dev", "Microsoft.Web", "hostingEnvironments", "ase-dev"), {
    kind: "ASEV2",
    properties: { provisioningState: "Succeeded", virtualNetwork: { id: subnetId(D, "rg-network-dev", "vnet-appgw-dev", "snet-ase-dev"), type: "Microsoft.Network/virtualNetworks/subnets" } },
  }),
);
const nicJump = id(D, "rg-compute-dev", "Microsoft.Network", "networkInterfaces", "nic-jumpbox-dev");
rows.push(
  base("microsoft.network/networkinterfaces", D, "rg-compute-dev", "nic-jumpbox-dev", "northeurope", nicJump, {
    properties: { ipConfigurations: [{ name: "ipconfig1", properties: { privateIPAddress: "10.52.2.10", subnet: { id: upper(subnetId(D, "rg-network-dev", "vnet-appgw-dev", "snet-ase-dev")) } } }] },
  }),
);
// A legacy SQL Server VM whose NIC-level NSG opens 1433 to the Internet; its description carries markup that every
// report must show as text.
const nicSql = id(D, "rg-compute-dev", "Microsoft.Network", "networkInterfaces", "nic-sqlvm-legacy");
nsg(D, "rg-compute-dev", "nsg-sqlvm-legacy", "northeurope", [
  rule("allow_sql_anywhere", 1000, "Inbound", "Allow", "Tcp", "*", "*", "1433", { description: "<script>alert(1)</script> legacy vendor access" }),
  rule("allow_rdp_corp", 1100, "Inbound", "Allow", "Tcp", ["203.0.113.0/24", "2001:db8:100::/48"], "*", "3389"),
], [], [nicSql], { tags: { note: "<img src=x onerror=alert(2)>" } });
vnet(D, "rg-network-dev", "vnet-workloads-dev", "northeurope", ["10.70.0.0/16"], (v) => [subnet(v, "snet-vms", "10.70.1.0/24")], []);
rows.push(
  base("microsoft.network/networkinterfaces", D, "rg-compute-dev", "nic-sqlvm-legacy", "northeurope", nicSql, {
    properties: {
      networkSecurityGroup: { id: id(D, "rg-compute-dev", "Microsoft.Network", "networkSecurityGroups", "nsg-sqlvm-legacy") },
      ipConfigurations: [{ name: "ipconfig1", properties: { privateIPAddress: "10.70.1.4", subnet: { id: subnetId(D, "rg-network-dev", "vnet-workloads-dev", "snet-vms") } } }],
    },
  }),
);
// An NSG nobody uses, and one with a corrupted rule (as half-finished IaC deployments leave them).
nsg(D, "rg-network-dev", "nsg-unused-dev", "northeurope", [rule("allow_sql_anywhere", 100, "Inbound", "Allow", "Tcp", "*", "*", "1433")]);
nsg(D, "rg-network-dev", "nsg-broken-dev", "northeurope", [null, rule("allow_https", 100, "Inbound", "Allow", "Tcp", "*", "*", "443")], [subnetId(D, "rg-network-dev", "vnet-workloads-dev", "snet-vms")]);
// Resources of types no rule uses are ignored by the auditor; they are here because real exports contain them.
rows.push(base("microsoft.storage/storageaccounts", D, "rg-data-dev", "stdevlogs01", "northeurope", id(D, "rg-data-dev", "Microsoft.Storage", "storageAccounts", "stdevlogs01"), { kind: "StorageV2" }));

const out = fileURLToPath(new URL("./estate.json", import.meta.url));
writeFileSync(out, `${JSON.stringify({ totalRecords: rows.length, count: rows.length, resultTruncated: "false", facets: [], data: rows }, null, 1)}\n`);
console.log(`wrote ${rows.length} rows to ${out}`);
