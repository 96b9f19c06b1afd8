// Security rules for generated NSGs, in the Resource Graph row shape. Each NSG gets the rules its subnet's role calls
// for (MI management ports and 3342, outbound SQL from app subnets, RDP/SSH and 1433 on workload subnets) in one of a
// fixed cycle of variants, so that every rule of the catalog meets passing and failing NSGs, then filler rules of
// the kinds real NSGs accumulate (service tags, ranges, plural fields, ASGs, Deny-before-Allow) up to a size drawn
// from 5 to 50.
import { securityRule } from "./network-rows";
import type { SeededRandom } from "./seeded-random";

export type RuleRow = Record<string, unknown>;

interface RuleSpec {
  name: string;
  priority: number;
  direction: "Inbound" | "Outbound";
  access: "Allow" | "Deny";
  protocol: "Tcp" | "Udp" | "Icmp" | "*";
  source: string | string[];
  destination: string | string[];
  ports: string | string[];
  sourceAsgs?: string[];
  destinationAsgs?: string[];
  description?: string;
}

/** How many custom rules an NSG gets: 5 to 50, most near the low end, as in real estates. */
export function drawRuleCount(random: SeededRandom, min = 5, max = 50): number {
  return min + Math.floor((max - min + 1) * random.next() ** 3);
}

/** Context shared by the rule sets: who "we" are (owned and corporate ranges) and where the NSG sits. */
export interface RuleSetContext {
  nsgId: string;
  random: SeededRandom;
  region: string;
  /** The subscription's public egress prefix (a publicIPPrefixes row of the estate, so trusted as owned). */
  ownedPrefix: string;
  /** A foreign public range, e.g. a partner's, that nothing in the estate owns. */
  foreignRange: string;
  /** Prefix of the subnet the NSG protects. */
  subnetPrefix: string;
  /** An application security group id in the NSG's resource group. */
  asgId: string;
}

export type MiEndpointVariant =
  | "ownedPrefix"
  | "internet"
  | "corporate"
  | "shadowed"
  | "azureCloud"
  | "noNsg"
  | "foreignRange"
  | "portRange"
  | "applicationSecurityGroup";

/** 3342 on the MI subnet: passes with owned or private sources or a shadowing Deny; fails open to the Internet, AzureCloud, a foreign range or a wide port range. */
export const MI_ENDPOINT_VARIANTS: readonly MiEndpointVariant[] = [
  "ownedPrefix",
  "internet",
  "corporate",
  "shadowed",
  "azureCloud",
  "noNsg",
  "ownedPrefix",
  "foreignRange",
  "corporate",
  "portRange",
  "ownedPrefix",
  "applicationSecurityGroup",
];

/**
 * One more rule an MI subnet's NSG may carry beyond the 3342 variant: the redirect range (11000-11999) opened to the
 * Internet or to on-premises clients, or an outbound Deny of platform DNS, which breaks the instance.
 */
export type MiNsgExtra = "none" | "redirectInternet" | "redirectOnPremises" | "denyPlatformDns";

export const MI_NSG_EXTRAS: readonly MiNsgExtra[] = [
  "none",
  "none",
  "redirectOnPremises",
  "none",
  "none",
  "redirectInternet",
  "none",
  "none",
  "none",
  "redirectOnPremises",
  "none",
  "none",
  "none",
  "denyPlatformDns",
  "none",
  "none",
];

function miNsgExtraRule(extra: MiNsgExtra): RuleSpec | undefined {
  const redirect = { priority: 420, direction: "Inbound", access: "Allow", protocol: "Tcp", destination: "*" } as const;
  switch (extra) {
    case "none":
      return undefined;
    case "redirectInternet":
      return {
        ...redirect,
        name: "allow_redirect_any",
        source: "Internet",
        ports: "11000-11999",
        description: "Redirect ports for the partner ETL",
      };
    case "redirectOnPremises":
      return {
        ...redirect,
        name: "allow_redirect_onprem",
        source: ["192.168.0.0/16", "172.16.0.0/12"],
        ports: ["1433", "11000-11999"],
        description: "On-premises clients via ExpressRoute (redirect)",
      };
    case "denyPlatformDns":
      return {
        name: "deny_platform_dns_out",
        priority: 150,
        direction: "Outbound",
        access: "Deny",
        protocol: "*",
        source: "*",
        destination: "AzurePlatformDNS",
        ports: "53",
        description: "Force DNS through the hub resolvers",
      };
  }
}

