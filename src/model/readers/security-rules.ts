// Network security groups and their security rules. Most rules have every field of the type Azure gives it and take
// the quick path (readCleanRule); the rest are read field by field, each problem recorded (readCarefulRule).
import type { DataIssue, NetworkSecurityGroup, ResourceBase, SecurityRule } from "../estate";
import { DEFAULT_SECURITY_RULES } from "../default-security-rules";
import type { EntryChecks, RuleListField } from "../entry-checks";
import { FieldReader, conversionsOf, convertInto, describe, isRecord, type Json } from "../field-reader";
import { NO_VALUES, exactOrEmpty, type SharedValues } from "../interning";
import { complete, type ReadContext } from "./resource-base";

export function readNsg(base: ResourceBase, props: FieldReader, ctx: ReadContext): NetworkSecurityGroup {
  const custom = readRules(props, "securityRules", false, base.issues, ctx) ?? [];
  const defaults = readRules(props, "defaultSecurityRules", true, base.issues, ctx);
  const idList = (field: string): string[] =>
    (props.array(field) ?? []).flatMap((entry, index) => {
      const id = new FieldReader({ entry }, `properties.${field}[${index}]`, base.issues).refId("entry");
      return id === undefined ? [] : [ctx.shared.key(id)];
    });
  return complete<NetworkSecurityGroup>(base, {
    kind: "networkSecurityGroup",
    rules: [...custom, ...(defaults ?? DEFAULT_SECURITY_RULES)],
    defaultsAssumed: defaults === undefined,
    subnetKeys: idList("subnets"),
    networkInterfaceKeys: idList("networkInterfaces"),
  });
}

function readRules(
  props: FieldReader,
  field: string,
  isDefault: boolean,
  issues: DataIssue[],
  ctx: ReadContext,
): SecurityRule[] | undefined {
  const raw = props.array(field);
  if (raw === undefined) return undefined;
  const rules: SecurityRule[] = [];
  raw.forEach((entry, index) => {
    const path = `properties.${field}[${index}]`;
    if (!isRecord(entry)) {
      issues.push({ field: path, problem: `expected a security rule object, found ${describe(entry)}` });
      return;
    }
    const rule =
      readCleanRule(entry, isDefault, ctx.shared) ??
      readCarefulRule(entry, path, `${field}[${index}]`, isDefault, issues, ctx.shared);
    if (rule === undefined) return;
    rules.push(rule);
    if (ctx.checks !== undefined) noteMalformedEntries(rule, entry, path, issues, ctx.checks);
  });
  return rules;
}

/**
 * A rule read field by field, each problem recorded; undefined (with an issue of the NSG) when the rule cannot be
 * placed in the evaluation order at all. `fallbackName` names a rule that has no name.
 */
