// Azure Policy exemptions as exceptions: an exemption (Waiver or Mitigated) of a policy that maps to a rule excepts
// that rule's results in the exemption's scope. One source of truth for teams that already use exemptions.
// The exemption's own fields say why and until when (exemption-structure.md): description (or display name) and its
// category are the justification, `metadata.approvedBy` (or `requestedBy`, the docs' conventions) the approver,
// `metadata.ticketRef` the ticket, `expiresOn` the expiry (an exemption past it is kept by Azure "for record-keeping, but
// no longer honored": here it is reported as expired). An exemption scoped to a management group covers the
// subscriptions under that group at any depth (ExceptionIndex reads their ancestry from the estate). What cannot be
// followed (an assignment or initiative not read, a subscription whose management groups were not read) was reported
// as a data-quality warning when the estate was built, and is not applied there.
import type { Estate } from "../model/estate";
import type { PolicyExemption } from "../model/policy-objects";
import { definitionName, exemptedDefinitions } from "../model/policy-references";
import { rulesOfPolicyDefinition } from "../rules/policy-definitions";
import type { AuditException } from "./exceptions";

/** The exemption categories Azure Policy has; both mean the non-compliance is accepted (waived, or met otherwise). */
const CATEGORIES = new Map([
  ["waiver", "Waiver"],
  ["mitigated", "Mitigated"],
]);

/** The approver when the exemption's metadata names none: said plainly rather than left blank. */
export const APPROVER_NOT_RECORDED = "not recorded in the exemption";

/** The exceptions the estate's Policy exemptions declare. */
export function policyExemptionExceptions(estate: Estate): AuditException[] {
  const policy = estate.policy;
  if (policy === undefined) return [];
  const exceptions: AuditException[] = [];
  for (const exemption of policy.exemptions) {
    const category = CATEGORIES.get((exemption.exemptionCategory ?? "").toLowerCase());
    if (category === undefined || exemption.scope === "") continue;
    if (exemption.expiresOn !== undefined && Number.isNaN(Date.parse(exemption.expiresOn))) continue;
    const ruleIds = new Set<string>();
    for (const definitionId of exemptedDefinitions(exemption, policy).definitionIds)
      for (const ruleId of rulesOfPolicyDefinition(definitionName(definitionId))) ruleIds.add(ruleId);
    if (ruleIds.size === 0) continue;
    exceptions.push(toException(exemption, category, [...ruleIds].sort()));
  }
  return exceptions;
}

function toException(exemption: PolicyExemption, category: string, ruleIds: string[]): AuditException {
  const { metadata } = exemption;
  const reason = exemption.description ?? exemption.displayName ?? `Policy exemption ${exemption.name}`;
  const exception: AuditException = {
    id: exemption.id,
    source: "policy",
    ruleIds,
    scope: exemption.scope,
    justification: `${reason} (${category})`,
    approvedBy: metadata["approvedBy"] ?? metadata["requestedBy"] ?? APPROVER_NOT_RECORDED,
  };
  if (exemption.expiresOn !== undefined) exception.expiresOn = exemption.expiresOn;
  if (metadata["ticketRef"] !== undefined) exception.ticket = metadata["ticketRef"];
  if (exemption.resourceSelectors !== undefined && exemption.resourceSelectors.length > 0)
    exception.resourceSelectors = exemption.resourceSelectors;
  return exception;
}
