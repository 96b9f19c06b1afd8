#!/usr/bin/env node
// Writes samples/estate.json: a small but realistic estate of three subscriptions (prod, dev, connectivity) with a
// passing and a failing case for every rule. After editing, run from the repository root:
//   npm run build && node dist/dev/sample/build-sample-estate.js [output file, default samples/estate.json]
// The JSON is committed so that `npm start` needs nothing but the clone; test/generate/sample-estate.test.ts fails
// when the file and this builder disagree. References deliberately mix upper and lower case, as real ARM payloads do.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { networkInterfaceRow, publicIpPrefixRow, publicIpRow } from "../generate/network-rows";
import { natGatewayId } from "../generate/subnet-attachment-rows";
import { upperCased as upper, type Row } from "../generate/resource-rows";
import { appServiceEnvironmentRow, storageAccountRow } from "../generate/service-rows";
import { dnsZonesAndFlowLogs } from "./sample-dns-and-flow-logs";
import { erpFailoverGroup } from "./sample-failover-group";
import { policyExemptions } from "./sample-policy-exemptions";
import { SUB, SampleRows, at, id, miManagementRules, peering, rule, subnet, subnetId, vnetId } from "./sample-rows";

/** Subscriptions outside the estate that asked for private endpoints to an MI. */
const PARTNER_SUB = "3c9f1e2d-7b6a-4e5f-9d8c-2b1a0f9e8d7c";
const UNKNOWN_SUB = "d4e5f6a7-b8c9-4d0e-8f1a-2b3c4d5e6f70";
const admins = { entraOnly: true };
const sqlAdminsOnly = { entraOnly: false };