function readCarefulRule(
  entry: Record<string, Json>,
  path: string,
  fallbackName: string,
  isDefault: boolean,
  issues: DataIssue[],
  shared: SharedValues,
): SecurityRule | undefined {
  const ruleIssues: DataIssue[] = [];
  // A rule's conversions (a priority of "100") are warnings of the NSG's row, like its other fields'.
  const rowWarnings = conversionsOf(issues);
  if (rowWarnings !== undefined) convertInto(ruleIssues, rowWarnings);
  const reader = new FieldReader(entry, path, ruleIssues);
  // Resource Graph nests rule fields under `properties`; some exports flatten them. Accept both.
  const inner = isRecord(entry["properties"]) ? reader.child("properties") : reader;
  const name = reader.string("name") ?? inner.string("name") ?? fallbackName;
  const priority = inner.number("priority");
  const direction = normaliseChoice(inner.string("direction"), ["Inbound", "Outbound"]);
  const access = normaliseChoice(inner.string("access"), ["Allow", "Deny"]);
  if (priority === undefined || direction === undefined || access === undefined) {
    // Without priority, direction and access the rule cannot be placed in the evaluation order at all,
    // so the whole NSG is uncertain rather than just this rule.
    const missing = [
      priority === undefined ? "priority" : "",
      direction === undefined ? "direction" : "",
      access === undefined ? "access" : "",
    ]
      .filter((s) => s !== "")
      .join(", ");
    issues.push({ field: path, problem: `security rule ${name} has no valid ${missing}` }, ...ruleIssues);
    return undefined;
  }
  // Copied to exact size: arrays grown by push() keep room for 17 entries, which across every field of every rule
  // was a large share of the estate's memory. Empty lists are one shared frozen array, as the platform default
  // rules' empty lists already are.
  const merged = (singular: string, plural: string): string[] => {
    // ARM sends ports as text; a port written as a number converts without doubt (see field-reader.ts).
    const values = inner.strings(plural, { numbers: plural.endsWith("PortRanges") ? "convert" : "reject" }) ?? [];
    const one = inner.string(singular);
    return one !== undefined && one !== "" && !values.includes(one) ? values.concat(one) : exactOrEmpty(values);
  };
  const asgs = (fieldName: string): string[] =>
    exactOrEmpty(
      (inner.array(fieldName) ?? []).flatMap((asg, asgIndex) => {
        const id = new FieldReader({ asg }, `${path}.properties.${fieldName}[${asgIndex}]`, ruleIssues).refId("asg");
        return id === undefined ? [] : [shared.key(id)];
      }),
    );
  const description = inner.string("description");
  const rule: SecurityRule = {
    name: shared.text(name),
    priority,
    direction,
    access,
    protocol: shared.text(inner.string("protocol") ?? ""),
    sourceAddressPrefixes: merged("sourceAddressPrefix", "sourceAddressPrefixes"),
    destinationAddressPrefixes: merged("destinationAddressPrefix", "destinationAddressPrefixes"),
    sourcePortRanges: merged("sourcePortRange", "sourcePortRanges"),
    destinationPortRanges: merged("destinationPortRange", "destinationPortRanges"),
    sourceApplicationSecurityGroups: asgs("sourceApplicationSecurityGroups"),
    destinationApplicationSecurityGroups: asgs("destinationApplicationSecurityGroups"),
    description: description === undefined ? undefined : shared.text(description),
    isDefault,
    issues: exactOrEmpty(ruleIssues.map((issue) => `${issue.field}: ${issue.problem}`)),
  };
  const kept = shared.rule(rule);
  // The rule's own problems make it uncertain through rule.issues; they are warnings of the row as well, so they
  // reach stderr and run.dataQuality like every other malformed value.
  const sink = rowWarnings ?? issues;
  for (const issue of ruleIssues) sink.push(issue);
  return kept;
}

function normaliseChoice<T extends string>(value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  return choices.find((choice) => choice.toLowerCase() === value.trim().toLowerCase());
}

const SINGULAR_FIELD: Record<RuleListField, string> = {
  sourceAddressPrefixes: "sourceAddressPrefix",
  destinationAddressPrefixes: "destinationAddressPrefix",
  sourcePortRanges: "sourcePortRange",
  destinationPortRanges: "destinationPortRange",
};

/**
 * Warns about the rule's port and address entries that cannot be parsed (`33a42`, `10.0.0.300/24`), naming the field
 * as the row spells it. A warning, not an issue: the evaluator reads the rest of the rule and treats the bad entry as
 * possibly matching anything, so only the verdicts it could change become unknown. Without a row warning list (a
 * caller that registered none) the problem is recorded as an issue instead, which makes the NSG's verdicts unknown.
 */
