// Turns Resource Graph rows into the typed, indexed estate. Rows are read one at a time (so a collector can stream
// pages in without holding them), and relations are resolved once in build(), through maps keyed by folded ARM id.
import { armIdParts, armKey, parentKey } from "./arm-id";
import type {
  AppServiceEnvironment,
  ApplicationSecurityGroupMembership,
  CircuitPeering,
  Connection,
  CoverageGap,
  DataIssue,
  Estate,
  ExpressRouteCircuit,
  LocalNetworkGateway,
  ManagedInstance,
  NetworkInterface,
  NetworkSecurityGroup,
  Peering,
  PublicIpAddress,
  PublicIpPrefix,
  Resource,
  ResourceBase,
  ResourceKind,
  Route,
  RouteTable,
  SecurityRule,
  Subnet,
  VirtualNetwork,
  VirtualNetworkGateway,
  WebApp,
} from "./estate";
import { FieldReader, conversionsOf, convertInto, describe, isRecord, type Json } from "./field-reader";
import { AUDITED_TYPES, type ResourceRow } from "./row";
import { DEFAULT_SECURITY_RULES } from "../net/service-tags";
import { malformedPrefixes, malformedRuleEntries, type RuleListField } from "../net/malformed-entries";

const KIND_BY_TYPE = new Map<string, ResourceKind>(
  Object.entries(AUDITED_TYPES).map(([kind, type]) => [type, kind as ResourceKind]),
);

const SUBNET_TYPE = "microsoft.network/virtualnetworks/subnets";
const GUID_PREFIX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_/i;

export interface EstateBuilderOptions {
  /** Called once per unusable row or malformed field, for the stderr warnings. */
  onWarning?: (message: string) => void;
}

export class EstateBuilder {
  private readonly resources = new Map<string, Resource>();
  private readonly rowIssues: string[] = [];
  private readonly coverageGaps: CoverageGap[] = [];
  private readonly shared = new SharedValues();
  private ignoredRows = 0;
  private rowsRead = 0;

  constructor(private readonly options: EstateBuilderOptions = {}) {}

  /** Adds one row. `origin` names where it came from (file and index) for warnings. */
  add(row: Json, origin = "row"): void {
    this.rowsRead += 1;
    if (!isRecord(row)) {
      this.warnRow(`${origin}: expected an object, found ${describe(row)}; row skipped`);
      return;
    }
    const r = row as ResourceRow;
    if (typeof r.type !== "string") {
      this.warnRow(`${origin}: row has no type; row skipped`);
      return;
    }
    const kind = KIND_BY_TYPE.get(r.type.toLowerCase());
    if (kind === undefined) {
      this.ignoredRows += 1;
      return;
    }
    // The same text as the row's folded type, as the one constant string rather than a copy per row.
    const type = AUDITED_TYPES[kind as keyof typeof AUDITED_TYPES];
    if (typeof r.id !== "string" || r.id.trim() === "") {
      this.warnRow(`${origin}: ${type} row has no id; row skipped`);
      return;
    }
    // Values read despite a wrong type, and rule entries that cannot be parsed: warnings that leave the verdicts to the
    // rules (the evaluator already treats an unparseable entry as uncertain), unlike issues, which make them unknown.
    const warnings: DataIssue[] = [];
    const issues = convertInto([], warnings);
    const base = readBase(r, kind, type, issues, this.shared);
    const props = new FieldReader(r.properties, "properties", issues);
    if (r.properties === null || r.properties === undefined) {
      issues.push({ field: "properties", problem: "the row has no properties" });
    } else if (!isRecord(r.properties)) {
      issues.push({ field: "properties", problem: `expected an object, found ${describe(r.properties)}` });
    }
    if (this.resources.has(base.key)) {
      this.warnRow(`${origin}: duplicate row for ${base.id}; the later row wins`);
    }
    // What ARM enrichment could not read (a VNet's peerings, a circuit's peerings) is a data issue of the resource.
    const enrichmentErrors = isRecord(r.enrichment) && Array.isArray(r.enrichment["errors"]) ? r.enrichment["errors"] : [];
    for (const entry of enrichmentErrors) {
      // The Entra-only child's failure is read with the MI's fields below; do not report it twice.
      if (isRecord(entry) && entry["field"] !== "azureADOnlyAuthentications/Default") issues.push({ field: String(entry["field"] ?? "enrichment"), problem: `could not be read from ARM: ${String(entry["reason"] ?? "unknown error")}` });
    }
    for (const resource of readResource(kind, base, props, r, this.shared)) this.resources.set(resource.key, resource);
    if (issues.length > 0) {
      for (const issue of issues) this.options.onWarning?.(`${base.id}: ${issue.field}: ${issue.problem}`);
    }
    for (const warning of warnings) this.options.onWarning?.(`${base.id}: ${warning.field}: ${warning.problem}`);
  }

  addCoverageGap(gap: CoverageGap): void {
    this.coverageGaps.push(gap);
  }

  get stats(): { rowsRead: number; rowsIgnored: number; resources: number } {
    return { rowsRead: this.rowsRead, rowsIgnored: this.ignoredRows, resources: this.resources.size };
  }

