// mi.peering.same-region: every peering of an MI's VNet connects to a VNet in the same region (seed 000: "limited to
// the networks in the same region"). Regions compare as Azure writes them, case- and space-insensitively. The remote
// VNet's region is only known from its own row; without it the verdict is unknown.
import { expect } from "vitest";
import { SUB2, ids, miRow, vnetRow, type PeeringSpec, type Row } from "../../support/rows";
import { verdictTable } from "./verdict-table";
import { miSubnet, publicMi } from "./mi-estates";

/** The MI VNet (westeurope) peered per `peerings`, plus the given remote VNets. */
const peered = (peerings: PeeringSpec[] | null, ...remotes: Row[]): Row[] => [
  vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], peerings),
  ...remotes,
  miRow("mi1", miSubnet),
];
const hub = (location?: string) => vnetRow("hub", ["10.0.0.0/16"], [], [], location === undefined ? {} : { location });

verdictTable("mi.peering.same-region", [
  { name: "no peerings", resource: "mi1", status: "notApplicable", rows: publicMi([]) },
  {
    name: "same-region peering",
    resource: "mi1",
    status: "pass",
    rows: peered([{ remote: ids.vnet("hub").toUpperCase() }], hub()),
  },
  {
    name: "same region written differently (West Europe)",
    resource: "mi1",
    status: "pass",
    rows: peered([{ remote: ids.vnet("hub") }], hub("West Europe")),
  },
  {
    name: "global peering",
    resource: "mi1",
    status: "fail",
    rows: peered([{ remote: ids.vnet("hub") }], hub("eastus")),
    message: ["eastus"],
    evidence: { crossRegionPeerings: [expect.objectContaining({ peering: "peering0", remoteLocation: "eastus" })] },
  },
  {
    name: "one same-region and one global peering",
    resource: "mi1",
    status: "fail",
    rows: peered(
      [
        { name: "to-hub", remote: ids.vnet("hub") },
        { name: "to-far", remote: ids.vnet("far") },
      ],
      hub(),
      vnetRow("far", ["10.9.0.0/16"], [], [], { location: "australiaeast" }),
    ),
    message: ["to-far", "australiaeast"],
  },
  {
    name: "a global peering fails even when another remote VNet is not in the estate",
    resource: "mi1",
    status: "fail",
    rows: peered(
      [
        { name: "to-gone", remote: ids.vnet("gone", SUB2) },
        { name: "to-hub", remote: ids.vnet("hub") },
      ],
      hub("eastus"),
    ),
  },
  {
    name: "remote VNet not in estate",
    resource: "mi1",
    status: "unknown",
    rows: peered([{ remote: ids.vnet("hub", SUB2) }]),
    evidence: { remoteVnetsNotInEstate: [ids.vnet("hub", SUB2)] },
  },
  { name: "peerings not collected", resource: "mi1", status: "unknown", rows: peered(null) },
  { name: "MI subnet not in estate", resource: "mi1", status: "unknown", rows: [miRow("mi1", miSubnet)] },
  {
    name: "VNets unreadable in this subscription: a pass is not confirmed",
    resource: "mi1",
    status: "unknown",
    rows: peered([{ remote: ids.vnet("hub") }], hub()),
    gaps: [{ types: ["microsoft.network/virtualnetworks"], reason: "HTTP 500" }],
  },
]);
