// ARM ids are case-insensitive, and real payloads mix cases (an MI's subnetId may spell the subscription in upper case
// while the subnet's own id is lower case). Every id is folded once, here, and every lookup uses the folded key.

/** The lookup key for an ARM id: trimmed, lower case, one leading slash, no trailing slash. */
export function armKey(id: string): string {
  let key = id.trim().toLowerCase();
  if (!key.startsWith("/")) key = `/${key}`;
  while (key.length > 1 && key.endsWith("/")) key = key.slice(0, -1);
  return key;
}

/** The id's parent resource: the VNet of a subnet id, the NSG of a rule id. Undefined for a top-level resource. */
export function parentKey(key: string, childSegment: string): string | undefined {
  const marker = `/${childSegment.toLowerCase()}/`;
  const at = key.lastIndexOf(marker);
  return at > 0 ? key.slice(0, at) : undefined;
}

export interface ArmIdParts {
  subscriptionId?: string;
  resourceGroup?: string;
  name?: string;
}

/** Reads the subscription, resource group and last name segment of an ARM id, in the id's own spelling. */
export function armIdParts(id: string): ArmIdParts {
  const segments = id.split("/").filter((s) => s.length > 0);
  const parts: ArmIdParts = {};
  for (let i = 0; i + 1 < segments.length; i += 1) {
    const label = segments[i]!.toLowerCase();
    if (label === "subscriptions" && parts.subscriptionId === undefined) parts.subscriptionId = segments[i + 1];
    if (label === "resourcegroups" && parts.resourceGroup === undefined) parts.resourceGroup = segments[i + 1];
  }
  if (segments.length > 0) parts.name = segments[segments.length - 1];
  return parts;
}

/** True when the text looks like an ARM resource id at all (starts with /subscriptions/ and has a provider). */
export function looksLikeArmId(text: string): boolean {
  return /^\/?subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/.+/i.test(text.trim());
}

/**
 * The resource type an id names, lower case: `.../providers/Microsoft.Network/virtualNetworks/v/subnets/s` →
 * `microsoft.network/virtualnetworks/subnets`. Undefined when the id has no provider segment.
 */
export function armTypeOf(id: string): string | undefined {
  const segments = armKey(id)
    .split("/")
    .filter((s) => s.length > 0);
  const at = segments.lastIndexOf("providers");
  if (at < 0 || at + 2 >= segments.length) return undefined;
  const namespace = segments[at + 1]!;
  const types: string[] = [];
  for (let i = at + 2; i < segments.length; i += 2) types.push(segments[i]!);
  return [namespace, ...types].join("/");
}
