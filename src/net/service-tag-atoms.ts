// Service-tag atoms: the part of an address set that stands for service tags whose IP lists we do not hold. A base
// tag is the union of its regional tags; the set of regions is open (Azure adds regions), so "Sql except
// Sql.WestEurope" is still non-empty. Per base we keep either a finite set of regions or the complement of one.
// Different base tags are disjoint atoms (see address-set.ts for why that simplification only ever adds exposure).

import { SERVICE_TAG_NAMES, regionDisplayName } from "./service-tags";

interface RegionSet {
  /** true: every region except `keys`; false: exactly `keys`. */
  readonly complement: boolean;
  readonly keys: ReadonlySet<string>;
}

const NO_REGIONS: RegionSet = { complement: false, keys: new Set() };
const ALL_REGIONS: RegionSet = { complement: true, keys: new Set() };

function regionsOp(a: RegionSet, b: RegionSet, op: "union" | "intersect"): RegionSet {
  const inBoth = [...a.keys].filter((k) => b.keys.has(k));
  const aOnly = [...a.keys].filter((k) => !b.keys.has(k));
  const bOnly = [...b.keys].filter((k) => !a.keys.has(k));
  const either = [...a.keys, ...bOnly];
  if (op === "union") {
    if (!a.complement && !b.complement) return { complement: false, keys: new Set(either) };
    if (a.complement && b.complement) return { complement: true, keys: new Set(inBoth) };
    // finite ∪ co-finite: everything except what the co-finite side excludes and the finite side does not add
    return a.complement ? { complement: true, keys: new Set(aOnly) } : { complement: true, keys: new Set(bOnly) };
  }
  if (!a.complement && !b.complement) return { complement: false, keys: new Set(inBoth) };
  if (a.complement && b.complement) return { complement: true, keys: new Set(either) };
  return a.complement ? { complement: false, keys: new Set(bOnly) } : { complement: false, keys: new Set(aOnly) };
}

function regionsComplement(a: RegionSet): RegionSet {
  return { complement: !a.complement, keys: a.keys };
}

function regionsEqual(a: RegionSet, b: RegionSet): boolean {
  return a.complement === b.complement && a.keys.size === b.keys.size && [...a.keys].every((k) => b.keys.has(k));
}

function regionsEmpty(a: RegionSet): boolean {
  return !a.complement && a.keys.size === 0;
}

/** Tag atoms: bases not listed in `bases` are all present (`all`) or all absent. */
export class TagSet {
  static readonly EMPTY = new TagSet(false, new Map());
  static readonly ALL = new TagSet(true, new Map());

  private constructor(
    readonly all: boolean,
    readonly bases: ReadonlyMap<string, RegionSet>,
  ) {}

  static of(base: string, region: string | undefined): TagSet {
    const regions = region === undefined ? ALL_REGIONS : { complement: false, keys: new Set([region]) };
    return new TagSet(false, new Map([[base, regions]]));
  }

  regionsOf(base: string): RegionSet {
    return this.bases.get(base) ?? (this.all ? ALL_REGIONS : NO_REGIONS);
  }

  private combine(other: TagSet, op: (a: RegionSet, b: RegionSet) => RegionSet, all: boolean): TagSet {
    const fallback = all ? ALL_REGIONS : NO_REGIONS;
    const bases = new Map<string, RegionSet>();
    for (const base of new Set([...this.bases.keys(), ...other.bases.keys()])) {
      const regions = op(this.regionsOf(base), other.regionsOf(base));
      if (!regionsEqual(regions, fallback)) bases.set(base, regions);
    }
    return new TagSet(all, bases);
  }

  union(other: TagSet): TagSet {
    return this.combine(other, (a, b) => regionsOp(a, b, "union"), this.all || other.all);
  }

  intersect(other: TagSet): TagSet {
    return this.combine(other, (a, b) => regionsOp(a, b, "intersect"), this.all && other.all);
  }

  subtract(other: TagSet): TagSet {
    return this.combine(other, (a, b) => regionsOp(a, regionsComplement(b), "intersect"), this.all && !other.all);
  }

  isEmpty(): boolean {
    return !this.all && [...this.bases.values()].every(regionsEmpty);
  }

  equals(other: TagSet): boolean {
    if (this.all !== other.all) return false;
    const keys = new Set([...this.bases.keys(), ...other.bases.keys()]);
    return [...keys].every((k) => regionsEqual(this.regionsOf(k), other.regionsOf(k)));
  }

  /** Display names, e.g. `Sql`, `Storage.WestEurope`, `any service tag except Sql`. */
  names(): string[] {
    const regional = (base: string, keys: ReadonlySet<string>) =>
      [...keys].sort().map((k) => `${base}.${regionDisplayName(base, k)}`);
    const sortedBases = [...this.bases.keys()].sort();
    if (!this.all) {
      return sortedBases.flatMap((base) => {
        const r = this.regionsOf(base);
        if (!r.complement) return regional(base, r.keys);
        if (r.keys.size === 0) return [base];
        return [`${base} except ${regional(base, r.keys).join(", ")}`];
      });
    }
    const missing = sortedBases.flatMap((base) => {
      const r = this.regionsOf(base);
      if (r.complement) return regional(base, r.keys);
      if (r.keys.size === 0) return [base];
      return [`${base} (other than ${regional(base, r.keys).join(", ")})`];
    });
    return [missing.length === 0 ? "any service tag" : `any service tag except ${missing.join(", ")}`];
  }

  /** One concrete tag name in the set, preferring AzureCloud (the tag most rules name). */
  sample(): string | undefined {
    for (const base of [...this.bases.keys()].sort()) {
      const r = this.regionsOf(base);
      if (regionsEmpty(r)) continue;
      if (r.complement) return r.keys.size === 0 ? base : `${base} (other regions)`;
      const first = [...r.keys].sort()[0]!;
      return `${base}.${regionDisplayName(base, first)}`;
    }
    if (!this.all) return undefined;
    return ATOM_BASES.find((base) => !this.bases.has(base));
  }
}

/** Bases that become atoms; the three special tags are translated to addresses by the evaluator instead. */
const ATOM_BASES = [
  "AzureCloud",
  ...SERVICE_TAG_NAMES.filter((n) => !["AzureCloud", "Internet", "VirtualNetwork", "AzureLoadBalancer"].includes(n)),
];
