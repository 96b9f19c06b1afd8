// Baselines: named sets of rules. A run evaluates one baseline; the catalog (RULES) is the union and holds the order
// reports list rules in, so a baseline only says which rules it has, never in what order they are reported.
import type { AnyRule } from "./rule";
import { RULES } from "./catalog";

/** The baselines' ids, in the order they are listed. */
export const BASELINE_IDS = ["seed-2019", "current"] as const;

export type BaselineId = (typeof BASELINE_IDS)[number];

export interface Baseline {
  id: BaselineId;
  title: string;
  /** One paragraph: what the baseline enforces and when to choose it. */
  description: string;
  /** Rule ids, in report (catalog) order. */
  ruleIds: readonly string[];
}

/** The rules of the seed articles (2018-2019), with their ids and verdicts as they were before baselines existed. */
const SEED_2019_RULE_IDS = [
  "mi.public-endpoint.untrusted-source",
  "mi.subnet.nsg-missing",
  "mi.tls.minimum-version",
  "mi.auth.entra-only",
  "mi.vnet.dedicated",
  "mi.peering.same-region",
  "mi.peering.connected",
  "mi.peering.app-gateway-transit",
  "nsg.sql-inbound-internet",
  "nsg.app-subnet.sql-outbound",
  "app.managed-identity",
  "ase.dedicated-subnet",
  "expressroute.microsoft-peering",
] as const;

/** Seed rules whose point Microsoft has since reversed: `current` replaces them (issue 13). */
const REVERSED_SEED_RULE_IDS: ReadonlySet<string> = new Set([
  "expressroute.microsoft-peering",
  "mi.peering.same-region",
]);

/** The rules of today's guidance that the seeds do not have (the two revised rules and the newer points). */
const CURRENT_ONLY_RULE_IDS = [
  "mi.expressroute.microsoft-peering-unsupported",
  "mi.peering.global-legacy-subnet",
  "mi.public-endpoint.enabled",
  "mi.public-endpoint.stale-nsg-opening",
  "mi.subnet.redirect-inbound-untrusted",
  "mi.network.unsupported-configuration",
  "mi.private-endpoint.connections",
  "mi.vnet.flow-logs",
] as const;

const CURRENT_RULE_IDS: readonly string[] = [
  ...SEED_2019_RULE_IDS.filter((id) => !REVERSED_SEED_RULE_IDS.has(id)),
  ...CURRENT_ONLY_RULE_IDS,
];

export const BASELINES: readonly Baseline[] = [
  {
    id: "seed-2019",
    title: "Seed articles (2018-2019)",
    description:
      "The rules exactly as the 2018-2019 seed articles state them, with the ids and verdicts audits gave before " +
      "baselines existed. Choose it to compare with those audits, or when a policy still cites the seed articles; " +
      "two of its points (Microsoft peering on the MI's ExpressRoute circuit, same-region peering only) have since " +
      "been reversed by Microsoft.",
    ruleIds: SEED_2019_RULE_IDS,
  },
  {
    id: "current",
    title: "Today's guidance",
    description:
      "The default: today's Microsoft guidance for managed instance networking. It keeps the seed rules that still " +
      "hold and replaces the two whose point Microsoft has reversed with rules that check what the current pages say.",
    ruleIds: CURRENT_RULE_IDS,
  },
];

export const DEFAULT_BASELINE: BaselineId = "current";

export function isBaselineId(value: string): value is BaselineId {
  return (BASELINE_IDS as readonly string[]).includes(value);
}

export function baselineOf(id: BaselineId): Baseline {
  const baseline = BASELINES.find((candidate) => candidate.id === id);
  if (baseline === undefined)
    throw new Error(`unknown baseline "${String(id)}" (baselines: ${BASELINE_IDS.join(", ")})`);
  return baseline;
}

const rulesByBaseline = new Map<BaselineId, readonly AnyRule[]>();

/** The baseline's rules, in catalog order. Throws on an unknown id, or on a baseline naming a rule the catalog lacks. */
export function rulesOfBaseline(id: BaselineId): readonly AnyRule[] {
  const cached = rulesByBaseline.get(id);
  if (cached !== undefined) return cached;
  const ids = new Set(baselineOf(id).ruleIds);
  const missing = [...ids].filter((ruleId) => !RULES.some((rule) => rule.id === ruleId));
  if (missing.length > 0) throw new Error(`baseline "${id}" names rules the catalog lacks: ${missing.join(", ")}`);
  const rules = RULES.filter((rule) => ids.has(rule.id));
  rulesByBaseline.set(id, rules);
  return rules;
}

/** The baselines a rule belongs to, in BASELINES order (empty for an id no baseline names). */
export function baselinesOfRule(ruleId: string): BaselineId[] {
  return BASELINES.filter((baseline) => baseline.ruleIds.includes(ruleId)).map((baseline) => baseline.id);
}
