// The ERP failover group of the sample estate: a primary managed instance in West Europe and its geo-secondary in North
// Europe, each in a VNet of its own, joined by global VNet peering for the replication traffic. The primary was created
// in 2019, in a subnet older than 22 September 2020, where global peering does not work for an MI; the secondary's VNet
// is from 2024. The primary's NSG lets any source reach the replication and redirect ports; the secondary's still
// admits the Internet on 3342, copied from an old template although its public endpoint is off.
import { SUB, SampleRows, peering, rule, subnet, subnetId, vnetId } from "./sample-rows";

interface Site {
  location: string;
  vnet: string;
  prefix: string;
  vnetCreated: string;
  mi: string;
  miCreated: string;
}

const PRIMARY: Site = {
  location: "westeurope",
  vnet: "vnet-sqlmi-erp-weu",
  prefix: "10.80.0.0/24",
  vnetCreated: "2019-08-26T13:14:52.0419937Z",
  mi: "sqlmi-erp-weu",
  miCreated: "2019-09-02T07:48:30.6650213Z",
};
const SECONDARY: Site = {
  location: "northeurope",
  vnet: "vnet-sqlmi-erp-neu",
  prefix: "10.81.0.0/24",
  vnetCreated: "2024-03-18T10:05:11.8842070Z",
  mi: "sqlmi-erp-neu",
  miCreated: "2024-03-25T14:22:47.3307715Z",
};

const managementRules = (prefix: string) => [
  rule(
    "allow_management_inbound",
    100,
    "Inbound",
    "Allow",
    "Tcp",
    "SqlManagement",
    "*",
    ["9000", "9003", "1438", "1440", "1452"],
    {
      description: "MI management traffic",
    },
  ),
  rule("allow_misubnet_inbound", 200, "Inbound", "Allow", "*", prefix, "*", "*"),
  rule("allow_health_probe_inbound", 300, "Inbound", "Allow", "*", "AzureLoadBalancer", "*", "*"),
];

export function erpFailoverGroup(out: SampleRows): void {
  const P = SUB.prod;
  const primaryNsg = out.nsg(P, "rg-data-erp", "nsg-sqlmi-erp-weu", PRIMARY.location, [
    ...managementRules(PRIMARY.prefix),
    rule("allow_geo_replication_inbound", 400, "Inbound", "Allow", "Tcp", "*", "*", ["5022", "11000-11999"], {
      description: "Failover group replication; TODO narrow the source to the secondary's subnet",
    }),
  ]);
  const secondaryNsg = out.nsg(P, "rg-data-erp", "nsg-sqlmi-erp-neu", SECONDARY.location, [
    ...managementRules(SECONDARY.prefix),
    rule(
      "allow_geo_replication_inbound",
      400,
      "Inbound",
      "Allow",
      "Tcp",
      PRIMARY.prefix,
      "*",
      ["5022", "11000-11999"],
      {
        description: "Failover group replication from the primary's subnet",
      },
    ),
    rule("allow_public_endpoint_reporting", 450, "Inbound", "Allow", "Tcp", "Internet", "*", "3342", {
      description: "From the primary's original template",
    }),
  ]);
  site(out, PRIMARY, SECONDARY, primaryNsg);
  site(out, SECONDARY, PRIMARY, secondaryNsg);
}

function site(out: SampleRows, own: Site, partner: Site, nsg: string): void {
  const P = SUB.prod;
  const snet = subnetId(P, "rg-network-erp", own.vnet, "snet-sqlmi");
  const routeTable = out.miRouteTable(P, "rg-network-erp", `rt-${own.mi}`, own.location, own.prefix, snet);
  out.vnet(
    P,
    "rg-network-erp",
    own.vnet,
    own.location,
    [own.prefix],
    [
      subnet("snet-sqlmi", own.prefix, {
        nsgId: nsg,
        routeTableId: routeTable,
        delegation: "Microsoft.Sql/managedInstances",
      }),
    ],
    [peering(`peer-${own.vnet}-to-${partner.location}`, vnetId(P, "rg-network-erp", partner.vnet), [partner.prefix])],
    own.vnetCreated,
  );
  out.mi(P, "rg-data-erp", own.mi, own.location, {
    subnetId: snet,
    publicDataEndpointEnabled: false,
    proxyOverride: "Redirect",
    minimalTlsVersion: "1.2",
    entraOnly: true,
    privateEndpointConnections: [],
    createdTime: own.miCreated,
  });
}

/** The failover group's VNets, for the flow logs and DNS links of the sample. */
export const ERP_VNETS = {
  primary: vnetId(SUB.prod, "rg-network-erp", PRIMARY.vnet),
  secondary: vnetId(SUB.prod, "rg-network-erp", SECONDARY.vnet),
};