function prodSubscription(out: SampleRows): void {
  const P = SUB.prod;
  const nsgMiProd = out.nsg(
    P,
    "rg-data-prod",
    "nsg-sqlmi-prod-01",
    "westeurope",
    [
      ...miManagementRules,
      rule("allow_public_endpoint_egress_ips", 400, "Inbound", "Allow", "Tcp", "20.50.100.0/28", "*", "3342", {
        description: "Public endpoint from our NAT egress prefix",
      }),
      rule("deny_public_endpoint_others", 410, "Inbound", "Deny", "Tcp", "*", "*", "3342"),
      rule("allow_sql_from_vnet", 500, "Inbound", "Allow", "Tcp", "VirtualNetwork", "*", "1433"),
    ],
    [upper(subnetId(P, "rg-network-prod", "vnet-sqlmi-prod-01", "snet-sqlmi"))],
  );
  const snetProd01 = subnetId(P, "rg-network-prod", "vnet-sqlmi-prod-01", "snet-sqlmi");
  const rtProd01 = out.miRouteTable(P, "rg-network-prod", "rt-sqlmi-prod-01", "westeurope", "10.10.0.0/24", snetProd01);
  out.vnet(
    P,
    "rg-network-prod",
    "vnet-sqlmi-prod-01",
    "westeurope",
    ["10.10.0.0/24"],
    [
      subnet("snet-sqlmi", "10.10.0.0/24", {
        nsgId: nsgMiProd,
        routeTableId: rtProd01,
        delegation: "Microsoft.Sql/managedInstances",
      }),
    ],
    [],
    "2019-02-20T08:41:12.3561274Z",
  );
  out.mi(P, "rg-data-prod", "sqlmi-prod-01", "westeurope", {
    subnetId: upper(snetProd01),
    publicDataEndpointEnabled: true,
    proxyOverride: "Proxy",
    minimalTlsVersion: "1.2",
    ...admins,
    privateEndpointConnections: [
      {
        privateEndpointId: id(P, "rg-apps-prod", "Microsoft.Network", "privateEndpoints", "pe-sqlmi-prod-01-reporting"),
        status: "Approved",
        description: "Reporting subnet of the prod subscription",
      },
    ],
    createdTime: "2019-03-14T09:12:44.5106219Z",
  });

  const nsgMiProd2 = out.nsg(
    P,
    "rg-data-prod",
    "nsg-sqlmi-prod-02",
    "westeurope",
    [
      ...miManagementRules,
      rule("allow_public_endpoint_partners", 400, "Inbound", "Allow", "Tcp", "Internet", "*", "3342", {
        description: "Temporary: partner ETL (ticket CHG-1182)",
      }),
      rule("deny_sql_all", 600, "Inbound", "Deny", "Tcp", "*", "*", "1433"),
      rule("allow_sql_any_legacy", 4000, "Inbound", "Allow", "Tcp", "*", "*", "1433", {
        description: "Shadowed by deny_sql_all",
      }),
    ],
    [subnetId(P, "rg-network-prod", "vnet-apps-prod", "snet-sqlmi")],
  );
  const nsgAppProd = out.nsg(
    P,
    "rg-network-prod",
    "nsg-app-orders-prod",
    "westeurope",
    [
      rule("allow_sql_to_mi", 100, "Outbound", "Allow", "Tcp", "*", "10.20.0.0/24", "1433"),
      rule("deny_redirect_range", 200, "Outbound", "Deny", "Tcp", "*", "10.20.0.0/24", "11000-11999", {
        description: "Blocks MI redirect ports",
      }),
    ],
    [subnetId(P, "rg-network-prod", "vnet-apps-prod", "snet-app-orders")],
  );
  const hubId = vnetId(SUB.conn, "rg-hub", "vnet-hub-weu");
  const appsSubnet = (name: string) => subnetId(P, "rg-network-prod", "vnet-apps-prod", name);
  const rtProd02 = out.miRouteTable(
    P,
    "rg-network-prod",
    "rt-sqlmi-apps-prod",
    "westeurope",
    "10.20.0.0/24",
    appsSubnet("snet-sqlmi"),
  );
  // The egress NAT gateway gives the apps a fixed outbound address (the prefix sqlmi-prod-01's NSG trusts); it was
  // associated with every subnet of the VNet, the MI's included, which the MI does not support.
  const natGateway = natGatewayId(at(P, "rg-network-prod", "westeurope"), "natgw-egress-prod");
  out.vnet(
    P,
    "rg-network-prod",
    "vnet-apps-prod",
    "westeurope",
    ["10.20.0.0/16"],
    [
      subnet("snet-sqlmi", "10.20.0.0/24", {
        nsgId: nsgMiProd2,
        routeTableId: rtProd02,
        natGatewayId: natGateway,
        delegation: "Microsoft.Sql/managedInstances",
      }),
      subnet("snet-app-orders", "10.20.1.0/26", {
        nsgId: nsgAppProd,
        natGatewayId: natGateway,
        delegation: "Microsoft.Web/serverFarms",
      }),
      subnet("snet-app-reporting", "10.20.1.64/26", {
        natGatewayId: natGateway,
        delegation: "Microsoft.Web/serverFarms",
      }),
      subnet("snet-ase", "10.20.2.0/24", { delegation: "Microsoft.Web/hostingEnvironments" }),
    ],
    [
      peering("peer-apps-prod-to-hub", upper(hubId), ["10.0.0.0/16"], {
        useRemoteGateways: true,
        allowForwardedTraffic: true,
      }),
    ],
    "2018-11-05T14:03:51.0936612Z",
  );
  out.mi(P, "rg-data-prod", "sqlmi-prod-02", "westeurope", {
    subnetId: appsSubnet("snet-sqlmi"),
    publicDataEndpointEnabled: true,
    proxyOverride: "Redirect",
    minimalTlsVersion: "1.1",
    ...sqlAdminsOnly,
    privateEndpointConnections: [],
    createdTime: "2019-06-03T11:27:09.7730021Z",
  });
  out.site(
    P,
    "rg-apps-prod",
    "app-orders-prod",
    "westeurope",
    { subnetId: subnetId(P, "rg-network-prod", "vnet-apps-prod", "snet-app-orders") },
    { type: "SystemAssigned", principalId: "aaaaaaaa-0000-0000-0000-000000000001" },
  );
  out.site(
    P,
    "rg-apps-prod",
    "app-reporting-prod",
    "westeurope",
    { subnetId: upper(subnetId(P, "rg-network-prod", "vnet-apps-prod", "snet-app-reporting")) },
    null,
  );
  out.site(P, "rg-apps-prod", "app-marketing-prod", "westeurope", {}, { type: "None" });
  out.add(
    appServiceEnvironmentRow(at(P, "rg-apps-prod", "westeurope"), "ase-prod", {
      subnetId: subnetId(P, "rg-network-prod", "vnet-apps-prod", "snet-ase"),
      internalLoadBalancingMode: "Web, Publishing",
    }),
  );
  out.add(publicIpPrefixRow(at(P, "rg-network-prod", "westeurope"), "ippre-egress-prod", "20.50.100.0/28"));
  out.add(
    publicIpRow(at(P, "rg-network-prod", "westeurope"), "pip-natgw-prod", {
      address: "20.50.100.4",
      prefixId: id(P, "rg-network-prod", "Microsoft.Network", "publicIPPrefixes", "ippre-egress-prod"),
      natGatewayId: natGateway,
    }),
  );
  out.natGateway(
    P,
    "rg-network-prod",
    "natgw-egress-prod",
    "westeurope",
    [id(P, "rg-network-prod", "Microsoft.Network", "publicIPAddresses", "pip-natgw-prod")],
    [appsSubnet("snet-sqlmi"), appsSubnet("snet-app-orders"), appsSubnet("snet-app-reporting")],
  );
}

