// The platform default rules: model data, not network math. Azure adds them to every NSG and a snapshot may omit
// them, so the estate builder supplies them, the NSG evaluator checks for them, and the estate generator writes them
// into its rows; all three read this one list.
import type { RuleAccess, RuleDirection, SecurityRule } from "./estate";

function defaultRule(
  name: string,
  priority: number,
  direction: RuleDirection,
  access: RuleAccess,
  source: string,
  destination: string,
  description: string,
): SecurityRule {
  // Frozen because every NSG shares these objects; a caller that edited one would change every evaluation.
  const frozen = <T>(values: T[]): T[] => Object.freeze(values) as T[];
  return Object.freeze({
    name,
    priority,
    direction,
    access,
    protocol: "*",
    sourceAddressPrefixes: frozen([source]),
    destinationAddressPrefixes: frozen([destination]),
    sourcePortRanges: frozen(["*"]),
    destinationPortRanges: frozen(["*"]),
    sourceApplicationSecurityGroups: frozen<string>([]),
    destinationApplicationSecurityGroups: frozen<string>([]),
    description,
    isDefault: true,
    issues: frozen<string>([]),
  });
}

/** The six rules Azure adds to every NSG. They cannot be deleted, only overridden by lower-numbered rules. */
export const DEFAULT_SECURITY_RULES: readonly SecurityRule[] = [
  defaultRule(
    "AllowVnetInBound",
    65000,
    "Inbound",
    "Allow",
    "VirtualNetwork",
    "VirtualNetwork",
    "Allow inbound traffic from all VMs in VNET",
  ),
  defaultRule(
    "AllowAzureLoadBalancerInBound",
    65001,
    "Inbound",
    "Allow",
    "AzureLoadBalancer",
    "*",
    "Allow inbound traffic from azure load balancer",
  ),
  defaultRule("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*", "Deny all inbound traffic"),
  defaultRule(
    "AllowVnetOutBound",
    65000,
    "Outbound",
    "Allow",
    "VirtualNetwork",
    "VirtualNetwork",
    "Allow outbound traffic from all VMs to all VMs in VNET",
  ),
  defaultRule(
    "AllowInternetOutBound",
    65001,
    "Outbound",
    "Allow",
    "*",
    "Internet",
    "Allow outbound traffic from all VMs to Internet",
  ),
  defaultRule("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*", "Deny all outbound traffic"),
];
