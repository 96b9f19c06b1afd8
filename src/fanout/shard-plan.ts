// Cuts a scope's subscriptions into shards. Pure: the planner hands it the subscriptions and the context rows.
//
// A shard collects NSGs and NICs for its own subscriptions only, so every verdict that reads an NSG or a NIC must be
// about a resource whose shard collected it. Azure guarantees that by keeping NSGs and NICs in the subscription of the
// VNet they attach to, but the auditor does not take it on trust: every association the context shows across two
// subscriptions (a subnet's NSG or NIC, an MI's or App Service environment's subnet) puts both subscriptions in the
// same shard. In estates Azure produced, no such link exists and every subscription is its own unit.
import { armIdParts } from "../model/arm-id";
import { AUDITED_TYPES, type ResourceRow } from "../model/row";

export interface ShardGrouping {
  /** Lower-case subscription ids per shard, sorted; shards in order of their first subscription. */
  shards: string[][];
  /** Cross-subscription associations that tied subscriptions together (a sample of at most 20). */
  links: Array<{ from: string; to: string; via: string }>;
  linkCount: number;
}

export function groupIntoShards(
  subscriptions: readonly string[],
  contextRows: Iterable<ResourceRow>,
  shardSize: number,
): ShardGrouping {
  const ordered = [...new Set(subscriptions.map((s) => s.toLowerCase()))].sort();
  const index = new Map(ordered.map((s, i) => [s, i]));
  const parent = ordered.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const links: ShardGrouping["links"] = [];
  let linkCount = 0;
  const link = (from: string | undefined, toId: unknown, via: string): void => {
    const to = typeof toId === "string" ? armIdParts(toId).subscriptionId?.toLowerCase() : undefined;
    if (from === undefined || to === undefined || from === to) return;
    const a = index.get(from);
    const b = index.get(to);
    if (a === undefined || b === undefined) return;
    linkCount += 1;
    if (links.length < 20) links.push({ from, to, via });
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };

  for (const row of contextRows) {
    const type = typeof row.type === "string" ? row.type.toLowerCase() : "";
    const id = typeof row.id === "string" ? row.id : "";
    const subscription = (
      typeof row.subscriptionId === "string" ? row.subscriptionId : armIdParts(id).subscriptionId
    )?.toLowerCase();
    const props = record(row.properties);
    if (type === AUDITED_TYPES.virtualNetwork) {
      for (const subnet of array(props?.["subnets"])) {
        const subnetProps = record(record(subnet)?.["properties"]);
        link(subscription, record(subnetProps?.["networkSecurityGroup"])?.["id"], `NSG of a subnet of ${id}`);
        for (const ipConfiguration of array(subnetProps?.["ipConfigurations"])) {
          const owner = record(ipConfiguration)?.["id"];
          if (typeof owner === "string" && /\/providers\/microsoft\.network\/networkinterfaces\//i.test(owner))
            link(subscription, owner, `NIC in a subnet of ${id}`);
        }
      }
    } else if (type === AUDITED_TYPES.managedInstance) {
      link(subscription, props?.["subnetId"], `subnet of ${id}`);
    } else if (type === AUDITED_TYPES.appServiceEnvironment) {
      link(subscription, record(props?.["virtualNetwork"])?.["id"], `subnet of ${id}`);
    }
  }

  const components = new Map<number, string[]>();
  for (const [i, subscription] of ordered.entries()) {
    const root = find(i);
    const members = components.get(root) ?? [];
    members.push(subscription);
    components.set(root, members);
  }
  return { shards: pack([...components.values()], ordered.length, shardSize), links, linkCount };
}

/** Packs components (kept whole, in order) into shards of balanced size, at most `shardSize` unless one is larger. */
function pack(components: string[][], total: number, shardSize: number): string[][] {
  if (total === 0) return [];
  const count = Math.ceil(total / Math.max(1, shardSize));
  const base = Math.floor(total / count);
  const target = (shard: number): number => base + (shard < total % count ? 1 : 0);
  const shards: string[][] = [];
  let current: string[] = [];
  for (const component of components) {
    if (current.length > 0 && current.length + component.length > target(shards.length)) {
      shards.push(current);
      current = [];
    }
    current.push(...component);
    if (current.length >= target(shards.length)) {
      shards.push(current);
      current = [];
    }
  }
  if (current.length > 0) shards.push(current);
  return shards.map((shard) => shard.sort());
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
