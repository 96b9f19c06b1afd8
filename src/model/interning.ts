// Memory interning for the estate builder: values that many rows repeat (folded ARM ids, short texts, security rules
// and their value lists, tag sets) are kept once, and the lookup tables are dropped once the estate is built.
import { armKey } from "./arm-id";
import { DEFAULT_SECURITY_RULES } from "./default-security-rules";
import type { SecurityRule } from "./estate";

/** The one shared empty list: exact-size lists use it for every empty value list (see exactOrEmpty). */
export const NO_VALUES: string[] = Object.freeze<string[]>([]) as string[];
const NO_TAGS: Record<string, string> = Object.freeze({});

/** A list at its exact size (push() leaves room for up to 17 entries), or the one shared empty list. */
export function exactOrEmpty(values: string[]): string[] {
  return values.length === 0 ? NO_VALUES : values.slice();
}

/**
 * Values that many rows repeat, kept once. Measured with the engine benchmark, these copies were a large share of the
 * estate's memory: every NIC held its own copy of its subnet's key (and each subnet one of every NIC's key), and every
 * NSG a fresh copy of each of the six platform default rules.
 * - Keys: one string per distinct folded ARM id, whichever row mentions it first; short repeated texts likewise.
 * - Default rules: the frozen DEFAULT_SECURITY_RULES objects themselves when a row spells one exactly, as the builder
 *   already uses them (shared, frozen) for rows without `defaultSecurityRules`.
 */
export class SharedValues {
  /** Texts longer than this are rarely repeated (and a row's own ids are keys, not texts). */
  private static readonly TEXT_MAX_LENGTH = 160;
  private static readonly TEXTS_MAX = 1_000_000;
  private keys = new Map<string, string>();
  private texts = new Map<string, string>();
  private readonly defaults = new Map(DEFAULT_SECURITY_RULES.map((rule) => [rule.name, rule]));
  private rules = new Map<number, SecurityRule[]>();
  private lists = new Map<string, string[]>();
  private singles = new Map<string, string[]>();
  /** Interned list → a number naming it in rule identities. */
  private listIds = new Map<readonly string[], number>([[NO_VALUES, 0]]);
  private tagSets = new Map<string, Record<string, string>>();

  /** The folded ARM id (see arm-id.ts), as the one shared string. */
  key(id: string): string {
    return this.intern(armKey(id));
  }

  intern<K extends string | undefined>(key: K): K {
    if (key === undefined) return key;
    const known = this.keys.get(key);
    if (known !== undefined) return known as K;
    this.keys.set(key, key);
    return key;
  }

  /**
   * Short texts that repeat across rows (subscription, resource group, location, tag values, rule names, protocols and
   * descriptions), as one string each. JSON.parse gives every row its own copies.
   */
  text(value: string): string {
    if (value.length > SharedValues.TEXT_MAX_LENGTH) return value;
    const known = this.texts.get(value);
    if (known !== undefined) return known;
    if (this.texts.size < SharedValues.TEXTS_MAX) this.texts.set(value, value);
    return value;
  }

  /** The resources hold every key and text now; the lookup tables themselves are not needed after build(). */
  forget(): void {
    this.keys = new Map();
    this.texts = new Map();
    this.rules = new Map();
    this.lists = new Map();
    this.singles = new Map();
    this.listIds = new Map([[NO_VALUES, 0]]);
    this.tagSets = new Map();
  }

