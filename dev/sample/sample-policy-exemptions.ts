// The sample's Azure Policy objects, as Resource Graph's `policyresources` returns them: the prod subscription assigns
// the built-in "Azure SQL Managed Instances should disable public network access" (9dfea752), and sqlmi-prod-01, whose
// public endpoint is on by design (its NSG admits TDS on 3342 only from the company's NAT egress prefix), holds a Waiver
// exemption from it with the metadata conventions of exemption-structure.md (requestedBy, approvedBy, approvedOn,
// ticketRef). `npm start` shows that result as a policy exception. The expiry is far enough ahead that the committed
// sample keeps showing an exception in force for years; a real waiver would be shorter.
import type { Row } from "../generate/resource-rows";
import { SUB, type SampleRows } from "./sample-rows";

const ASSIGNMENT = `/subscriptions/${SUB.prod}/providers/Microsoft.Authorization/policyAssignments/mi-public-endpoint-audit`;
const MI = `/subscriptions/${SUB.prod}/resourceGroups/rg-data-prod/providers/Microsoft.Sql/managedInstances/sqlmi-prod-01`;

function policyRow(id: string, name: string, type: string, resourceGroup: string, properties: Row): Row {
  return { id, name, type, tenantId: "", kind: "", location: "", resourceGroup, subscriptionId: SUB.prod, properties };
}

export function policyExemptions(out: SampleRows): void {
  out.add(
    policyRow(ASSIGNMENT, "mi-public-endpoint-audit", "microsoft.authorization/policyassignments", "", {
      displayName: "Azure SQL Managed Instances should disable public network access",
      policyDefinitionId: "/providers/Microsoft.Authorization/policyDefinitions/9dfea752-dd46-4766-aed1-c355fa93fb91",
      enforcementMode: "Default",
      scope: `/subscriptions/${SUB.prod}`,
      notScopes: [],
      metadata: { assignedBy: "Cloud Center of Excellence" },
    }),
  );
  out.add(
    policyRow(
      `${MI}/providers/Microsoft.Authorization/policyExemptions/sqlmi-prod-01-public-endpoint`,
      "sqlmi-prod-01-public-endpoint",
      "microsoft.authorization/policyexemptions",
      "rg-data-prod",
      {
        policyAssignmentId: ASSIGNMENT,
        exemptionCategory: "Waiver",
        displayName: "sqlmi-prod-01 public endpoint for the reporting vendor",
        description:
          "The reporting vendor reads over the public endpoint until its private link is live; the NSG admits 3342 " +
          "only from our NAT egress prefix.",
        expiresOn: "2029-03-31T23:59:59.0000000Z",
        assignmentScopeValidation: "Default",
        metadata: {
          requestedBy: "Data platform team",
          approvedBy: "secops-lead@contoso.com",
          approvedOn: "2026-10-01T09:00:00.0000000Z",
          ticketRef: "CHG-2291",
        },
      },
    ),
  );
}
