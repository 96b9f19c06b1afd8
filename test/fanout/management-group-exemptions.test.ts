// A fanned-out run reads Policy assignments and exemptions held at management groups above its subscriptions: the
// context collection (the Policy exemptions family among the context families) queries the run's subscriptions with
// AtScopeAboveAndBelow, so an exemption at a management group and one at a resource group of a management group's
// assignment apply shard by shard exactly as in a single run. Against Azurite and the emulator, the shard queue worked
// the way the Functions host works it (fanout-kit.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAzurite, type Azurite } from "../support/azurite";
import { startEmulator, type RunningEmulator } from "../../dev/emulator/emulator";
import {
  CORP_SUBSCRIPTIONS,
  CORP_GROUP_EXEMPTION,
  CORP_RG_EXEMPTION,
  CORP_GROUP_LAYOUT,
  corpEstateRows,
} from "../fixtures/policy-exemptions";
import { allFindings, drainShards, fanoutKit, finishedRun, requestAndPlan } from "./fanout-kit";
import type { StoredFinding } from "../../src/audit/audit-store";

const SUB_PROD = CORP_SUBSCRIPTIONS.prod; // Corp ← Corp-Prod ← here
const SUB_CORP = CORP_SUBSCRIPTIONS.corp; // Corp ← here
const SUB_SANDBOX = CORP_SUBSCRIPTIONS.sandbox; // Sandbox ← here
const GROUP_EXEMPTION = CORP_GROUP_EXEMPTION;
const RG_EXEMPTION = CORP_RG_EXEMPTION;

const ESTATE = {
  data: corpEstateRows(),
  ...CORP_GROUP_LAYOUT,
};

let azurite: Azurite;
let emulator: RunningEmulator;
beforeAll(async () => {
  azurite = await startAzurite();
  emulator = await startEmulator({ estate: ESTATE, quota: { limit: 10_000 } });
}, 120_000);
afterAll(async () => {
  await emulator?.close();
  await azurite?.dispose();
});

const excepted = (findings: StoredFinding[]) =>
  findings
    .filter((f) => f.exception !== undefined)
    .map((f) => `${f.ruleId} ${f.resourceName} ${f.status} ${f.exception!.effect} ${f.exception!.id}`)
    .sort();

const EXPECTED = [
  `mi.public-endpoint.enabled sqlmi-corp-data fail applied ${RG_EXEMPTION}`,
  `mi.public-endpoint.enabled sqlmi-prod fail applied ${GROUP_EXEMPTION}`,
];

describe("a fanned-out run and Policy objects above its subscriptions", () => {
  it.each([
    ["the tenant", {}],
    ["listed subscriptions", { AUDIT_SUBSCRIPTIONS: [SUB_PROD, SUB_CORP, SUB_SANDBOX].join(",") }],
  ])(
    "of %s applies a group's and a resource group's exemption of a group's assignment, shard by shard",
    async (_name, scope) => {
      const kit = fanoutKit({
        connectionString: azurite.connectionString,
        env: {
          AUDIT_ARM_ENDPOINT: emulator.url,
          AUDIT_ARM_CA: emulator.caFile,
          AUDIT_FANOUT_MIN_SUBSCRIPTIONS: "1",
          AUDIT_SHARD_SUBSCRIPTIONS: "1",
          ...scope,
        },
      });
      const planned = await requestAndPlan(kit);
      expect(planned.status).toBe("fannedOut");
      await drainShards(kit);
      const run = await finishedRun(kit.store, planned.runId);
      expect(run.status).toBe("completed");
      expect(run.summary!.run.collection["fanout"]).toMatchObject({ shards: 3, failedShards: [] });
      expect(excepted(await allFindings(kit.store, planned.runId))).toEqual(EXPECTED);
      expect(run.summary!.exceptions?.considered.policy).toBe(2);
    },
  );
});
