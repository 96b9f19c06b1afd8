// Which sources count as "ours". Exposure is only a finding when an untrusted source can reach the instance,
// so this policy draws that line once: the VNet, the Azure load balancer probe, private address space, the
// prefixes the operator configured and the public addresses the estate owns. Every other service tag is
// shared by all Azure customers (an Allow from `Sql` or `AzureCloud` admits anyone's VM), so tags are never trusted.

import {
  AZURE_LOAD_BALANCER,
  AddressSet,
  EVERYTHING,
  PRIVATE_RANGES,
  type ParsedPrefix,
  type SetDifference,
  parsePrefix,
} from "./address-set";

/** Broadest prefix accepted as trusted. Wider than this is almost certainly a mistake that would hide exposure. */
const BROADEST_TRUSTED_LENGTH = { ipv4: 8, ipv6: 32 } as const;

export interface TrustPolicy {
  /** Trusted addresses that do not depend on the NSG being evaluated (VirtualNetwork is added per query). */
  trusted: AddressSet;
  configuredPrefixes: string[];
  ownedPublicPrefixes: string[];
  /** Owned prefixes that were ignored (malformed or too broad); they count as untrusted. */
  problems: string[];
}

export type TrustedPrefixCheck = { ok: true; prefix: ParsedPrefix } | { ok: false; message: string };

/** Parses and checks one trusted prefix: well-formed and no broader than /8 (IPv4) or /32 (IPv6). */
export function checkTrustedPrefix(text: string): TrustedPrefixCheck {
  const parsed = parsePrefix(text);
  if (!parsed.ok) return { ok: false, message: `Trusted prefix ${parsed.reason}` };
  const { family, length } = parsed.prefix;
  const broadest = BROADEST_TRUSTED_LENGTH[family];
  if (length < broadest) {
    return {
      ok: false,
      message: `Trusted prefix '${text}' is /${length}, broader than the /${broadest} allowed for ${family === "ipv4" ? "IPv4" : "IPv6"}`,
    };
  }
  return { ok: true, prefix: parsed.prefix };
}

/** For configuration: undefined when `text` is an acceptable trusted prefix, else a message naming it. */
export function validateTrustedPrefix(text: string): string | undefined {
  const check = checkTrustedPrefix(text);
  return check.ok ? undefined : check.message;
}

/**
 * Builds the policy. Configured prefixes must already have passed validateTrustedPrefix (configuration does
 * that with a message naming the setting), so a bad one here is a programming error and throws. Owned
 * prefixes come from estate data and are checked the same way, but a bad one is only recorded in `problems`:
 * leaving it untrusted can only add findings.
 */
export function buildTrustPolicy(input: { configuredPrefixes: string[]; ownedPublicPrefixes: string[] }): TrustPolicy {
  // Collected and merged once: adding thousands of owned addresses one union at a time was quadratic.
  const parts: AddressSet[] = [PRIVATE_RANGES, AZURE_LOAD_BALANCER];
  for (const text of input.configuredPrefixes) {
    const check = checkTrustedPrefix(text);
    if (!check.ok) throw new Error(check.message);
    parts.push(check.prefix.set);
  }
  const problems: string[] = [];
  for (const text of input.ownedPublicPrefixes) {
    const check = checkTrustedPrefix(text);
    if (check.ok) parts.push(check.prefix.set);
    else problems.push(`Owned public address ignored: ${check.message.replace(/^Trusted prefix /, "")}`);
  }
  const trusted = AddressSet.unionAll(parts);
  return {
    trusted,
    configuredPrefixes: [...input.configuredPrefixes],
    ownedPublicPrefixes: [...input.ownedPublicPrefixes],
    problems,
  };
}

/** Trusted sources for one evaluation: the policy plus whatever the VirtualNetwork tag means there. */
export function trustedSources(policy: TrustPolicy, virtualNetwork: AddressSet): AddressSet {
  return policy.trusted.union(virtualNetwork);
}

/**
 * Untrusted sources for one evaluation, `everything − (policy ∪ VirtualNetwork)`, without building that set:
 * it has a hole per owned address, so queries go through a SetDifference over the policy's trusted runs
 * (indexed once per policy) and cost what the rule sets they are intersected with cost, whatever the estate owns.
 */
export function untrustedSources(policy: TrustPolicy, virtualNetwork: AddressSet): SetDifference {
  return EVERYTHING.subtract(virtualNetwork).minusIndexed(policy.trusted);
}