function noteMalformedEntries(
  rule: SecurityRule,
  entry: Record<string, Json>,
  path: string,
  issues: DataIssue[],
  checks: EntryChecks,
): void {
  const malformed = checks.malformedRuleEntries(rule);
  if (malformed.length === 0) return;
  const nested = isRecord(entry["properties"]);
  const inner = nested ? (entry["properties"] as Record<string, Json>) : entry;
  const sink = conversionsOf(issues) ?? issues;
  for (const { list, entry: value, problem } of malformed) {
    const singular = SINGULAR_FIELD[list];
    const plural = inner[list];
    const index =
      value === undefined || !Array.isArray(plural) ? -1 : plural.findIndex((item) => String(item) === value);
    const field =
      value !== undefined && inner[singular] !== undefined && String(inner[singular]) === value
        ? singular
        : index >= 0
          ? `${list}[${index}]`
          : value === undefined
            ? `${singular}(s)`
            : list;
    sink.push({
      field: `${path}.${nested ? "properties." : ""}${field}`,
      problem: `${problem} (rule ${rule.name}; verdicts it could change are unknown)`,
    });
  }
}

/**
 * The common case of readCarefulRule without its readers: a rule whose every field has the type Azure gives it.
 * Anything else (a missing priority, a number where text belongs, ASGs, a null) returns undefined, and readCarefulRule
 * reads the rule field by field, recording each problem. The result is the same rule the careful path would build; this path only
 * skips the FieldReaders and path texts, a fifth of reading a 1M-row estate (16 rules per NSG).
 */
function readCleanRule(
  entry: Record<string, Json>,
  isDefault: boolean,
  shared: SharedValues,
): SecurityRule | undefined {
  const nested = entry["properties"];
  const inner = isRecord(nested) ? nested : entry;
  const top = entry["name"];
  if (top !== undefined && top !== null && typeof top !== "string") return undefined;
  const name = typeof top === "string" ? top : inner["name"];
  const priority = inner["priority"];
  const direction = inner["direction"];
  const access = inner["access"];
  const protocol = inner["protocol"];
  const description = inner["description"];
  if (
    typeof name !== "string" ||
    typeof priority !== "number" ||
    !Number.isFinite(priority) ||
    typeof protocol !== "string"
  )
    return undefined;
  if ((direction !== "Inbound" && direction !== "Outbound") || (access !== "Allow" && access !== "Deny"))
    return undefined;
  if (description !== undefined && description !== null && typeof description !== "string") return undefined;
  if (
    !absentOrEmptyList(inner["sourceApplicationSecurityGroups"]) ||
    !absentOrEmptyList(inner["destinationApplicationSecurityGroups"])
  )
    return undefined;
  const sourceAddressPrefixes = cleanMerged(inner["sourceAddressPrefix"], inner["sourceAddressPrefixes"]);
  const destinationAddressPrefixes = cleanMerged(
    inner["destinationAddressPrefix"],
    inner["destinationAddressPrefixes"],
  );
  const sourcePortRanges = cleanMerged(inner["sourcePortRange"], inner["sourcePortRanges"]);
  const destinationPortRanges = cleanMerged(inner["destinationPortRange"], inner["destinationPortRanges"]);
  if (
    sourceAddressPrefixes === undefined ||
    destinationAddressPrefixes === undefined ||
    sourcePortRanges === undefined ||
    destinationPortRanges === undefined
  )
    return undefined;
  return shared.rule({
    name: shared.text(name),
    priority,
    direction,
    access,
    protocol: shared.text(protocol),
    sourceAddressPrefixes,
    destinationAddressPrefixes,
    sourcePortRanges,
    destinationPortRanges,
    sourceApplicationSecurityGroups: NO_VALUES,
    destinationApplicationSecurityGroups: NO_VALUES,
    description: typeof description === "string" ? shared.text(description) : undefined,
    isDefault,
    issues: NO_VALUES,
  });
}

function absentOrEmptyList(value: Json): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

/** readCarefulRule's `merged` for clean values: the plural list plus the singular when it adds one; undefined when unclean. */
function cleanMerged(singular: Json, plural: Json): string[] | undefined {
  let values: string[];
  if (plural === undefined || plural === null) values = NO_VALUES;
  else if (Array.isArray(plural) && plural.every((value) => typeof value === "string")) values = plural;
  else return undefined;
  if (singular === undefined || singular === null || singular === "") return values;
  if (typeof singular !== "string") return undefined;
  return values.includes(singular) ? values : values.concat(singular);
}
