// mi.tls.minimum-version: the MI must refuse TLS below 1.2.
import type { Rule } from "../rule";
import { result } from "../rule";
import type { BaselineId } from "../baselines";
import { describeIssues, issuesAt } from "../network-context";
import { SEED_PUBLIC_ENDPOINT } from "../seed-passages";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

const PASSING = new Set(["1.2", "1.3"]);
const FAILING = new Set(["none", "1.0", "1.1"]);

/** `1.2`, `TLS1_2`, `tls 1.2` → `1.2`; other text is returned folded so it can be reported. */
function normaliseTls(value: string): string {
  const folded = value
    .trim()
    .toLowerCase()
    .replace(/^tls\s*v?/, "")
    .replace("_", ".");
  return folded === "" ? "none" : folded;
}

/**
 * The fail message. The verdict is the same in both baselines; only the wording differs. `seed-2019` keeps the seeds'
 * wording (no minimum accepts TLS 1.0 and 1.1); `current` says what today's page does: 1.0 and 1.1 were retired on
 * 31 August 2025, and the risk of having no minimum is that clients may connect without encryption.
 */
function failMessage(name: string, version: string, how: "set" | "unset", baseline: BaselineId): string {
  if (baseline === "seed-2019") {
    if (how === "unset") return `${name} has no minimal TLS version, so TLS 1.0 and 1.1 are accepted.`;
    return `${name} accepts TLS ${version === "none" ? "of any version" : `${version} and above`}; require 1.2.`;
  }
  if (version === "none")
    return `${name} has no minimal TLS version (${how === "unset" ? "none set" : "None"}), so clients may connect without encryption; require TLS 1.2 or higher.`;
  return `${name} still names TLS ${version} as its minimum, a version retired on 31 August 2025; require TLS 1.2 or higher.`;
}

export const miTlsMinimumVersion: Rule<"managedInstance"> = {
  id: "mi.tls.minimum-version",
  title: "MI accepts TLS versions below 1.2",
  severity: "high",
  appliesTo: "managedInstance",
  synopsis: "The managed instance's minimalTlsVersion must be 1.2 or higher.",
  rationale:
    "The guidance relies on encryption of data in motion, and that protection is only as strong as the weakest protocol the instance accepts. " +
    "TLS 1.0 and 1.1 are outdated and were retired for Azure SQL on 31 August 2025. " +
    "An instance with no minimum (`None`, the default) sets no floor at all: under the seeds that meant it accepted TLS 1.0 and 1.1; today the risk is that clients may connect without encryption.",
  source: {
    seed: "001_262ff08c551d4caa.txt",
    article: SEED_PUBLIC_ENDPOINT,
    quote: "Managed instance data traffic is always encrypted if the client driver supports encryption.",
  },
  guidance: [
    {
      page: GUIDANCE_PAGES.minimalTlsVersion,
      summary:
        "Revision: support for TLS 1.0 and 1.1 ended on 31 August 2025, and since November 2024 the minimum can no longer be set below 1.2. What remains weak is having no minimum at all (None, the default), which earlier revisions of the page reserved for applications that connect without encryption; the page asks for 1.2 or higher.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Set the instance's minimal TLS version to 1.2 (`az sql mi update --minimal-tls-version 1.2`) after checking that clients support it.",
  references: ["https://learn.microsoft.com/azure/azure-sql/managed-instance/minimal-tls-version-configure"],
  controls: [{ mcsb: "DP-3", relation: "related" }],
  verdictDependsOn: [],
  applicabilityDependsOn: [],
  evaluate(mi, _estate, context) {
    const issues = issuesAt(mi, "properties.minimalTlsVersion");
    if (issues.length > 0)
      return [
        result(mi, "unknown", `The minimal TLS version of ${mi.name} is unreadable: ${describeIssues(issues)}.`, {
          dataQuality: issues,
        }),
      ];
    if (mi.minimalTlsVersion === undefined)
      return [result(mi, "fail", failMessage(mi.name, "none", "unset", context.baseline), { minimalTlsVersion: null })];
    const version = normaliseTls(mi.minimalTlsVersion);
    if (PASSING.has(version))
      return [
        result(mi, "pass", `${mi.name} requires TLS ${version} or higher.`, {
          minimalTlsVersion: mi.minimalTlsVersion,
        }),
      ];
    if (FAILING.has(version))
      return [
        result(mi, "fail", failMessage(mi.name, version, "set", context.baseline), {
          minimalTlsVersion: mi.minimalTlsVersion,
        }),
      ];
    return [
      result(
        mi,
        "unknown",
        `${mi.name} reports an unrecognised minimal TLS version ${JSON.stringify(mi.minimalTlsVersion)}.`,
        { minimalTlsVersion: mi.minimalTlsVersion, dataQuality: ["unrecognised minimalTlsVersion"] },
      ),
    ];
  },
};
