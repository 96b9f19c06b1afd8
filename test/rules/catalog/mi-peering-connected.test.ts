// mi.peering.connected: every peering of an MI's VNet is Connected and, where reported, FullyInSync
// (virtual-network-manage-peering: Initiated means the other side is missing; Disconnected means it was deleted;
// LocalNotInSync/RemoteNotInSync mean an address-space change was not synced). A peering with no state is unknown.
import { ids, miRow, vnetRow, type PeeringSpec, type Row } from "../../support/rows";
import { withPeering } from "../network-rows";
import { verdictTable } from "./verdict-table";
import { miSubnet, publicMi } from "./mi-estates";

const peered = (...peerings: PeeringSpec[]): Row[] => [
  vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], peerings),
  miRow("mi1", miSubnet),
];
const hub = ids.vnet("hub");

verdictTable("mi.peering.connected", [
  {
    name: "connected and in sync",
    resource: "mi1",
    status: "pass",
    rows: peered({ remote: hub, sync: "FullyInSync" }),
  },
  { name: "connected, sync level absent", resource: "mi1", status: "pass", rows: peered({ remote: hub }) },
  {
    name: "state and sync level in lower case",
    resource: "mi1",
    status: "pass",
    rows: peered({ remote: hub, state: "connected", sync: "fullyinsync" }),
  },
  {
    name: "initiated",
    resource: "mi1",
    status: "fail",
    rows: peered({ remote: hub, state: "Initiated" }),
    evidence: { brokenPeerings: [{ peering: "peering0", peeringState: "Initiated", peeringSyncLevel: null }] },
  },
  {
    name: "disconnected",
    resource: "mi1",
    status: "fail",
    rows: peered({ remote: hub, state: "Disconnected" }),
    message: ["Disconnected"],
  },
  {
    name: "connected but out of sync",
    resource: "mi1",
    status: "fail",
    rows: peered({ remote: hub, sync: "LocalNotInSync" }),
  },
  {
    name: "connected but remote out of sync",
    resource: "mi1",
    status: "fail",
    rows: peered({ remote: hub, sync: "RemoteNotInSync" }),
    message: ["Connected / RemoteNotInSync"],
  },
  {
    name: "one connected, one initiated",
    resource: "mi1",
    status: "fail",
    rows: peered({ name: "ok", remote: hub }, { name: "half", remote: ids.vnet("spoke"), state: "Initiated" }),
    message: ["half"],
  },
  { name: "no peerings", resource: "mi1", status: "notApplicable", rows: publicMi([]) },
  { name: "MI VNet missing", resource: "mi1", status: "unknown", rows: [miRow("mi1", miSubnet)] },
  {
    name: "peerings not collected",
    resource: "mi1",
    status: "unknown",
    rows: [
      vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], null),
      miRow("mi1", miSubnet),
    ],
  },
  {
    name: "peering without peeringState",
    resource: "mi1",
    status: "unknown",
    rows: [
      withPeering(
        vnetRow(
          "vnet-mi",
          ["10.1.0.0/24"],
          [{ name: "snet-mi", prefix: "10.1.0.0/24" }],
          [{ name: "blank", remote: hub }],
        ),
        "blank",
        { peeringState: undefined },
      ),
      miRow("mi1", miSubnet),
    ],
    evidence: { peeringsWithoutState: ["blank"] },
  },
  {
    name: "a broken peering fails even when another has no state",
    resource: "mi1",
    status: "fail",
    rows: [
      withPeering(
        vnetRow(
          "vnet-mi",
          ["10.1.0.0/24"],
          [{ name: "snet-mi", prefix: "10.1.0.0/24" }],
          [
            { name: "blank", remote: hub },
            { name: "half", remote: ids.vnet("spoke"), state: "Initiated" },
          ],
        ),
        "blank",
        { peeringState: undefined },
      ),
      miRow("mi1", miSubnet),
    ],
  },
]);
