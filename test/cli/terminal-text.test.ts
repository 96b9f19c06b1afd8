// Text from Azure never reaches a terminal with its control characters: a resource or rule name with ESC, CSI, BEL,
// C1 or bidi-override characters is printed with those characters escaped in the table report and in the CLI's
// warnings, so it cannot move the cursor, clear the screen, set the title or reorder what the reader sees.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { terminalLines, terminalText } from "../../src/report/terminal-text";
import { ids, miRow, nsgRow, securityRule, vnetRow } from "../support/rows";
import { runMain } from "./in-process-cli";

/** Everything a terminal may act on: C0 except the newline the report itself uses, DEL, C1, bidi controls. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const ESC = "\u001b";
const BEL = "\u0007";
const CSI8 = "\u009b";
const MI_NAME = `mi${ESC}[2J${ESC}[Hclean`;
const NSG_NAME = `nsg${ESC}]0;owned${BEL}\u202Elanif`;
const RULE_NAME = `allow-3342${CSI8}31m${ESC}[1A`;
const DESCRIPTION = `opened${BEL}${ESC}P+q${ESC}\\ by \u0085ops\u2066`;

function hostileSnapshot(): string {
  const subnetId = ids.subnet("vnet-mi", "snet-mi");
  const nsgId = ids.nsg(NSG_NAME);
  const mi = miRow("placeholder", subnetId, { publicDataEndpointEnabled: true });
  mi["id"] = ids.mi(MI_NAME);
  mi["name"] = MI_NAME;
  mi["resourceGroup"] = `rg-data${ESC}[31m`;
  // A value of the wrong type makes a data-quality warning that quotes the resource id, ESC and all.
  mi["location"] = 42;
  const nsg = nsgRow(NSG_NAME, [
    securityRule({
      name: RULE_NAME,
      priority: 100,
      source: "Internet",
      ports: "3342",
      extra: { description: DESCRIPTION },
    }),
    securityRule({ name: `deny${ESC}[?1049h`, priority: 200, access: "Deny", source: "Internet", ports: "1433" }),
  ]);
  const vnet = vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24", nsg: nsgId }]);
  const path = join(mkdtempSync(join(tmpdir(), "mi-audit-terminal-")), "hostile.json");
  writeFileSync(path, JSON.stringify([mi, nsg, vnet]));
  return path;
}

describe("terminalText", () => {
  it.each([
    ["ESC and CSI", `a${ESC}[2Jb`, "a\\x1b[2Jb"],
    ["BEL", `a${BEL}`, "a\\x07"],
    ["NUL, backspace, CR, LF, tab", "\u0000\b\r\n\t", "\\x00\\x08\\x0d\\x0a\\x09"],
    ["DEL", "\u007f", "\\x7f"],
    ["C1 CSI and NEL", `${CSI8}\u0085`, "\\u009b\\u0085"],
    ["bidi override and isolate", "\u202Eabc\u2066\u2069", "\\u202eabc\\u2066\\u2069"],
    ["line separator", "a\u2028b", "a\\u2028b"],
  ])("escapes %s visibly", (_, raw, shown) => {
    expect(terminalText(raw)).toBe(shown);
    expect(terminalText(raw)).not.toMatch(RAW_CONTROL);
  });

  it("terminalLines keeps the line breaks of a block and escapes the rest of each line", () => {
    expect(terminalLines(`gap: 403${ESC}[2J\n  next${BEL}\n`)).toBe("gap: 403\\x1b[2J\n  next\\x07\n");
  });

  it("leaves printable text, accents and other scripts alone", () => {
    for (const text of ["mi-prod-01 (westeurope)", "rés-données", "データベース", "10.0.0.0/8 → 3342", "emoji 🔒"])
      expect(terminalText(text)).toBe(text);
  });
});

describe("mi-audit scan on a snapshot with hostile names", () => {
  const snapshot = hostileSnapshot();

  it("table mode: no raw control character in stdout or stderr, and the names are shown escaped", async () => {
    const run = await runMain(["scan", "--snapshot", snapshot]);
    expect([0, 1, 4]).toContain(run.code);
    expect(run.stdout).not.toMatch(RAW_CONTROL);
    expect(run.stderr).not.toMatch(RAW_CONTROL);
    // The MI is exposed to the Internet on 3342, so it is listed by name, escaped.
    expect(run.stdout).toContain("mi\\x1b[2J\\x1b[Hclean");
    // The deciding rule and its NSG are named in the message, escaped (C1 and bidi as \u escapes).
    expect(run.stdout).toContain("allow-3342\\u009b31m\\x1b[1A");
    expect(run.stdout).toContain("nsg\\x1b]0;owned\\x07\\u202elanif");
    // The warning about the wrong-typed location names the resource, escaped.
    expect(run.stderr).toMatch(/^warning: .*mi\\x1b\[2J\\x1b\[Hclean.*location/m);
  });

  it("csv keeps the data exactly as collected (it is data for spreadsheets and programs, not terminal text)", async () => {
    const run = await runMain(["scan", "--snapshot", snapshot, "--format", "csv"]);
    expect(run.stdout).toContain(MI_NAME);
    expect(run.stderr).not.toMatch(RAW_CONTROL);
  });

  it("json keeps the data exactly as collected (JSON escapes C0 itself)", async () => {
    const run = await runMain(["scan", "--snapshot", snapshot, "--format", "json"]);
    expect(run.stdout).not.toContain(ESC);
    expect(run.stdout).not.toContain(BEL);
    const report = JSON.parse(run.stdout) as { findings: { resourceName: string }[] };
    expect(report.findings.map((f) => f.resourceName)).toContain(MI_NAME);
  });
});
