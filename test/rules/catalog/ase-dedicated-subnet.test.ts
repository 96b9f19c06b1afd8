// ase.dedicated-subnet: an App Service environment has its subnet to itself (seed 004: an ASE cannot reach VMs in its
// own subnet). Anything with an address in the subnet counts: a NIC (known from the NIC or from the subnet's ip
// configurations) or a managed instance. Other subnets of the same VNet are fine.
import { ids, aseRow, miRow, nicRow, siteRow, vnetRow, type SubnetSpec } from "../../support/rows";
import { verdictTable } from "./verdict-table";

const aseSubnet = ids.subnet("vnet-ase", "snet-ase");
const vnet = (...extra: SubnetSpec[]) =>
  vnetRow("vnet-ase", ["10.3.0.0/16"], [{ name: "snet-ase", prefix: "10.3.0.0/24" }, ...extra]);

verdictTable("ase.dedicated-subnet", [
  {
    name: "ASE alone in its subnet",
    resource: "ase1",
    status: "pass",
    rows: [vnet(), aseRow("ase1", aseSubnet)],
    evidence: { otherResourceCount: 0 },
  },
  {
    name: "a NIC in another subnet of the same VNet",
    resource: "ase1",
    status: "pass",
    rows: [
      vnet({ name: "snet-vm", prefix: "10.3.1.0/24" }),
      aseRow("ase1", aseSubnet),
      nicRow("nic-vm", ids.subnet("vnet-ase", "snet-vm"), "10.3.1.10"),
    ],
  },
  {
    name: "NIC in the ASE subnet",
    resource: "ase1",
    status: "fail",
    rows: [vnet(), aseRow("ase1", aseSubnet), nicRow("nic-vm", aseSubnet.toUpperCase(), "10.3.0.10")],
    evidence: { otherResources: [ids.nic("nic-vm")], otherResourceCount: 1 },
  },
  {
    name: "NIC known only from the subnet's ip configurations",
    resource: "ase1",
    status: "fail",
    rows: [
      vnetRow(
        "vnet-ase",
        ["10.3.0.0/16"],
        [
          {
            name: "snet-ase",
            prefix: "10.3.0.0/24",
            ipConfigurations: [`${ids.nic("nic-vm")}/ipConfigurations/ipconfig1`],
          },
        ],
      ),
      aseRow("ase1", aseSubnet),
    ],
  },
  {
    name: "one NIC known from both sides is counted once",
    resource: "ase1",
    status: "fail",
    rows: [
      vnetRow(
        "vnet-ase",
        ["10.3.0.0/16"],
        [
          {
            name: "snet-ase",
            prefix: "10.3.0.0/24",
            ipConfigurations: [`${ids.nic("nic-vm")}/ipConfigurations/ipconfig1`],
          },
        ],
      ),
      aseRow("ase1", aseSubnet),
      nicRow("nic-vm", aseSubnet, "10.3.0.10"),
    ],
    evidence: { otherResourceCount: 1 },
  },
  {
    name: "managed instance in the ASE subnet",
    resource: "ase1",
    status: "fail",
    rows: [vnet(), aseRow("ase1", aseSubnet), miRow("mi1", aseSubnet)],
    evidence: { otherResources: [ids.mi("mi1")] },
  },
  { name: "ASE subnet not in estate", resource: "ase1", status: "unknown", rows: [aseRow("ase1", aseSubnet)] },
  { name: "ASE without subnet", resource: "ase1", status: "unknown", rows: [aseRow("ase1", undefined)] },
  {
    name: "NICs unreadable",
    resource: "ase1",
    status: "unknown",
    gaps: [
      {
        types: ["microsoft.network/networkinterfaces"],
        subscriptionIds: ["11111111-1111-1111-1111-111111111111"],
        reason: "throttled",
      },
    ],
    rows: [vnet(), aseRow("ase1", aseSubnet)],
  },
  {
    name: "NICs unreadable in another subscription only",
    resource: "ase1",
    status: "pass",
    gaps: [
      {
        types: ["microsoft.network/networkinterfaces"],
        subscriptionIds: ["22222222-2222-2222-2222-222222222222"],
        reason: "throttled",
      },
    ],
    rows: [vnet(), aseRow("ase1", aseSubnet)],
  },
  {
    name: "a web app is not an App Service environment",
    resource: "app1",
    status: "noFinding",
    rows: [vnet(), siteRow("app1", { virtualNetworkSubnetId: aseSubnet })],
  },
]);
