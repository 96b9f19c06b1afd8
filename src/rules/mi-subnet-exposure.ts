// Who can reach an MI's subnet on given TCP ports, through the subnet's NSG: the one evaluation the rules on the
// public endpoint (3342, on or off) and on the redirect range (11000-11999) share, so they agree on NSG semantics
// (effective order, default rules, service tags, ASGs, source ports) and on the trust policy.
import type { DataIssue, Estate, NetworkSecurityGroup } from "../model/estate";
import { evaluateInboundExposure, formatRuleRef, type InboundExposure, type RuleRef } from "../net/nsg-evaluation";
import { parsePortList, PortSet } from "../net/port-set";
import type { TrustPolicy } from "../net/trust";
import type { Evidence } from "./rule";
import {
  type MiPlacement,
  describeIssues,
  issuesAt,
  networkQuery,
  nsgIssues,
  placeManagedInstance,
  subnetNsg,
  tagEvidence,
  virtualNetworkTag,
} from "./network-context";
import type { ManagedInstance } from "../model/estate";

/** An MI's subnet with a readable NSG: what the exposure question is asked of. */
export type MiSubnetTarget = MiPlacement & { nsg: NetworkSecurityGroup };

/** What stands between an MI and the exposure question: its subnet, VNet and NSG, or why they cannot be used. */
export type MiSubnetNsg =
  | ({ kind: "nsg" } & MiSubnetTarget)
  | ({ kind: "noNsg" } & MiPlacement)
  /** Placement or NSG not in the estate; `evidence` says which (subnet id when known, dataQuality). */
  | { kind: "problem"; problem: string; evidence: Evidence }
  /** The NSG is there, but some rule is too malformed to evaluate at all. */
  | { kind: "malformed"; nsg: NetworkSecurityGroup; issues: DataIssue[] };

export function miSubnetNsg(mi: ManagedInstance, estate: Estate): MiSubnetNsg {
  const placement = placeManagedInstance(mi, estate);
  if ("problem" in placement)
    return { kind: "problem", problem: placement.problem, evidence: { dataQuality: [placement.problem] } };
  const nsg = subnetNsg(placement.subnet, estate);
  if (nsg === "none") return { kind: "noNsg", ...placement };
  if ("problem" in nsg)
    return {
      kind: "problem",
      problem: nsg.problem,
      evidence: { subnet: placement.subnet.id, dataQuality: [nsg.problem] },
    };
  const broken = nsgIssues(nsg);
  if (broken.length > 0) return { kind: "malformed", nsg, issues: broken };
  return { kind: "nsg", ...placement, nsg };
}

/**
 * Inbound TCP exposure of the subnet on `ports`, with the evidence every such verdict carries: subnet, NSG, then
 * `portEvidence` (how the rule names its ports), the deciding or admitting rule, an example untrusted source, the
 * untrusted space allowed, the rules that made it uncertain, and what the VirtualNetwork tag could not resolve.
 */
export function subnetInboundExposure(
  { subnet, vnet, nsg }: MiSubnetTarget,
  estate: Estate,
  trust: TrustPolicy,
  ports: string,
  portEvidence: Evidence,
): { exposure: InboundExposure; evidence: Evidence } {
  const tag = virtualNetworkTag(vnet, estate, subnet);
  const exposure = evaluateInboundExposure(
    nsg.rules,
    { protocol: "Tcp", ports, protectedPrefixes: subnet.addressPrefixes, ...networkQuery(tag, estate) },
    trust,
  );
  const evidence: Evidence = {
    subnet: subnet.id,
    nsg: nsg.id,
    ...portEvidence,
    decidingRule: exposure.example?.rule ?? exposure.decidingRule,
    exampleUntrustedSource: exposure.example?.source,
    ...(exposure.example?.sourcePorts === undefined ? {} : { exampleSourcePorts: exposure.example.sourcePorts }),
    untrustedSourcesAllowed: exposure.untrustedAllowed,
    uncertainRules: exposure.uncertainRules,
    notes: exposure.notes,
    ...tagEvidence(tag),
  };
  return { exposure, evidence };
}