  build(): Estate {
    this.shared.forget();
    return resolveRelations(this.resources, this.coverageGaps, this.rowIssues);
  }

  private warnRow(message: string): void {
    this.rowIssues.push(message);
    this.options.onWarning?.(message);
  }
}

/** Builds an estate from rows in one call. */
export function buildEstate(rows: Iterable<Json>, options: EstateBuilderOptions = {}): Estate {
  const builder = new EstateBuilder(options);
  let index = 0;
  for (const row of rows) builder.add(row, `row ${index++}`);
  return builder.build();
}

function readBase(r: ResourceRow, kind: ResourceKind, type: string, issues: DataIssue[], shared: SharedValues): ResourceBase {
  const id = (r.id as string).trim();
  const parts = armIdParts(id);
  const text = (value: unknown, field: string, fallback: string): string => {
    if (typeof value === "string" && value !== "") return value;
    if (value !== undefined && value !== null) issues.push({ field, problem: `expected a string, found ${describe(value)}` });
    return fallback;
  };
  let tags: Record<string, string> = {};
  if (isRecord(r.tags)) {
    for (const [name, value] of Object.entries(r.tags)) tags[name] = shared.text(typeof value === "string" ? value : String(value));
    tags = shared.tags(tags);
  } else if (r.tags !== undefined && r.tags !== null) {
    issues.push({ field: "tags", problem: `expected an object, found ${describe(r.tags)}` });
  }
  return {
    kind,
    id,
    key: shared.key(id),
    name: text(r.name, "name", parts.name ?? id),
    type,
    location: shared.text(text(r.location, "location", "").toLowerCase().replace(/\s+/g, "")),
    subscriptionId: shared.text(text(r.subscriptionId, "subscriptionId", parts.subscriptionId ?? "").toLowerCase()),
    resourceGroup: shared.text(text(r.resourceGroup, "resourceGroup", parts.resourceGroup ?? "").toLowerCase()),
    tags,
    issues,
  };
}

/**
 * The resource: its base fields followed by its own, in that order. Object.assign onto the fresh base rather than
 * `{ ...base, ... }`: V8 gave every object built by spreading here a hidden class of its own (about 0.5 KB per
 * resource, measured with the engine benchmark), while adding fields in a fixed order shares one class per kind.
 */
function complete<R extends Resource>(base: ResourceBase, own: Omit<R, keyof ResourceBase> & Pick<R, "kind">): R {
  return Object.assign(base, own) as R;
}

