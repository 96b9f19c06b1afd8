// The evidence of a finding in one line, for a card: ARM ids shortened to their names, NSG rules as
// "name (priority N, Access)", long lists cut to their first items. The deciding facts come first.
import type { Evidence } from "../rules/rule";

const FIRST_KEYS = ["decidingRule", "exampleUntrustedSource", "port", "minimalTlsVersion"];
const LIST_ITEMS = 3;

export function evidenceLine(evidence: Evidence | null | undefined, maxChars = 240): string {
  if (evidence === null || evidence === undefined || typeof evidence !== "object") return "";
  const keys = Object.keys(evidence);
  const ordered = [
    ...FIRST_KEYS.filter((key) => keys.includes(key)),
    ...keys.filter((key) => !FIRST_KEYS.includes(key)),
  ];
  const parts: string[] = [];
  for (const key of ordered) {
    const value = evidence[key];
    if (Array.isArray(value) && value.length === 0) continue;
    parts.push(`${key}: ${describe(value, 0)}`);
  }
  return clamp(oneLine(parts.join("; ")), maxChars);
}

function describe(value: unknown, depth: number): string {
  if (value === null || value === undefined) return "none";
  if (typeof value === "string") return looksLikeArmId(value) ? shortArmName(value) : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) {
    const shown = value.slice(0, LIST_ITEMS).map((item) => describe(item, depth + 1));
    return value.length > LIST_ITEMS ? `${shown.join(", ")} +${value.length - LIST_ITEMS} more` : shown.join(", ");
  }
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (typeof record["name"] === "string" && typeof record["priority"] === "number") {
      return `${record["name"]} (priority ${record["priority"]}${typeof record["access"] === "string" ? `, ${record["access"]}` : ""})`;
    }
    if (depth >= 2) return "{…}";
    const inner = Object.entries(record)
      .filter(([, v]) => !(Array.isArray(v) && v.length === 0))
      .map(([k, v]) => `${k}=${describe(v, depth + 1)}`);
    return `{${inner.join(", ")}}`;
  }
  return String(value);
}

function looksLikeArmId(text: string): boolean {
  return /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\//i.test(text);
}

/** `/subscriptions/…/providers/Microsoft.Network/virtualNetworks/vnet-a/subnets/snet-b` → `vnet-a/snet-b`. */
export function shortArmName(id: string): string {
  const segments = id.split("/").filter((s) => s !== "");
  const providers = segments.findIndex((s) => s.toLowerCase() === "providers");
  if (providers < 0) return id;
  const names: string[] = [];
  for (let i = providers + 3; i < segments.length; i += 2) names.push(segments[i]!);
  return names.length > 0 ? names.join("/") : id;
}

function oneLine(text: string): string {
  return text
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")
    .replace(/\s{2,}/g, " ")
    .trim();
}

function clamp(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let end = maxChars - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