  /**
   * One frozen object per distinct security rule. NSGs deployed from the same template or policy repeat the same rules
   * (in the generated 1M-row estate, 4 custom rules in 5 are a copy of another NSG's), and the rule's value lists
   * repeat far more (41 in 42). Sharing them cuts the estate's memory, and the NSG evaluator's per-rule parse cache
   * (a WeakMap keyed by the rule object) then parses each distinct rule once for every NSG that holds it. A rule that
   * is exactly one of the platform's defaults is the shared DEFAULT_SECURITY_RULES object itself.
   */
  rule(rule: SecurityRule): SecurityRule {
    const platform = rule.isDefault ? this.defaults.get(rule.name) : undefined;
    if (platform !== undefined && sameRule(rule, platform)) return platform;
    // The lists first: the rule's identity then names each by a number instead of repeating its text.
    const sourceAddressPrefixes = this.list(rule.sourceAddressPrefixes);
    const destinationAddressPrefixes = this.list(rule.destinationAddressPrefixes);
    const sourcePortRanges = this.list(rule.sourcePortRanges);
    const destinationPortRanges = this.list(rule.destinationPortRanges);
    const sourceApplicationSecurityGroups = this.list(rule.sourceApplicationSecurityGroups);
    const destinationApplicationSecurityGroups = this.list(rule.destinationApplicationSecurityGroups);
    const issues = this.list(rule.issues);
    // Identity by hash and comparison, not by a text key: 470,000 distinct rules at 1M rows made text keys 100 MB of
    // the heap while rows were read. Lists compare by object (they are interned); texts by value.
    const ids = this.listIds;
    let hash = hashText(hashText(hashText(FNV_OFFSET, rule.name), rule.protocol), rule.description ?? "\u0002");
    hash = mix(hash, rule.priority | 0);
    hash = mix(
      hash,
      (rule.direction === "Inbound" ? 1 : 2) + (rule.access === "Allow" ? 4 : 8) + (rule.isDefault ? 16 : 32),
    );
    for (const list of [
      sourceAddressPrefixes,
      destinationAddressPrefixes,
      sourcePortRanges,
      destinationPortRanges,
      sourceApplicationSecurityGroups,
      destinationApplicationSecurityGroups,
      issues,
    ]) {
      hash = mix(hash, ids.get(list)!);
    }
    // A literal in a fixed field order, frozen once kept: V8 gives every frozen copy made by spreading a hidden class of
    // its own (about 350 bytes each, measured), while frozen literals share one.
    const candidate: SecurityRule = {
      name: rule.name,
      priority: rule.priority,
      direction: rule.direction,
      access: rule.access,
      protocol: rule.protocol,
      sourceAddressPrefixes,
      destinationAddressPrefixes,
      sourcePortRanges,
      destinationPortRanges,
      sourceApplicationSecurityGroups,
      destinationApplicationSecurityGroups,
      description: rule.description,
      isDefault: rule.isDefault,
      issues,
    };
    const bucket = this.rules.get(hash);
    const known = bucket?.find((kept) => rulesMatch(kept, candidate, (a, b) => a === b));
    if (known !== undefined) return known;
    const shared = Object.freeze(candidate);
    if (bucket === undefined) this.rules.set(hash, [shared]);
    else bucket.push(shared);
    return shared;
  }

  /** A frozen list, one per distinct content (single values, the common case, are looked up without a key). */
  list(values: string[]): string[] {
    if (values.length === 0) return NO_VALUES;
    const single = values.length === 1;
    const identity = single ? values[0]! : values.join(SEPARATOR);
    const lists = single ? this.singles : this.lists;
    const known = lists.get(identity);
    if (known !== undefined) return known;
    const list = Object.freeze(values.slice()) as string[];
    lists.set(identity, list);
    this.listIds.set(list, this.listIds.size);
    return list;
  }

  /** Tag sets repeat across a team's resources: one frozen object per distinct set (findings copy them). */
  tags(tags: Record<string, string>): Record<string, string> {
    const entries = Object.entries(tags);
    if (entries.length === 0) return NO_TAGS;
    const identity = entries.map(([name, value]) => `${name}${SEPARATOR}${value}`).join(SEPARATOR + SEPARATOR);
    const known = this.tagSets.get(identity);
    if (known !== undefined) return known;
    Object.freeze(tags);
    if (this.tagSets.size < SharedValues.TEXTS_MAX) this.tagSets.set(identity, tags);
    return tags;
  }
}

const SEPARATOR = "\u0000";

const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a over a text's UTF-16 code units. */
function hashText(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix(h, text.length);
}

function mix(hash: number, value: number): number {
  return Math.imul(hash ^ value, 0x01000193) >>> 0;
}

/** Field by field: is this rule exactly the platform's default rule? */
function sameRule(rule: SecurityRule, platform: SecurityRule): boolean {
  return rulesMatch(rule, platform, (a, b) => a.length === b.length && a.every((v, i) => v === b[i]));
}

/** Every field equal; lists compared by `sameList` (by object for interned lists, by content otherwise). */
function rulesMatch(
  a: SecurityRule,
  b: SecurityRule,
  sameList: (x: readonly string[], y: readonly string[]) => boolean,
): boolean {
  return (
    a.name === b.name &&
    a.priority === b.priority &&
    a.direction === b.direction &&
    a.access === b.access &&
    a.protocol === b.protocol &&
    a.description === b.description &&
    a.isDefault === b.isDefault &&
    sameList(a.sourceAddressPrefixes, b.sourceAddressPrefixes) &&
    sameList(a.destinationAddressPrefixes, b.destinationAddressPrefixes) &&
    sameList(a.sourcePortRanges, b.sourcePortRanges) &&
    sameList(a.destinationPortRanges, b.destinationPortRanges) &&
    sameList(a.sourceApplicationSecurityGroups, b.sourceApplicationSecurityGroups) &&
    sameList(a.destinationApplicationSecurityGroups, b.destinationApplicationSecurityGroups) &&
    sameList(a.issues, b.issues)
  );
}