function connectivitySubscription(out: SampleRows): void {
  const C = SUB.conn;
  const hubId = vnetId(C, "rg-hub", "vnet-hub-weu");
  const appsProdId = vnetId(SUB.prod, "rg-network-prod", "vnet-apps-prod");
  out.vnet(
    C,
    "rg-hub",
    "vnet-hub-weu",
    "westeurope",
    ["10.0.0.0/16"],
    [
      subnet("GatewaySubnet", "10.0.0.0/27", {
        ipConfigurationIds: [
          `${id(C, "rg-hub", "Microsoft.Network", "virtualNetworkGateways", "vgw-hub-weu")}/ipConfigurations/default`,
        ],
      }),
      subnet("snet-shared", "10.0.1.0/24"),
    ],
    [
      peering("peer-hub-to-apps-prod", appsProdId, ["10.20.0.0/16"], {
        allowGatewayTransit: true,
        allowForwardedTraffic: true,
      }),
    ],
    "2018-09-12T07:55:30.2218094Z",
  );
  const hubGw = out.gateway(C, "rg-hub", "vgw-hub-weu", "westeurope", hubId);
  const erProd = out.circuit(C, "rg-hub", "er-ams-primary", "westeurope", [
    ["AzurePrivatePeering", "Enabled"],
    ["MicrosoftPeering", "Enabled"],
  ]);
  out.connection(C, "rg-hub", "conn-hub-er-ams", "westeurope", upper(hubGw), upper(erProd));
  out.circuit(C, "rg-hub", "er-ams-dr", "westeurope", [["AzurePrivatePeering", "Enabled"]]);

  // Shared MI with its own gateway to a branch circuit that has private peering only.
  const nsgMiShared = out.nsg(C, "rg-data-shared", "nsg-sqlmi-shared-01", "westeurope", [
    ...miManagementRules,
    rule("allow_public_endpoint_azure", 400, "Inbound", "Allow", "Tcp", "AzureCloud", "*", "3342", {
      description: "Allow Azure services",
    }),
  ]);
  const snetShared = subnetId(C, "rg-network-shared", "vnet-sqlmi-shared", "snet-sqlmi");
  const rtShared = out.miRouteTable(
    C,
    "rg-network-shared",
    "rt-sqlmi-shared",
    "westeurope",
    "10.30.0.0/24",
    snetShared,
  );
  const sharedVnet = out.vnet(
    C,
    "rg-network-shared",
    "vnet-sqlmi-shared",
    "westeurope",
    ["10.30.0.0/16"],
    [
      subnet("snet-sqlmi", "10.30.0.0/24", {
        nsgId: nsgMiShared,
        routeTableId: rtShared,
        delegation: "Microsoft.Sql/managedInstances",
      }),
      subnet("GatewaySubnet", "10.30.255.0/27"),
    ],
    [
      peering("peer-shared-to-appgw", vnetId(C, "rg-network-shared", "vnet-appgw-shared"), ["10.31.0.0/16"], {
        useRemoteGateways: false,
      }),
    ],
    "2020-01-15T10:20:05.6620417Z",
  );
  out.vnet(
    C,
    "rg-network-shared",
    "vnet-appgw-shared",
    "westeurope",
    ["10.31.0.0/16"],
    [subnet("GatewaySubnet", "10.31.255.0/27")],
    [peering("peer-appgw-to-shared", sharedVnet, ["10.30.0.0/16"], { allowGatewayTransit: false })],
    "2020-01-15T10:31:48.1102935Z",
  );
  const sharedGw = out.gateway(C, "rg-network-shared", "vgw-sqlmi-shared", "westeurope", sharedVnet);
  const erBranch = out.circuit(C, "rg-hub", "er-branch-office", "westeurope", [
    ["AzurePrivatePeering", "Enabled"],
    ["MicrosoftPeering", "Disabled"],
  ]);
  out.connection(C, "rg-network-shared", "conn-shared-er-branch", "westeurope", sharedGw, erBranch);
  out.mi(C, "rg-data-shared", "sqlmi-shared-01", "westeurope", {
    subnetId: snetShared,
    publicDataEndpointEnabled: true,
    proxyOverride: "Default",
    minimalTlsVersion: "1.2",
    ...admins,
    // Two requests from subscriptions outside the estate: a partner's, approved, and an unknown one, rejected.
    privateEndpointConnections: [
      {
        privateEndpointId: id(PARTNER_SUB, "rg-fabrikam-etl", "Microsoft.Network", "privateEndpoints", "pe-contoso-mi"),
        status: "Approved",
        description: "Fabrikam ETL, approved for the 2024 migration",
      },
      {
        privateEndpointId: id(UNKNOWN_SUB, "rg-test", "Microsoft.Network", "privateEndpoints", "pe-sql"),
        status: "Rejected",
        description: "Unknown requester",
      },
    ],
    createdTime: "2020-02-10T16:44:21.3390718Z",
  });
  out.site(
    C,
    "rg-apps-shared",
    "app-legacy-shared",
    "westeurope",
    { vnetName: "2f1e0d9c-8b7a-4654-9321-0fedcba98765_vnet-appgw-shared" },
    { type: "UserAssigned", userAssignedIdentities: {} },
  );

  // Integration VNet pair done right: the MI VNet uses the app VNet's gateway.
  const nsgMiInt = out.nsg(C, "rg-data-int", "nsg-sqlmi-int-01", "westeurope", [...miManagementRules]);
  const snetInt = subnetId(C, "rg-network-int", "vnet-sqlmi-int", "snet-sqlmi");
  const rtInt = out.miRouteTable(C, "rg-network-int", "rt-sqlmi-int", "westeurope", "10.40.0.0/24", snetInt);
  const intVnet = out.vnet(
    C,
    "rg-network-int",
    "vnet-sqlmi-int",
    "westeurope",
    ["10.40.0.0/24"],
    [
      subnet("snet-sqlmi", "10.40.0.0/24", {
        nsgId: nsgMiInt,
        routeTableId: rtInt,
        delegation: "Microsoft.Sql/managedInstances",
      }),
    ],
    [
      peering("peer-int-to-appgw", vnetId(C, "rg-network-int", "vnet-appgw-int"), ["10.41.0.0/16"], {
        useRemoteGateways: true,
      }),
    ],
    "2021-04-07T09:02:17.4471180Z",
  );
  const nsgAppInt = out.nsg(C, "rg-network-int", "nsg-app-int", "westeurope", [
    rule("allow_sql_redirect_to_mi", 100, "Outbound", "Allow", "Tcp", "*", "10.40.0.0/24", ["1433", "11000-11999"]),
    rule("deny_internet_out", 4000, "Outbound", "Deny", "*", "*", "Internet", "*"),
  ]);
  const appGwIntVnet = out.vnet(
    C,
    "rg-network-int",
    "vnet-appgw-int",
    "westeurope",
    ["10.41.0.0/16"],
    [
      subnet("GatewaySubnet", "10.41.255.0/27"),
      subnet("snet-app-int", "10.41.1.0/26", { nsgId: nsgAppInt, delegation: "Microsoft.Web/serverFarms" }),
    ],
    [peering("peer-appgw-to-int", intVnet, ["10.40.0.0/24"], { allowGatewayTransit: true })],
    "2021-04-07T09:15:40.9013366Z",
  );
  out.gateway(C, "rg-network-int", "vgw-appgw-int", "westeurope", appGwIntVnet, "Vpn");
  out.mi(C, "rg-data-int", "sqlmi-int-01", "westeurope", {
    subnetId: snetInt,
    publicDataEndpointEnabled: false,
    proxyOverride: "Redirect",
    minimalTlsVersion: "1.3",
    ...admins,
    privateEndpointConnections: [],
    createdTime: "2021-04-19T13:37:55.2048801Z",
  });
  out.site(
    C,
    "rg-apps-int",
    "app-int-gateway",
    "westeurope",
    { vnetName: "vnet-appgw-int" },
    { type: "SystemAssigned" },
  );
  out.site(
    C,
    "rg-apps-int",
    "app-int-api",
    "westeurope",
    { subnetId: subnetId(C, "rg-network-int", "vnet-appgw-int", "snet-app-int") },
    { type: "SystemAssigned" },
  );
}