const region = (ctx: RuleSetContext): string => ctx.region.charAt(0).toUpperCase() + ctx.region.slice(1);

export function managedInstanceSubnetRules(
  ctx: RuleSetContext,
  variant: Exclude<MiEndpointVariant, "noNsg">,
  size: number,
  extra: MiNsgExtra = "none",
): RuleRow[] {
  const specs: RuleSpec[] = [
    {
      name: "allow_management_inbound",
      priority: 100,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      source: "SqlManagement",
      destination: "*",
      ports: ["9000", "9003", "1438", "1440", "1452"],
      description: "MI management traffic",
    },
    {
      name: "allow_misubnet_inbound",
      priority: 200,
      direction: "Inbound",
      access: "Allow",
      protocol: "*",
      source: ctx.subnetPrefix,
      destination: "*",
      ports: "*",
    },
    {
      name: "allow_health_probe_inbound",
      priority: 300,
      direction: "Inbound",
      access: "Allow",
      protocol: "*",
      source: "AzureLoadBalancer",
      destination: "*",
      ports: "*",
    },
    {
      name: "allow_sql_from_vnet",
      priority: 500,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      source: "VirtualNetwork",
      destination: "*",
      ports: "1433",
    },
    {
      name: "allow_management_outbound",
      priority: 100,
      direction: "Outbound",
      access: "Allow",
      protocol: "Tcp",
      source: "*",
      destination: "AzureCloud",
      ports: ["443", "12000"],
    },
    {
      name: "allow_misubnet_outbound",
      priority: 200,
      direction: "Outbound",
      access: "Allow",
      protocol: "*",
      source: "*",
      destination: ctx.subnetPrefix,
      ports: "*",
    },
  ];
  const endpoint = (name: string, priority: number, source: string | string[], description?: string): RuleSpec => ({
    name,
    priority,
    direction: "Inbound",
    access: "Allow",
    protocol: "Tcp",
    source,
    destination: "*",
    ports: "3342",
    ...(description === undefined ? {} : { description }),
  });
  const denyOthers: RuleSpec = {
    name: "deny_public_endpoint_others",
    priority: 410,
    direction: "Inbound",
    access: "Deny",
    protocol: "Tcp",
    source: "*",
    destination: "*",
    ports: "3342",
  };
  switch (variant) {
    case "ownedPrefix":
      specs.push(
        endpoint(
          "allow_public_endpoint_egress_ips",
          400,
          ctx.ownedPrefix,
          "Public endpoint from our NAT egress prefix",
        ),
        denyOthers,
      );
      break;
    case "corporate":
      specs.push(
        endpoint(
          "allow_public_endpoint_corporate",
          400,
          ["192.168.0.0/16", "172.16.0.0/12"],
          "On-premises clients via ExpressRoute",
        ),
        denyOthers,
      );
      break;
    case "internet":
      specs.push(endpoint("allow_public_endpoint_any", 400, "Internet", "Temporary: partner ETL"));
      break;
    case "azureCloud":
      specs.push(endpoint("allow_public_endpoint_azure", 400, "AzureCloud", "Allow Azure services"));
      break;
    case "foreignRange":
      specs.push(
        endpoint("allow_public_endpoint_partner", 400, ctx.foreignRange, "Partner reporting tool"),
        denyOthers,
      );
      break;
    case "shadowed":
      // First match by priority wins, so the Deny at 350 shadows the legacy Allow at 4000.
      specs.push(
        { ...denyOthers, name: "deny_public_endpoint_all", priority: 350 },
        endpoint("allow_public_endpoint_legacy", 4000, "Internet", "Shadowed by deny_public_endpoint_all"),
      );
      break;
    case "portRange":
      specs.push({
        name: "allow_legacy_app_range",
        priority: 450,
        direction: "Inbound",
        access: "Allow",
        protocol: "Tcp",
        source: "*",
        destination: "*",
        ports: "3000-3999",
        description: "Legacy app ports (covers 3342)",
      });
      break;
    case "applicationSecurityGroup":
      specs.push({
        ...endpoint("allow_public_endpoint_jumphosts", 400, []),
        sourceAsgs: [ctx.asgId],
        description: "Jump hosts only",
      });
      break;
  }
  const extraRule = miNsgExtraRule(extra);
  if (extraRule !== undefined) specs.push(extraRule);
  return finish(ctx, specs, size);
}

