// What an Azure Policy exemption exempts from: its assignment's policy definition, or, for an initiative assignment, the
// definitions its `policyDefinitionReferenceIds` name in the initiative (all of them when it names none, as the
// exemption then covers the whole assignment). When a reference cannot be followed (the assignment or the initiative
// was not among the rows read, e.g. one assigned above the audited subscriptions), the exemption is not applied and
// the estate says so: an accepted risk is never guessed, and never dropped silently.
import { armKey, armTypeOf } from "./arm-id";
import type { PolicyExemption, PolicyObjects } from "./policy-objects";

const SET_DEFINITION_TYPE = "microsoft.authorization/policysetdefinitions";

export interface ExemptedDefinitions {
  /** Policy definition ids the exemption exempts from (as written). */
  definitionIds: string[];
  /** Why some or all of what it exempts from could not be told; empty when everything resolved. */
  problems: string[];
}

/** The policy definitions an exemption exempts from, followed through its assignment (and initiative). */
export function exemptedDefinitions(exemption: PolicyExemption, policy: PolicyObjects): ExemptedDefinitions {
  const assignmentId = exemption.policyAssignmentId;
  if (assignmentId === undefined) return { definitionIds: [], problems: ["it names no policy assignment"] };
  const assignment = policy.assignments.get(armKey(assignmentId));
  if (assignment === undefined)
    return { definitionIds: [], problems: [`its policy assignment ${assignmentId} was not among the rows read`] };
  const definitionId = assignment.policyDefinitionId;
  if (definitionId === undefined)
    return { definitionIds: [], problems: [`its policy assignment ${assignmentId} names no policy definition`] };
  if (armTypeOf(definitionId) !== SET_DEFINITION_TYPE) return { definitionIds: [definitionId], problems: [] };
  const set = policy.setDefinitions.get(armKey(definitionId));
  if (set === undefined)
    return {
      definitionIds: [],
      problems: [`the initiative ${definitionId} its assignment assigns was not among the rows read`],
    };
  const references = exemption.policyDefinitionReferenceIds ?? [];
  if (references.length === 0) return { definitionIds: [...set.definitionsByReference.values()], problems: [] };
  const definitionIds: string[] = [];
  const problems: string[] = [];
  for (const reference of references) {
    const id = set.definitionsByReference.get(reference.toLowerCase());
    if (id === undefined) problems.push(`the initiative ${definitionId} has no policy reference ${reference}`);
    else definitionIds.push(id);
  }
  return { definitionIds, problems };
}

/** The last segment of a policy definition id, lower case: the GUID of a built-in definition. */
export function definitionName(definitionId: string): string {
  const key = armKey(definitionId);
  return key.slice(key.lastIndexOf("/") + 1);
}

/** Data-quality warnings for exemptions the audit cannot apply as read. */
export function policyReferenceWarnings(policy: PolicyObjects): string[] {
  const warnings: string[] = [];
  for (const exemption of policy.exemptions) {
    if (exemption.managementGroup !== undefined) {
      warnings.push(
        `Policy exemption ${exemption.id} is not applied: it is scoped to management group ` +
          `${exemption.managementGroup}, and the audit does not read which subscriptions sit under management groups`,
      );
      continue;
    }
    for (const problem of exemptedDefinitions(exemption, policy).problems)
      warnings.push(`Policy exemption ${exemption.id} is not applied (in full): ${problem}`);
  }
  return warnings;
}
