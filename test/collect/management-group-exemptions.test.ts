// Management-group Policy exemptions through the live path and from snapshots. Resource Graph's `resourcecontainers`
// table holds a row per subscription whose `properties.managementGroupAncestorsChain` lists `{ name, displayName }`
// from the direct parent group up to the tenant root group (the management groups' Resource Graph samples read
// `mgParent[0].name` as the parent); a query of a management group reaches the subscriptions of the groups beneath it.
// A run collected live and a run from `az graph query` snapshots of the same tables except the same results; when the
// ancestry cannot be read, the run is partial, the exemption is not applied, and the warning names the subscriptions.
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
  corpAssignmentRow,
  exemptionRow,
  publicEndpointMiRow,
  subscriptionContainerRow,
  type Row,
} from "../fixtures/policy-exemptions";
import { FAST_RETRY, emulatorPerTest, rowCollector } from "./emulator-connection";

const SUB_NESTED = "0a000000-0000-4000-8000-00000000000a"; // Corp ← Corp-Prod ← here
const SUB_DIRECT = "0b000000-0000-4000-8000-00000000000b"; // Corp ← here
const SUB_OUTSIDE = "0c000000-0000-4000-8000-00000000000c"; // Sandbox ← here
const SETTINGS = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" as const };
const AT = new Date("2026-12-04T12:00:00Z");
const CORP = "/providers/Microsoft.Management/managementGroups/Corp";
const ASSIGNMENT = CORP_PUBLIC_ENDPOINT_ASSIGNMENT;
const EXEMPTION = `${CORP}/providers/Microsoft.Authorization/policyExemptions/ex-corp`;
const LAYOUT = {
  managementGroups: { Corp: [SUB_DIRECT], "Corp-Prod": [SUB_NESTED], Sandbox: [SUB_OUTSIDE] },
  managementGroupParents: { "Corp-Prod": "Corp" },
};
const ANCESTRY_FAMILY = QUERY_FAMILIES.filter((family) => family.name === "subscriptionAncestry");

/** The `resources` and `policyresources` rows: an MI failing the public-endpoint rule per subscription, the Corp group's assignment and exemption. */
function estateRows(): Row[] {
  return [
    publicEndpointMiRow(SUB_NESTED, "sqlmi-nested"),
    publicEndpointMiRow(SUB_DIRECT, "sqlmi-direct"),
    publicEndpointMiRow(SUB_OUTSIDE, "sqlmi-outside"),
    corpAssignmentRow(),
    exemptionRow({ scope: CORP, name: "ex-corp", assignment: ASSIGNMENT, expiresOn: "2027-03-31T23:59:00Z" }),
  ];
}

