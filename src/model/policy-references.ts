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

/** How many subscriptions a warning names before it says how many more there are. */
const NAMED_SUBSCRIPTIONS = 5;

/**
 * Data-quality warnings for exemptions the audit cannot apply as read. A management-group exemption applies to the
 * audited subscriptions whose ancestry was read; those whose ancestry was not are named (it is not applied to them).
 */
export function policyReferenceWarnings(policy: PolicyObjects, auditedSubscriptions: Iterable<string> = []): string[] {
  const warnings: string[] = [];
  const unknownAncestry = [...auditedSubscriptions].filter((id) => !policy.ancestry.has(id.toLowerCase())).sort();
  for (const exemption of policy.exemptions) {
    if (exemption.managementGroup !== undefined && unknownAncestry.length > 0) {
      const named = unknownAncestry.slice(0, NAMED_SUBSCRIPTIONS).join(", ");
      const more = unknownAncestry.length - NAMED_SUBSCRIPTIONS;
      warnings.push(
        `Policy exemption ${exemption.id} (management group ${exemption.managementGroup}) is not applied to ` +
          `subscription${unknownAncestry.length === 1 ? "" : "s"} ${named}${more > 0 ? ` and ${more} more` : ""}: ` +
          "which management groups they sit under was not read",
      );
    }
    for (const problem of exemptedDefinitions(exemption, policy).problems)
      warnings.push(`Policy exemption ${exemption.id} is not applied (in full): ${problem}`);
  }
  return warnings;
}