/** One stretch of the queried ports that untrusted sources certainly (`exposed`) or possibly (`uncertain`) reach. */
export interface AdmittedPorts {
  ports: string;
  verdict: "exposed" | "uncertain";
  /** The Allow rule that lets the example source in (for `uncertain`, the one that may). */
  rule?: RuleRef;
  exampleSource?: string;
  untrustedSources: string[];
}

// Enough for any real NSG (Azure caps an NSG at 1000 rules, most hold a few dozen): past it the breakdown is left out
// and the verdict, computed over the whole range, stands on its own.
const MAX_PIECES = 400;

/**
 * Which parts of `from`-`to` admit untrusted sources, and through which rule. The range is cut wherever an inbound
 * rule's destination ports start or end, so within a piece every rule matches all ports or none, and each piece is
 * evaluated on its own; adjacent pieces with the same outcome and rule are merged. Undefined when there are too many.
 */
export function admittedPortRanges(
  target: MiSubnetTarget,
  estate: Estate,
  trust: TrustPolicy,
  from: number,
  to: number,
): AdmittedPorts[] | undefined {
  const pieces = cutAtRuleBoundaries(target.nsg, from, to);
  if (pieces.length > MAX_PIECES) return undefined;
  const stretches: (Omit<AdmittedPorts, "ports"> & { from: number; to: number })[] = [];
  for (const piece of pieces) {
    const { exposure } = subnetInboundExposure(target, estate, trust, `${piece.from}-${piece.to}`, {});
    if (exposure.verdict === "notExposed") continue;
    const rule = exposure.example?.rule ?? exposure.uncertainRules[0];
    const last = stretches[stretches.length - 1];
    if (last?.verdict === exposure.verdict && sameRule(last.rule, rule) && last.to + 1 === piece.from) {
      last.to = piece.to;
      continue;
    }
    stretches.push({
      from: piece.from,
      to: piece.to,
      verdict: exposure.verdict,
      ...(rule === undefined ? {} : { rule }),
      ...(exposure.example === undefined ? {} : { exampleSource: exposure.example.source }),
      untrustedSources: exposure.untrustedAllowed,
    });
  }
  return stretches.map(({ from: start, to: end, ...rest }) => ({
    ports: start === end ? String(start) : `${start}-${end}`,
    ...rest,
  }));
}

/** `11000-11499 via AllowVendor (priority 200, Allow)`, joined: what a message names of an admitted breakdown. */
export function formatAdmitted(admitted: readonly AdmittedPorts[]): string {
  return admitted
    .map((piece) => `${piece.ports}${piece.rule === undefined ? "" : ` via ${formatRuleRef(piece.rule)}`}`)
    .join("; ");
}

function sameRule(a: RuleRef | undefined, b: RuleRef | undefined): boolean {
  return a?.name === b?.name && a?.priority === b?.priority;
}

function cutAtRuleBoundaries(nsg: NetworkSecurityGroup, from: number, to: number): { from: number; to: number }[] {
  const cuts = new Set<number>();
  for (const rule of nsg.rules) {
    if (rule.direction !== "Inbound") continue;
    for (const range of parsePortList(rule.destinationPortRanges).ports.intersect(PortSet.range(from, to)).ranges()) {
      cuts.add(range.from);
      cuts.add(range.to + 1);
    }
  }
  const sorted = [...cuts].filter((cut) => cut > from && cut <= to).sort((a, b) => a - b);
  const pieces: { from: number; to: number }[] = [];
  let start = from;
  for (const cut of sorted) {
    pieces.push({ from: start, to: cut - 1 });
    start = cut;
  }
  pieces.push({ from: start, to });
  return pieces;
}

/** The MI's public-endpoint flag as a verdict can use it, or why it is unknown (missing or unreadable). */
export function publicEndpointFlag(
  mi: ManagedInstance,
): { enabled: boolean } | { problem: string; dataQuality: DataIssue[] | string[] } {
  const flagIssues = issuesAt(mi, "properties.publicDataEndpointEnabled");
  if (flagIssues.length > 0) return { problem: describeIssues(flagIssues), dataQuality: flagIssues };
  if (mi.publicDataEndpointEnabled === undefined)
    return {
      problem: "publicDataEndpointEnabled is missing",
      dataQuality: ["properties.publicDataEndpointEnabled is missing"],
    };
  return { enabled: mi.publicDataEndpointEnabled };
}
