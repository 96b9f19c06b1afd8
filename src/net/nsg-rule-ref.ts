// How evidence names an NSG rule: the rule's identity (name, priority, access, default or not, its own description)
// and its one-line text. Every verdict and note cites rules this way.

import type { SecurityRule } from "../model/estate";

export interface RuleRef {
  name: string;
  priority: number;
  access: "Allow" | "Deny";
  isDefault: boolean;
  /** The rule's own description, for custom rules that have one (the platform defaults' are boilerplate). */
  description?: string;
}

export function ruleRef(rule: SecurityRule): RuleRef {
  const ref: RuleRef = { name: rule.name, priority: rule.priority, access: rule.access, isDefault: rule.isDefault };
  // Evidence carries it so a reader sees why the rule exists ("legacy vendor access"); it is Azure data, never markup.
  if (!rule.isDefault && rule.description !== undefined && rule.description.trim() !== "")
    ref.description = rule.description;
  return ref;
}

/** `DenyAll3342 (priority 300, Deny)`; default rules say so: `DenyAllInBound (priority 65500, Deny, default rule)`. */
export function formatRuleRef(ref: RuleRef): string {
  return `${ref.name} (priority ${ref.priority}, ${ref.access}${ref.isDefault ? ", default rule" : ""})`;
}
