// Policy assignments and exemptions held at management groups above the audited subscriptions reach every run, not
// only a run scoped to the groups. Most assignments are made at a management group; by default Resource Graph returns
// only the rows at and below the requested scope, so the Policy exemptions family asks for AtScopeAboveAndBelow
// (QueryRequestOptions.authorizationScopeFilter). Here the assignment sits at the Corp group and two exemptions of it
// apply: one at the Corp-Prod group (covering the subscriptions beneath it, by their managementGroupAncestorsChain) and
// one at a resource group of a subscription under Corp. A subscription-scoped run in batches of one subscription (each
// batch gets the groups' rows back: handed on once), a tenant-wide run and a run from snapshots of the same rows
// except the same results.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runAudit, type AuditReport } from "../../src/audit/run-audit";
import { ResourceGraphSource } from "../../src/collect/live-resource-source";
import { QUERY_FAMILIES } from "../../src/collect/queries";
import { collectFromResourceGraph } from "../../src/collect/resource-graph-source";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import { EMULATOR_TENANT_ID } from "../../dev/emulator/resource-graph-endpoint";
import {
  CORP_PUBLIC_ENDPOINT_ASSIGNMENT,
  subscriptionContainerRow,
  type Row,
  CORP_SUBSCRIPTIONS,
  CORP_GROUP_EXEMPTION,
  CORP_RG_EXEMPTION,
  CORP_GROUP_LAYOUT,
  corpEstateRows,
} from "../fixtures/policy-exemptions";
import { emulatorPerTest, rowCollector } from "./emulator-connection";

const SUB_PROD = CORP_SUBSCRIPTIONS.prod; // Corp ← Corp-Prod ← here
const SUB_CORP = CORP_SUBSCRIPTIONS.corp; // Corp ← here
const SUB_SANDBOX = CORP_SUBSCRIPTIONS.sandbox; // Sandbox ← here
const SUBSCRIPTIONS = [SUB_PROD, SUB_CORP, SUB_SANDBOX];
const SETTINGS = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" as const };
const AT = new Date("2026-12-04T12:00:00Z");
const ASSIGNMENT = CORP_PUBLIC_ENDPOINT_ASSIGNMENT;
const GROUP_EXEMPTION = CORP_GROUP_EXEMPTION;
const RG_EXEMPTION = CORP_RG_EXEMPTION;
const LAYOUT = CORP_GROUP_LAYOUT;

const estateRows = corpEstateRows;

const start = emulatorPerTest();
const directory = mkdtempSync(join(tmpdir(), "mi-audit-mg-assignments-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const excepted = (report: AuditReport) =>
  report.findings
    .filter((f) => f.exception !== undefined)
    .map((f) => `${f.ruleId} ${f.resourceName} ${f.status} ${f.exception!.effect} ${f.exception!.id}`)
    .sort();

/** The MI under Corp-Prod by the group's exemption, the one in rg-data by the resource group's; no other. */
const EXPECTED = [
  `mi.public-endpoint.enabled sqlmi-corp-data fail applied ${RG_EXEMPTION}`,
  `mi.public-endpoint.enabled sqlmi-prod fail applied ${GROUP_EXEMPTION}`,
];

describe("Policy assignments and exemptions above the audited subscriptions", () => {
  it("a subscription-scoped read returns the groups' rows above them, each handed on once across batches", async () => {
    const { connection } = await start({ estate: { data: estateRows(), ...LAYOUT }, quota: { limit: 10_000 } });
    const collected = rowCollector();
    const families = QUERY_FAMILIES.filter((family) => family.name === "policyExemptions");
    const scope = { subscriptions: SUBSCRIPTIONS };
    const result = await collectFromResourceGraph(collected.sink, { connection, scope, families, batchSize: 1 });
    expect(result.gaps).toEqual([]);
    expect(result.stats.requests).toBe(3);
    expect(collected.rows.map((row) => String(row.id)).sort()).toEqual(
      [ASSIGNMENT, GROUP_EXEMPTION, RG_EXEMPTION].sort(),
    );
  });

  it("a subscription-scoped run applies the group's and the resource group's exemptions of the group's assignment", async () => {
    const { connection } = await start({ estate: { data: estateRows(), ...LAYOUT }, quota: { limit: 10_000 } });
    const scope = { subscriptions: SUBSCRIPTIONS };
    const live = await runAudit(new ResourceGraphSource({ connection, scope, batchSize: 1 }), SETTINGS, {
      now: () => AT,
    });
    expect(live.run.status).toBe("completed");
    expect(excepted(live)).toEqual(EXPECTED);
    expect(live.exceptions.considered.policy).toBe(2);
    expect(live.run.dataQuality.warnings).toBe(0);
  });

  it("a run of one subscription under Corp only applies the exemption that reaches it", async () => {
    const { connection } = await start({ estate: { data: estateRows(), ...LAYOUT }, quota: { limit: 10_000 } });
    const scope = { subscriptions: [SUB_CORP] };
    const live = await runAudit(new ResourceGraphSource({ connection, scope }), SETTINGS, { now: () => AT });
    expect(excepted(live)).toEqual([EXPECTED[0]]);
  });

  it("a tenant-wide run and a run from snapshots of the same tables except the same results", async () => {
    const { connection } = await start({ estate: { data: estateRows(), ...LAYOUT }, quota: { limit: 10_000 } });
    const live = await runAudit(new ResourceGraphSource({ connection }), SETTINGS, { now: () => AT });
    expect(live.run.status).toBe("completed");
    expect(excepted(live)).toEqual(EXPECTED);

    const write = (name: string, rows: Row[]) => {
      const file = join(directory, name);
      writeFileSync(
        file,
        JSON.stringify({ count: rows.length, data: rows, skip_token: null, total_records: rows.length }),
      );
      return file;
    };
    const resources = write("resources.json", estateRows());
    const containers = write("resourcecontainers.json", [
      subscriptionContainerRow(EMULATOR_TENANT_ID, SUB_PROD, "Corp-Prod", "Corp"),
      subscriptionContainerRow(EMULATOR_TENANT_ID, SUB_CORP, "Corp"),
      subscriptionContainerRow(EMULATOR_TENANT_ID, SUB_SANDBOX, "Sandbox"),
    ]);
    const snapshot = await runAudit(new SnapshotSource([resources, containers]), SETTINGS, { now: () => AT });
    expect(excepted(snapshot)).toEqual(EXPECTED);
    expect(snapshot.exceptions.considered.policy).toBe(live.exceptions.considered.policy);
  });
});
