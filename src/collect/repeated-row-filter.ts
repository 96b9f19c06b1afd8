// Rows that several requests of one family return. With an authorizationScopeFilter that reaches above the requested
// scope (queries.ts, the Policy exemptions family), every batch of subscriptions under the same management group gets
// that group's assignments and exemptions back; the run hands each of them on once, by id (compared lower-case).
import type { QueryFamily } from "./queries";

export class RepeatedRowFilter {
  private readonly seen = new Map<string, Set<string>>();

  /** The rows of a page not handed on before by the same family; every row of families that cannot repeat. */
  keepNew(family: QueryFamily, rows: Record<string, unknown>[]): Record<string, unknown>[] {
    if (!(family.authorizationScopeFilter?.includes("Above") ?? false)) return rows;
    let seen = this.seen.get(family.name);
    if (seen === undefined) this.seen.set(family.name, (seen = new Set()));
    const known = seen;
    return rows.filter((row) => {
      const id = String(row["id"]).toLowerCase();
      if (known.has(id)) return false;
      known.add(id);
      return true;
    });
  }
}
