// Real audits of the sample estate into fresh tables on Azurite, for the report API and dashboard tests. Runs are
// stamped in the past with `now` overrides, and the estate changes between runs so the delta and the score chart
// have something to show: in the earlier runs sqlmi-shared-01 accepted TLS 1.0 (resolved by the latest run) and
// nsg-sqlvm-legacy had no allow_sql_anywhere rule (a new failure in the latest run).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appSettingsFromEnv, type AppSettings } from "../../src/app/app-settings";
import type { AuditRequestMessage } from "../../src/audit/audit-request";
import { AuditService } from "../../src/audit/audit-service";
import { sourceOpener, type Services } from "../../src/app/services";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import type { ResourceSource } from "../../src/audit/resource-source";
import type { CoverageGap } from "../../src/model/estate";
import { createAuditStore } from "../../src/store/table-audit-store";
import { createExceptionStore } from "../../src/store/table-exception-store";
import { SAMPLE } from "../support/run-cli";

type Row = {
  name: string;
  type: string;
  properties: Record<string, unknown> & { securityRules?: Array<{ name: string }> };
};

/** The MIs that `weakTls` weakens, in order. */
const WEAK_TLS_ORDER = ["sqlmi-shared-01", "sqlmi-prod-01", "sqlmi-dev-02", "sqlmi-int-01"];

export interface EstateChange {
  /** sqlmi-shared-01 accepts TLS 1.0 (a high failure); a number weakens that many MIs (WEAK_TLS_ORDER). */
  weakTls?: boolean | number;
  /** nsg-sqlvm-legacy without its allow_sql_anywhere rule (the critical failure is absent). */
  legacyNsgClosed?: boolean;
  /** Renames sqlmi-dev-02 (for name-search and escaping tests). */
  renameDevMi?: string;
  /** A read that failed for good: the run is partial and the verdicts that needed it are unknown. */
  gap?: CoverageGap;
}

const quietLog = { info: () => {}, warn: () => {}, error: () => {} };

export class ReportFixture {
  readonly dir = mkdtempSync(join(tmpdir(), "report-api-"));
  readonly services: Services;
  readonly runIds: string[] = [];
  private files = 0;

  /** `env`: further app settings, e.g. AUDIT_BASELINE. */
  constructor(connectionString: string, tablePrefix: string, env: Record<string, string> = {}) {
    const settings: AppSettings = appSettingsFromEnv({
      AzureWebJobsStorage: connectionString,
      AUDIT_SOURCE: `snapshot:${SAMPLE}`,
      TRUSTED_SOURCE_PREFIXES: "",
      ...env,
    });
    const store = createAuditStore(settings.tables, { tablePrefix });
    const queue = { enqueue: async () => {} };
    this.services = {
      settings,
      store,
      queue,
      audits: new AuditService({ settings, store, queue, openSource: sourceOpener(settings.source) }),
      exceptions: createExceptionStore(settings.tables, { tablePrefix }),
    };
  }

  /** Runs one audit of the (changed) sample estate stamped at `at`; returns its run id. */
  async audit(at: Date, change: EstateChange = {}): Promise<string> {
    const file = this.estateFile(change);
    const messages: AuditRequestMessage[] = [];
    const audits = new AuditService({
      settings: this.services.settings,
      store: this.services.store,
      queue: { enqueue: async (message) => void messages.push(message) },
      now: () => at,
      openSource: () => withGap(new SnapshotSource([file]), change.gap),
    });
    await audits.requestAudit({ trigger: "http", requestedBy: "report-fixture" });
    const outcome = await audits.runRequested(messages[0], { dequeueCount: 1, maxDequeueCount: 3 }, quietLog);
    if (outcome.status === "skipped") throw new Error(`fixture run ${outcome.runId} was skipped`);
    this.runIds.push(outcome.runId);
    return outcome.runId;
  }

  /**
   * `count` daily runs ending `endDaysAgo` days ago, an estate that improves with setbacks so the chart moves: weak
   * TLS on up to four MIs, fixed over time, and the legacy NSG's SQL rule open in the early runs only. The last run of
   * the series has sqlmi-shared-01 on TLS 1.0 and the legacy NSG closed.
   */
  async auditSeries(count: number, endDaysAgo = 0): Promise<string[]> {
    const ids: string[] = [];
    const now = Date.now();
    for (let i = 0; i < count; i += 1) {
      const daysAgo = endDaysAgo + (count - 1 - i);
      const at = new Date(now - daysAgo * 86_400_000 - 60_000);
      const last = i === count - 1;
      const weak = last ? 1 : Math.min(4, Math.max(0, 3 - Math.floor((i * 4) / count)) + (i % 5 === 2 ? 1 : 0));
      ids.push(await this.audit(at, { legacyNsgClosed: last || i >= count / 3, weakTls: weak }));
    }
    return ids;
  }

  estateFile(change: EstateChange): string {
    const snapshot = JSON.parse(readFileSync(SAMPLE, "utf8")) as { data: Row[] };
    for (const row of snapshot.data) {
      const weak = change.weakTls === true ? 1 : typeof change.weakTls === "number" ? change.weakTls : 0;
      if (WEAK_TLS_ORDER.slice(0, weak).includes(row.name)) row.properties.minimalTlsVersion = "1.0";
      if (change.legacyNsgClosed && row.name === "nsg-sqlvm-legacy")
        row.properties.securityRules = (row.properties.securityRules ?? []).filter(
          (r) => r.name !== "allow_sql_anywhere",
        );
      if (change.renameDevMi !== undefined && row.name === "sqlmi-dev-02") row.name = change.renameDevMi;
    }
    const file = join(this.dir, `estate-${this.files++}.json`);
    writeFileSync(file, JSON.stringify(snapshot));
    return file;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The source, with `gap` added to what it reports as not read. */
function withGap(source: ResourceSource, gap: CoverageGap | undefined): ResourceSource {
  if (gap === undefined) return source;
  return {
    describe: () => source.describe(),
    collect: async (sink) => {
      const outcome = await source.collect(sink);
      return { ...outcome, gaps: [...outcome.gaps, gap] };
    },
  };
}

let prefixes = 0;
export function uniqueTablePrefix(tag: string): string {
  return `${tag}${Date.now().toString(36)}${(prefixes++).toString(36)}`;
}
