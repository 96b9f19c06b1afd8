// Rendering: evidence in one line, Teams cards of every kind valid against Adaptive Cards 1.4, estate text kept out of
// Markdown, the 28 KB limit with "and N more", and the JSON document against its schema.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  alertLinks,
  emptySections,
  type AlertItem,
  type AlertMessage,
  type Section,
} from "../../src/alerts/alert-message";
import { cardOfEnvelope, cardProblems } from "../../src/alerts/card-validation";
import { evidenceLine } from "../../src/alerts/evidence-line";
import { alertDocumentSchema, jsonPayload } from "../../src/alerts/json-alert";
import { TEAMS_MAX_BYTES, teamsPayload } from "../../src/alerts/teams-card";
import type { Severity } from "../../src/rules/rule";
import { readCard } from "./card-reader";

const LINKS = alertLinks("https://mi-audit.example.net", "20261120T140000Z-abc123");
const SEVERITIES: Severity[] = ["critical", "high", "medium", "low"];

function item(i: number, severity: Severity, overrides: Partial<AlertItem> = {}): AlertItem {
  const name = `sqlmi-${String(i).padStart(4, "0")}`;
  return {
    ruleId: "mi.tls.minimum-version",
    title: "MI accepts TLS versions below 1.2",
    severity,
    status: "fail",
    resourceId: `/subscriptions/6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e/resourceGroups/rg-data/providers/Microsoft.Sql/managedInstances/${name}`,
    resourceName: name,
    resourceType: "microsoft.sql/managedinstances",
    subscriptionId: "6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
    resourceGroup: "rg-data",
    location: "westeurope",
    message: `${name} accepts TLS 1.0.`,
    evidence: "minimalTlsVersion: 1.0",
    ...overrides,
  };
}

function message(sections: Partial<Record<Section, AlertItem[]>>, overrides: Partial<AlertMessage> = {}): AlertMessage {
  const all = { ...emptySections(), ...sections };
  return {
    kind: "alert",
    channel: "default",
    minSeverity: "high",
    run: {
      runId: "20261120T140000Z-abc123",
      status: "completed",
      scope: "tenant",
      startedAt: "2026-11-20T14:00:00Z",
      finishedAt: "2026-11-20T14:01:30Z",
      estateScore: 81.5,
      previousEstateScore: 89.1,
      previousRunId: "20261119T020000Z-000000",
      baseline: "current",
      previousBaseline: "seed-2019",
      notFullyRead: 0,
    },
    counts: {
      new: all.new.length,
      regressed: all.regressed.length,
      resolved: all.resolved.length,
      stillFailing: all.stillFailing.length + 3,
      reminders: all.stillFailing.length,
    },
    sections: all,
    ...overrides,
  };
}

describe("evidence in one line", () => {
  it.each([
    [{ minimalTlsVersion: "1.1" }, "minimalTlsVersion: 1.1"],
    [
      {
        subnet: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-a/subnets/snet-b",
        nsg: null,
      },
      "subnet: vnet-a/snet-b; nsg: none",
    ],
    [
      {
        port: 3342,
        decidingRule: { name: "allow_partners", priority: 400, access: "Allow", isDefault: false },
        exampleUntrustedSource: "203.0.113.5",
        untrustedSourcesAllowed: ["0.0.0.0/5", "8.0.0.0/7", "11.0.0.0/8", "12.0.0.0/6"],
        notes: [],
      },
      "decidingRule: allow_partners (priority 400, Allow); exampleUntrustedSource: 203.0.113.5; port: 3342; untrustedSourcesAllowed: 0.0.0.0/5, 8.0.0.0/7, 11.0.0.0/8 +1 more",
    ],
    [
      { brokenPeerings: [{ peering: "p1", peeringState: "Disconnected" }] },
      "brokenPeerings: {peering=p1, peeringState=Disconnected}",
    ],
    [{ note: "line one\nline two\ttabbed" }, "note: line one line two tabbed"],
  ])("%j → %s", (evidence, expected) => {
    expect(evidenceLine(evidence)).toBe(expected);
  });

  it("is cut to its length with an ellipsis", () => {
    const line = evidenceLine({ description: "x".repeat(1000) }, 100);
    expect(line).toHaveLength(100);
    expect(line.endsWith("…")).toBe(true);
  });
});

