// Every rule states its framework controls as catalog references; NIST comes only through MCSB; `mi-audit rules`
// (JSON, table and Markdown) shows them. The expected rows are the mapping table of shared/guidance/FRAMEWORKS.md.
import { describe, expect, it } from "vitest";
import { RULES } from "../../src/rules/catalog";
import {
  CIS_ITEMS,
  MCSB_CONTROLS,
  resolveControls,
  type ControlRef,
  type ResolvedControl,
} from "../../src/rules/framework-controls";
import { rulesOfBaseline } from "../../src/rules/baselines";
import { runMain } from "../cli/in-process-cli";

/** FRAMEWORKS.md, one row per rule: MCSB "id:relation" and CIS "key:relation" (empty: the table says none). */
const TABLE: readonly { rule: string; mcsb: string[]; cis: string[] }[] = [
  {
    rule: "mi.public-endpoint.untrusted-source",
    mcsb: ["NS-2:primary", "NS-1:related"],
    cis: ["v2.0.0 4.1.2:analogue", "v3.0.0 5.1.2:analogue", "v3.0.0 5.1.7:analogue"],
  },
  { rule: "mi.subnet.nsg-missing", mcsb: ["NS-1:related"], cis: ["v6.0.0 7.11:related"] },
  { rule: "mi.tls.minimum-version", mcsb: ["DP-3:related"], cis: [] },
  { rule: "mi.auth.entra-only", mcsb: ["IM-1:related"], cis: ["v2.0.0 4.1.4:analogue", "v3.0.0 5.1.4:analogue"] },
  { rule: "mi.vnet.dedicated", mcsb: ["NS-1:related"], cis: [] },
  { rule: "mi.peering.connected", mcsb: [], cis: [] },
  { rule: "mi.peering.app-gateway-transit", mcsb: ["NS-9:weak"], cis: [] },
  { rule: "nsg.sql-inbound-internet", mcsb: ["NS-1:related", "NS-2:related"], cis: [] },
  { rule: "nsg.app-subnet.sql-outbound", mcsb: [], cis: [] },
  {
    rule: "app.managed-identity",
    mcsb: ["IM-3:related"],
    cis: ["v2.0.0 9.5:related", "v2.1.0 9.4:related", "v3.0.0 9.5:related"],
  },
  { rule: "ase.dedicated-subnet", mcsb: ["NS-1:weak"], cis: [] },
  // Not in the table: NS-9's text asks for private connections such as ExpressRoute, which this rule checks.
  { rule: "expressroute.microsoft-peering", mcsb: ["NS-9:related"], cis: [] },
  // Not in the table: a cross-region peering fails to connect (reachability), like mi.peering.connected.
  { rule: "mi.peering.same-region", mcsb: [], cis: [] },
];

/** The NIST ids each MCSB control's page lists (MCSB v1 network security, data protection, identity management). */
const NIST_FROM_PAGES: Record<string, string[]> = {
  "NS-1": ["AC-4", "SC-2", "SC-7"],
  "NS-2": ["AC-4", "SC-2", "SC-7"],
  "NS-9": ["CA-3", "AC-17", "AC-4"],
  "DP-3": ["SC-8"],
  "IM-1": ["AC-2", "AC-3", "IA-2", "IA-8"],
  "IM-3": ["AC-2", "AC-3", "IA-4", "IA-5", "IA-9"],
  // MCSB v1 logging and threat detection, LT-4's table.
  "LT-4": ["AU-3", "AU-6", "AU-12", "SI-4"],
};

function rule(id: string): (typeof RULES)[number] {
  const found = RULES.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`no rule ${id}`);
  return found;
}