export type AppSubnetVariant = "allowSqlAndRedirect" | "noNsg" | "denyRedirect" | "denySql" | "defaultsOnly";

/** Outbound from an App Service integration subnet: allowed, no NSG, defaults only; blocked on 1433 or on the redirect range. */
export const APP_SUBNET_VARIANTS: readonly AppSubnetVariant[] = [
  "allowSqlAndRedirect",
  "noNsg",
  "denyRedirect",
  "defaultsOnly",
  "denySql",
  "allowSqlAndRedirect",
];

export function appSubnetRules(
  ctx: RuleSetContext,
  variant: Exclude<AppSubnetVariant, "noNsg">,
  managedInstancePrefixes: string[],
  size: number,
): RuleRow[] {
  const target =
    managedInstancePrefixes.length === 0
      ? "VirtualNetwork"
      : managedInstancePrefixes.length === 1
        ? managedInstancePrefixes[0]!
        : managedInstancePrefixes;
  const specs: RuleSpec[] = [
    {
      name: "allow_frontdoor_https",
      priority: 100,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      source: "AzureFrontDoor.Backend",
      destination: "*",
      ports: "443",
    },
    {
      name: "allow_storage_out",
      priority: 300,
      direction: "Outbound",
      access: "Allow",
      protocol: "Tcp",
      source: "*",
      destination: `Storage.${region(ctx)}`,
      ports: "443",
    },
    {
      name: "allow_keyvault_out",
      priority: 310,
      direction: "Outbound",
      access: "Allow",
      protocol: "Tcp",
      source: "*",
      destination: "AzureKeyVault",
      ports: "443",
    },
  ];
  switch (variant) {
    case "allowSqlAndRedirect":
      specs.push(
        {
          name: "allow_sql_to_mi",
          priority: 200,
          direction: "Outbound",
          access: "Allow",
          protocol: "Tcp",
          source: "*",
          destination: target,
          ports: ["1433", "11000-11999"],
        },
        {
          name: "deny_internet_out",
          priority: 4000,
          direction: "Outbound",
          access: "Deny",
          protocol: "*",
          source: "*",
          destination: "Internet",
          ports: "*",
        },
      );
      break;
    case "denyRedirect":
      specs.push(
        {
          name: "allow_sql_to_mi",
          priority: 200,
          direction: "Outbound",
          access: "Allow",
          protocol: "Tcp",
          source: "*",
          destination: target,
          ports: "1433",
        },
        {
          name: "deny_redirect_range",
          priority: 210,
          direction: "Outbound",
          access: "Deny",
          protocol: "Tcp",
          source: "*",
          destination: "VirtualNetwork",
          ports: "11000-11999",
          description: "Blocks MI redirect ports",
        },
      );
      break;
    case "denySql":
      specs.push({
        name: "deny_sql_out",
        priority: 150,
        direction: "Outbound",
        access: "Deny",
        protocol: "Tcp",
        source: "*",
        destination: "VirtualNetwork",
        ports: "1433",
        description: "Lockdown after incident",
      });
      break;
    case "defaultsOnly":
      break;
  }
  return finish(ctx, specs, size);
}

export type WorkloadVariant =
  "vnetOnly" | "defaultsOnly" | "shadowed" | "internet" | "azureCloud" | "foreignRange" | "applicationSecurityGroup";

