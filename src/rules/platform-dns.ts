// Whether an NSG blocks platform DNS for a subnet. Microsoft's NSG overview ("Azure platform considerations"): the
// host's virtual IP 168.63.129.16 serves DNS, and that traffic is not subject to NSG rules unless a rule targets it
// with the AzurePlatformDNS tag. So only the rules naming the tag can block it; first match by priority still holds.
import type { Estate, NetworkSecurityGroup, SecurityRule, Subnet, VirtualNetwork } from "../model/estate";
import { evaluateOutboundFlow, formatRuleRef, type OutboundFlowQuery } from "../net/nsg-evaluation";
import { networkQuery, virtualNetworkTag } from "./network-context";

// The evaluator knows the tag only as an atom without addresses, so the rules that name it are rewritten to the
// address, and the query asks about DNS (UDP and TCP 53) to that address.
const PLATFORM_DNS_TAG = "azureplatformdns";
const PLATFORM_DNS_ADDRESS = "168.63.129.16/32";

function namesPlatformDns(rule: SecurityRule): boolean {
  return rule.destinationAddressPrefixes.some((entry) => entry.trim().toLowerCase() === PLATFORM_DNS_TAG);
}

function withPlatformDnsAddress(rule: SecurityRule): SecurityRule {
  if (!namesPlatformDns(rule)) return rule;
  return {
    ...rule,
    destinationAddressPrefixes: rule.destinationAddressPrefixes.map((entry) =>
      entry.trim().toLowerCase() === PLATFORM_DNS_TAG ? PLATFORM_DNS_ADDRESS : entry,
    ),
  };
}

// What happens to platform DNS when no rule names its tag: it is not subject to the NSG, i.e. allowed. Placed after
// every custom priority (4096 at most) so the tag's own rules decide first and the platform defaults never do.
const OUTSIDE_THE_NSG: SecurityRule = {
  name: "platform DNS not subject to the NSG",
  priority: 4097,
  direction: "Outbound",
  access: "Allow",
  protocol: "*",
  sourceAddressPrefixes: ["*"],
  destinationAddressPrefixes: ["*"],
  sourcePortRanges: ["*"],
  destinationPortRanges: ["*"],
  sourceApplicationSecurityGroups: [],
  destinationApplicationSecurityGroups: [],
  isDefault: false,
  issues: [],
};

export type DnsOutcome =
  | { kind: "allowed" }
  | { kind: "uncertain"; why: string }
  | { kind: "blocked"; deny: string }
  | { kind: "shadowed"; deny: string; first: string };

/**
 * Blocked when the rules that name AzurePlatformDNS deny DNS from the MI subnet (first match by priority, so an Allow
 * of the tag at a higher priority wins) and the whole NSG denies it too. When a broader Allow (`*`, VirtualNetwork)
 * precedes the tag's Deny, the page does not say which applies: unknown, never a pass.
 */
function platformDnsOutcome(tagRules: SecurityRule[], allRules: SecurityRule[], query: OutboundFlowQuery): DnsOutcome {
  const byTag = evaluateOutboundFlow(tagRules, query);
  if (byTag.verdict === "allowed") return { kind: "allowed" };
  if (byTag.verdict === "uncertain")
    return { kind: "uncertain", why: byTag.notes.join("; ") || byTag.uncertainRules.map(formatRuleRef).join(", ") };
  const denying = byTag.segments.find((segment) => segment.verdict === "blocked")?.rule;
  const deny = denying === undefined ? "a rule that names the tag" : `rule ${formatRuleRef(denying)}`;
  const whole = evaluateOutboundFlow(allRules, query);
  if (whole.verdict === "blocked") return { kind: "blocked", deny };
  const first = whole.segments.find((segment) => segment.verdict !== "blocked")?.rule;
  return {
    kind: "shadowed",
    deny,
    first: first === undefined ? "a rule at a higher priority" : `rule ${formatRuleRef(first)}`,
  };
}

/**
 * The outcome for DNS (port 53) from the subnet to platform DNS, over UDP and over TCP, with the protocols that share
 * each outcome; empty when no outbound rule names the tag (nothing can block platform DNS then).
 */
export function platformDnsOutcomes(
  nsg: NetworkSecurityGroup,
  subnet: Subnet,
  vnet: VirtualNetwork,
  estate: Estate,
): { outcome: DnsOutcome; protocols: string[] }[] {
  const targeted = nsg.rules.filter((rule) => rule.direction === "Outbound" && namesPlatformDns(rule));
  if (targeted.length === 0) return [];
  const tagRules = [...targeted.map(withPlatformDnsAddress), OUTSIDE_THE_NSG];
  const allRules = nsg.rules.map(withPlatformDnsAddress);
  const outcomes = new Map<string, { outcome: DnsOutcome; protocols: string[] }>();
  for (const protocol of ["Udp", "Tcp"] as const) {
    const outcome = platformDnsOutcome(tagRules, allRules, {
      protocol,
      ports: "53",
      sourcePrefixes: subnet.addressPrefixes,
      destinationPrefixes: [PLATFORM_DNS_ADDRESS],
      ...networkQuery(virtualNetworkTag(vnet, estate, subnet), estate),
    });
    const key = JSON.stringify(outcome);
    const known = outcomes.get(key) ?? { outcome, protocols: [] };
    known.protocols.push(protocol.toUpperCase());
    outcomes.set(key, known);
  }
  return [...outcomes.values()].filter(({ outcome }) => outcome.kind !== "allowed");
}
