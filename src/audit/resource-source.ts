// The port through which an audit gets its rows: a snapshot file, or Resource Graph. Rows are pushed into a sink as
// they arrive, so a large collection never holds raw responses.
import type { CoverageGap } from "../model/estate";
import type { Json } from "../model/field-reader";

export interface RowSink {
  add(row: Json, origin?: string): void;
  addCoverageGap(gap: CoverageGap): void;
}

export interface SourceDescription {
  kind: "snapshot" | "resourceGraph";
  /** Snapshot files, or the scope that was queried. */
  files?: string[];
  subscriptions?: string[];
  managementGroups?: string[];
  endpoint?: string;
}

export interface CollectionOutcome {
  /** Figures for the summary: rows per type, requests, throttle waits, retries, duration. */
  stats: Record<string, unknown>;
  gaps: CoverageGap[];
  /**
   * The subscriptions the collection found in scope, when it listed or was given them: the estate counts them as
   * audited even when nothing audited lives in them (a private endpoint there is inside the audit).
   */
  scopeSubscriptions?: string[];
}

export interface ResourceSource {
  describe(): SourceDescription;
  collect(sink: RowSink): Promise<CollectionOutcome>;
}
