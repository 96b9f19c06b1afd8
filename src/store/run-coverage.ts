// Which subscriptions a run vouched for, read from the scope it was created with (RunRequest.scope, also its lock key).
// A run over `subscriptions:a,b` covers those two; any other scope (the tenant, management groups, snapshot files) or
// none recorded may cover any subscription, so it is taken to cover all of them. The store uses this to keep an older
// run that completes late from changing state that a newer run, finished first, confirmed without writing it.

/** True when the run(s) may have judged resources of this subscription. */
export type Coverage = (subscriptionId: string) => boolean;

export const COVERS_NOTHING: Coverage = () => false;
const COVERS_ALL: Coverage = () => true;

const SUBSCRIPTIONS_SCOPE = "subscriptions:";

export function scopeCoverage(scope: string | undefined): Coverage {
  if (scope === undefined || !scope.toLowerCase().startsWith(SUBSCRIPTIONS_SCOPE)) return COVERS_ALL;
  const ids = scope
    .slice(SUBSCRIPTIONS_SCOPE.length)
    .split(",")
    .map((id) => id.trim().toLowerCase())
    .filter((id) => id !== "");
  // "subscriptions:" with no id names no subscription we can trust to be the whole story.
  if (ids.length === 0) return COVERS_ALL;
  const set = new Set(ids);
  return (subscriptionId) => set.has(subscriptionId.toLowerCase());
}

/** Covered by any of the scopes. */
export function unionCoverage(scopes: ReadonlyArray<string | undefined>): Coverage {
  if (scopes.length === 0) return COVERS_NOTHING;
  const coverages = scopes.map(scopeCoverage);
  if (coverages.includes(COVERS_ALL)) return COVERS_ALL;
  return (subscriptionId) => coverages.some((covers) => covers(subscriptionId));
}
