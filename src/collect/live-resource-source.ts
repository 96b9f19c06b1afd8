// The ResourceSource port over live Azure: Resource Graph rows, enriched from ARM page by page before they reach
// the sink (the estate builder reads a row when it is added, so enrichment has to come first). Reads that failed for
// good, in Resource Graph or in ARM, come back as coverage gaps: the run is then partial, never completed.

import type { CollectionOutcome, ResourceSource, RowSink, SourceDescription } from "../audit/resource-source";
import {
  type ArmEnrichmentOptions,
  type ArmEnrichmentStats,
  enrichFromArm,
  enrichmentGaps,
  type FailedRead,
} from "./arm-enrichment";
import { type ArmConnection, buildArmConnection } from "./collection-config";
import { CreatedTimes } from "./created-times";
import { collectFromResourceGraph, type ResourceGraphOptions } from "./resource-graph-source";

export interface LiveSourceOptions extends ResourceGraphOptions {
  /** ARM enrichment settings, or false to hand on Resource Graph rows as they are. */
  enrichment?: false | Omit<ArmEnrichmentOptions, "connection" | "createdTimes">;
}

export class ResourceGraphSource implements ResourceSource {
  private readonly connection: ArmConnection;

  /** Builds nothing that talks to Azure until `collect`; the default connection is the public cloud. */
  constructor(private readonly options: LiveSourceOptions = {}) {
    this.connection = options.connection ?? buildArmConnection();
  }

  describe(): SourceDescription {
    return {
      kind: "resourceGraph",
      subscriptions: this.options.scope?.subscriptions,
      managementGroups: this.options.scope?.managementGroups,
      endpoint: this.connection.endpoint,
    };
  }

  async collect(sink: RowSink): Promise<CollectionOutcome> {
    const { enrichment, ...graphOptions } = this.options;
    const failedReads: FailedRead[] = [];
    const enrichmentOptions: ArmEnrichmentOptions | undefined =
      enrichment === false
        ? undefined
        : {
            ...enrichment,
            connection: this.connection,
            retry: enrichment?.retry ?? this.options.retry,
            // One list per subscription and type for the whole collection, whichever page needs it first.
            createdTimes: new CreatedTimes(this.connection),
            onFailedRead: (read) => {
              failedReads.push(read);
              enrichment?.onFailedRead?.(read);
            },
          };
    let enrichmentStats: ArmEnrichmentStats | undefined;
    const result = await collectFromResourceGraph(
      async (rows) => {
        if (enrichmentOptions !== undefined)
          enrichmentStats = addStats(enrichmentStats, await enrichFromArm(rows, enrichmentOptions));
        for (const row of rows) sink.add(row, `Resource Graph ${typeof row.type === "string" ? row.type : "row"}`);
      },
      { ...graphOptions, connection: this.connection },
    );
    return {
      stats: {
        ...result.stats,
        scopeMode: result.scopeMode,
        subscriptionCount: result.subscriptionCount,
        enrichment: enrichmentStats,
      },
      gaps: [...result.gaps, ...enrichmentGaps(failedReads)],
      ...(result.scopeSubscriptions === undefined ? {} : { scopeSubscriptions: result.scopeSubscriptions }),
    };
  }
}

function addStats(total: ArmEnrichmentStats | undefined, page: ArmEnrichmentStats): ArmEnrichmentStats {
  if (total === undefined) return { ...page };
  for (const key of Object.keys(total) as (keyof ArmEnrichmentStats)[]) total[key] += page[key];
  return total;
}
