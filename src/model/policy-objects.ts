// Azure Policy objects the audit reads from Resource Graph's `policyresources` table: exemptions, the assignments they
// exempt from, and the initiatives (policy set definitions) those assignments assign. They are not audited resources
// (no rule evaluates them): they say which results are accepted risks. The shapes follow the ARM resources
// (Microsoft.Authorization policyExemptions, policyAssignments, policySetDefinitions): Resource Graph returns each as a
// row with a lower-case `type` and the resource's `properties`, the same in live collection and `az graph query`
// snapshots. Exemption ids keep their scope: everything before `/providers/Microsoft.Authorization/policyExemptions/`.
import { armKey } from "./arm-id";
import { FieldReader, describe, isRecord, type Json } from "./field-reader";
import type { DataIssue } from "./estate";
import { managementGroupOfScope, type SubscriptionAncestry } from "./management-group-ancestry";
import type { ResourceRow } from "./row";

/** Resource Graph types of `policyresources` rows the audit reads, lower case. */
export const POLICY_TYPES = {
  policyExemption: "microsoft.authorization/policyexemptions",
  policyAssignment: "microsoft.authorization/policyassignments",
  policySetDefinition: "microsoft.authorization/policysetdefinitions",
} as const;

export type PolicyKind = keyof typeof POLICY_TYPES;

const POLICY_KIND_BY_TYPE = new Map<string, PolicyKind>(
  Object.entries(POLICY_TYPES).map(([kind, type]) => [type, kind as PolicyKind]),
);

export function policyKindOf(type: string): PolicyKind | undefined {
  return POLICY_KIND_BY_TYPE.get(type.toLowerCase());
}

/** A resource selector's condition (`resourceLocation`, `resourceType`, `resourceWithoutLocation`), In or NotIn. */
export interface PolicySelector {
  kind: string;
  in?: string[];
  notIn?: string[];
}

/** A resource selector: a resource it applies to meets every one of its selectors. */
export interface PolicyResourceSelector {
  name: string;
  selectors: PolicySelector[];
}

export interface PolicyExemption {
  id: string;
  key: string;
  name: string;
  /** The exemption's scope: its id up to `/providers/Microsoft.Authorization/policyExemptions`. */
  scope: string;
  /** Set when the scope is a management group (`/providers/Microsoft.Management/managementGroups/<name>`). */
  managementGroup?: string;
  policyAssignmentId?: string;
  policyDefinitionReferenceIds?: string[];
  /** `Waiver` or `Mitigated` as written (the service accepts other casing, as the docs' example shows). */
  exemptionCategory?: string;
  /** ISO 8601 instant as Azure gives it; absent when the exemption never expires. */
  expiresOn?: string;
  displayName?: string;
  description?: string;
  /** String-valued metadata entries (requestedBy, approvedBy, ticketRef are the docs' conventions). */
  metadata: Record<string, string>;
  resourceSelectors?: PolicyResourceSelector[];
  assignmentScopeValidation?: string;
  issues: DataIssue[];
}

export interface PolicyAssignment {
  id: string;
  key: string;
  /** A policy definition's or a policy set definition's id. */
  policyDefinitionId?: string;
  displayName?: string;
}

export interface PolicySetDefinition {
  id: string;
  key: string;
  /** `policyDefinitionReferenceId` (lower case) → the policy definition id it references. */
  definitionsByReference: Map<string, string>;
}

/** The Policy objects of the estate, keyed by folded ARM id. */
export interface PolicyObjects {
  exemptions: PolicyExemption[];
  assignments: Map<string, PolicyAssignment>;
  setDefinitions: Map<string, PolicySetDefinition>;
  /**
   * The management groups above each subscription whose `resourcecontainers` row was read: what a management-group
   * exemption needs to know which subscriptions it covers. A subscription not in it: not known.
   */
  ancestry: SubscriptionAncestry;
}

export function emptyPolicyObjects(): PolicyObjects {
  return { exemptions: [], assignments: new Map(), setDefinitions: new Map(), ancestry: new Map() };
}

const EXEMPTION_MARKER = "/providers/microsoft.authorization/policyexemptions/";

