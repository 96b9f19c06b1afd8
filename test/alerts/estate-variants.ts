// Modified copies of samples/estate.json for alert tests: the sample with a change, written to a temp file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SAMPLE } from "../support/run-cli";

type Row = {
  id: string;
  name: string;
  type: string;
  subscriptionId: string;
  resourceGroup: string;
  properties: Record<string, unknown>;
  tags?: Record<string, string>;
};
type Edit = (rows: Row[]) => void;

export class EstateVariants {
  private readonly dir = mkdtempSync(join(tmpdir(), "alert-estates-"));
  private count = 0;

  /** A copy of the sample with `edits` applied; returns its path. */
  write(...edits: Edit[]): string {
    const document = JSON.parse(readFileSync(SAMPLE, "utf8")) as { data: Row[] };
    for (const edit of edits) edit(document.data);
    const file = join(this.dir, `estate-${(this.count += 1)}.json`);
    writeFileSync(file, JSON.stringify(document));
    return file;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function byName(rows: Row[], name: string): Row {
  const row = rows.find((r) => r.name === name);
  if (row === undefined) throw new Error(`sample has no resource named ${name}`);
  return row;
}

/** The 14:00 incident: an NSG rule opens sqlmi-prod-01's public endpoint (TCP 3342) to the Internet. */
export const openPublicEndpointOfProd01: Edit = (rows) => {
  const nsg = byName(rows, "nsg-sqlmi-prod-01");
  (nsg.properties["securityRules"] as unknown[]).push({
    name: "allow_public_endpoint_internet",
    properties: {
      protocol: "Tcp",
      sourcePortRange: "*",
      sourceAddressPrefix: "Internet",
      destinationAddressPrefix: "*",
      destinationPortRange: "3342",
      access: "Allow",
      priority: 150,
      direction: "Inbound",
    },
  });
};

/** Fixes sqlmi-prod-02's minimum TLS version (resolves mi.tls.minimum-version, high). */
export const fixTlsOfProd02: Edit = (rows) => {
  byName(rows, "sqlmi-prod-02").properties["minimalTlsVersion"] = "1.2";
};

/** `copies` more managed instances like sqlmi-dev-01 (each fails several high rules), for size limits. */
export function cloneDev01(copies: number): Edit {
  return (rows) => {
    const original = byName(rows, "sqlmi-dev-01");
    for (let i = 0; i < copies; i += 1) {
      const name = `sqlmi-bulk-${String(i).padStart(3, "0")}`;
      rows.push({ ...structuredClone(original), id: original.id.replace(/sqlmi-dev-01$/, name), name });
    }
  };
}