/** 1433 on a workload subnet: mostly VNet-only; sometimes opened to the Internet, AzureCloud or a partner range. */
export const WORKLOAD_VARIANTS: readonly WorkloadVariant[] = [
  "vnetOnly",
  "defaultsOnly",
  "vnetOnly",
  "shadowed",
  "defaultsOnly",
  "internet",
  "vnetOnly",
  "azureCloud",
  "defaultsOnly",
  "vnetOnly",
  "foreignRange",
  "vnetOnly",
  "applicationSecurityGroup",
  "defaultsOnly",
];

export function workloadSubnetRules(ctx: RuleSetContext, variant: WorkloadVariant, size: number): RuleRow[] {
  const specs: RuleSpec[] = [
    {
      name: "allow_rdp_corp",
      priority: 100,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      source: ["192.168.0.0/16", "172.16.0.0/12"],
      destination: "*",
      ports: "3389",
    },
    {
      name: "allow_ssh_bastion",
      priority: 110,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      source: "10.255.0.0/26",
      destination: "*",
      ports: "22",
    },
    {
      name: "allow_web_inbound",
      priority: 120,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      source: "Internet",
      destination: ctx.subnetPrefix,
      ports: ["80", "443"],
    },
  ];
  const sql = (name: string, priority: number, source: string | string[], description?: string): RuleSpec => ({
    name,
    priority,
    direction: "Inbound",
    access: "Allow",
    protocol: "Tcp",
    source,
    destination: "*",
    ports: "1433",
    ...(description === undefined ? {} : { description }),
  });
  switch (variant) {
    case "vnetOnly":
      specs.push(sql("allow_sql_from_vnet", 500, "VirtualNetwork"));
      break;
    case "defaultsOnly":
      break;
    case "shadowed":
      specs.push(
        { ...sql("deny_sql_all", 600, "*"), access: "Deny" },
        sql("allow_sql_any_legacy", 3000, "*", "Shadowed by deny_sql_all"),
      );
      break;
    case "internet":
      specs.push(sql("allow_sql_anywhere", 500, "*", "legacy vendor access"));
      break;
    case "azureCloud":
      specs.push(sql("allow_sql_azure_services", 500, "AzureCloud", "Allow Azure services"));
      break;
    case "foreignRange":
      specs.push(sql("allow_sql_partner", 500, [ctx.foreignRange, "10.0.0.0/8"], "Partner BI"));
      break;
    case "applicationSecurityGroup":
      specs.push({ ...sql("allow_sql_from_app_tier", 500, []), sourceAsgs: [ctx.asgId] });
      break;
  }
  return finish(ctx, specs, size);
}

export type NicVariant = "rdp" | "ssh" | "sqlVm" | "sshCorporate" | "web";

/** Portal-made NIC NSGs: RDP or SSH open to the world (not a SQL finding), sometimes a SQL VM's 1433. */
export const NIC_VARIANTS: readonly NicVariant[] = ["rdp", "ssh", "ssh", "web", "sqlVm", "sshCorporate", "rdp", "ssh"];

export function networkInterfaceRules(ctx: RuleSetContext, variant: NicVariant, size: number): RuleRow[] {
  const specs: RuleSpec[] = [];
  const rule = (name: string, priority: number, source: string | string[], ports: string | string[]): RuleSpec => ({
    name,
    priority,
    direction: "Inbound",
    access: "Allow",
    protocol: "Tcp",
    source,
    destination: "*",
    ports,
  });
  switch (variant) {
    case "rdp":
      specs.push(rule("RDP", 300, "*", "3389"));
      break;
    case "ssh":
      specs.push(rule("SSH", 300, "*", "22"));
      break;
    case "sqlVm":
      specs.push(rule("RDP", 300, "*", "3389"), rule("MS_SQL", 1010, "*", "1433"));
      break;
    case "sshCorporate":
      specs.push(rule("SSH", 300, ["192.168.0.0/16", ctx.ownedPrefix], "22"));
      break;
    case "web":
      specs.push(rule("HTTPS", 320, "*", ["80", "443"]));
      break;
  }
  return finish(ctx, specs, size);
}

