// The sample estate's private DNS zones and Network Watcher flow logs. The corporate zone is linked to the hub and to
// most MI VNets; a team linked a zone named `blob.core.windows.net`, a name reserved for Microsoft services, to the
// shared MI's VNet. VNet flow logs cover most MI VNets (one covers only the MI subnet); the shared MI is covered by a
// legacy NSG flow log alone, the integration MI's VNet flow log is disabled and the first dev MI has none.
import { ERP_VNETS } from "./sample-failover-group";
import { SUB, SampleRows, id, subnetId, vnetId } from "./sample-rows";

export function dnsZonesAndFlowLogs(out: SampleRows): void {
  privateDnsZones(out);
  flowLogs(out);
}

function privateDnsZones(out: SampleRows): void {
  const C = SUB.conn;
  out.privateDnsZone(C, "rg-dns", "corp.contoso.com", [
    ["lnk-hub-weu", vnetId(C, "rg-hub", "vnet-hub-weu"), true],
    ["lnk-apps-prod", vnetId(SUB.prod, "rg-network-prod", "vnet-apps-prod"), false],
    ["lnk-sqlmi-int", vnetId(C, "rg-network-int", "vnet-sqlmi-int"), false],
    ["lnk-sqlmi-erp-weu", ERP_VNETS.primary, false],
    ["lnk-sqlmi-erp-neu", ERP_VNETS.secondary, false],
  ]);
  // Made to pin storage names to private addresses before Private Link existed.
  out.privateDnsZone(C, "rg-network-shared", "blob.core.windows.net", [
    ["lnk-sqlmi-shared", vnetId(C, "rg-network-shared", "vnet-sqlmi-shared"), false],
  ]);
}

function flowLogs(out: SampleRows): void {
  const { prod: P, conn: C, dev: D } = SUB;
  out.networkWatcher(P, "westeurope");
  out.networkWatcher(P, "northeurope");
  out.networkWatcher(C, "westeurope");
  out.networkWatcher(D, "northeurope");
  const prodWeu = out.storage(P, "rg-monitoring-prod", "stflowlogsprodweu", "westeurope");
  const prodNeu = out.storage(P, "rg-monitoring-prod", "stflowlogsprodneu", "northeurope");
  const connWeu = out.storage(C, "rg-monitoring-conn", "stflowlogsconnweu", "westeurope");
  const devNeu = id(D, "rg-data-dev", "Microsoft.Storage", "storageAccounts", "stdevlogs01");

  out.flowLog(P, "westeurope", "fl-vnet-sqlmi-prod-01", vnetId(P, "rg-network-prod", "vnet-sqlmi-prod-01"), prodWeu);
  out.flowLog(P, "westeurope", "fl-vnet-apps-prod", vnetId(P, "rg-network-prod", "vnet-apps-prod"), prodWeu);
  out.flowLog(P, "westeurope", "fl-vnet-sqlmi-erp-weu", ERP_VNETS.primary, prodWeu);
  out.flowLog(P, "northeurope", "fl-vnet-sqlmi-erp-neu", ERP_VNETS.secondary, prodNeu);
  out.flowLog(C, "westeurope", "fl-vnet-hub-weu", vnetId(C, "rg-hub", "vnet-hub-weu"), connWeu);
  // Created in 2022, before VNet flow logs existed; NSG flow logs retire on 30 September 2027.
  out.flowLog(
    C,
    "westeurope",
    "nsg-sqlmi-shared-01-flowlog",
    id(C, "rg-data-shared", "Microsoft.Network", "networkSecurityGroups", "nsg-sqlmi-shared-01"),
    connWeu,
  );
  out.flowLog(C, "westeurope", "fl-vnet-sqlmi-int", vnetId(C, "rg-network-int", "vnet-sqlmi-int"), connWeu, false);
  out.flowLog(
    D,
    "northeurope",
    "fl-snet-sqlmi-dev-02",
    subnetId(D, "rg-network-dev", "vnet-sqlmi-dev-02", "snet-sqlmi"),
    devNeu,
  );
}