describe("Teams cards", () => {
  it.each<[string, AlertMessage]>([
    [
      "an alert with every section",
      message({
        new: [item(1, "critical"), item(2, "high")],
        regressed: [item(3, "high")],
        resolved: [item(4, "high", { status: "pass", failingSince: "2026-11-01T02:00:00Z" })],
        stillFailing: [
          item(5, "critical", { reason: "reminder", failingSince: "2026-11-01T02:00:00Z" }),
          item(6, "high", { reason: "firstNotice" }),
        ],
      }),
    ],
    [
      "a partial run",
      message(
        { new: [item(1, "critical")] },
        {
          run: {
            runId: "20261120T140000Z-abc123",
            status: "partial",
            scope: "subscriptions:6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
            startedAt: "2026-11-20T14:00:00Z",
            finishedAt: "2026-11-20T14:01:30Z",
            estateScore: null,
            previousEstateScore: null,
            notFullyRead: 12,
          },
        },
      ),
    ],
    ["a digest", message({ stillFailing: [item(1, "critical", { reason: "digest" })] }, { kind: "digest" })],
    [
      "a test card",
      {
        kind: "test",
        channel: "dba",
        minSeverity: "high",
        counts: { new: 0, regressed: 0, resolved: 0, stillFailing: 0, reminders: 0 },
        sections: emptySections(),
        test: { requestedBy: "alice@example.com", at: "2026-11-20T14:00:00Z" },
      },
    ],
  ])("%s is a valid 1.4 card in a Workflows envelope", (_name, alert) => {
    const { body, bytes } = teamsPayload(alert, LINKS);
    expect(bytes).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    const envelope = JSON.parse(body) as {
      type: string;
      attachments: Array<{ contentType: string; contentUrl: null }>;
    };
    expect(envelope.type).toBe("message");
    expect(envelope.attachments).toEqual([
      expect.objectContaining({ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null }),
    ]);
    expect(cardProblems(cardOfEnvelope(envelope))).toEqual([]);
  });

  it("a test card shows who asked as plain text: in a TextRun, never in Markdown-read text", () => {
    const requestedBy = "[Open](https://evil.example) **alice**";
    const card = JSON.stringify(
      JSON.parse(
        teamsPayload(
          {
            kind: "test",
            channel: "dba",
            minSeverity: "high",
            counts: { new: 0, regressed: 0, resolved: 0, stillFailing: 0, reminders: 0 },
            sections: emptySections(),
            test: { requestedBy, at: "2026-11-20T14:00:00Z" },
          },
          LINKS,
        ).body,
      ),
    );
    // TextBlocks and facts are read as Markdown by Teams; TextRuns never are.
    expect(card).toContain(JSON.stringify({ type: "TextRun", text: requestedBy }));
    expect(card.split(JSON.stringify(requestedBy)).length - 1).toBe(1);
  });

  it("shows the run's baseline as a fact, and the previous run's when it differs", () => {
    const factsOf = (alert: AlertMessage): string[] =>
      JSON.stringify(JSON.parse(teamsPayload(alert, LINKS).body))
        .match(/"title":"Baseline","value":"[^"]*"/g)
        ?.map((text) => text.replace(/.*"value":"/, "").replace(/"$/, "")) ?? [];
    expect(factsOf(message({ new: [item(1, "critical")] }))).toEqual(["current (previous run: seed-2019)"]);
    const same = message({}, { run: { ...message({}).run!, previousBaseline: "current" } });
    expect(factsOf(same)).toEqual(["current"]);
    const { baseline: _b, previousBaseline: _p, ...older } = message({}).run!;
    expect(factsOf(message({}, { run: older }))).toEqual([]);
  });

  it("the validator reports what a 1.4 renderer would refuse (so the checks above can fail)", () => {
    const card = {
      type: "AdaptiveCard",
      version: "1.5",
      body: [
        { type: "Table", rows: [] },
        { type: "TextBlock", text: "x", style: "heading" },
      ],
      actions: [{ type: "Action.OpenUrl", title: "no url" }],
    };
    const problems = cardProblems(card);
    expect(problems).toEqual(
      expect.arrayContaining([
        'version must be 1.4 or lower, found "1.5"',
        expect.stringMatching(/Unknown element type "Table"/),
        expect.stringMatching(/Property "style" is supported in version 1.5/),
        expect.stringMatching(/Property "url" must be set/),
      ]),
    );
    expect(
      cardOfEnvelope({
        type: "message",
        attachments: [{ contentType: "application/vnd.microsoft.card.hero", contentUrl: null, content: {} }],
      }),
    ).toBeUndefined();
  });

  it("puts estate text (names, evidence) in TextRuns, never in Markdown TextBlocks", () => {
    const hostile = item(1, "critical", {
      resourceName: "[click me](https://evil.example)",
      evidence: "description: <script>alert(1)</script> **bold**",
    });
    const { body } = teamsPayload(message({ new: [hostile] }), LINKS);
    const card = readCard(JSON.parse(body));
    expect(card.texts.join("\n")).not.toMatch(/evil\.example|<script>|\*\*bold/);
    expect(card.items[0]!.where).toMatch(/^\[click me\]\(https:\/\/evil\.example\) · /);
    expect(card.items[0]!.detail).toBe("Evidence: description: <script>alert(1)</script> **bold**");
  });

  it("over 28 KB: every section keeps its most severe items, the rest are 'and N more' with the dashboard link", () => {
    const severities = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => item(offset + i, SEVERITIES[(i * 7) % 4]!));
    const sort = (items: AlertItem[]) =>
      [...items].sort(
        (a, b) =>
          SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
          a.resourceName.localeCompare(b.resourceName),
      );
    const alert = message({
      new: sort(severities(600, 0)),
      resolved: sort(severities(300, 1000).map((i) => ({ ...i, status: "pass" as const }))),
      stillFailing: sort(severities(100, 2000).map((i) => ({ ...i, reason: "reminder" as const }))),
    });
    const { body, bytes, shown } = teamsPayload(alert, LINKS);
    expect(bytes).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
    expect(Buffer.byteLength(body)).toBe(bytes);
    const card = readCard(JSON.parse(body));
    expect(card.sections).toEqual({ "New findings": 600, Resolved: 300, "Still failing": 100 });
    expect(shown.new).toBeGreaterThan(3);
    expect(shown.resolved).toBeGreaterThanOrEqual(3);
    expect(shown.stillFailing).toBeGreaterThanOrEqual(3);
    expect(card.more).toEqual([
      `…and ${600 - shown.new} more, most severe shown first.`,
      `…and ${300 - shown.resolved} more, most severe shown first.`,
      `…and ${100 - shown.stillFailing} more, most severe shown first.`,
    ]);
    const newBadges = card.items.filter((i) => i.section === "New findings").map((i) => i.badge);
    expect(newBadges.every((b) => b === "CRITICAL")).toBe(true);
    expect(card.urls.filter((u) => u === "https://mi-audit.example.net/api/web/dashboard")).toHaveLength(4);
    // One more item would not have fitted.
    const tighter = teamsPayload(alert, LINKS, bytes - 1);
    expect(tighter.shown.new + tighter.shown.resolved + tighter.shown.stillFailing).toBeLessThan(
      shown.new + shown.resolved + shown.stillFailing,
    );
  });
});

