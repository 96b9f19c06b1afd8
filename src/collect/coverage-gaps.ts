// The coverage gaps a query chain records, worded for the report's reader: which family, which scope, where in the
// result the chain stopped or what it stepped over, and why. A chain that failed after retries, a result Resource
// Graph truncated, a single row too large for any response, and a chain that gave up after too many of those in a
// row. The collector (resource-graph-source.ts) decides when a chain records one; these say what it records.
import type { CoverageGap } from "../model/estate";
import { type Chain, MAX_OVERSIZED_IN_A_ROW } from "./query-chain";
import type { RetriesExhaustedError } from "./retry-policy";

/** A gap names the chain's subscriptions; for management groups, "every subscription in scope". */
function subscriptionIdsOf(chain: Chain): string[] | undefined {
  return "subscriptions" in chain.scope ? chain.scope.subscriptions : undefined;
}

/** A request of the chain failed after retries: the rest of its result is missing. */
export function failedChainGap(chain: Chain, error: RetriesExhaustedError): CoverageGap {
  const { family, scope } = chain;
  const where = "managementGroups" in scope ? ` in management groups ${scope.managementGroups.join(", ")}` : "";
  const at = chain.pages === 0 ? "" : ` on page ${chain.pages + 1}, after ${chain.rows} rows had been read`;
  return {
    types: [...family.types],
    subscriptionIds: subscriptionIdsOf(chain),
    reason: `${family.name}${where}: ${error.message}${at}`,
  };
}

/** Resource Graph cut the result short without a skip token to read on. */
export function truncatedChainGap(chain: Chain): CoverageGap {
  const { family } = chain;
  return {
    types: [...family.types],
    subscriptionIds: subscriptionIdsOf(chain),
    reason: `${family.name}: Resource Graph truncated the results after ${chain.rows} rows and offered no next page`,
  };
}

/** Where an oversized row sits: the scope, its position in id order, and the row count when known. */
function oversizedRowPlace(chain: Chain): { where: string; position: number; of: string } {
  const { scope } = chain;
  const position = chain.received + chain.skipped;
  const batch = "subscriptions" in scope ? scope.subscriptions.length : 0;
  const where =
    "managementGroups" in scope
      ? ` in management groups ${scope.managementGroups.join(", ")}`
      : ` in a batch of ${batch} subscription${batch === 1 ? "" : "s"}`;
  const of = chain.totalRecords === undefined ? "" : ` of ${chain.totalRecords}`;
  return { where, position, of };
}

/** One row, alone larger than the response size limit, that the chain steps over. */
export function oversizedRowGap(chain: Chain, error: RetriesExhaustedError): CoverageGap {
  const { family } = chain;
  const { where, position, of } = oversizedRowPlace(chain);
  // The row cannot be read, so it is placed by the last row that was: "the row after X", "the row 2 places after X".
  const places = position - chain.lastIdAt;
  const which =
    chain.lastId === undefined
      ? position === 0
        ? "the first row"
        : "a row before any that could be read"
      : places === 1
        ? `the row after ${chain.lastId}`
        : `the row ${places} places after ${chain.lastId}`;
  return {
    types: [...family.types],
    subscriptionIds: subscriptionIdsOf(chain),
    reason:
      `${family.name}${where}: ${which} (row ${position + 1}${of} in id order) is larger on its own than Resource Graph's ` +
      `response size limit (${error.failure.description}); it was skipped and the other rows were read`,
  };
}

/** MAX_OVERSIZED_IN_A_ROW oversized rows one after another: the chain ends, and the rest of its result is a gap. */
export function oversizedRunGap(chain: Chain, error: RetriesExhaustedError): CoverageGap {
  const { family } = chain;
  const { where, position, of } = oversizedRowPlace(chain);
  return {
    types: [...family.types],
    subscriptionIds: subscriptionIdsOf(chain),
    reason:
      `${family.name}${where}: ${MAX_OVERSIZED_IN_A_ROW} rows in a row up to row ${position}${of} in id order were each ` +
      `larger on their own than Resource Graph's response size limit (${error.failure.description}); the rest of ` +
      `the result from row ${position + 1} on was not read`,
  };
}
