// Policy exemptions through the live path: Resource Graph's `policyresources` table (not `resources`) serves the
// exemptions, assignments and initiatives: a subscription's rows to a query of that subscription, and a management
// group's rows to a query of the group or, as the collector asks for AtScopeAboveAndBelow, of a subscription beneath
// it (never of one elsewhere). A run from the live collection and one from a
// snapshot of the same rows (what `az graph query` writes) except the same results. A policyresources read that fails
// is a coverage gap: the run is partial, never silently without its accepted risks.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAudit, type AuditReport } from "../../src/audit/run-audit";
import { ResourceGraphSource } from "../../src/collect/live-resource-source";
import { collectFromResourceGraph } from "../../src/collect/resource-graph-source";
import { POLICY_TYPES } from "../../src/model/policy-objects";
import { SnapshotSource } from "../../src/snapshot/snapshot-source";
import {
  PUBLIC_ENDPOINT_POLICY,
  assignmentId,
  assignmentRow,
  exemptionRow,
  type Row,
} from "../fixtures/policy-exemptions";
import { FAST_RETRY, emulatorPerTest, rowCollector } from "./emulator-connection";

const SUB = "5a1e0c2d-3b4f-4a6b-9c8d-7e6f5a4b3c2d";
const MI_ID = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Sql/managedInstances/sqlmi-prod-02`;
const MG = "/providers/Microsoft.Management/managementGroups/corp";
const SETTINGS = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" as const };
const AT = new Date("2026-12-04T12:00:00Z");

function estateRows(): Row[] {
  return [
    {
      id: MI_ID,
      name: "sqlmi-prod-02",
      type: "microsoft.sql/managedinstances",
      location: "westeurope",
      subscriptionId: SUB,
      resourceGroup: "rg-data",
      tags: {},
      properties: { publicDataEndpointEnabled: true, minimalTlsVersion: "1.2" },
    },
    assignmentRow(SUB, "mi-public-endpoint", PUBLIC_ENDPOINT_POLICY),
    exemptionRow({
      scope: MI_ID,
      name: "ex-public",
      assignment: assignmentId(SUB, "mi-public-endpoint"),
      expiresOn: "2027-03-31T23:59:00.0000000Z",
    }),
    {
      ...exemptionRow({
        scope: MG,
        name: "ex-corp",
        assignment: `${MG}/providers/Microsoft.Authorization/policyAssignments/a`,
      }),
    },
  ];
}

const start = emulatorPerTest();
const policyIds = (rows: { type?: unknown; id?: unknown }[]) =>
  rows
    .filter((row) => String(row.type).startsWith("microsoft.authorization/"))
    .map((row) => String(row.id))
    .sort();
const excepted = (report: AuditReport) =>
  report.findings
    .filter((f) => f.exception !== undefined)
    .map(
      (f) =>
        `${f.ruleId} ${f.resourceName} ${f.status} ${f.exception!.source} ${f.exception!.effect} ${f.exception!.id}`,
    );

describe("Policy exemptions collected from policyresources", () => {
  it("come back equal to the estate file's rows; a management group's to the subscriptions beneath it only", async () => {
    const OTHER = "6b000000-0000-4000-8000-00000000006b";
    const managementGroups = { corp: [SUB], sandbox: [OTHER] };
    const { connection } = await start({ estate: { data: estateRows(), managementGroups } });
    const bySubscription = rowCollector();
    const result = await collectFromResourceGraph(bySubscription.sink, { connection, scope: { subscriptions: [SUB] } });
    expect(result.gaps).toEqual([]);
    const byId = new Map(bySubscription.rows.map((row) => [String(row.id), row]));
    for (const row of estateRows().slice(0, 3)) expect(byId.get(String(row["id"]))).toEqual(row);
    expect(byId.get(`${MG}/providers/Microsoft.Authorization/policyExemptions/ex-corp`)).toEqual(estateRows()[3]);

    const elsewhere = rowCollector();
    await collectFromResourceGraph(elsewhere.sink, { connection, scope: { subscriptions: [OTHER] } });
    expect(policyIds(elsewhere.rows)).toEqual([]);

    const byGroup = rowCollector();
    await collectFromResourceGraph(byGroup.sink, { connection, scope: { managementGroups: ["corp"] } });
    expect(policyIds(byGroup.rows)).toEqual(policyIds(estateRows()));
  });

  it("the resources table never returns them, as in Resource Graph", async () => {
    const { connection } = await start({ estate: { data: estateRows() } });
    const collected = rowCollector();
    const families = [
      {
        name: "everything",
        types: [],
        propertyPaths: [],
        extraColumns: [],
        table: "resources" as const,
        query: "resources\n| project id, name, type\n| order by id asc",
      },
    ];
    await collectFromResourceGraph(collected.sink, { connection, families });
    expect(collected.rows.map((row) => row.id)).toEqual([MI_ID]);
  });

  it("a live run and a run from a snapshot of the same rows except the same result, as a policy exception", async () => {
    const { connection } = await start({ estate: { data: estateRows() } });
    const live = await runAudit(new ResourceGraphSource({ connection }), SETTINGS, { now: () => AT });
    const directory = mkdtempSync(join(tmpdir(), "mi-audit-policy-"));
    try {
      const file = join(directory, "graph-query.json");
      // `az graph query -q "policyresources | ..."` writes { data: [...] }, rows as Resource Graph returns them.
      writeFileSync(file, JSON.stringify({ data: estateRows() }));
      const snapshot = await runAudit(new SnapshotSource([file]), SETTINGS, { now: () => AT });
      const expected = [
        `mi.public-endpoint.enabled sqlmi-prod-02 fail policy applied ${MI_ID}/providers/Microsoft.Authorization/policyExemptions/ex-public`,
      ];
      expect(excepted(live)).toEqual(expected);
      expect(excepted(snapshot)).toEqual(expected);
      expect(live.run.status).toBe("completed");
      expect(live.exceptions.considered.policy).toBe(1);
      expect(snapshot.exceptions.considered.policy).toBe(1);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("a policyresources read that fails is a coverage gap: the run is partial and says which types", async () => {
    const { connection } = await start({
      estate: { data: estateRows() },
      faults: "error:status=503,match=policyresources",
    });
    const live = await runAudit(new ResourceGraphSource({ connection, retry: FAST_RETRY }), SETTINGS, {
      now: () => AT,
    });
    expect(live.run.status).toBe("partial");
    const gap = live.run.coverageGaps.find((g) => g.types.includes(POLICY_TYPES.policyExemption));
    expect(gap?.reason).toMatch(/^policyExemptions/);
    expect(excepted(live)).toEqual([]);
  });
});
