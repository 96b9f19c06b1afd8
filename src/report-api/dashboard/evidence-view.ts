// Reads the parts of a finding's evidence a reader wants first: the deciding NSG rule (name, priority, access and its
// description) and the example untrusted source; the remaining plain values follow as short key/value pairs.
import type { Evidence } from "../../rules/rule";
import { html, join, type SafeHtml } from "./html";

interface RuleRef {
  name: string;
  priority?: number;
  access?: string;
  isDefault?: boolean;
  description?: string;
}

const SHOWN_SEPARATELY = new Set([
  "decidingRule",
  "exampleUntrustedSource",
  "untrustedSourcesAllowed",
  "targets",
  "checks",
  "uncertainRules",
  "notes",
]);

export function evidenceView(evidence: Evidence): SafeHtml {
  const parts: SafeHtml[] = [];
  const rule = asRuleRef(evidence.decidingRule);
  if (rule !== undefined) {
    parts.push(
      html`<div class="ev-rule"><span class="ev-label">NSG rule</span> <code>${rule.name}</code>${rule.priority !== undefined ? html` <span class="ev-prio">priority ${rule.priority}</span>` : ""}${rule.access !== undefined ? html` <span class="ev-access ev-${rule.access === "Allow" ? "allow" : "deny"}">${rule.access}</span>` : ""}${rule.isDefault ? html` <span class="ev-muted">default rule</span>` : ""}</div>`,
    );
    if (rule.description !== undefined)
      parts.push(
        html`<div class="ev-desc"><span class="ev-label">Rule description</span> <q>${rule.description}</q></div>`,
      );
  }
  if (typeof evidence.exampleUntrustedSource === "string") {
    parts.push(
      html`<div><span class="ev-label">Example untrusted source</span> <code>${evidence.exampleUntrustedSource}</code></div>`,
    );
  }
  const rest = Object.entries(evidence)
    .filter(
      ([key, value]) =>
        !SHOWN_SEPARATELY.has(key) &&
        value !== null &&
        value !== undefined &&
        !(Array.isArray(value) && value.length === 0),
    )
    .slice(0, 5)
    .map(([key, value]) => html`<div><span class="ev-label">${key}</span> ${plain(value)}</div>`);
  parts.push(...rest);
  return parts.length === 0 ? html`<span class="ev-muted">—</span>` : join(parts);
}

function plain(value: unknown): SafeHtml {
  if (typeof value === "string") return html`<span class="ev-value">${shortId(value)}</span>`;
  if (typeof value === "number" || typeof value === "boolean")
    return html`<span class="ev-value">${String(value)}</span>`;
  if (Array.isArray(value)) {
    const shown = value.slice(0, 3).map(compact);
    return html`<span class="ev-value">${shown.join(", ")}${value.length > 3 ? ` … +${value.length - 3}` : ""}</span>`;
  }
  const text = compact(value);
  return html`<span class="ev-value">${text.length > 160 ? `${text.slice(0, 160)}…` : text}</span>`;
}

/** An item as a reader scans it: strings (ARM ids shortened), objects as their values joined. */
function compact(value: unknown): string {
  if (typeof value === "string") return shortId(value);
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    return Object.values(value as Record<string, unknown>)
      .filter((v) => v !== null && v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0))
      .map((v) => (typeof v === "string" ? shortId(v) : typeof v === "object" ? JSON.stringify(v) : String(v)))
      .join(" · ");
  }
  return JSON.stringify(value);
}

/** ARM ids are long; their last segment names the thing. The full id stays in the tooltip-free CSV and API. */
function shortId(value: string): string {
  return value.startsWith("/subscriptions/") ? (value.split("/").filter(Boolean).at(-1) ?? value) : value;
}

function asRuleRef(value: unknown): RuleRef | undefined {
  if (typeof value !== "object" || value === null || typeof (value as { name?: unknown }).name !== "string")
    return undefined;
  const v = value as Record<string, unknown>;
  return {
    name: v.name as string,
    ...(typeof v.priority === "number" ? { priority: v.priority } : {}),
    ...(typeof v.access === "string" ? { access: v.access } : {}),
    ...(v.isDefault === true ? { isDefault: true } : {}),
    ...(typeof v.description === "string" && v.description !== "" ? { description: v.description } : {}),
  };
}
