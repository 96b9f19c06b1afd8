// mi.vnet.flow-logs: an enabled virtual network flow log on the MI's VNet or subnet records its traffic
// (vnet-flow-logs-overview.md); NSG flow logs can no longer be created and retire on 30 Sep 2027, so one alone fails
// with a migration note. A flow log whose state cannot be read, or flow logs that could not be collected, leave the
// verdict unknown: "no flow log" is never concluded from data that was not read.
import { SUB1, dnsLinkRow, flowLogRow, ids } from "../../support/rows";
import { verdictTable } from "./verdict-table";
import { miNsg, miSubnet, publicMi, sqlServerRow } from "./mi-estates";

const vnet = ids.vnet("vnet-mi");
const gap = { types: ["microsoft.network/networkwatchers/flowlogs"], subscriptionIds: [SUB1], reason: "HTTP 403" };

verdictTable("mi.vnet.flow-logs", [
  {
    name: "VNet flow log on the VNet",
    resource: "mi1",
    status: "pass",
    rows: [...publicMi([]), flowLogRow("fl", vnet.toUpperCase())],
  },
  {
    name: "VNet flow log on the MI subnet",
    resource: "mi1",
    status: "pass",
    rows: [...publicMi([]), flowLogRow("fl", miSubnet)],
  },
  {
    name: "short retention still passes, with a note",
    resource: "mi1",
    status: "pass",
    rows: [...publicMi([]), flowLogRow("fl", vnet, { retentionPolicy: { days: 7, enabled: true } })],
    message: ["90 days"],
    evidence: { retentionBelowCis: true },
  },
  {
    name: "retention 0 keeps records forever: no note",
    resource: "mi1",
    status: "pass",
    rows: [...publicMi([]), flowLogRow("fl", vnet, { retentionPolicy: { days: 0, enabled: true } })],
  },
  { name: "no flow log", resource: "mi1", status: "fail", rows: publicMi([]), message: ["No enabled VNet flow log"] },
  {
    name: "a disabled VNet flow log",
    resource: "mi1",
    status: "fail",
    rows: [...publicMi([]), flowLogRow("fl", vnet, { enabled: false })],
  },
  {
    name: "a flow log of another VNet does not count",
    resource: "mi1",
    status: "fail",
    rows: [...publicMi([]), flowLogRow("fl", ids.vnet("elsewhere"))],
  },
  {
    name: "only an NSG flow log on the MI subnet's NSG",
    resource: "mi1",
    status: "fail",
    rows: [...publicMi([]), flowLogRow("fl-nsg", miNsg)],
    message: ["NSG flow log fl-nsg", "30 September 2027"],
  },
  {
    name: "flow logs could not be collected for the subscription",
    resource: "mi1",
    status: "unknown",
    rows: publicMi([]),
    gaps: [gap],
    message: ["could not be read"],
  },
  {
    name: "a found flow log passes, but the pass still depends on the flow-log type being read",
    resource: "mi1",
    status: "unknown",
    rows: [...publicMi([]), flowLogRow("fl", vnet)],
    gaps: [gap],
  },
  {
    name: "a flow log whose enabled flag is unreadable",
    resource: "mi1",
    status: "unknown",
    rows: [...publicMi([]), flowLogRow("fl", vnet, { enabled: "sometimes" })],
  },
  { name: "MI subnet not in the estate", resource: "mi1", status: "unknown", rows: publicMi([]).slice(1) },
  {
    name: "a private DNS link is not a flow log",
    resource: "mi1",
    status: "fail",
    rows: [...publicMi([]), dnsLinkRow("z.example", "l", vnet)],
  },
  { name: "a logical server is not audited", resource: "srv", status: "noFinding", rows: [sqlServerRow("srv", {})] },
]);