function devSubscription(out: SampleRows): void {
  const D = SUB.dev;
  const westusVnet = vnetId(D, "rg-network-dev", "vnet-dev-westus");
  out.vnet(
    D,
    "rg-network-dev",
    "vnet-sqlmi-dev",
    "northeurope",
    ["10.50.0.0/16"],
    // Built by hand for a trial: no NSG and no route table on the MI subnet.
    [subnet("snet-sqlmi", "10.50.0.0/24", { delegation: "Microsoft.Sql/managedInstances" })],
    [
      peering("peer-dev-to-westus", westusVnet, ["10.60.0.0/16"], {
        state: "Disconnected",
        syncLevel: "RemoteNotInSync",
      }),
    ],
    "2023-05-22T12:00:33.8127450Z",
  );
  out.vnet(
    D,
    "rg-network-dev",
    "vnet-dev-westus",
    "westus",
    ["10.60.0.0/16"],
    [subnet("snet-default", "10.60.0.0/24")],
    [],
    "2023-05-22T12:09:02.1650047Z",
  );
  out.mi(
    D,
    "rg-data-dev",
    "sqlmi-dev-01",
    "northeurope",
    {
      subnetId: subnetId(D, "rg-network-dev", "vnet-sqlmi-dev", "snet-sqlmi"),
      publicDataEndpointEnabled: false,
      proxyOverride: "Default",
      ...admins,
      privateEndpointConnections: [],
      createdTime: "2023-06-01T08:21:47.6003912Z",
    },
    { owner: "dev-team", "cost-center": '=HYPERLINK("http://example.invalid")' },
  );

  const nsgMiDev2 = out.nsg(D, "rg-data-dev", "nsg-sqlmi-dev-02", "northeurope", [
    ...miManagementRules,
    rule("allow_public_endpoint_jumphosts", 400, "Inbound", "Allow", "Tcp", undefined, "*", "3342", {
      sourceAsgs: [id(D, "rg-data-dev", "Microsoft.Network", "applicationSecurityGroups", "asg-jumphosts")],
      description: "Jump hosts only",
    }),
  ]);
  const snetDev2 = subnetId(D, "rg-network-dev", "vnet-sqlmi-dev-02", "snet-sqlmi");
  const rtDev2 = out.miRouteTable(D, "rg-network-dev", "rt-sqlmi-dev-02", "northeurope", "10.51.0.0/24", snetDev2);
  const dev2Vnet = out.vnet(
    D,
    "rg-network-dev",
    "vnet-sqlmi-dev-02",
    "northeurope",
    ["10.51.0.0/24"],
    [
      subnet("snet-sqlmi", "10.51.0.0/24", {
        nsgId: nsgMiDev2,
        routeTableId: rtDev2,
        delegation: "Microsoft.Sql/managedInstances",
      }),
    ],
    [
      peering("peer-dev02-to-appgw", vnetId(D, "rg-network-dev", "vnet-appgw-dev"), ["10.52.0.0/16"], {
        useRemoteGateways: false,
      }),
    ],
    "2022-10-11T15:48:26.3304471Z",
  );
  const nicJump = id(D, "rg-compute-dev", "Microsoft.Network", "networkInterfaces", "nic-jumpbox-dev");
  out.vnet(
    D,
    "rg-network-dev",
    "vnet-appgw-dev",
    "northeurope",
    ["10.52.0.0/16"],
    [
      subnet("GatewaySubnet", "10.52.255.0/27"),
      subnet("snet-ase-dev", "10.52.2.0/24", { ipConfigurationIds: [`${nicJump}/ipConfigurations/ipconfig1`] }),
    ],
    [peering("peer-appgw-to-dev02", dev2Vnet, ["10.51.0.0/24"], { allowGatewayTransit: true })],
    "2022-10-11T15:52:10.0187723Z",
  );
  out.mi(D, "rg-data-dev", "sqlmi-dev-02", "northeurope", {
    subnetId: snetDev2,
    publicDataEndpointEnabled: true,
    proxyOverride: "Proxy",
    minimalTlsVersion: "1.2",
    ...sqlAdminsOnly,
    // An analytics workspace asked for a managed private endpoint; nobody has approved or rejected it yet.
    privateEndpointConnections: [
      {
        privateEndpointId: id(
          D,
          "rg-analytics-dev",
          "Microsoft.Network",
          "privateEndpoints",
          "pe-sqlmi-dev-02-analytics",
        ),
        status: "Pending",
        description: "Analytics workspace managed private endpoint",
      },
    ],
    createdTime: "2022-10-20T09:30:12.9981264Z",
  });
  out.site(
    D,
    "rg-apps-dev",
    "app-dev-portal",
    "northeurope",
    { vnetName: "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d_vnet-appgw-dev" },
    { type: "SystemAssigned" },
  );
  out.add(
    appServiceEnvironmentRow(at(D, "rg-apps-dev", "northeurope"), "ase-dev", {
      subnetId: subnetId(D, "rg-network-dev", "vnet-appgw-dev", "snet-ase-dev"),
      kind: "ASEV2",
      typedReference: true,
    }),
  );
  out.add(
    networkInterfaceRow(at(D, "rg-compute-dev", "northeurope"), "nic-jumpbox-dev", {
      subnetId: upper(subnetId(D, "rg-network-dev", "vnet-appgw-dev", "snet-ase-dev")),
      privateIp: "10.52.2.10",
    }),
  );
  // A legacy SQL Server VM whose NIC-level NSG opens 1433 to the Internet; its description carries markup that every
  // report must show as text.
  const nicSql = id(D, "rg-compute-dev", "Microsoft.Network", "networkInterfaces", "nic-sqlvm-legacy");
  out.nsg(
    D,
    "rg-compute-dev",
    "nsg-sqlvm-legacy",
    "northeurope",
    [
      rule("allow_sql_anywhere", 1000, "Inbound", "Allow", "Tcp", "*", "*", "1433", {
        description: "<script>alert(1)</script> legacy vendor access",
      }),
      rule("allow_rdp_corp", 1100, "Inbound", "Allow", "Tcp", ["203.0.113.0/24", "2001:db8:100::/48"], "*", "3389"),
    ],
    [],
    [nicSql],
    { note: "<img src=x onerror=alert(2)>" },
  );
  out.vnet(
    D,
    "rg-network-dev",
    "vnet-workloads-dev",
    "northeurope",
    ["10.70.0.0/16"],
    [subnet("snet-vms", "10.70.1.0/24")],
    [],
    "2021-08-30T11:06:42.5518830Z",
  );
  out.add(
    networkInterfaceRow(at(D, "rg-compute-dev", "northeurope"), "nic-sqlvm-legacy", {
      nsgId: id(D, "rg-compute-dev", "Microsoft.Network", "networkSecurityGroups", "nsg-sqlvm-legacy"),
      subnetId: subnetId(D, "rg-network-dev", "vnet-workloads-dev", "snet-vms"),
      privateIp: "10.70.1.4",
    }),
  );
  // An NSG nobody uses, and one with a corrupted rule (as half-finished IaC deployments leave them).
  out.nsg(D, "rg-network-dev", "nsg-unused-dev", "northeurope", [
    rule("allow_sql_anywhere", 100, "Inbound", "Allow", "Tcp", "*", "*", "1433"),
  ]);
  out.nsg(
    D,
    "rg-network-dev",
    "nsg-broken-dev",
    "northeurope",
    [null, rule("allow_https", 100, "Inbound", "Allow", "Tcp", "*", "*", "443")],
    [subnetId(D, "rg-network-dev", "vnet-workloads-dev", "snet-vms")],
  );
  // Resources of types no rule uses are ignored by the auditor; they are here because real exports contain them.
  out.add(storageAccountRow(at(D, "rg-data-dev", "northeurope"), "stdevlogs01"));
}

export function buildSampleEstate(): Row[] {
  const out = new SampleRows();
  prodSubscription(out);
  connectivitySubscription(out);
  devSubscription(out);
  erpFailoverGroup(out);
  dnsZonesAndFlowLogs(out);
  policyExemptions(out);
  return out.rows;
}

/** The file's text: a Resource Graph response page holding every row. */
export function sampleEstateJson(): string {
  const rows = buildSampleEstate();
  return `${JSON.stringify({ totalRecords: rows.length, count: rows.length, resultTruncated: "false", facets: [], data: rows }, null, 1)}\n`;
}

if (require.main === module) {
  const out = process.argv[2] ?? join(process.cwd(), "samples", "estate.json");
  const text = sampleEstateJson();
  writeFileSync(out, text);
  console.log(`wrote ${(JSON.parse(text) as { count: number }).count} rows to ${out}`);
}
