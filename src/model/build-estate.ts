// Turns Resource Graph rows into the typed, indexed estate. Rows are read one at a time (so a collector can stream
// pages in without holding them), each by the reader of its kind (readers/), with repeated values kept once
// (interning.ts); relations are resolved once in build(), through maps keyed by folded ARM id (relations.ts).
import type { CoverageGap, DataIssue, Estate, Resource, ResourceKind } from "./estate";
import type { EntryChecks } from "./entry-checks";
import { FieldReader, convertInto, describe, isRecord, type Json } from "./field-reader";
import { SharedValues } from "./interning";
import { readResource } from "./readers/read-resource";
import { readBase, type ReadContext } from "./readers/resource-base";
import { addSubscriptionRow, SUBSCRIPTION_TYPE } from "./management-group-ancestry";
import { addPolicyRow, emptyPolicyObjects, policyKindOf, type PolicyObjects } from "./policy-objects";
import { policyReferenceWarnings } from "./policy-references";
import { resolveRelations } from "./relations";
import { AUDITED_TYPES, type ResourceRow } from "./row";

const KIND_BY_TYPE = new Map<string, ResourceKind>(
  Object.entries(AUDITED_TYPES).map(([kind, type]) => [type, kind as ResourceKind]),
);

export interface EstateBuilderOptions {
  /** Called once per unusable row or malformed field, for the stderr warnings. */
  onWarning?: (message: string) => void;
  /**
   * Net's checks of address and port entries (net/malformed-entries.ts), passed in by the audit layer: with them, an
   * entry that cannot be read at all (`33a42`, `10.0.0.300/24`) is a warning; without them it is not reported.
   */
  entryChecks?: EntryChecks;
}

export class EstateBuilder {
  private readonly resources = new Map<string, Resource>();
  private readonly rowIssues: string[] = [];
  private readonly coverageGaps: CoverageGap[] = [];
  private readonly scopeSubscriptions: string[] = [];
  private readonly shared = new SharedValues();
  private readonly policy: PolicyObjects = emptyPolicyObjects();
  private readonly context: ReadContext;
  private ignoredRows = 0;
  private rowsRead = 0;

  constructor(private readonly options: EstateBuilderOptions = {}) {
    this.context = { shared: this.shared, checks: options.entryChecks };
  }

  /** Adds one row. `origin` names where it came from (file and index) for warnings. */
  add(row: Json, origin = "row"): void {
    this.rowsRead += 1;
    if (!isRecord(row)) {
      this.warnRow(`${origin}: expected an object, found ${describe(row)}; row skipped`);
      return;
    }
    const r = row as ResourceRow;
    if (typeof r.type !== "string") {
      this.warnRow(`${origin}: row has no type; row skipped`);
      return;
    }
    const policyKind = policyKindOf(r.type);
    if (policyKind !== undefined) {
      this.addPolicy(policyKind, r, origin);
      return;
    }
    if (r.type.toLowerCase() === SUBSCRIPTION_TYPE) {
      // A `resourcecontainers` subscription row: which management groups it sits under (Policy exemptions' scopes).
      const problem = addSubscriptionRow(this.policy.ancestry, r);
      if (problem !== undefined) this.warnRow(`${origin}: ${problem}`);
      return;
    }
    const kind = KIND_BY_TYPE.get(r.type.toLowerCase());
    if (kind === undefined) {
      this.ignoredRows += 1;
      return;
    }
    // The same text as the row's folded type, as the one constant string rather than a copy per row.
    const type = AUDITED_TYPES[kind as keyof typeof AUDITED_TYPES];
    if (typeof r.id !== "string" || r.id.trim() === "") {
      this.warnRow(`${origin}: ${type} row has no id; row skipped`);
      return;
    }
    // Values read despite a wrong type, and rule entries that cannot be parsed: warnings that leave the verdicts to the
    // rules (the evaluator already treats an unparseable entry as uncertain), unlike issues, which make them unknown.
    const warnings: DataIssue[] = [];
    const issues = convertInto([], warnings);
    const base = readBase(r, kind, type, issues, this.shared);
    const props = new FieldReader(r.properties, "properties", issues);
    if (r.properties === null || r.properties === undefined) {
      issues.push({ field: "properties", problem: "the row has no properties" });
    } else if (!isRecord(r.properties)) {
      issues.push({ field: "properties", problem: `expected an object, found ${describe(r.properties)}` });
    }
    if (this.resources.has(base.key)) {
      this.warnRow(`${origin}: duplicate row for ${base.id}; the later row wins`);
    }
    // What ARM enrichment could not read (a VNet's peerings, a circuit's peerings) is a data issue of the resource.
    const enrichmentErrors =
      isRecord(r.enrichment) && Array.isArray(r.enrichment["errors"]) ? r.enrichment["errors"] : [];
    for (const entry of enrichmentErrors) {
      // The Entra-only child's failure is read with the MI's fields below; do not report it twice.
      if (isRecord(entry) && entry["field"] !== "azureADOnlyAuthentications/Default")
        issues.push({
          field: String(entry["field"] ?? "enrichment"),
          problem: `could not be read from ARM: ${String(entry["reason"] ?? "unknown error")}`,
        });
    }
    for (const resource of readResource(kind, base, props, r, this.context)) this.resources.set(resource.key, resource);
    if (issues.length > 0) {
      for (const issue of issues) this.options.onWarning?.(`${base.id}: ${issue.field}: ${issue.problem}`);
    }
    for (const warning of warnings) this.options.onWarning?.(`${base.id}: ${warning.field}: ${warning.problem}`);
  }

  addCoverageGap(gap: CoverageGap): void {
    this.coverageGaps.push(gap);
  }

  /** Subscriptions collection listed in scope, whether or not anything audited was found in them. */
  addScopeSubscriptions(subscriptionIds: readonly string[]): void {
    this.scopeSubscriptions.push(...subscriptionIds);
  }

  get stats(): { rowsRead: number; rowsIgnored: number; resources: number } {
    return { rowsRead: this.rowsRead, rowsIgnored: this.ignoredRows, resources: this.resources.size };
  }

  build(): Estate {
    this.shared.forget();
    const estate = resolveRelations(this.resources, this.coverageGaps, this.rowIssues, this.scopeSubscriptions);
    estate.policy = this.policy;
    for (const warning of policyReferenceWarnings(this.policy, estate.auditedSubscriptions)) this.warnRow(warning);
    return estate;
  }

  /** A `policyresources` row (exemption, assignment, initiative): read into the estate's Policy objects. */
  private addPolicy(kind: Parameters<typeof addPolicyRow>[1], r: ResourceRow, origin: string): void {
    if (typeof r.id !== "string" || r.id.trim() === "") {
      this.warnRow(`${origin}: ${String(r.type)} row has no id; row skipped`);
      return;
    }
    const before = this.policy.exemptions.length;
    addPolicyRow(this.policy, kind, r, r.id.trim());
    const added = this.policy.exemptions[before];
    if (added !== undefined)
      for (const issue of added.issues) this.options.onWarning?.(`${added.id}: ${issue.field}: ${issue.problem}`);
  }

  private warnRow(message: string): void {
    this.rowIssues.push(message);
    this.options.onWarning?.(message);
  }
}

/** Builds an estate from rows in one call. */
export function buildEstate(rows: Iterable<Json>, options: EstateBuilderOptions = {}): Estate {
  const builder = new EstateBuilder(options);
  let index = 0;
  for (const row of rows) builder.add(row, `row ${index++}`);
  return builder.build();
}
