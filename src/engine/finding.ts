// The finding: one rule's verdict on one resource, in the shape the CLI, the store and the API all share.
import type { Evidence, Severity, Status } from "../rules/rule";
import type { FindingException } from "./exceptions";

/** The resource's fields a finding carries, in the order every format writes them. */
export const FINDING_RESOURCE_FIELDS = [
  "resourceId",
  "resourceName",
  "resourceType",
  "subscriptionId",
  "resourceGroup",
] as const;

/**
 * What identifies a finding across runs and formats: the rule × resource pair (ruleId and resourceId, the key of its
 * state), with the rule's severity and title and the resource's names. The list is the one home of these fields: the
 * types below are made from it, and the state, delta samples, alert items, Table entities and JSON schemas take the
 * fields from here (with Pick or extends, and pickIdentity). Listed in the order the finding state writes them.
 */
export const FINDING_IDENTITY_FIELDS = ["ruleId", ...FINDING_RESOURCE_FIELDS, "severity", "title"] as const;

export type FindingIdentityField = (typeof FINDING_IDENTITY_FIELDS)[number];

/** Every identity field is text; the severity is one of the rule severities. */
export type FindingIdentity = { [K in FindingIdentityField]: K extends "severity" ? Severity : string };

/** The resource a finding judged, named as the estate names it. */
export type FindingResource = Pick<FindingIdentity, (typeof FINDING_RESOURCE_FIELDS)[number]>;

/**
 * The named identity fields of `source`, in the order of `fields` (the order is a format's: JSON keeps it). Works on
 * anything keyed by identity fields: a finding, a state, or a schema's shape.
 */
export function pickIdentity<
  T extends Partial<Record<FindingIdentityField, unknown>>,
  const K extends FindingIdentityField & keyof T,
>(source: T, fields: readonly K[]): Pick<T, K> {
  const picked = {} as Pick<T, K>;
  for (const field of fields) picked[field] = source[field];
  return picked;
}

export interface Finding extends FindingIdentity {
  location: string;
  status: Status;
  message: string;
  evidence: Evidence;
  /**
   * The resource's ARM tags, copied from the estate when it has any (absent otherwise). Alert routing matches on
   * them; they describe the resource, not the verdict, so they are kept apart from `evidence`.
   */
  tags?: Record<string, string>;
  /**
   * The exception that covers this result, when one does (engine/exceptions.ts): `applied` on an excepted fail or
   * unknown, `expired` once it lapsed, `notNeeded` on a pass. The status is never changed by it.
   */
  exception?: FindingException;
}