describe("framework controls on every rule", () => {
  // The rules of the current baseline that the seeds do not have carry their controls in their own files and tests.
  it("the table covers every seed-2019 rule, and nothing else", () => {
    expect(TABLE.map((row) => row.rule).sort()).toEqual(
      rulesOfBaseline("seed-2019")
        .map((r) => r.id)
        .sort(),
    );
  });

  it.each(TABLE.map((row) => [row.rule, row] as const))("%s maps as the table says", (id, row) => {
    const refs = rule(id).controls;
    expect(refs.flatMap((ref) => ("mcsb" in ref ? [`${ref.mcsb}:${ref.relation}`] : []))).toEqual(row.mcsb);
    expect(refs.flatMap((ref) => ("cis" in ref ? [`${ref.cis}:${ref.relation}`] : []))).toEqual(row.cis);
  });

  it.each(RULES.map((r) => [r.id, r] as const))("%s has controls or states why it has none", (_id, r) => {
    expect(Array.isArray(r.controls)).toBe(true);
    if (r.controls.length === 0) expect(r.controlsNote?.trim().length ?? 0).toBeGreaterThan(10);
    if (r.controlsNote !== undefined) expect(r.controlsNote).not.toContain("\n");
  });

  it("every reference resolves to a catalog control", () => {
    for (const r of RULES)
      for (const ref of r.controls) {
        if ("mcsb" in ref) expect(Object.keys(MCSB_CONTROLS)).toContain(ref.mcsb);
        else expect(Object.keys(CIS_ITEMS)).toContain(ref.cis);
      }
  });

  it("the MCSB catalog holds each control's page title, URL and NIST ids", () => {
    expect(Object.keys(MCSB_CONTROLS).sort()).toEqual(Object.keys(NIST_FROM_PAGES).sort());
    for (const [id, control] of Object.entries(MCSB_CONTROLS)) {
      expect(control.nist).toEqual(NIST_FROM_PAGES[id]);
      expect(control.url).toMatch(/^https:\/\/learn\.microsoft\.com\/security\/benchmark\/azure\/mcsb-/);
      expect(control.title.length).toBeGreaterThan(10);
    }
  });

  it("NIST ids are derived from MCSB: a rule's reference cannot carry them", () => {
    // @ts-expect-error a reference names the control and a relation only
    const withNist: ControlRef = { mcsb: "NS-1", relation: "related", nist: ["SC-7"] };
    expect(withNist).toBeDefined();
    for (const r of RULES) for (const ref of r.controls) expect(Object.keys(ref).sort()).not.toContain("nist");
    const [resolved] = resolveControls([{ mcsb: "DP-3", relation: "related" }]);
    expect(resolved).toMatchObject({ framework: "MCSB", id: "DP-3", nist: ["SC-8"] });
  });
});

describe("mi-audit rules shows the controls", () => {
  it("JSON carries each control resolved: mi.public-endpoint.untrusted-source is NS-2 primary with its NIST ids", async () => {
    const run = await runMain(["rules", "--format", "json"]);
    expect(run.code).toBe(0);
    const rules = JSON.parse(run.stdout) as { id: string; controls: ResolvedControl[]; controlsNote?: string }[];
    const untrusted = rules.find((r) => r.id === "mi.public-endpoint.untrusted-source");
    expect(untrusted?.controls[0]).toEqual({
      framework: "MCSB",
      id: "NS-2",
      title: "Secure cloud native services with network controls",
      relation: "primary",
      nist: ["AC-4", "SC-2", "SC-7"],
      url: MCSB_CONTROLS["NS-2"].url,
    });
    expect(untrusted?.controls).toContainEqual({
      framework: "CIS",
      version: "3.0.0",
      item: "5.1.7",
      relation: "analogue",
    });
    const connected = rules.find((r) => r.id === "mi.peering.connected");
    expect(connected?.controls).toEqual([]);
    expect(connected?.controlsNote).toMatch(/operational/);
  });

  it("the table has a short controls column", async () => {
    const run = await runMain(["rules"]);
    const line = run.stdout.split("\n").find((l) => l.startsWith("mi.public-endpoint.untrusted-source "));
    // The columns between severity and controls (such as the rule's baselines) are not this test's business.
    expect(line).toMatch(/ critical +(?:[\w,-]+ +)?NS-2, NS-1 +MI public endpoint/);
    expect(run.stdout.split("\n").find((l) => l.startsWith("mi.peering.connected "))).toMatch(
      / medium +(?:[\w,-]+ +)?- +MI VNet/,
    );
  });

  it("the Markdown lists each rule's framework controls", async () => {
    const run = await runMain(["rules", "--format", "markdown"]);
    const section = run.stdout.split("\n## ").find((s) => s.startsWith("mi.auth.entra-only\n")) ?? "";
    expect(section).toContain("### Framework controls");
    expect(section).toMatch(
      /MCSB \[IM-1\]\([^)]+\) Use centralized identity and authentication system \(related; NIST[^)]*AC-2, AC-3, IA-2, IA-8\)/,
    );
    expect(section).toContain("CIS Microsoft Azure Foundations v3.0.0 5.1.4 (analogue");
    const none = run.stdout.split("\n## ").find((s) => s.startsWith("nsg.app-subnet.sql-outbound\n")) ?? "";
    expect(none).toMatch(/### Framework controls\n\nNone \(connectivity/);
  });
});
