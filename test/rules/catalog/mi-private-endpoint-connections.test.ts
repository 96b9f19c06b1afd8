// mi.private-endpoint.connections: the instance's admin approves or rejects each private endpoint connection
// (private-endpoint-overview.md, "Review and approve a request"); a connection carries 1433 from the endpoint's VNet,
// possibly another tenant's, without peering or NSG rules on the MI subnet. Pending → fail; Approved from a
// subscription outside the audit → fail; Rejected/Disconnected carry nothing; no connections → notApplicable; a
// connection list that was not collected, or an approved one whose endpoint cannot be placed → unknown.
import { expect } from "vitest";
import { SUB1, SUB2, ids, miRow, privateEndpointConnection, type Row } from "../../support/rows";
import { verdictTable } from "./verdict-table";
import { miSubnet, publicMi, sqlServerRow } from "./mi-estates";

const OUTSIDE = "99999999-9999-9999-9999-999999999999";
const withConnections = (...entries: unknown[]): Row[] => [
  ...publicMi([]).filter((row) => row["type"] !== "microsoft.sql/managedinstances"),
  miRow("mi1", miSubnet, { privateEndpointConnections: entries }),
];
const pe = (name: string, sub = SUB1) => ids.privateEndpoint(name, sub);
const conn = (name: string, endpoint: string, status: string) =>
  privateEndpointConnection("mi1", name, endpoint, status);

verdictTable("mi.private-endpoint.connections", [
  { name: "no connections", resource: "mi1", status: "notApplicable", rows: withConnections() },
  {
    name: "approved from the audited subscription",
    resource: "mi1",
    status: "pass",
    rows: withConnections(conn("c1", pe("pe1"), "Approved")),
  },
  {
    name: "approved from another audited subscription (a resource of the estate lives there), id in upper case",
    resource: "mi1",
    status: "pass",
    rows: [
      ...withConnections(conn("c1", pe("pe1", SUB2.toUpperCase()), "Approved")),
      miRow("other", undefined, {}, { subscriptionId: SUB2, id: ids.mi("other", SUB2) }),
    ],
  },
  {
    name: "rejected and disconnected connections carry nothing, from anywhere",
    resource: "mi1",
    status: "pass",
    rows: withConnections(conn("c1", pe("pe1", OUTSIDE), "Rejected"), conn("c2", pe("pe2", OUTSIDE), "Disconnected")),
  },
  {
    name: "pending",
    resource: "mi1",
    status: "fail",
    rows: withConnections(conn("c1", pe("pe1"), "Approved"), conn("c2", pe("pe2"), "Pending")),
    message: ["c2", "pending approval"],
    evidence: { failing: [expect.objectContaining({ connection: "c2", status: "Pending" })] },
  },
  {
    name: "approved from a subscription outside the audit",
    resource: "mi1",
    status: "fail",
    rows: withConnections(conn("c1", pe("pe1", OUTSIDE), "Approved")),
    message: ["outside the audited scope", OUTSIDE],
    evidence: { failing: [expect.objectContaining({ subscription: OUTSIDE, privateEndpoint: pe("pe1", OUTSIDE) })] },
  },
  {
    name: "a failing connection is reported even when another cannot be judged",
    resource: "mi1",
    status: "fail",
    rows: withConnections(conn("c1", pe("pe1"), "Pending"), conn("c2", pe("pe2"), "Approving")),
    evidence: { undecidable: [expect.objectContaining({ connection: "c2" })] },
  },
  {
    name: "the row has no privateEndpointConnections field",
    resource: "mi1",
    status: "unknown",
    rows: [...publicMi([]).filter((row) => row["type"] !== "microsoft.sql/managedinstances"), miRow("mi1", miSubnet)],
    message: ["without its private endpoint connections"],
  },
  {
    name: "approved, but the connection names no private endpoint",
    resource: "mi1",
    status: "unknown",
    rows: withConnections({
      id: `${ids.mi("mi1")}/privateEndpointConnections/c1`,
      properties: { privateLinkServiceConnectionState: { status: "Approved" } },
    }),
    message: ["subscription is unknown"],
  },
  {
    name: "a state Azure does not document",
    resource: "mi1",
    status: "unknown",
    rows: withConnections(conn("c1", pe("pe1"), "Approving")),
  },
  {
    name: "the field is not a list",
    resource: "mi1",
    status: "unknown",
    rows: [
      ...publicMi([]).filter((row) => row["type"] !== "microsoft.sql/managedinstances"),
      miRow("mi1", miSubnet, { privateEndpointConnections: "none" }),
    ],
    message: ["unreadable"],
  },
  {
    name: "a logical server is not audited",
    resource: "srv",
    status: "noFinding",
    rows: [sqlServerRow("srv", { privateEndpointConnections: [] })],
  },
]);
