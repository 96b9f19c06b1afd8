// Listing the subscriptions of a scope (the tenant or management groups) from Resource Graph's `resourcecontainers`,
// as the collector does before it queries by subscription batches. A listing that fails, or that Resource Graph
// limits, becomes a coverage gap for the types the collection then cannot vouch for.
import type { CoverageGap } from "../model/estate";
import type { PacedQueryClient, RequestScope } from "./paced-query-client";
import { SUBSCRIPTIONS_QUERY } from "./queries";
import { FIRST_PAGE } from "./query-chain";
import { RetriesExhaustedError } from "./retry-policy";

export interface SubscriptionListingContext {
  /** The types a failed or incomplete listing leaves uncovered, and how the scope is named in the gap. */
  types: string[];
  what: string;
  pageSize: number;
  /** The run's coverage gaps, which a failed or incomplete listing adds to. */
  gaps: CoverageGap[];
}

/** Lists subscription ids (lower case) in scope; on failure records a gap for `types` and returns undefined. */
export async function listSubscriptionIds(
  requests: PacedQueryClient,
  scope: RequestScope | undefined,
  { types, what, pageSize, gaps }: SubscriptionListingContext,
): Promise<string[] | undefined> {
  const ids: string[] = [];
  let skipToken: string | undefined;
  try {
    do {
      const page = await requests.send(SUBSCRIPTIONS_QUERY, scope, skipToken, FIRST_PAGE, pageSize);
      for (const row of page.data) {
        if (typeof row["subscriptionId"] === "string") ids.push(row["subscriptionId"].toLowerCase());
      }
      if (page.subscriptionLimitHit || page.truncated) {
        gaps.push({
          types,
          reason: `the subscription list of ${what} is incomplete: Resource Graph limited it`,
        });
      }
      skipToken = page.skipToken;
    } while (skipToken !== undefined);
  } catch (error) {
    if (!(error instanceof RetriesExhaustedError)) throw error;
    gaps.push({ types, reason: `listing the subscriptions of ${what} failed: ${error.message}` });
    return undefined;
  }
  return [...new Set(ids)];
}