/** Reads one policyresources row into `into`. */
export function addPolicyRow(into: PolicyObjects, kind: PolicyKind, row: ResourceRow, id: string): void {
  const issues: DataIssue[] = [];
  const props = new FieldReader(row.properties, "properties", issues);
  if (!isRecord(row.properties))
    issues.push({ field: "properties", problem: `expected an object, found ${describe(row.properties)}` });
  const key = armKey(id);
  if (kind === "policyAssignment") {
    into.assignments.set(key, {
      id,
      key,
      policyDefinitionId: props.string("policyDefinitionId"),
      displayName: props.string("displayName"),
    });
  } else if (kind === "policySetDefinition") {
    into.setDefinitions.set(key, { id, key, definitionsByReference: readSetReferences(props) });
  } else {
    into.exemptions.push(readExemption(id, key, row, props, issues));
  }
}

function readSetReferences(props: FieldReader): Map<string, string> {
  const references = new Map<string, string>();
  for (const entry of props.array("policyDefinitions") ?? []) {
    if (!isRecord(entry)) continue;
    const reference = entry["policyDefinitionReferenceId"];
    const definition = entry["policyDefinitionId"];
    if (typeof reference === "string" && typeof definition === "string")
      references.set(reference.toLowerCase(), definition);
  }
  return references;
}

function readExemption(
  id: string,
  key: string,
  row: ResourceRow,
  props: FieldReader,
  issues: DataIssue[],
): PolicyExemption {
  const at = key.lastIndexOf(EXEMPTION_MARKER);
  const scope = at > 0 ? id.trim().slice(0, at) : "";
  if (scope === "")
    issues.push({ field: "id", problem: "is not a policy exemption id (no scope before the provider)" });
  const expiresOn = props.string("expiresOn");
  if (expiresOn !== undefined && Number.isNaN(Date.parse(expiresOn))) props.issue("expiresOn", "is not a date-time");
  const exemption: PolicyExemption = {
    id: id.trim(),
    key,
    name: typeof row.name === "string" ? row.name : key.slice(at + EXEMPTION_MARKER.length),
    scope,
    policyAssignmentId: props.string("policyAssignmentId"),
    policyDefinitionReferenceIds: props.strings("policyDefinitionReferenceIds"),
    exemptionCategory: props.string("exemptionCategory"),
    expiresOn,
    displayName: props.string("displayName"),
    description: props.string("description"),
    metadata: readMetadata(props.raw("metadata")),
    resourceSelectors: readSelectors(props),
    assignmentScopeValidation: props.string("assignmentScopeValidation"),
    issues,
  };
  // The group's name as written (for messages); the index compares it lower case.
  if (managementGroupOfScope(scope) !== undefined) exemption.managementGroup = scope.slice(scope.lastIndexOf("/") + 1);
  if (exemption.policyAssignmentId === undefined) props.issue("policyAssignmentId", "is missing");
  return exemption;
}

function readMetadata(value: Json): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (!isRecord(value)) return metadata;
  for (const [name, entry] of Object.entries(value))
    if (typeof entry === "string" && entry.trim() !== "") metadata[name] = entry.trim();
  return metadata;
}

function readSelectors(props: FieldReader): PolicyResourceSelector[] | undefined {
  const list = props.array("resourceSelectors");
  if (list === undefined) return undefined;
  const selectors: PolicyResourceSelector[] = [];
  list.forEach((entry, index) => {
    const reader = new FieldReader(entry, `properties.resourceSelectors[${index}]`, []);
    const conditions: PolicySelector[] = [];
    for (const condition of reader.array("selectors") ?? []) {
      const c = new FieldReader(condition, "selector", []);
      const kind = c.string("kind");
      if (kind === undefined) continue;
      const selector: PolicySelector = { kind };
      const inList = c.strings("in");
      const notIn = c.strings("notIn");
      if (inList !== undefined) selector.in = inList;
      if (notIn !== undefined) selector.notIn = notIn;
      conditions.push(selector);
    }
    selectors.push({ name: reader.string("name") ?? `selector ${index + 1}`, selectors: conditions });
  });
  return selectors;
}
