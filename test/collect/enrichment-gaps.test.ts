// Every read that fails after its retries is a named coverage gap, ARM enrichment included: the run ends `partial`,
// the gap names what was not read, and the verdicts that needed it are `unknown`, never a pass.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runAudit } from "../../src/audit/run-audit";
import { enrichmentGaps, type FailedRead } from "../../src/collect/arm-enrichment";
import { ResourceGraphSource } from "../../src/collect/live-resource-source";
import type { Finding } from "../../src/engine/finding";
import { ARM_CHILD_TYPES } from "../../src/model/arm-child-types";
import { SAMPLE } from "../support/run-cli";
import { emulatorPerTest, FAST_RETRY } from "./emulator-connection";

const settings = { trustedPrefixes: [], trustOwnedPublicIps: true, baseline: "current" as const };
const start = emulatorPerTest();
const smallEstate = () => JSON.parse(readFileSync("test/fixtures/collect/small-estate.json", "utf8"));
const verdicts = (findings: Finding[]) => new Map(findings.map((f) => [`${f.ruleId} ${f.resourceName}`, f.status]));

async function liveAudit(estate: unknown, faults?: string, baseline: "current" | "seed-2019" = settings.baseline) {
  const { connection } = await start({ estate, faults });
  return runAudit(new ResourceGraphSource({ connection, retry: FAST_RETRY }), { ...settings, baseline });
}

