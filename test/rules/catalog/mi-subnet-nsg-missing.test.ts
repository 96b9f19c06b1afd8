// mi.subnet.nsg-missing: every MI subnet carries an NSG. Microsoft's service-aided subnet configuration requires an
// NSG on the MI subnet (connectivity-architecture-overview.md); an association can be read from either side.
import { ids, miRow, nsgRow, vnetRow } from "../../support/rows";
import { verdictTable } from "./verdict-table";
import { MI_DELEGATION, miNsg, miSubnet, privateMi, publicMi } from "./mi-estates";

verdictTable("mi.subnet.nsg-missing", [
  {
    name: "MI subnet with NSG",
    resource: "mi1",
    status: "pass",
    rows: publicMi([]),
    evidence: { nsg: miNsg.toLowerCase() },
  },
  { name: "MI subnet without NSG", resource: "mi1", status: "fail", rows: privateMi(), evidence: { nsg: null } },
  {
    name: "public endpoint off does not excuse a missing NSG",
    resource: "mi1",
    status: "fail",
    rows: privateMi({ publicDataEndpointEnabled: false }),
  },
  {
    name: "NSG associated only from the NSG side",
    resource: "mi1",
    status: "pass",
    rows: [
      vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }]),
      nsgRow("nsg-mi", [], { subnets: [miSubnet.toUpperCase()] }),
      miRow("mi1", miSubnet),
    ],
  },
  {
    name: "an NSG on another subnet of the same VNet does not count",
    resource: "mi1",
    status: "fail",
    rows: [
      vnetRow(
        "vnet-mi",
        ["10.1.0.0/16"],
        [
          { name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION },
          { name: "snet-vm", prefix: "10.1.1.0/24", nsg: miNsg },
        ],
      ),
      nsgRow("nsg-mi", []),
      miRow("mi1", miSubnet),
    ],
  },
  { name: "MI subnet not in estate", resource: "mi1", status: "unknown", rows: [miRow("mi1", miSubnet)] },
  { name: "MI without subnetId", resource: "mi1", status: "unknown", rows: [miRow("mi1", undefined)] },
  { name: "malformed subnetId", resource: "mi1", status: "unknown", rows: [miRow("mi1", undefined, { subnetId: 42 })] },
  {
    name: "VNets unreadable in this subscription: the NSG association is not known",
    resource: "mi1",
    status: "unknown",
    rows: publicMi([]),
    gaps: [{ types: ["microsoft.network/virtualnetworks"], reason: "HTTP 403" }],
    message: ["could not be read"],
  },
  {
    name: "a subnet without NSG that hosts no MI is not this rule's business",
    resource: "snet-vm",
    status: "noFinding",
    rows: [vnetRow("vnet-vm", ["10.5.0.0/16"], [{ name: "snet-vm", prefix: "10.5.0.0/24" }])],
  },
  {
    name: "an estate without MIs has no finding for the NSG",
    resource: "nsg-mi",
    status: "noFinding",
    rows: [nsgRow("nsg-mi", [], { subnets: [ids.subnet("vnet-vm", "snet-vm")] })],
  },
]);
