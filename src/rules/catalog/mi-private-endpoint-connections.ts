// mi.private-endpoint.connections: private endpoint connections to an MI are decided and come from inside the audit.
// A private endpoint carries TDS (1433, proxy) from another VNet, possibly another tenant, straight to the instance;
// it needs no peering and no NSG rule on the MI subnet, so the NSG rules of this auditor never see it. A `Pending`
// connection waits for the MI's admin to approve or reject it; an `Approved` one from a subscription outside the
// audited scope is a path into the instance nobody here reviews. `Rejected` and `Disconnected` carry no traffic.
import type { ManagedInstance, MiPrivateEndpointConnection } from "../../model/estate";
import type { Rule, RuleResult } from "../rule";
import { result } from "../rule";
import { describeIssues, issuesAt } from "../network-context";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

const FIELD = "properties.privateEndpointConnections";

interface Finding {
  connection: string;
  privateEndpoint: string | null;
  subscription: string | null;
  status: string | null;
  problem: string;
}

export const miPrivateEndpointConnections: Rule<"managedInstance"> = {
  id: "mi.private-endpoint.connections",
  title: "MI has a pending or out-of-scope private endpoint connection",
  severity: "medium",
  appliesTo: "managedInstance",
  synopsis:
    "Every private endpoint connection to the managed instance is decided (not Pending), and approved ones come from a subscription inside the audited scope.",
  rationale:
    "A private endpoint makes the instance reachable on 1433 from another virtual network, possibly in another tenant, without peering or an NSG rule on the instance's subnet, so a network review of the instance's VNet does not see it. " +
    "The instance's administrator accepts or rejects each request; a request left pending is a decision nobody made, and an approved connection from outside the audited subscriptions is a path whose far side this audit cannot assess.",
  guidance: [
    {
      page: GUIDANCE_PAGES.privateEndpointOverview,
      summary:
        "A network administrator creates a private endpoint to the instance in their own virtual network (possibly another tenant's), and the instance's SQL administrator reviews pending connections and approves or rejects them; private endpoints carry only port 1433 in the proxy connection type, one way into the instance.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Review the instance's private endpoint connections (portal: the instance > Security > Private endpoint connections, or `az network private-endpoint-connection list --id <mi id>`); approve or reject each pending one, and reject or move into the audited scope any approved connection whose endpoint lives in a subscription you do not audit.",
  references: [
    "https://learn.microsoft.com/azure/azure-sql/managed-instance/private-endpoint-overview",
    "https://learn.microsoft.com/azure/private-link/private-endpoint-overview",
  ],
  controls: [{ mcsb: "NS-2", relation: "related" }],
  controlsNote: "CIS Azure Foundations has no item for private endpoint connections to managed instances.",
  verdictDependsOn: [],
  applicabilityDependsOn: [],
  evaluate(mi, estate) {
    const issues = issuesAt(mi, FIELD);
    if (issues.length > 0)
      return [
        result(
          mi,
          "unknown",
          `The private endpoint connections of ${mi.name} are unreadable: ${describeIssues(issues)}.`,
          {
            dataQuality: issues,
          },
        ),
      ];
    const connections = mi.privateEndpointConnections;
    if (connections === undefined)
      return [
        result(mi, "unknown", `${mi.name} was collected without its private endpoint connections.`, {
          privateEndpointConnections: null,
        }),
      ];
    if (connections.length === 0)
      return [result(mi, "notApplicable", `${mi.name} has no private endpoint connections.`, { connections: 0 })];
    return [judge(mi, connections, estate.auditedSubscriptions)];
  },
};

function judge(
  mi: ManagedInstance,
  connections: readonly MiPrivateEndpointConnection[],
  audited: ReadonlySet<string>,
): RuleResult {
  const failing: Finding[] = [];
  const undecidable: Finding[] = [];
  for (const connection of connections) {
    const status = connection.status?.toLowerCase();
    const base = {
      connection: connection.name,
      privateEndpoint: connection.privateEndpointId ?? null,
      subscription: connection.privateEndpointSubscriptionId ?? null,
      status: connection.status ?? null,
    };
    if (status === "pending") failing.push({ ...base, problem: "pending approval" });
    else if (status === "approved") {
      if (connection.privateEndpointSubscriptionId === undefined)
        undecidable.push({ ...base, problem: "approved, but its private endpoint's subscription is unknown" });
      else if (!audited.has(connection.privateEndpointSubscriptionId))
        failing.push({ ...base, problem: "approved from a subscription outside the audited scope" });
    } else if (status !== "rejected" && status !== "disconnected")
      undecidable.push({ ...base, problem: `state ${connection.status ?? "missing"} is not one Azure documents` });
  }
  const evidence = { connections: connections.length, auditedSubscriptions: audited.size };
  if (failing.length > 0)
    return result(
      mi,
      "fail",
      `${mi.name} has ${failing.length} private endpoint connection(s) to review: ${failing.map((f) => `${f.connection} (${f.problem}${f.subscription ? `, subscription ${f.subscription}` : ""})`).join(", ")}.`,
      { ...evidence, failing, ...(undecidable.length > 0 ? { undecidable } : {}) },
    );
  if (undecidable.length > 0)
    return result(
      mi,
      "unknown",
      `Cannot judge ${undecidable.length} private endpoint connection(s) of ${mi.name}: ${undecidable.map((f) => `${f.connection} (${f.problem})`).join(", ")}.`,
      { ...evidence, undecidable },
    );
  return result(
    mi,
    "pass",
    `Every private endpoint connection of ${mi.name} is decided, and the approved ones come from audited subscriptions.`,
    evidence,
  );
}