describe("ARM enrichment reads that fail for good", () => {
  it("the Entra-only child failing every time: partial, one gap per subscription naming the MIs, and exactly their Entra-only verdicts unknown", async () => {
    const clean = await liveAudit(SAMPLE);
    // Only the child: every other ARM read (peerings, creation times) has its own gap (created-times.test.ts).
    const failing = await liveAudit(SAMPLE, "error:status=500,target=arm,match=azureadonlyauthentications");
    expect(clean.run.status).toBe("completed");
    expect(failing.run.status).toBe("partial");

    // The child is authoritative (`administrators` only reflects creation time), so without it nothing is decided.
    const mis = clean.findings.filter((f) => f.ruleId === "mi.auth.entra-only");
    const subscriptions = [...new Set(mis.map((f) => f.subscriptionId.toLowerCase()))].sort();
    expect(failing.run.coverageGaps.map((gap) => gap.subscriptionIds?.[0]).sort()).toEqual(subscriptions);
    for (const gap of failing.run.coverageGaps) {
      expect(gap.types).toEqual([ARM_CHILD_TYPES.entraOnlyAuthentication]);
      expect(gap.reason).toMatch(
        /^ARM read of azureADOnlyAuthentications\/Default failed for \d resource\(s\): .*HTTP 500/,
      );
      const named = mis.filter((f) => f.subscriptionId.toLowerCase() === gap.subscriptionIds?.[0]);
      for (const mi of named) expect(gap.reason).toContain(mi.resourceName);
      expect(gap.resourceIds?.map((id) => id.toLowerCase()).sort()).toEqual(
        named.map((f) => f.resourceId.toLowerCase()).sort(),
      );
    }

    const before = verdicts(clean.findings);
    const after = verdicts(failing.findings);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const changed = [...after].filter(([key, status]) => before.get(key) !== status).map(([key]) => key);
    // Every changed result is an Entra-only verdict, every Entra-only verdict is now unknown, and the rest stand.
    expect(changed.sort()).toEqual(
      mis
        .filter((f) => f.status !== "unknown")
        .map((f) => `${f.ruleId} ${f.resourceName}`)
        .sort(),
    );
    expect(failing.findings.filter((f) => f.ruleId === "mi.auth.entra-only").map((f) => f.status)).toEqual(
      mis.map(() => "unknown"),
    );
  });

  it("one MI's child failing leaves the other MIs of its subscription decided", async () => {
    const clean = await liveAudit(SAMPLE);
    const failing = await liveAudit(SAMPLE, "error:status=403,match=sqlmi-prod-01/azureadonlyauthentications");
    expect(failing.run.status).toBe("partial");
    expect(failing.run.coverageGaps).toEqual([
      expect.objectContaining({
        types: [ARM_CHILD_TYPES.entraOnlyAuthentication],
        resourceIds: [expect.stringMatching(/sqlmi-prod-01$/)],
      }),
    ]);
    const entra = (findings: Finding[], name: string) =>
      findings.find((f) => f.ruleId === "mi.auth.entra-only" && f.resourceName === name)?.status;
    expect(entra(failing.findings, "sqlmi-prod-01")).toBe("unknown");
    expect(entra(failing.findings, "sqlmi-prod-02")).toBe(entra(clean.findings, "sqlmi-prod-02"));
  });

  it("VNet and circuit peerings that cannot be read: the gaps name them, and no verdict that needed them passes", async () => {
    // expressroute.microsoft-peering, which judges the circuit's peerings, is a rule of the seed-2019 baseline.
    const clean = await liveAudit(smallEstate(), undefined, "seed-2019");
    const failing = await liveAudit(
      smallEstate(),
      "drop:match=vnet-spoke/virtualnetworkpeerings;error:status=500,match=er-circuit/peerings",
      "seed-2019",
    );
    expect(failing.run.status).toBe("partial");
    const [vnetGap, circuitGap] = [ARM_CHILD_TYPES.virtualNetworkPeerings, ARM_CHILD_TYPES.circuitPeerings].map(
      (type) => failing.run.coverageGaps.find((gap) => gap.types.includes(type)),
    );
    // Reachability crosses subscriptions through peerings, so a VNet's unread peerings are a gap everywhere.
    expect(vnetGap).toEqual({
      types: [ARM_CHILD_TYPES.virtualNetworkPeerings],
      reason: expect.stringMatching(/virtualNetworkPeerings failed for 1 resource\(s\): vnet-spoke \(network error/),
    });
    expect(circuitGap).toMatchObject({
      subscriptionIds: [expect.any(String)],
      resourceIds: [expect.stringMatching(/er-circuit$/)],
      reason: expect.stringMatching(/er-circuit \(HTTP 500/),
    });

    const before = verdicts(clean.findings);
    const after = verdicts(failing.findings);
    // The app in the spoke reaches the hub's MI only through the spoke's peering: whether it can is now unknown.
    for (const key of [
      "app.managed-identity app-orders",
      "nsg.app-subnet.sql-outbound snet-app",
      "expressroute.microsoft-peering er-circuit",
    ]) {
      expect(before.get(key), key).not.toBe("unknown");
      expect(after.get(key), key).toBe("unknown");
    }
    // Nothing became a pass or notApplicable that was not one before.
    for (const [key, status] of after)
      if (status === "pass" || status === "notApplicable") expect(before.get(key), key).toBe(status);
  });
});

describe("enrichmentGaps", () => {
  const read = (type: FailedRead["type"], i: number, subscriptionId = "s1"): FailedRead => ({
    type,
    resourceId: `/subscriptions/${subscriptionId}/r/${i}`,
    resourceName: `r${i}`,
    subscriptionId,
    reason: `boom ${i}`,
  });

  it("groups by child type and subscription, names five resources and counts the rest", () => {
    const gaps = enrichmentGaps([
      ...Array.from({ length: 7 }, (_, i) => read(ARM_CHILD_TYPES.entraOnlyAuthentication, i)),
      read(ARM_CHILD_TYPES.entraOnlyAuthentication, 9, "S2"),
    ]);
    expect(gaps).toHaveLength(2);
    expect(gaps[0]).toMatchObject({
      subscriptionIds: ["s1"],
      reason:
        "ARM read of azureADOnlyAuthentications/Default failed for 7 resource(s): r0, r1, r2, r3, r4 and 2 more (boom 0)",
    });
    expect(gaps[0]!.resourceIds).toHaveLength(7);
    expect(gaps[1]).toMatchObject({ subscriptionIds: ["s2"], resourceIds: ["/subscriptions/S2/r/9"] });
  });

  it("a VNet's peerings are one gap over every subscription", () => {
    const gaps = enrichmentGaps([
      read(ARM_CHILD_TYPES.virtualNetworkPeerings, 1, "s1"),
      read(ARM_CHILD_TYPES.virtualNetworkPeerings, 2, "s2"),
    ]);
    expect(gaps).toEqual([
      {
        types: [ARM_CHILD_TYPES.virtualNetworkPeerings],
        reason: expect.stringContaining("failed for 2 resource(s): r1, r2"),
      },
    ]);
  });

  it("no failed read, no gap", () => {
    expect(enrichmentGaps([])).toEqual([]);
  });
});