describe("what the run could not verify, in one line", () => {
  const run = (overrides: Partial<NonNullable<AlertMessage["run"]>>) =>
    message({ new: [item(1, "critical")] }, { run: { ...message({}).run!, ...overrides } });
  const line = (alert: AlertMessage) =>
    readCard(JSON.parse(teamsPayload(alert, LINKS).body)).texts.filter((t) =>
      /Partial run|not everything was decided/.test(t),
    );

  it.each<[string, AlertMessage, string[]]>([
    [
      "a partial run: its gaps, the pairs not fully read, and the undecided results at or above the threshold",
      run({
        status: "partial",
        notFullyRead: 12,
        coverageGaps: 2,
        unverified: { critical: 3, high: 1, medium: 5, low: 0 },
      }),
      [
        "Partial run (2 coverage gaps): 12 rule × resource pair(s) could not be fully read. Not verified (unknown or error): 3 critical, 1 high. Nothing is reported as resolved until a complete run confirms it.",
      ],
    ],
    [
      "a partial run with every result decided",
      run({
        status: "partial",
        notFullyRead: 4,
        coverageGaps: 1,
        unverified: { critical: 0, high: 0, medium: 0, low: 0 },
      }),
      [
        "Partial run (1 coverage gap): 4 rule × resource pair(s) could not be fully read. Nothing is reported as resolved until a complete run confirms it.",
      ],
    ],
    [
      "a complete run with undecided critical results",
      run({ unverified: { critical: 2, high: 0, medium: 0, low: 7 } }),
      ["Complete run, but not everything was decided. Not verified (unknown or error): 2 critical."],
    ],
    [
      "a complete run whose undecided results are all below the threshold",
      run({ unverified: { critical: 0, high: 0, medium: 3, low: 7 } }),
      [],
    ],
    ["a complete run, every result decided", run({ unverified: { critical: 0, high: 0, medium: 0, low: 0 } }), []],
  ])("%s", (_label, alert, expected) => {
    expect(line(alert)).toEqual(expected);
    const { body } = teamsPayload(alert, LINKS);
    expect(cardProblems(cardOfEnvelope(JSON.parse(body)))).toEqual([]);
  });

  it("the JSON document carries the same counts", () => {
    const alert = run({
      status: "partial",
      notFullyRead: 12,
      coverageGaps: 2,
      unverified: { critical: 3, high: 1, medium: 0, low: 0 },
    });
    const document = alertDocumentSchema.parse(JSON.parse(jsonPayload(alert, LINKS).body));
    expect(document.run).toMatchObject({
      status: "partial",
      coverageGaps: 2,
      unverified: { critical: 3, high: 1, medium: 0, low: 0 },
    });
  });
});

