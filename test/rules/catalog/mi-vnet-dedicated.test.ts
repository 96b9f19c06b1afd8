// mi.vnet.dedicated: an MI with a public endpoint sits in a VNet used only for MI virtual clusters and not peered
// (seed 001: "the virtual network is used just for virtual cluster isolation"). Subnets count as MI subnets by their
// delegation to Microsoft.Sql/managedInstances, compared case-insensitively.
import { ids, miRow, vnetRow } from "../../support/rows";
import { verdictTable } from "./verdict-table";
import { MI_DELEGATION, miSubnet, privateMi, publicMi } from "./mi-estates";

const on = { publicDataEndpointEnabled: true };

verdictTable("mi.vnet.dedicated", [
  {
    name: "dedicated VNet",
    resource: "mi1",
    status: "pass",
    rows: publicMi([]),
    evidence: { subnetsNotDelegatedToMi: [], peerings: [] },
  },
  {
    name: "two MI-delegated subnets, one lower-case delegation",
    resource: "mi1",
    status: "pass",
    rows: [
      vnetRow(
        "vnet-mi",
        ["10.1.0.0/16"],
        [
          { name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION },
          { name: "snet-mi2", prefix: "10.1.1.0/24", delegation: MI_DELEGATION.toLowerCase() },
        ],
      ),
      miRow("mi1", miSubnet, on),
    ],
  },
  { name: "public endpoint off", resource: "mi1", status: "notApplicable", rows: privateMi() },
  {
    name: "public endpoint off in a shared, peered VNet",
    resource: "mi1",
    status: "notApplicable",
    rows: [
      vnetRow(
        "vnet-mi",
        ["10.1.0.0/16"],
        [
          { name: "snet-mi", prefix: "10.1.0.0/24" },
          { name: "snet-vm", prefix: "10.1.1.0/24" },
        ],
        [{ remote: ids.vnet("hub") }],
      ),
      miRow("mi1", miSubnet),
    ],
  },
  {
    name: "shared subnet",
    resource: "mi1",
    status: "fail",
    rows: [
      vnetRow(
        "vnet-mi",
        ["10.1.0.0/16"],
        [
          { name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION },
          { name: "snet-vm", prefix: "10.1.1.0/24" },
        ],
      ),
      miRow("mi1", miSubnet, on),
    ],
    evidence: { subnetsNotDelegatedToMi: ["snet-vm"] },
  },
  {
    name: "a GatewaySubnet is another workload's subnet",
    resource: "mi1",
    status: "fail",
    rows: [
      vnetRow(
        "vnet-mi",
        ["10.1.0.0/16"],
        [
          { name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION },
          { name: "GatewaySubnet", prefix: "10.1.255.0/27" },
        ],
      ),
      miRow("mi1", miSubnet, on),
    ],
    message: ["GatewaySubnet"],
  },
  {
    name: "the MI's own subnet without the delegation",
    resource: "mi1",
    status: "fail",
    rows: privateMi(on),
    evidence: { subnetsNotDelegatedToMi: ["snet-mi"] },
  },
  {
    name: "peered VNet",
    resource: "mi1",
    status: "fail",
    rows: [
      vnetRow(
        "vnet-mi",
        ["10.1.0.0/24"],
        [{ name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION }],
        [{ remote: ids.vnet("hub") }],
      ),
      miRow("mi1", miSubnet, on),
    ],
    message: ["peering(s): peering0"],
  },
  {
    name: "shared subnet and peering are both named",
    resource: "mi1",
    status: "fail",
    rows: [
      vnetRow(
        "vnet-mi",
        ["10.1.0.0/16"],
        [
          { name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION },
          { name: "snet-vm", prefix: "10.1.1.0/24" },
        ],
        [{ name: "to-hub", remote: ids.vnet("hub") }],
      ),
      miRow("mi1", miSubnet, on),
    ],
    message: ["snet-vm", "to-hub"],
  },
  {
    name: "peerings not collected, but a shared subnet already fails",
    resource: "mi1",
    status: "fail",
    rows: [
      vnetRow(
        "vnet-mi",
        ["10.1.0.0/16"],
        [
          { name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION },
          { name: "snet-vm", prefix: "10.1.1.0/24" },
        ],
        null,
      ),
      miRow("mi1", miSubnet, on),
    ],
    evidence: { peerings: null },
  },
  {
    name: "peerings not collected",
    resource: "mi1",
    status: "unknown",
    rows: [
      vnetRow(
        "vnet-mi",
        ["10.1.0.0/24"],
        [{ name: "snet-mi", prefix: "10.1.0.0/24", delegation: MI_DELEGATION }],
        null,
      ),
      miRow("mi1", miSubnet, on),
    ],
  },
  {
    name: "public flag missing",
    resource: "mi1",
    status: "unknown",
    rows: publicMi([], { publicDataEndpointEnabled: undefined }),
  },
  {
    name: "public flag malformed",
    resource: "mi1",
    status: "unknown",
    rows: publicMi([], { publicDataEndpointEnabled: "on" }),
  },
  { name: "MI subnet not in estate", resource: "mi1", status: "unknown", rows: [miRow("mi1", miSubnet, on)] },
  {
    name: "VNets unreadable in this subscription",
    resource: "mi1",
    status: "unknown",
    rows: publicMi([]),
    gaps: [{ types: ["microsoft.network/virtualnetworks"], reason: "HTTP 500" }],
  },
]);