/** Adds filler rules until the NSG has `size` custom rules, then turns the specs into rows. */
function finish(ctx: RuleSetContext, specs: RuleSpec[], size: number): RuleRow[] {
  const used = new Set(specs.map((s) => `${s.direction}/${s.priority}`));
  const names = new Set(specs.map((s) => s.name));
  let next = { Inbound: 1000, Outbound: 1000 };
  for (let attempt = 0; specs.length < size && attempt < size * 4; attempt += 1) {
    const spec = fillerRule(ctx);
    let priority = next[spec.direction];
    while (used.has(`${spec.direction}/${priority}`)) priority += 10;
    next = { ...next, [spec.direction]: priority + ctx.random.int(1, 4) * 10 };
    if (priority > 4096) continue;
    let name = spec.name;
    for (let n = 2; names.has(name); n += 1) name = `${spec.name}_${n}`;
    used.add(`${spec.direction}/${priority}`);
    names.add(name);
    specs.push({ ...spec, name, priority });
  }
  return specs.map((spec) => securityRule(spec, ctx.nsgId));
}

const APP_PORTS = [
  "443",
  "8443",
  "5671-5672",
  "8080-8089",
  "9090",
  "6379",
  "5432",
  "27017",
  "30000-32767",
  "9200-9300",
  "2049",
  "445",
];
const OUTBOUND_TAGS = [
  "AzureMonitor",
  "AzureKeyVault",
  "AzureActiveDirectory",
  "EventHub",
  "AzureContainerRegistry",
  "AzureResourceManager",
];

/** One rule of the kinds real NSGs accumulate. None of them admits untrusted sources on 1433 or 3342. */
function fillerRule(ctx: RuleSetContext): RuleSpec {
  const { random } = ctx;
  const base = { priority: 0, protocol: "Tcp" as const, access: "Allow" as const };
  switch (random.int(0, 9)) {
    case 0:
      return {
        ...base,
        name: "allow_app_from_corp",
        direction: "Inbound",
        source: `10.${random.int(0, 255)}.0.0/16`,
        destination: "*",
        ports: random.pick(APP_PORTS),
      };
    case 1:
      return {
        ...base,
        name: "allow_app_ports_from_corp",
        direction: "Inbound",
        source: ["192.168.0.0/16", `10.${random.int(0, 255)}.${random.int(0, 255)}.0/24`],
        destination: ctx.subnetPrefix,
        ports: [random.pick(APP_PORTS), random.pick(APP_PORTS)],
      };
    case 2:
      return {
        ...base,
        name: "allow_gateway_manager",
        direction: "Inbound",
        source: "GatewayManager",
        destination: "*",
        ports: "65200-65535",
      };
    case 3:
      return {
        ...base,
        name: "allow_https_frontdoor",
        direction: "Inbound",
        source: "AzureFrontDoor.Backend",
        destination: "*",
        ports: ["443", "8443"],
      };
    case 4:
      return {
        ...base,
        name: "deny_internet_high_ports",
        direction: "Inbound",
        access: "Deny",
        protocol: "*",
        source: "Internet",
        destination: "*",
        ports: "49152-65535",
      };
    case 5:
      return {
        ...base,
        name: "allow_app_tier_to_api",
        direction: "Inbound",
        source: [],
        destination: [],
        sourceAsgs: [ctx.asgId],
        destinationAsgs: [ctx.asgId.replace(/asg-[^/]*$/, "asg-api")],
        ports: "8080",
      };
    case 6:
      return {
        ...base,
        name: "allow_dns_udp",
        direction: "Inbound",
        protocol: "Udp",
        source: "VirtualNetwork",
        destination: "*",
        ports: "53",
      };
    case 7:
      return {
        ...base,
        name: "allow_storage_out",
        direction: "Outbound",
        source: "*",
        destination: `Storage.${region(ctx)}`,
        ports: "443",
      };
    case 8:
      return {
        ...base,
        name: "allow_platform_out",
        direction: "Outbound",
        source: "*",
        destination: random.pick(OUTBOUND_TAGS),
        ports: "443",
      };
    default:
      return {
        ...base,
        name: "deny_smb_internet_out",
        direction: "Outbound",
        access: "Deny",
        source: "*",
        destination: "Internet",
        ports: ["445", "139"],
      };
  }
}