describe("the JSON document", () => {
  it("follows the documented schema, with history links and the dashboard", () => {
    const alert = message({ new: [item(1, "critical")], resolved: [item(2, "high", { status: "pass" })] });
    const document = alertDocumentSchema.parse(JSON.parse(jsonPayload(alert, LINKS).body));
    expect(document).toMatchObject({
      schema: "mi-exposure-auditor/alert@1",
      kind: "alert",
      channel: "default",
      counts: { new: 1, resolved: 1 },
      omitted: { new: 0, regressed: 0, resolved: 0, stillFailing: 0 },
      links: {
        dashboard: "https://mi-audit.example.net/api/web/dashboard",
        run: "https://mi-audit.example.net/api/web/runs/20261120T140000Z-abc123",
      },
    });
    expect(document.findings.new[0]!.historyUrl).toBe(LINKS.history(item(1, "critical").resourceId));
  });

  it("gives each item the finding's fingerprint, the same in the Teams card, whatever the resource id's case", () => {
    const upper = item(1, "critical", { resourceId: item(1, "critical").resourceId.toUpperCase() });
    const alert = message({ new: [item(1, "critical")], resolved: [upper] });
    const document = alertDocumentSchema.parse(JSON.parse(jsonPayload(alert, LINKS).body));
    // As documented (docs/alerts.md): SHA-256 of "mi-audit/v1", the rule id and the lower-cased ARM id, NUL-separated,
    // cut to 32 hex digits; occurrence 0, as an alert item stands for a rule × resource pair.
    const expected = createHash("sha256")
      .update(`mi-audit/v1\u0000mi.tls.minimum-version\u0000${item(1, "critical").resourceId.toLowerCase()}`)
      .digest("hex")
      .slice(0, 32);
    expect(document.findings.new[0]!.fingerprint).toBe(expected);
    expect(document.findings.resolved[0]!.fingerprint).toBe(expected);
    const card = readCard(JSON.parse(teamsPayload(alert, LINKS).body));
    expect(card.items.map((i) => i.fingerprint)).toEqual([expected, expected]);
    // A document without it no longer follows the schema.
    const { fingerprint: _dropped, ...without } = document.findings.new[0]!;
    expect(
      alertDocumentSchema.safeParse({ ...document, findings: { ...document.findings, new: [without] } }).success,
    ).toBe(false);
  });

  it("is cut to its size limit, counting what it left out", () => {
    const many = Array.from({ length: 400 }, (_, i) => item(i, i < 10 ? "critical" : "high"));
    const { body, bytes } = jsonPayload(message({ new: many }), LINKS, 20_000);
    expect(bytes).toBeLessThanOrEqual(20_000);
    const document = alertDocumentSchema.parse(JSON.parse(body));
    expect(document.findings.new.length + document.omitted.new).toBe(400);
    expect(document.omitted.new).toBeGreaterThan(0);
    expect(document.findings.new.slice(0, 10).every((f) => f.severity === "critical")).toBe(true);
  });
});
