// The Resource Graph queries the live collector runs: one per family of audited types, plus subscription discovery.
// Only the property paths the estate builder reads are projected, as deep as a path goes: Resource Graph refuses any
// response over 16 MiB, so every byte of a row counts against the rows a page can carry (docs/performance.md, "Row
// sizes"). Arrays (security rules, subnets) come whole: trimming their elements needs row-expanding operators
// (mv-expand, then summarize back) that change what a page is, and a list cut short would be worse than a smaller
// page. Projected paths come back as flat columns, so `renestRow` puts them back under `properties` and the rows look
// exactly like snapshot rows downstream.
//
// The KQL stays inside a small subset (`where type in~`, `project` with aliases, `order by id asc`), because the
// test emulator implements exactly that subset and rejects everything else.

import type { AuthorizationScopeFilter } from "@azure/arm-resourcegraph";
import { SUBSCRIPTION_TYPE } from "../model/management-group-ancestry";
import { POLICY_TYPES } from "../model/policy-objects";
import { AUDITED_TYPES, type ResourceRow } from "../model/row";

export interface QueryFamily {
  /** Stable name used in progress reports, stats and coverage gaps. */
  name: string;
  /** Resource Graph types (lower case) the query returns. */
  types: string[];
  /** `properties.*` paths to project; each becomes a column and is re-nested by `renestRow`. */
  propertyPaths: string[];
  /** Extra top-level columns besides the ones every row carries. */
  extraColumns: string[];
  /**
   * The Resource Graph table: `resources`, `policyresources` for Azure Policy objects, or `resourcecontainers` for
   * the subscriptions' management-group ancestry.
   */
  table: "resources" | "policyresources" | "resourcecontainers";
  /**
   * Resource Graph's `options.authorizationScopeFilter` for the query, when not its default (AtScopeAndBelow, the
   * rows at and below the requested subscriptions or groups). Rows above the scope can come back once per request,
   * so the collector hands each id on once.
   */
  authorizationScopeFilter?: AuthorizationScopeFilter;
  /** The KQL text, built from the fields above. */
  query: string;
}

/** Every row carries these, in snapshot order. */
export const BASE_COLUMNS = ["id", "name", "type", "location", "subscriptionId", "resourceGroup", "tags"] as const;

function family(
  name: string,
  types: string[],
  propertyPaths: string[],
  extraColumns: string[] = [],
  table: QueryFamily["table"] = "resources",
  authorizationScopeFilter?: AuthorizationScopeFilter,
): QueryFamily {
  const typeList = types.map((type) => `'${type}'`).join(", ");
  const projected = [...BASE_COLUMNS, ...extraColumns, ...propertyPaths.map((path) => `${columnFor(path)} = ${path}`)];
  const query = [
    table,
    `| where type in~ (${typeList})`,
    `| project ${projected.join(",\n    ")}`,
    "| order by id asc",
  ].join("\n");
  return {
    name,
    types,
    propertyPaths,
    extraColumns,
    table,
    ...(authorizationScopeFilter === undefined ? {} : { authorizationScopeFilter }),
    query,
  };
}

/** `properties.siteConfig.vnetName` → `properties_siteConfig_vnetName`, the name KQL itself would give the path. */
export function columnFor(path: string): string {
  return path.replace(/\./g, "_");
}