function readResource(kind: ResourceKind, base: ResourceBase, props: FieldReader, row: ResourceRow, shared: SharedValues): Resource[] {
  switch (kind) {
    case "managedInstance":
      return [readManagedInstance(base, props, row, shared)];
    case "networkSecurityGroup":
      return [readNsg(base, props, shared)];
    case "virtualNetwork":
      return readVirtualNetwork(base, props, shared);
    case "virtualNetworkGateway": {
      const subnetIds = (props.array("ipConfigurations") ?? []).map((config, index) =>
        new FieldReader(config, `properties.ipConfigurations[${index}]`, base.issues).child("properties").refId("subnet"),
      );
      const subnetKey = subnetIds.find((id): id is string => id !== undefined);
      const gateway = complete<VirtualNetworkGateway>(base, {
        kind: "virtualNetworkGateway",
        gatewayType: props.string("gatewayType"),
        vnetKey: subnetKey === undefined ? undefined : shared.intern(parentKey(armKey(subnetKey), "subnets")),
      });
      return [gateway];
    }
    case "connection":
      return [readConnection(base, props, shared)];
    case "localNetworkGateway": {
      const gateway = complete<LocalNetworkGateway>(base, {
        kind: "localNetworkGateway",
        addressPrefixes: exactOrEmpty(notePrefixes(props.child("localNetworkAddressSpace"), "addressPrefixes", base.issues) ?? []),
        bgpEnabled: props.has("bgpSettings"),
      });
      return [gateway];
    }
    case "routeTable":
      return [readRouteTable(base, props, shared)];
    case "expressRouteCircuit": {
      const rawPeerings = props.array("peerings");
      const peerings: CircuitPeering[] | undefined = rawPeerings?.map((peering, index) => {
        const reader = new FieldReader(peering, `properties.peerings[${index}]`, base.issues);
        const inner = reader.child("properties");
        return { name: reader.string("name") ?? `peering ${index}`, peeringType: inner.string("peeringType"), state: inner.string("state") };
      });
      const circuit = complete<ExpressRouteCircuit>(base, {
        kind: "expressRouteCircuit",
        peerings,
        serviceProviderProvisioningState: props.string("serviceProviderProvisioningState"),
      });
      return [circuit];
    }
    case "publicIpAddress": {
      const ip = complete<PublicIpAddress>(base, { kind: "publicIpAddress", ipAddress: notePrefix(props, "ipAddress", base.issues) });
      return [ip];
    }
    case "publicIpPrefix": {
      const prefix = complete<PublicIpPrefix>(base, { kind: "publicIpPrefix", ipPrefix: notePrefix(props, "ipPrefix", base.issues) });
      return [prefix];
    }
    case "webApp":
      return [readWebApp(base, props, row, shared)];
    case "appServiceEnvironment": {
      const subnetId = props.refId("virtualNetwork");
      const ase = complete<AppServiceEnvironment>(base, {
        kind: "appServiceEnvironment",
        subnetId,
        subnetKey: subnetId === undefined ? undefined : shared.key(subnetId),
      });
      return [ase];
    }
    case "networkInterface": {
      const subnetKeys: string[] = [];
      const privateIpAddresses: string[] = [];
      let memberships: ApplicationSecurityGroupMembership[] | undefined;
      (props.array("ipConfigurations") ?? []).forEach((config, index) => {
        const path = `properties.ipConfigurations[${index}]`;
        const inner = new FieldReader(config, path, base.issues).child("properties");
        const subnetId = inner.refId("subnet");
        if (subnetId !== undefined) {
          const subnetKey = shared.key(subnetId);
          if (!subnetKeys.includes(subnetKey)) subnetKeys.push(subnetKey);
        }
        const issuesBefore = base.issues.length;
        const address = notePrefix(inner, "privateIPAddress", base.issues);
        if (address !== undefined) privateIpAddresses.push(address);
        // ASGs are joined per ip configuration, so a member's address is that ip configuration's private address.
        const asgs = inner.array("applicationSecurityGroups");
        if (asgs === undefined || asgs.length === 0) return;
        const unreadable =
          address === undefined || address.trim() === ""
            ? base.issues.length > issuesBefore
              ? `${path}.properties.privateIPAddress is malformed`
              : `${path}.properties.privateIPAddress is missing`
            : undefined;
        asgs.forEach((asg, asgIndex) => {
          const asgId = new FieldReader({ asg }, `${path}.properties.applicationSecurityGroups[${asgIndex}]`, base.issues).refId("asg");
          if (asgId === undefined) return;
          const key = shared.key(asgId);
          memberships ??= [];
          let membership = memberships.find((m) => m.key === key);
          if (membership === undefined) {
            membership = { key, addresses: [] };
            memberships.push(membership);
          }
          if (unreadable !== undefined) membership.unreadable ??= unreadable;
          else if (!membership.addresses.includes(address!)) membership.addresses.push(address!);
        });
      });
      const nsgId = props.refId("networkSecurityGroup");
      // Exact-size lists (see exactOrEmpty); the subnet list is the same for every NIC of a subnet, so it is shared.
      const nic = complete<NetworkInterface>(base, {
        kind: "networkInterface",
        subnetKeys: shared.list(subnetKeys),
        nsgKey: nsgId === undefined ? undefined : shared.key(nsgId),
        privateIpAddresses: exactOrEmpty(privateIpAddresses),
        applicationSecurityGroups: memberships ?? NO_MEMBERSHIPS,
      });
      return [nic];
    }
    case "subnet":
      return [];
  }
}

function readConnection(base: ResourceBase, props: FieldReader, shared: SharedValues): Connection {
  const gateway1 = props.refId("virtualNetworkGateway1");
  const gateway2 = props.refId("virtualNetworkGateway2");
  const gatewayKeys = [gateway1, gateway2].filter((id): id is string => id !== undefined).map((id) => shared.key(id));
  const peer = props.refId("peer") ?? props.refId("expressRouteCircuit");
  const local = props.refId("localNetworkGateway2");
  // ARM may embed the local network gateway's properties in the reference; kept as a fallback for a site whose own
  // row is not in the estate (another subscription, or a snapshot without it).
  const embedded = isRecord(props.raw("localNetworkGateway2"))
    ? props.child("localNetworkGateway2").child("properties").child("localNetworkAddressSpace").strings("addressPrefixes")
    : undefined;
  return complete<Connection>(base, {
    kind: "connection",
    connectionType: props.string("connectionType"),
    gatewayKeys,
    gateway1Key: gateway1 === undefined ? undefined : shared.key(gateway1),
    gateway2Key: gateway2 === undefined ? undefined : shared.key(gateway2),
    localNetworkGatewayKey: local === undefined ? undefined : shared.key(local),
    embeddedLocalAddressPrefixes: embedded,
    circuitKey: peer === undefined ? undefined : shared.key(peer),
    enableBgp: props.boolean("enableBgp"),
    connectionStatus: props.string("connectionStatus"),
  });
}

function readRouteTable(base: ResourceBase, props: FieldReader, shared: SharedValues): RouteTable {
  const routes: Route[] | undefined = props.array("routes")?.map((entry, index) => {
    const reader = new FieldReader(entry, `properties.routes[${index}]`, base.issues);
    if (!isRecord(entry)) base.issues.push({ field: `properties.routes[${index}]`, problem: `expected a route object, found ${describe(entry)}` });
    // Resource Graph nests route fields under `properties`; accept flattened exports too, as for security rules.
    const inner = isRecord(entry) && isRecord(entry["properties"]) ? reader.child("properties") : reader;
    // A route's addressPrefix may also be a service tag.
    const addressPrefix = notePrefix(inner, "addressPrefix", base.issues, { tags: true });
    if (isRecord(entry) && addressPrefix === undefined) inner.issue("addressPrefix", "is missing");
    return { name: reader.string("name") ?? `route${index}`, addressPrefix, nextHopType: inner.string("nextHopType") };
  });
  const subnetKeys = (props.array("subnets") ?? []).flatMap((entry, index) => {
    const id = new FieldReader({ entry }, `properties.subnets[${index}]`, base.issues).refId("entry");
    return id === undefined ? [] : [shared.key(id)];
  });
  return complete<RouteTable>(base, {
    kind: "routeTable",
    routes,
    disableBgpRoutePropagation: props.boolean("disableBgpRoutePropagation"),
    subnetKeys,
  });
}

