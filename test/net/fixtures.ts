// Small named building blocks for the network tests: one security rule with sensible defaults, and the
// estate shape most tests use (an MI subnet and an app subnet in peered VNets).

import type { SecurityRule } from "../../src/model/estate";
import { buildTrustPolicy } from "../../src/net/trust";

/** An inbound Allow of TCP from anywhere to anywhere on any port, overridden field by field. */
export function rule(overrides: Partial<SecurityRule> & { name: string; priority: number }): SecurityRule {
  return {
    direction: "Inbound",
    access: "Allow",
    protocol: "Tcp",
    sourceAddressPrefixes: ["*"],
    destinationAddressPrefixes: ["*"],
    sourcePortRanges: ["*"],
    destinationPortRanges: ["*"],
    sourceApplicationSecurityGroups: [],
    destinationApplicationSecurityGroups: [],
    isDefault: false,
    issues: [],
    ...overrides,
  };
}

export const MI_SUBNET = "10.1.0.0/24";
export const MI_VNET = "10.1.0.0/16";
export const APP_SUBNET = "10.2.0.0/24";
export const APP_VNET = "10.2.0.0/16";

/** Trusts 203.0.113.0/24 by configuration and owns 20.50.60.70 and 40.0.0.0/28. */
export const TRUST = buildTrustPolicy({
  configuredPrefixes: ["203.0.113.0/24"],
  ownedPublicPrefixes: ["20.50.60.70", "40.0.0.0/28"],
});