export const QUERY_FAMILIES: readonly QueryFamily[] = [
  family(
    "managedInstances",
    [AUDITED_TYPES.managedInstance],
    [
      "properties.subnetId",
      "properties.publicDataEndpointEnabled",
      "properties.minimalTlsVersion",
      "properties.proxyOverride",
      // Entra-only as set at creation; the azureADOnlyAuthentications child (ARM enrichment) is authoritative. Only the
      // flag: the rest of the block (login, sid, tenant) is read by nothing.
      "properties.administrators.azureADOnlyAuthentication",
      // Private endpoint connections come whole: each carries the endpoint's id and the connection state.
      "properties.privateEndpointConnections",
    ],
  ),
  family(
    "networkSecurityGroups",
    [AUDITED_TYPES.networkSecurityGroup],
    [
      "properties.securityRules",
      "properties.defaultSecurityRules",
      "properties.subnets",
      "properties.networkInterfaces",
    ],
  ),
  family(
    "virtualNetworks",
    [AUDITED_TYPES.virtualNetwork],
    [
      "properties.addressSpace",
      // Subnets carry their delegations, NSG, route table, NAT gateway and ip configurations; there is no cheaper path
      // to those.
      "properties.subnets",
      "properties.virtualNetworkPeerings",
    ],
  ),
  family(
    "gatewaysAndCircuits",
    [AUDITED_TYPES.virtualNetworkGateway, AUDITED_TYPES.connection, AUDITED_TYPES.expressRouteCircuit],
    [
      "properties.gatewayType",
      "properties.ipConfigurations",
      "properties.connectionType",
      "properties.virtualNetworkGateway1",
      "properties.virtualNetworkGateway2",
      // Site-to-site connections: the on-premises site, and whether BGP may announce more than its address space.
      "properties.localNetworkGateway2",
      "properties.enableBgp",
      "properties.connectionStatus",
      "properties.peer",
      "properties.peerings",
      "properties.serviceProviderProvisioningState",
    ],
  ),
  // What the VirtualNetwork tag holds beyond the VNets: on-premises sites of site-to-site connections, and the
  // prefixes of user-defined routes (Azure adds both to the tag).
  family(
    "sitesAndRoutes",
    [AUDITED_TYPES.localNetworkGateway, AUDITED_TYPES.routeTable],
    [
      "properties.localNetworkAddressSpace",
      "properties.bgpSettings",
      "properties.routes",
      "properties.disableBgpRoutePropagation",
      "properties.subnets",
    ],
  ),
  family(
    "publicAddresses",
    [AUDITED_TYPES.publicIpAddress, AUDITED_TYPES.publicIpPrefix],
    ["properties.ipAddress", "properties.ipPrefix"],
  ),
  family(
    "webApps",
    [AUDITED_TYPES.webApp, AUDITED_TYPES.appServiceEnvironment],
    [
      "properties.virtualNetworkSubnetId",
      "properties.siteConfig.vnetName",
      // App Service environments: the subnet they are injected into.
      "properties.virtualNetwork",
    ],
    ["kind", "identity"],
  ),
  family(
    "networkInterfaces",
    [AUDITED_TYPES.networkInterface],
    ["properties.ipConfigurations", "properties.networkSecurityGroup"],
  ),
  // Which private DNS zones answer inside a VNet: a link names its VNet, and its zone is the parent segment of its id.
  family(
    "privateDnsZoneLinks",
    [AUDITED_TYPES.privateDnsZoneLink],
    ["properties.virtualNetwork", "properties.registrationEnabled", "properties.virtualNetworkLinkState"],
  ),
  // Network Watcher flow logs: what each one logs (a VNet, subnet, NIC or NSG), whether it is on, how long it keeps.
  family(
    "flowLogs",
    [AUDITED_TYPES.flowLog],
    ["properties.targetResourceId", "properties.enabled", "properties.retentionPolicy"],
  ),
  // Azure Policy exemptions, with the assignments and initiatives needed to tell which policies they exempt from
  // (engine/policy-exemptions.ts). They live in `policyresources`, not `resources` (Resource Graph's table reference,
  // supported-tables-resources.md, lists all three types there); a read that fails is a coverage gap like any other
  // family's, so the run is partial and never silently drops accepted risks. Most assignments (and many exemptions)
  // are made at a management group: by default a query of subscriptions returns only rows at and below them, so the
  // family asks for AtScopeAboveAndBelow, which adds the rows of the management groups above the requested
  // subscriptions (and, for a group's query, of the groups above it). Each such row comes back once per batch.
  family(
    "policyExemptions",
    [POLICY_TYPES.policyExemption, POLICY_TYPES.policyAssignment, POLICY_TYPES.policySetDefinition],
    [
      "properties.policyAssignmentId",
      "properties.policyDefinitionReferenceIds",
      "properties.exemptionCategory",
      "properties.expiresOn",
      "properties.displayName",
      "properties.description",
      "properties.metadata",
      "properties.resourceSelectors",
      "properties.assignmentScopeValidation",
      "properties.policyDefinitionId",
      // An initiative's references (reference id → definition id); parameters and groups come along, unread.
      "properties.policyDefinitions",
    ],
    [],
    "policyresources",
    "AtScopeAboveAndBelow",
  ),
  // Which management groups each audited subscription sits under (nearest first, up to the tenant root group), so an
  // exemption scoped to a management group applies to the subscriptions under it. Resource Graph keeps subscriptions
  // in `resourcecontainers`, each with `properties.managementGroupAncestorsChain` (the management groups' Resource
  // Graph samples read `mgParent[0].name` as the direct parent). A read that fails is a coverage gap, and such
  // exemptions are then not applied (model/policy-references.ts warns), never guessed.
  family(
    "subscriptionAncestry",
    [SUBSCRIPTION_TYPE],
    ["properties.managementGroupAncestorsChain"],
    [],
    "resourcecontainers",
  ),
];

/** Subscriptions visible in the scope of the request (tenant, management groups or explicit subscriptions). */
export const SUBSCRIPTIONS_QUERY = [
  "resourcecontainers",
  "| where type =~ 'microsoft.resources/subscriptions'",
  "| project id, name, subscriptionId",
  "| order by id asc",
].join("\n");

/**
 * Turns a projected Resource Graph row back into the snapshot shape: `properties_a_b` columns become
 * `properties.a.b`. Null columns are dropped, as a missing path projects to null; `properties` is left out when
 * no projected path had a value, so "absent" stays distinguishable from "empty".
 */
export function renestRow(family: QueryFamily, raw: Record<string, unknown>): ResourceRow {
  const row: ResourceRow = {};
  for (const column of [...BASE_COLUMNS, ...family.extraColumns]) {
    if (column in raw) row[column] = raw[column];
  }
  let properties: Record<string, unknown> | undefined;
  for (const path of family.propertyPaths) {
    const value = raw[columnFor(path)];
    if (value === null || value === undefined) continue;
    properties ??= {};
    setPath(properties, path.split(".").slice(1), value);
  }
  // Projected paths that are all absent still come from a properties object Resource Graph always has; an empty
  // object says "none of these fields", where a missing one would read as a malformed row.
  if (properties !== undefined || family.propertyPaths.length > 0) row.properties = properties ?? {};
  return row;
}

function setPath(target: Record<string, unknown>, segments: string[], value: unknown): void {
  let node = target;
  segments.forEach((segment, index) => {
    if (index === segments.length - 1) {
      node[segment] = value;
      return;
    }
    const next = node[segment];
    if (typeof next === "object" && next !== null && !Array.isArray(next)) {
      node = next as Record<string, unknown>;
    } else {
      const created: Record<string, unknown> = {};
      node[segment] = created;
      node = created;
    }
  });
}
