// What an audit covers: subscriptions or management groups (neither: every subscription the identity can read).
// A use-case fact: the request message, the scope lock and the collectors all speak it.
import { AuditorError } from "../errors";

/** A setting that failed validation; a usage error (CONFIG_INVALID). `setting` names it as the caller spelled it. */
export class CollectionConfigError extends AuditorError {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super("CONFIG_INVALID", `${setting}: ${message}`);
    this.name = "CollectionConfigError";
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface CollectionScope {
  subscriptions?: string[];
  managementGroups?: string[];
}

/** Checks the scope and returns it normalised (lower-case subscription ids, no duplicates, no blanks). */
export function validateScope(scope: CollectionScope): CollectionScope {
  const subscriptions = dedupe((scope.subscriptions ?? []).map((id) => id.trim().toLowerCase()));
  const bad = subscriptions.filter((id) => !GUID.test(id));
  if (bad.length > 0) {
    throw new CollectionConfigError(
      "subscriptions",
      `not a subscription id (GUID): ${bad
        .slice(0, 5)
        .map((id) => `'${id}'`)
        .join(", ")}${bad.length > 5 ? ` and ${bad.length - 5} more` : ""}`,
    );
  }
  const managementGroups = dedupe((scope.managementGroups ?? []).map((name) => name.trim()));
  const badGroup = managementGroups.find((name) => !/^[\w().-]{1,90}$/.test(name));
  if (badGroup !== undefined) {
    throw new CollectionConfigError("managementGroups", `'${badGroup}' is not a management group name`);
  }
  if (subscriptions.length > 0 && managementGroups.length > 0) {
    throw new CollectionConfigError("subscriptions", "give either subscriptions or managementGroups, not both");
  }
  return {
    subscriptions: subscriptions.length > 0 ? subscriptions : undefined,
    managementGroups: managementGroups.length > 0 ? managementGroups : undefined,
  };
}

function dedupe(values: string[]): string[] {
  return [...new Set(values.filter((value) => value !== ""))];
}