const AAD_ONLY_CHILD = "azureADOnlyAuthentications/Default";

function readManagedInstance(base: ResourceBase, props: FieldReader, row: ResourceRow, shared: SharedValues): ManagedInstance {
  const subnetId = props.string("subnetId");
  const mi = complete<ManagedInstance>(base, {
    kind: "managedInstance",
    subnetId,
    subnetKey: subnetId === undefined ? undefined : shared.key(subnetId),
    publicDataEndpointEnabled: props.boolean("publicDataEndpointEnabled"),
    minimalTlsVersion: props.string("minimalTlsVersion"),
    proxyOverride: props.string("proxyOverride"),
  });
  const administrators = props.child("administrators");
  const fromAdministrators = administrators.boolean("azureADOnlyAuthentication");
  if (fromAdministrators !== undefined) {
    mi.entraOnlyAuthentication = fromAdministrators;
    mi.entraOnlySource = "administrators";
  }
  // The azureADOnlyAuthentications/Default child is authoritative; `administrators` only reflects creation time.
  const enriched = isRecord(row.enrichment) ? row.enrichment["azureADOnlyAuthentication"] : undefined;
  if (typeof enriched === "boolean") {
    mi.entraOnlyAuthentication = enriched;
    mi.entraOnlySource = "azureADOnlyAuthentications";
  } else if (isRecord(enriched) && typeof enriched["error"] === "string") {
    mi.entraOnlyAuthentication = undefined;
    mi.entraOnlySource = undefined;
    base.issues.push({
      field: "azureADOnlyAuthentications/Default",
      problem: `could not be read: ${enriched["error"]}`,
    });
  } else if (enriched !== undefined && enriched !== null) {
    // A snapshot written by hand or by another tool: "true"/"false" are converted with a warning; anything else is an
    // issue of the authoritative setting, so the verdict is unknown rather than taken from `administrators`.
    const value = new FieldReader({ [AAD_ONLY_CHILD]: enriched }, "", base.issues).boolean(AAD_ONLY_CHILD);
    mi.entraOnlyAuthentication = value;
    mi.entraOnlySource = value === undefined ? undefined : "azureADOnlyAuthentications";
  }
  return mi;
}

function readNsg(base: ResourceBase, props: FieldReader, shared: SharedValues): NetworkSecurityGroup {
  const custom = readRules(props, "securityRules", false, base.issues, shared) ?? [];
  const defaults = readRules(props, "defaultSecurityRules", true, base.issues, shared);
  const idList = (field: string): string[] =>
    (props.array(field) ?? []).flatMap((entry, index) => {
      const id = new FieldReader({ entry }, `properties.${field}[${index}]`, base.issues).refId("entry");
      return id === undefined ? [] : [shared.key(id)];
    });
  return complete<NetworkSecurityGroup>(base, {
    kind: "networkSecurityGroup",
    rules: [...custom, ...(defaults ?? DEFAULT_SECURITY_RULES)],
    defaultsAssumed: defaults === undefined,
    subnetKeys: idList("subnets"),
    networkInterfaceKeys: idList("networkInterfaces"),
  });
}