const start = emulatorPerTest();
const directory = mkdtempSync(join(tmpdir(), "mi-audit-mg-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function writeSnapshot(name: string, rows: Row[]): string {
  const file = join(directory, name);
  writeFileSync(file, JSON.stringify({ count: rows.length, data: rows, skip_token: null, total_records: rows.length }));
  return file;
}

const excepted = (report: AuditReport) =>
  report.findings
    .filter((f) => f.exception !== undefined)
    .map((f) => `${f.ruleId} ${f.resourceName} ${f.status} ${f.exception!.effect} ${f.exception!.id}`)
    .sort();

const EXPECTED = ["sqlmi-direct", "sqlmi-nested"].map(
  (name) => `mi.public-endpoint.enabled ${name} fail applied ${EXEMPTION}`,
);

describe("management-group ancestry from resourcecontainers", () => {
  it("the emulator serves each subscription's chain, the nearest group first, up to the tenant root group", async () => {
    const { connection } = await start({ estate: { data: estateRows(), ...LAYOUT } });
    const collected = rowCollector();
    const scope = { subscriptions: [SUB_NESTED, SUB_DIRECT, SUB_OUTSIDE] };
    const result = await collectFromResourceGraph(collected.sink, { connection, scope, families: ANCESTRY_FAMILY });
    expect(result.gaps).toEqual([]);
    const chainOf = (row: Row) => (row["properties"] as Row)["managementGroupAncestorsChain"];
    const served = Object.fromEntries(collected.rows.map((row) => [row.subscriptionId, chainOf(row as Row)]));
    expect(served).toEqual({
      [SUB_NESTED]: chainOf(subscriptionContainerRow(EMULATOR_TENANT_ID, SUB_NESTED, "Corp-Prod", "Corp")),
      [SUB_DIRECT]: chainOf(subscriptionContainerRow(EMULATOR_TENANT_ID, SUB_DIRECT, "Corp")),
      [SUB_OUTSIDE]: chainOf(subscriptionContainerRow(EMULATOR_TENANT_ID, SUB_OUTSIDE, "Sandbox")),
    });
  });

  it("a live run and a run from snapshots of the same tables except every subscription under Corp, and no other", async () => {
    const { connection } = await start({ estate: { data: estateRows(), ...LAYOUT } });
    const scope = { managementGroups: ["Corp", "Sandbox"] };
    const live = await runAudit(new ResourceGraphSource({ connection, scope }), SETTINGS, { now: () => AT });
    expect(live.run.status).toBe("completed");
    expect(excepted(live)).toEqual(EXPECTED);

    const resources = writeSnapshot("resources.json", estateRows());
    const containers = writeSnapshot("resourcecontainers.json", [
      subscriptionContainerRow(EMULATOR_TENANT_ID, SUB_NESTED, "Corp-Prod", "Corp"),
      subscriptionContainerRow(EMULATOR_TENANT_ID, SUB_DIRECT, "Corp"),
      subscriptionContainerRow(EMULATOR_TENANT_ID, SUB_OUTSIDE, "Sandbox"),
    ]);
    const snapshot = await runAudit(new SnapshotSource([resources, containers]), SETTINGS, { now: () => AT });
    expect(excepted(snapshot)).toEqual(EXPECTED);
    expect(snapshot.run.dataQuality.warnings).toBe(0);
    expect(live.exceptions.considered.policy).toBe(1);
    expect(snapshot.exceptions.considered.policy).toBe(1);
  });

  it("a snapshot without the resourcecontainers rows applies nothing and names the subscriptions it could not place", async () => {
    const resources = writeSnapshot("resources-only.json", estateRows());
    const warnings: string[] = [];
    const report = await runAudit(new SnapshotSource([resources]), SETTINGS, {
      now: () => AT,
      onWarning: (w) => warnings.push(w),
    });
    expect(excepted(report)).toEqual([]);
    const subs = [SUB_NESTED, SUB_DIRECT, SUB_OUTSIDE].sort().join(", ");
    expect(warnings).toEqual([
      `Policy exemption ${EXEMPTION} (management group Corp) is not applied to subscriptions ${subs}: ` +
        "which management groups they sit under was not read",
    ]);
  });

  it("an ancestry read that fails is a coverage gap: the run is partial, nothing is excepted, the run says why", async () => {
    const { connection } = await start({
      estate: { data: estateRows(), ...LAYOUT },
      faults: "error:status=503,match=resourcecontainers",
    });
    const scope = { managementGroups: ["Corp", "Sandbox"] };
    const warnings: string[] = [];
    const live = await runAudit(new ResourceGraphSource({ connection, scope, retry: FAST_RETRY }), SETTINGS, {
      now: () => AT,
      onWarning: (w) => warnings.push(w),
    });
    expect(live.run.status).toBe("partial");
    const gap = live.run.coverageGaps.find((g) => g.types.includes("microsoft.resources/subscriptions"));
    expect(gap?.reason).toMatch(/^subscriptionAncestry/);
    expect(excepted(live)).toEqual([]);
    expect(warnings).toContainEqual(expect.stringMatching(/management group Corp\) is not applied to subscriptions/));
    expect(live.run.dataQuality.sample).toContainEqual(expect.stringMatching(/management group Corp/));
  });
});
