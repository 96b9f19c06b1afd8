// Pins the Table entity format of findings and finding states (the properties the store writes, and what reads back),
// and the identity fields' order, which JSON formats keep.
import { describe, expect, it } from "vitest";
import type { FindingState } from "../../src/audit/audit-store";
import { FINDING_IDENTITY_FIELDS, FINDING_RESOURCE_FIELDS, pickIdentity } from "../../src/engine/finding";
import {
  findingFromEntity,
  findingToEntity,
  MAX_STRING_PROPERTY_CODE_UNITS,
  stateFromEntity,
  stateToEntity,
} from "../../src/store/entity-codec";
import { findingRowKey, resourceHash, stateKeys } from "../../src/store/table-keys";
import { finding, miId, runIdAt } from "./fixtures";
import { findingFingerprint } from "../../src/report/fingerprint";

const RUN = runIdAt("2026-03-01T02:00:00Z", "abc123");

function state(overrides: Partial<FindingState> = {}): FindingState {
  return {
    ...pickIdentity(finding(), FINDING_IDENTITY_FIELDS),
    status: "fail",
    lastResultStatus: "fail",
    lastMessage: "Port 3342 is open to the Internet.",
    statusChangedAt: "2026-03-01T02:00:00.000Z",
    statusChangedByRunId: RUN,
    firstSeenAt: "2026-03-01T02:00:00.000Z",
    firstSeenRunId: RUN,
    lastSeenAt: "2026-03-01T02:00:00.000Z",
    lastSeenRunId: RUN,
    everFailed: true,
    ...overrides,
  };
}

describe("finding entities", () => {
  it("hold exactly these properties", () => {
    const f = finding({ resourceId: miId("Mi-Upper", "SUB-X", "RG-Y"), resourceName: "Mi-Upper" });
    expect(findingToEntity(RUN, f, 2)).toEqual({
      partitionKey: RUN,
      rowKey: findingRowKey(f.resourceId, f.ruleId, 2),
      runId: RUN,
      ruleId: f.ruleId,
      resourceId: f.resourceId,
      resourceHash: resourceHash(f.resourceId),
      resourceName: "Mi-Upper",
      resourceType: f.resourceType,
      subscriptionId: "SUB-X",
      resourceGroup: "RG-Y",
      location: "westeurope",
      status: "fail",
      severity: "high",
      title: f.title,
      message: f.message,
      evidence: JSON.stringify(f.evidence),
      evidenceTruncated: false,
      subscriptionKey: "sub-x",
      resourceGroupKey: "rg-y",
      resourceTypeKey: f.resourceType,
      excepted: false,
    });
  });

  it("read back as the finding, with the run and the truncation flag", () => {
    const f = finding();
    expect(findingFromEntity(findingToEntity(RUN, f, 0))).toEqual({
      ...f,
      runId: RUN,
      fingerprint: findingFingerprint(f),
      evidenceTruncated: false,
    });
    // The RowKey's ordinal is the fingerprint's occurrence: the second result of the pair has its own.
    expect(findingFromEntity(findingToEntity(RUN, f, 1)).fingerprint).toBe(findingFingerprint(f, 1));
  });

  it("clamp every identity field to the property limit", () => {
    const long = "x".repeat(MAX_STRING_PROPERTY_CODE_UNITS + 10);
    const entity = findingToEntity(RUN, finding({ title: long, resourceName: long }), 0);
    expect(String(entity.title).length).toBe(MAX_STRING_PROPERTY_CODE_UNITS);
    expect(String(entity.resourceName).length).toBe(MAX_STRING_PROPERTY_CODE_UNITS);
  });
});

describe("finding state entities", () => {
  it("hold exactly these properties, optional ones only when set", () => {
    const s = state();
    expect(stateToEntity(s)).toEqual({
      ...stateKeys(s.resourceId, s.ruleId),
      resourceHash: resourceHash(s.resourceId),
      ...s,
    });
    const withHistory = state({
      previousStatus: "pass",
      firstFailedAt: "2026-03-01T02:00:00.000Z",
      lastTransition: "regressed",
    });
    expect(stateToEntity(withHistory)).toMatchObject({
      previousStatus: "pass",
      firstFailedAt: "2026-03-01T02:00:00.000Z",
      lastTransition: "regressed",
    });
  });

  it("read back as the state", () => {
    const s = state({ previousStatus: "pass", lastTransition: "regressed" });
    expect(stateFromEntity(stateToEntity(s))).toEqual(s);
  });
});

describe("the finding's identity", () => {
  it("lists the rule × resource pair, the resource's names, the severity and the title, in this order", () => {
    expect(FINDING_IDENTITY_FIELDS).toEqual([
      "ruleId",
      "resourceId",
      "resourceName",
      "resourceType",
      "subscriptionId",
      "resourceGroup",
      "severity",
      "title",
    ]);
  });

  it("is picked in the order asked for, which JSON keeps", () => {
    const f = finding();
    expect(Object.keys(pickIdentity(f, ["title", "ruleId"]))).toEqual(["title", "ruleId"]);
    expect(JSON.stringify(pickIdentity(f, FINDING_RESOURCE_FIELDS))).toBe(
      JSON.stringify({
        resourceId: f.resourceId,
        resourceName: f.resourceName,
        resourceType: f.resourceType,
        subscriptionId: f.subscriptionId,
        resourceGroup: f.resourceGroup,
      }),
    );
  });
});