function readRules(props: FieldReader, field: string, isDefault: boolean, issues: DataIssue[], shared: SharedValues): SecurityRule[] | undefined {
  const raw = props.array(field);
  if (raw === undefined) return undefined;
  const rules: SecurityRule[] = [];
  raw.forEach((entry, index) => {
    const path = `properties.${field}[${index}]`;
    const clean = isRecord(entry) ? readCleanRule(entry, isDefault, shared) : undefined;
    if (clean !== undefined) {
      rules.push(clean);
      noteMalformedEntries(clean, entry as Record<string, Json>, path, issues);
      return;
    }
    if (!isRecord(entry)) {
      issues.push({ field: path, problem: `expected a security rule object, found ${describe(entry)}` });
      return;
    }
    const ruleIssues: DataIssue[] = [];
    // A rule's conversions (a priority of "100") are warnings of the NSG's row, like its other fields'.
    const rowWarnings = conversionsOf(issues);
    if (rowWarnings !== undefined) convertInto(ruleIssues, rowWarnings);
    const reader = new FieldReader(entry, path, ruleIssues);
    // Resource Graph nests rule fields under `properties`; some exports flatten them. Accept both.
    const inner = isRecord(entry["properties"]) ? reader.child("properties") : reader;
    const name = reader.string("name") ?? inner.string("name") ?? `${field}[${index}]`;
    const priority = inner.number("priority");
    const direction = normaliseChoice(inner.string("direction"), ["Inbound", "Outbound"]);
    const access = normaliseChoice(inner.string("access"), ["Allow", "Deny"]);
    if (priority === undefined || direction === undefined || access === undefined) {
      // Without priority, direction and access the rule cannot be placed in the evaluation order at all,
      // so the whole NSG is uncertain rather than just this rule.
      const missing = [priority === undefined ? "priority" : "", direction === undefined ? "direction" : "", access === undefined ? "access" : ""]
        .filter((s) => s !== "")
        .join(", ");
      issues.push({ field: path, problem: `security rule ${name} has no valid ${missing}` }, ...ruleIssues);
      return;
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
    rules.push(kept);
    // The rule's own problems make it uncertain through rule.issues; they are warnings of the row as well, so they
    // reach stderr and run.dataQuality like every other malformed value.
    const sink = rowWarnings ?? issues;
    for (const issue of ruleIssues) sink.push(issue);
    noteMalformedEntries(kept, entry, path, issues);
  });
  return rules;
}

/**
 * A prefix or address field read as text, with a warning when it is neither (`10.0.0.300/24`): the evaluator treats
 * a prefix it cannot read as unknown, so the verdicts that need it are unknown; the warning says why. `issues` is the
 * list the reader records into, whose row warning list gets the warning.
 */
function notePrefix(reader: FieldReader, name: string, issues: DataIssue[], options: { tags?: boolean } = {}): string | undefined {
  const value = reader.string(name);
  if (value === undefined || value.trim() === "") return value;
  for (const { problem } of malformedPrefixes([value], options)) (conversionsOf(issues) ?? issues).push({ field: reader.at(name), problem });
  return value;
}

/** notePrefix for a list of prefixes: each malformed entry is named by its index. */
function notePrefixes(reader: FieldReader, name: string, issues: DataIssue[]): string[] | undefined {
  const values = reader.strings(name);
  if (values === undefined) return undefined;
  const raw = reader.raw(name) as Json[];
  for (const { entry, problem } of malformedPrefixes(values)) (conversionsOf(issues) ?? issues).push({ field: `${reader.at(name)}[${raw.indexOf(entry)}]`, problem });
  return values;
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
function noteMalformedEntries(rule: SecurityRule, entry: Record<string, Json>, path: string, issues: DataIssue[]): void {
  const malformed = malformedRuleEntries(rule);
  if (malformed.length === 0) return;
  const nested = isRecord(entry["properties"]);
  const inner = nested ? (entry["properties"] as Record<string, Json>) : entry;
  const sink = conversionsOf(issues) ?? issues;
  for (const { list, entry: value, problem } of malformed) {
    const singular = SINGULAR_FIELD[list];
    const plural = inner[list];
    const index = value === undefined || !Array.isArray(plural) ? -1 : plural.findIndex((item) => String(item) === value);
    const field =
      value !== undefined && inner[singular] !== undefined && String(inner[singular]) === value
        ? singular
        : index >= 0
          ? `${list}[${index}]`
          : value === undefined
            ? `${singular}(s)`
            : list;
    sink.push({ field: `${path}.${nested ? "properties." : ""}${field}`, problem: `${problem} (rule ${rule.name}; verdicts it could change are unknown)` });
  }
}

/**
 * The common case of readRules without its readers: a rule whose every field has the type Azure gives it. Anything
 * else (a missing priority, a number where text belongs, ASGs, a null) returns undefined, and readRules reads the rule
 * field by field, recording each problem. The result is the same rule the careful path would build; this path only
 * skips the FieldReaders and path texts, a fifth of reading a 1M-row estate (16 rules per NSG).
 */
function readCleanRule(entry: Record<string, Json>, isDefault: boolean, shared: SharedValues): SecurityRule | undefined {
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
  if (typeof name !== "string" || typeof priority !== "number" || !Number.isFinite(priority) || typeof protocol !== "string") return undefined;
  if ((direction !== "Inbound" && direction !== "Outbound") || (access !== "Allow" && access !== "Deny")) return undefined;
  if (description !== undefined && description !== null && typeof description !== "string") return undefined;
  if (!absentOrEmptyList(inner["sourceApplicationSecurityGroups"]) || !absentOrEmptyList(inner["destinationApplicationSecurityGroups"])) return undefined;
  const sourceAddressPrefixes = cleanMerged(inner["sourceAddressPrefix"], inner["sourceAddressPrefixes"]);
  const destinationAddressPrefixes = cleanMerged(inner["destinationAddressPrefix"], inner["destinationAddressPrefixes"]);
  const sourcePortRanges = cleanMerged(inner["sourcePortRange"], inner["sourcePortRanges"]);
  const destinationPortRanges = cleanMerged(inner["destinationPortRange"], inner["destinationPortRanges"]);
  if (sourceAddressPrefixes === undefined || destinationAddressPrefixes === undefined || sourcePortRanges === undefined || destinationPortRanges === undefined) return undefined;
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

/** readRules' `merged` for clean values: the plural list plus the singular when it adds one; undefined when unclean. */
function cleanMerged(singular: Json, plural: Json): string[] | undefined {
  let values: string[];
  if (plural === undefined || plural === null) values = NO_VALUES;
  else if (Array.isArray(plural) && plural.every((value) => typeof value === "string")) values = plural as string[];
  else return undefined;
  if (singular === undefined || singular === null || singular === "") return values;
  if (typeof singular !== "string") return undefined;
  return values.includes(singular) ? values : values.concat(singular);
}

/**
 * Values that many rows repeat, kept once. Measured with the engine benchmark, these copies were a large share of the
 * estate's memory: every NIC held its own copy of its subnet's key (and each subnet one of every NIC's key), and every
 * NSG a fresh copy of each of the six platform default rules.
 * - Keys: one string per distinct folded ARM id, whichever row mentions it first; short repeated texts likewise.
 * - Default rules: the frozen DEFAULT_SECURITY_RULES objects themselves when a row spells one exactly, as the builder
 *   already uses them (shared, frozen) for rows without `defaultSecurityRules`.
 */
class SharedValues {
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
    hash = mix(hash, (rule.direction === "Inbound" ? 1 : 2) + (rule.access === "Allow" ? 4 : 8) + (rule.isDefault ? 16 : 32));
    for (const list of [sourceAddressPrefixes, destinationAddressPrefixes, sourcePortRanges, destinationPortRanges, sourceApplicationSecurityGroups, destinationApplicationSecurityGroups, issues]) {
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
function rulesMatch(a: SecurityRule, b: SecurityRule, sameList: (x: readonly string[], y: readonly string[]) => boolean): boolean {
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

const NO_TAGS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_VALUES: string[] = Object.freeze<string[]>([]) as string[];

function exactOrEmpty(values: string[]): string[] {
  return values.length === 0 ? NO_VALUES : values.slice();
}

function normaliseChoice<T extends string>(value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  return choices.find((choice) => choice.toLowerCase() === value.trim().toLowerCase());
}

function readVirtualNetwork(base: ResourceBase, props: FieldReader, shared: SharedValues): Resource[] {
  const addressPrefixes = notePrefixes(props.child("addressSpace"), "addressPrefixes", base.issues) ?? [];
  const subnets: Subnet[] = [];
  (props.array("subnets") ?? []).forEach((entry, index) => {
    const path = `properties.subnets[${index}]`;
    if (!isRecord(entry)) {
      base.issues.push({ field: path, problem: `expected a subnet object, found ${describe(entry)}` });
      return;
    }
    const subnetIssues: DataIssue[] = [];
    const rowWarnings = conversionsOf(base.issues);
    if (rowWarnings !== undefined) convertInto(subnetIssues, rowWarnings);
    const reader = new FieldReader(entry, path, subnetIssues);
    const inner = reader.child("properties");
    const name = reader.string("name") ?? `subnet${index}`;
    const id = reader.string("id") ?? `${base.id}/subnets/${name}`;
    const prefixes = [...(notePrefixes(inner, "addressPrefixes", subnetIssues) ?? [])];
    const single = notePrefix(inner, "addressPrefix", subnetIssues);
    if (single !== undefined && !prefixes.includes(single)) prefixes.push(single);
    const nsgId = inner.refId("networkSecurityGroup");
    const routeTableId = inner.refId("routeTable");
    const delegations = (inner.array("delegations") ?? []).flatMap((delegation, dIndex) => {
      const dReader = new FieldReader(delegation, `${path}.properties.delegations[${dIndex}]`, subnetIssues);
      const service = dReader.child("properties").string("serviceName") ?? dReader.string("serviceName");
      return service === undefined ? [] : [service.toLowerCase()];
    });
    const owners = new Set<string>();
    (inner.array("ipConfigurations") ?? []).forEach((config, cIndex) => {
      const configId = new FieldReader({ config }, `${path}.properties.ipConfigurations[${cIndex}]`, subnetIssues).refId("config");
      if (configId !== undefined) owners.add(shared.intern(ownerKey(armKey(configId))));
    });
    subnets.push({
      kind: "subnet",
      id,
      key: shared.key(id),
      name,
      type: SUBNET_TYPE,
      location: base.location,
      subscriptionId: base.subscriptionId,
      resourceGroup: base.resourceGroup,
      tags: shared.tags({}),
      issues: subnetIssues,
      vnetKey: base.key,
      addressPrefixes: exactOrEmpty(prefixes),
      nsgKey: nsgId === undefined ? undefined : shared.key(nsgId),
      delegations,
      ipConfigurationOwnerKeys: [...owners],
      routeTableKey: routeTableId === undefined ? undefined : shared.key(routeTableId),
      routeTableId,
    });
  });
  const rawPeerings = props.array("virtualNetworkPeerings");
  const peerings: Peering[] | undefined = rawPeerings?.map((entry, index) => readPeering(entry, index, base, shared));
  const vnet = complete<VirtualNetwork>(base, {
    kind: "virtualNetwork",
    addressPrefixes,
    subnetKeys: subnets.map((subnet) => subnet.key),
    peerings,
  });
  return [vnet, ...subnets];
}

function readPeering(entry: Json, index: number, vnet: ResourceBase, shared: SharedValues): Peering {
  const reader = new FieldReader(entry, `properties.virtualNetworkPeerings[${index}]`, vnet.issues);
  const inner = reader.child("properties");
  const remoteId = inner.refId("remoteVirtualNetwork");
  const name = reader.string("name") ?? `peering${index}`;
  return {
    name,
    id: reader.string("id") ?? `${vnet.id}/virtualNetworkPeerings/${name}`,
    remoteVnetId: remoteId,
    remoteVnetKey: remoteId === undefined ? undefined : shared.key(remoteId),
    peeringState: inner.string("peeringState"),
    peeringSyncLevel: inner.string("peeringSyncLevel"),
    allowGatewayTransit: inner.boolean("allowGatewayTransit"),
    useRemoteGateways: inner.boolean("useRemoteGateways"),
    allowForwardedTraffic: inner.boolean("allowForwardedTraffic"),
    // Azure's default is true: a peering row without the field allows access. Present but unreadable stays undefined:
    // the rules then take whichever reading can only add a finding (see network-context.ts).
    allowVirtualNetworkAccess: inner.has("allowVirtualNetworkAccess") ? inner.boolean("allowVirtualNetworkAccess") : true,
    remoteAddressPrefixes: notePrefixes(inner.child("remoteAddressSpace"), "addressPrefixes", vnet.issues) ?? [],
  };
}

function readWebApp(base: ResourceBase, props: FieldReader, row: ResourceRow, shared: SharedValues): WebApp {
  const identity = new FieldReader(row.identity, "identity", base.issues);
  const subnetId = props.string("virtualNetworkSubnetId");
  const vnetName = props.child("siteConfig").string("vnetName");
  const stripped = vnetName === undefined || vnetName.trim() === "" ? undefined : vnetName.trim().replace(GUID_PREFIX, "");
  return complete<WebApp>(base, {
    kind: "webApp",
    identityType: identity.string("type"),
    integrationSubnetId: subnetId === undefined || subnetId.trim() === "" ? undefined : subnetId,
    integrationSubnetKey: subnetId === undefined || subnetId.trim() === "" ? undefined : shared.key(subnetId),
    gatewayVnetName: stripped,
  });
}

/** `/subscriptions/s/resourcegroups/r/providers/ns/type/name/...` → the first eight segments: the owning resource. */
function ownerKey(key: string): string {
  const segments = key.split("/").filter((s) => s !== "");
  return `/${segments.slice(0, 8).join("/")}`;
}

/**
 * Appends to lists whose entries must stay unique, because most relations are recorded on both sides (an NSG lists
 * its NICs and each NIC names its NSG). A plain includes() made that quadratic in the longest list: one NSG shared by
 * 40,000 NICs took 2 s to relate. Short lists still use includes(); a long one gets a Set, dropped after build().
 */
class UniqueLists {
  private static readonly SHORT = 16;
  private readonly members = new Map<unknown[], Set<unknown>>();

  push<V>(map: Map<string, V[]>, key: string, value: V): void {
    const list = map.get(key);
    if (list === undefined) {
      map.set(key, [value]);
      return;
    }
    if (list.length < UniqueLists.SHORT) {
      if (!list.includes(value)) list.push(value);
      return;
    }
    let seen = this.members.get(list);
    if (seen === undefined) {
      seen = new Set(list);
      this.members.set(list, seen);
    }
    if (seen.has(value)) return;
    seen.add(value);
    list.push(value);
  }
}

function resolveRelations(resources: Map<string, Resource>, coverageGaps: CoverageGap[], rowIssues: string[]): Estate {
  const estate: Estate = {
    resources,
    byKind: {
      managedInstance: [],
      networkSecurityGroup: [],
      virtualNetwork: [],
      subnet: [],
      virtualNetworkGateway: [],
      connection: [],
      expressRouteCircuit: [],
      publicIpAddress: [],
      publicIpPrefix: [],
      webApp: [],
      appServiceEnvironment: [],
      networkInterface: [],
      localNetworkGateway: [],
      routeTable: [],
    },
    managedInstancesBySubnet: new Map(),
    appsBySubnet: new Map(),
    aseBySubnet: new Map(),
    nicsBySubnet: new Map(),
    subnetsByNsg: new Map(),
    nicsByNsg: new Map(),
    gatewaysByVnet: new Map(),
    connectionsByGateway: new Map(),
    connectionsByCircuit: new Map(),
    gatewayAppsByVnet: new Map(),
    ownedPublicPrefixes: [],
    coverageGaps,
    rowIssues,
  };
  for (const resource of resources.values()) (estate.byKind[resource.kind] as Resource[]).push(resource);
  const lists = new UniqueLists();
  const push = <V>(map: Map<string, V[]>, key: string, value: V): void => lists.push(map, key, value);

  const vnetsByName = new Map<string, VirtualNetwork[]>();
  for (const vnet of estate.byKind.virtualNetwork) push(vnetsByName, `${vnet.subscriptionId}/${vnet.name.toLowerCase()}`, vnet);

  for (const subnet of estate.byKind.subnet) {
    if (subnet.nsgKey !== undefined) push(estate.subnetsByNsg, subnet.nsgKey, subnet);
  }
  for (const nsg of estate.byKind.networkSecurityGroup) {
    for (const subnetKey of nsg.subnetKeys) {
      const subnet = resources.get(subnetKey);
      if (subnet?.kind !== "subnet") continue;
      // The association is recorded on both sides; either side alone is enough.
      subnet.nsgKey ??= nsg.key;
      push(estate.subnetsByNsg, nsg.key, subnet);
    }
  }
  for (const table of estate.byKind.routeTable) {
    for (const subnetKey of table.subnetKeys) {
      const subnet = resources.get(subnetKey);
      // The association is recorded on both sides; either side alone is enough, as for NSGs.
      if (subnet?.kind === "subnet" && subnet.routeTableKey === undefined) {
        subnet.routeTableKey = table.key;
        subnet.routeTableId = table.id;
      }
    }
  }
  for (const mi of estate.byKind.managedInstance) {
    if (mi.subnetKey !== undefined) push(estate.managedInstancesBySubnet, mi.subnetKey, mi);
  }
  for (const nic of estate.byKind.networkInterface) {
    for (const subnetKey of nic.subnetKeys) push(estate.nicsBySubnet, subnetKey, nic);
    if (nic.nsgKey !== undefined) push(estate.nicsByNsg, nic.nsgKey, nic);
  }
  for (const nsg of estate.byKind.networkSecurityGroup) {
    for (const nicKey of nsg.networkInterfaceKeys) {
      const nic = resources.get(nicKey);
      if (nic?.kind !== "networkInterface") continue;
      nic.nsgKey ??= nsg.key;
      push(estate.nicsByNsg, nsg.key, nic);
    }
  }
  for (const ase of estate.byKind.appServiceEnvironment) {
    if (ase.subnetKey !== undefined) push(estate.aseBySubnet, ase.subnetKey, ase);
  }
  for (const app of estate.byKind.webApp) {
    if (app.integrationSubnetKey !== undefined) {
      push(estate.appsBySubnet, app.integrationSubnetKey, app);
    } else if (app.gatewayVnetName !== undefined) {
      // Gateway-required integration names the VNet, which must be in the app's own subscription.
      const candidates = vnetsByName.get(`${app.subscriptionId}/${app.gatewayVnetName.toLowerCase()}`) ?? [];
      if (candidates.length === 1) {
        app.gatewayVnetKey = candidates[0]!.key;
        push(estate.gatewayAppsByVnet, candidates[0]!.key, app);
      } else if (candidates.length > 1) {
        app.issues.push({
          field: "properties.siteConfig.vnetName",
          problem: `VNet name ${app.gatewayVnetName} matches ${candidates.length} VNets in subscription ${app.subscriptionId}`,
        });
      }
    }
  }
  for (const gateway of estate.byKind.virtualNetworkGateway) {
    if (gateway.vnetKey !== undefined) push(estate.gatewaysByVnet, gateway.vnetKey, gateway);
  }
  for (const connection of estate.byKind.connection) {
    for (const gatewayKey of connection.gatewayKeys) push(estate.connectionsByGateway, gatewayKey, connection);
    if (connection.circuitKey !== undefined) push(estate.connectionsByCircuit, connection.circuitKey, connection);
  }
  for (const ip of estate.byKind.publicIpAddress) if (ip.ipAddress) estate.ownedPublicPrefixes.push(ip.ipAddress);
  for (const prefix of estate.byKind.publicIpPrefix) if (prefix.ipPrefix) estate.ownedPublicPrefixes.push(prefix.ipPrefix);
  compact(estate);
  return estate;
}

/**
 * Memory once every relation is recorded (measured with the engine benchmark at 1M rows): most resources have no
 * data issue, yet each held its own empty list (32 bytes); and a relation list grown by push() keeps room for up to
 * 17 entries, or half its length again. Nothing adds to either after build(), so empty issue lists become one shared
 * frozen list and relation lists are copied to their exact size.
 */
function compact(estate: Estate): void {
  for (const resource of estate.resources.values()) {
    if (resource.issues.length === 0) resource.issues = NO_ISSUES;
  }
  const relationMaps: Map<string, unknown[]>[] = [
    estate.managedInstancesBySubnet,
    estate.appsBySubnet,
    estate.aseBySubnet,
    estate.nicsBySubnet,
    estate.subnetsByNsg,
    estate.nicsByNsg,
    estate.gatewaysByVnet,
    estate.connectionsByGateway,
    estate.connectionsByCircuit,
    estate.gatewayAppsByVnet,
  ];
  for (const map of relationMaps) {
    for (const [key, list] of map) if (list.length > 1) map.set(key, list.slice());
  }
}

const NO_MEMBERSHIPS: ApplicationSecurityGroupMembership[] = Object.freeze<ApplicationSecurityGroupMembership[]>([]) as ApplicationSecurityGroupMembership[];

const NO_ISSUES: DataIssue[] = Object.freeze<DataIssue[]>([]) as DataIssue[];
