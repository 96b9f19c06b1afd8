import { describe, expect, it } from "vitest";
import type { SecurityRule } from "../../src/model/estate";
import {
  type InboundExposure,
  type InboundExposureQuery,
  evaluateInboundExposure,
  formatRuleRef,
} from "../../src/net/nsg-evaluation";
import { rulesInEvaluationOrder } from "../../src/net/nsg-rule-order";
import { DEFAULT_SECURITY_RULES } from "../../src/model/default-security-rules";
import { MI_SUBNET, MI_VNET, TRUST, rule } from "./fixtures";

/** The MI public endpoint question: TCP 3342 into the MI subnet, VNet 10.1.0.0/16. */
const QUERY: InboundExposureQuery = {
  protocol: "Tcp",
  ports: "3342",
  protectedPrefixes: [MI_SUBNET],
  virtualNetworkPrefixes: [MI_VNET],
};

const allowInternet3342 = rule({
  name: "AllowInternet3342",
  priority: 100,
  sourceAddressPrefixes: ["Internet"],
  destinationPortRanges: ["3342"],
});
const withDefaults = (...rules: SecurityRule[]) => [...rules, ...DEFAULT_SECURITY_RULES];

/** The untrusted IPv4 space once private, configured and owned ranges are removed. */
const PUBLIC_V4_HEAD = "0.0.0.0/5";

interface Case {
  name: string;
  rules: SecurityRule[];
  query?: Partial<InboundExposureQuery>;
  verdict: InboundExposure["verdict"];
  /** Exact list, or a few entries that must be present. */
  untrustedAllowed?: string[];
  untrustedIncludes?: string[];
  example?: { source?: string; port?: number; rule: string };
  decidingRule?: string;
  uncertainRules?: string[];
  noteIncludes?: string;
}

function check(c: Case): void {
  const result = evaluateInboundExposure(c.rules, { ...QUERY, ...c.query }, TRUST);
  expect(result.verdict).toBe(c.verdict);
  if (c.untrustedAllowed !== undefined) expect(result.untrustedAllowed).toEqual(c.untrustedAllowed);
  for (const entry of c.untrustedIncludes ?? []) expect(result.untrustedAllowed).toContain(entry);
  if (c.verdict === "notExposed") {
    expect(result.untrustedAllowed).toEqual([]);
    expect(result.example).toBeUndefined();
  }
  if (c.example !== undefined) {
    expect(result.example?.rule.name).toBe(c.example.rule);
    if (c.example.source !== undefined) expect(result.example?.source).toBe(c.example.source);
    expect(result.example?.port).toBe(c.example.port ?? 3342);
  } else if (c.verdict !== "notExposed") {
    expect(result.example).toBeDefined();
  }
  if (c.decidingRule !== undefined) expect(result.decidingRule?.name).toBe(c.decidingRule);
  expect(result.uncertainRules.map((r) => r.name)).toEqual(c.uncertainRules ?? []);
  if (c.verdict === "uncertain") expect(result.notes.length).toBeGreaterThan(0);
  if (c.noteIncludes !== undefined) expect(result.notes.join("\n")).toContain(c.noteIncludes);
}

describe("evaluateInboundExposure: defaults", () => {
  it.each<Case>([
    { name: "empty rule list (defaults assumed)", rules: [], verdict: "notExposed", decidingRule: "DenyAllInBound" },
    {
      name: "defaults present",
      rules: [...DEFAULT_SECURITY_RULES],
      verdict: "notExposed",
      decidingRule: "DenyAllInBound",
    },
    {
      name: "defaults only, VirtualNetwork prefixes unknown: AllowVnetInBound could mean anything",
      rules: [...DEFAULT_SECURITY_RULES],
      query: { virtualNetworkPrefixes: [] },
      verdict: "uncertain",
      example: { rule: "AllowVnetInBound" },
      uncertainRules: ["AllowVnetInBound"],
      noteIncludes: "VirtualNetwork, but its prefixes were not supplied",
    },
    {
      name: "custom rules without defaults still end in DenyAllInBound",
      rules: [rule({ name: "AllowVnet", priority: 100, sourceAddressPrefixes: [MI_VNET] })],
      verdict: "notExposed",
      decidingRule: "DenyAllInBound",
    },
  ])("$name", check);
});

describe("evaluateInboundExposure: ports", () => {
  it.each<Case>([
    {
      name: "exact port",
      rules: withDefaults(allowInternet3342),
      verdict: "exposed",
      example: { rule: "AllowInternet3342", source: "198.51.100.7" },
    },
    {
      name: "range covering the port",
      rules: withDefaults(
        rule({
          name: "AllowRange",
          priority: 100,
          sourceAddressPrefixes: ["Internet"],
          destinationPortRanges: ["3300-3400"],
        }),
      ),
      verdict: "exposed",
      example: { rule: "AllowRange" },
    },
    {
      name: "any port",
      rules: withDefaults(rule({ name: "AllowAll", priority: 100 })),
      verdict: "exposed",
      example: { rule: "AllowAll" },
    },
    {
      name: "near miss 3341",
      rules: withDefaults(rule({ name: "Allow3341", priority: 100, destinationPortRanges: ["3341"] })),
      verdict: "notExposed",
      decidingRule: "DenyAllInBound",
    },
    {
      name: "near miss 3343",
      rules: withDefaults(rule({ name: "Allow3343", priority: 100, destinationPortRanges: ["3343"] })),
      verdict: "notExposed",
    },
    {
      name: "near miss range 3300-3341",
      rules: withDefaults(rule({ name: "AllowBelow", priority: 100, destinationPortRanges: ["3300-3341"] })),
      verdict: "notExposed",
    },
    {
      name: "near miss range 3343-3400",
      rules: withDefaults(rule({ name: "AllowAbove", priority: 100, destinationPortRanges: ["3343-3400"] })),
      verdict: "notExposed",
    },
    {
      name: "port list containing the port",
      rules: withDefaults(rule({ name: "AllowList", priority: 100, destinationPortRanges: ["1433", "3342"] })),
      verdict: "exposed",
      example: { rule: "AllowList" },
    },
    {
      name: "port list missing the port",
      rules: withDefaults(
        rule({ name: "AllowList", priority: 100, destinationPortRanges: ["1433", "3341", "3343-3400"] }),
      ),
      verdict: "notExposed",
    },
    {
      name: "comma list inside one entry",
      rules: withDefaults(rule({ name: "AllowCommaList", priority: 100, destinationPortRanges: ["1433,3342"] })),
      verdict: "exposed",
      example: { rule: "AllowCommaList" },
    },
    {
      name: "queried range: one port of it open",
      rules: withDefaults(rule({ name: "Allow1433", priority: 100, destinationPortRanges: ["1433"] })),
      query: { ports: "1000-2000" },
      verdict: "exposed",
      example: { rule: "Allow1433", port: 1433 },
    },
    {
      name: "queried list: the example names the open port",
      rules: withDefaults(rule({ name: "Allow3342", priority: 100, destinationPortRanges: ["3342"] })),
      query: { ports: "1433,3342" },
      verdict: "exposed",
      example: { rule: "Allow3342", port: 3342 },
    },
  ])("$name", check);
});

describe("evaluateInboundExposure: sources", () => {
  it.each<Case>([
    {
      name: "Internet",
      rules: withDefaults(allowInternet3342),
      verdict: "exposed",
      untrustedIncludes: [PUBLIC_V4_HEAD, "any service tag"],
      example: { rule: "AllowInternet3342" },
    },
    {
      name: "*",
      rules: withDefaults(rule({ name: "AllowStar", priority: 100, destinationPortRanges: ["3342"] })),
      verdict: "exposed",
    },
    {
      name: "Any, protocol Any",
      rules: withDefaults(
        rule({
          name: "AllowAny",
          priority: 100,
          protocol: "Any",
          sourceAddressPrefixes: ["Any"],
          destinationPortRanges: ["3342"],
        }),
      ),
      verdict: "exposed",
    },
    {
      name: "0.0.0.0/0 (IPv4 only: the tag part is uncertain, the verdict is not)",
      rules: withDefaults(rule({ name: "AllowV4", priority: 100, sourceAddressPrefixes: ["0.0.0.0/0"] })),
      verdict: "exposed",
      untrustedIncludes: [PUBLIC_V4_HEAD, "any service tag"],
    },
    {
      name: "plural source prefixes: only the public one is reported",
      rules: withDefaults(
        rule({ name: "AllowTwo", priority: 100, sourceAddressPrefixes: ["10.0.0.0/8", "52.0.0.0/8"] }),
      ),
      verdict: "exposed",
      untrustedAllowed: ["52.0.0.0/8"],
      example: { rule: "AllowTwo", source: "52.0.0.0" },
    },
    {
      name: "plural private prefixes only",
      rules: withDefaults(
        rule({
          name: "AllowPrivate",
          priority: 100,
          sourceAddressPrefixes: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"],
        }),
      ),
      verdict: "notExposed",
    },
    {
      name: "VirtualNetwork",
      rules: withDefaults(rule({ name: "AllowVnet", priority: 100, sourceAddressPrefixes: ["VirtualNetwork"] })),
      verdict: "notExposed",
    },
    {
      name: "VirtualNetwork with public address space in the VNet is still trusted",
      rules: withDefaults(rule({ name: "AllowVnet", priority: 100, sourceAddressPrefixes: ["VirtualNetwork"] })),
      query: { virtualNetworkPrefixes: [MI_VNET, "52.10.0.0/16"] },
      verdict: "notExposed",
    },
    {
      name: "VirtualNetwork without its prefixes",
      rules: withDefaults(rule({ name: "AllowVnet", priority: 100, sourceAddressPrefixes: ["VirtualNetwork"] })),
      query: { virtualNetworkPrefixes: [] },
      verdict: "uncertain",
      // AllowVnetInBound is just as unknown, but AllowVnet at 100 already decided everything it could match
      uncertainRules: ["AllowVnet"],
    },
    {
      name: "VirtualNetwork with a malformed prefix is treated as unknown",
      rules: withDefaults(rule({ name: "AllowVnet", priority: 100, sourceAddressPrefixes: ["VirtualNetwork"] })),
      query: { virtualNetworkPrefixes: [MI_VNET, "10.300.0.0/16"] },
      verdict: "uncertain",
      uncertainRules: ["AllowVnet"],
      noteIncludes: "VirtualNetwork prefixes could not be read",
    },
    {
      name: "AzureLoadBalancer",
      rules: withDefaults(rule({ name: "AllowLb", priority: 100, sourceAddressPrefixes: ["AzureLoadBalancer"] })),
      verdict: "notExposed",
    },
    {
      name: "168.63.129.16 written as an address",
      rules: withDefaults(rule({ name: "AllowLbIp", priority: 100, sourceAddressPrefixes: ["168.63.129.16/32"] })),
      verdict: "notExposed",
    },
    {
      name: "AzureCloud is shared by every Azure customer",
      rules: withDefaults(rule({ name: "AllowAzureCloud", priority: 100, sourceAddressPrefixes: ["AzureCloud"] })),
      verdict: "exposed",
      untrustedAllowed: ["AzureCloud"],
      example: { rule: "AllowAzureCloud", source: "AzureCloud" },
    },
    {
      name: "Sql.WestEurope",
      rules: withDefaults(rule({ name: "AllowSqlWeu", priority: 100, sourceAddressPrefixes: ["Sql.WestEurope"] })),
      verdict: "exposed",
      untrustedAllowed: ["Sql.WestEurope"],
      example: { rule: "AllowSqlWeu", source: "Sql.WestEurope" },
    },
    {
      name: "sql.westeurope in lower case",
      rules: withDefaults(rule({ name: "AllowSqlWeu", priority: 100, sourceAddressPrefixes: ["sql.westeurope"] })),
      verdict: "exposed",
      untrustedAllowed: ["Sql.WestEurope"],
    },
    {
      name: "GatewayManager",
      rules: withDefaults(rule({ name: "AllowGwm", priority: 100, sourceAddressPrefixes: ["GatewayManager"] })),
      verdict: "exposed",
      untrustedAllowed: ["GatewayManager"],
    },
    {
      name: "unknown tag in an Allow",
      rules: withDefaults(rule({ name: "AllowFoo", priority: 100, sourceAddressPrefixes: ["AzureFoo"] })),
      verdict: "uncertain",
      uncertainRules: ["AllowFoo"],
      noteIncludes: "unknown service tag 'AzureFoo'",
    },
    {
      name: "unknown tag in a Deny before an Allow from Internet",
      rules: withDefaults(
        rule({ name: "DenyFoo", priority: 100, access: "Deny", sourceAddressPrefixes: ["AzureFoo"] }),
        rule({ name: "AllowInternet", priority: 200, sourceAddressPrefixes: ["Internet"] }),
      ),
      verdict: "uncertain",
      uncertainRules: ["DenyFoo"],
      example: { rule: "AllowInternet" },
    },
    {
      name: "Internet when the VirtualNetwork prefixes are unknown: tags are certainly in it",
      rules: withDefaults(allowInternet3342),
      query: { virtualNetworkPrefixes: [] },
      verdict: "exposed",
      example: { rule: "AllowInternet3342", source: "AzureCloud" },
    },
  ])("$name", check);
});

describe("evaluateInboundExposure: IPv6", () => {
  it.each<Case>([
    {
      name: "::/0",
      rules: withDefaults(rule({ name: "AllowV6", priority: 100, sourceAddressPrefixes: ["::/0"] })),
      verdict: "exposed",
      untrustedIncludes: ["::/1", "fe00::/7", "any service tag"],
      example: { rule: "AllowV6", source: "2001:db8::5" },
    },
    {
      name: "2001:db8::/32",
      rules: withDefaults(rule({ name: "AllowDoc", priority: 100, sourceAddressPrefixes: ["2001:db8::/32"] })),
      verdict: "exposed",
      untrustedAllowed: ["2001:db8::/32"],
      example: { rule: "AllowDoc", source: "2001:db8::" },
    },
    {
      name: "fc00::/7 is private",
      rules: withDefaults(rule({ name: "AllowUla", priority: 100, sourceAddressPrefixes: ["fc00::/7"] })),
      verdict: "notExposed",
    },
    {
      name: "fd00::/8 is private",
      rules: withDefaults(rule({ name: "AllowUla", priority: 100, sourceAddressPrefixes: ["fd00::/8"] })),
      verdict: "notExposed",
    },
    {
      name: "Deny 0.0.0.0/0 leaves IPv6 open to a later Allow *",
      rules: withDefaults(
        rule({ name: "DenyV4", priority: 100, access: "Deny", sourceAddressPrefixes: ["0.0.0.0/0"] }),
        rule({ name: "AllowAll", priority: 200 }),
      ),
      verdict: "exposed",
      untrustedIncludes: ["::/1"],
      example: { rule: "AllowAll", source: "2001:db8::5" },
    },
    {
      name: "Deny 0.0.0.0/0 and ::/0 covers the service tags too",
      rules: withDefaults(
        rule({ name: "DenyBoth", priority: 100, access: "Deny", sourceAddressPrefixes: ["0.0.0.0/0", "::/0"] }),
        rule({ name: "AllowAzureCloud", priority: 200, sourceAddressPrefixes: ["AzureCloud"] }),
      ),
      verdict: "notExposed",
      decidingRule: "DenyBoth",
    },
    {
      name: "Deny 0.0.0.0/0 covers only part of a later AzureCloud Allow",
      rules: withDefaults(
        rule({ name: "DenyV4", priority: 100, access: "Deny", sourceAddressPrefixes: ["0.0.0.0/0"] }),
        rule({ name: "AllowAzureCloud", priority: 200, sourceAddressPrefixes: ["AzureCloud"] }),
      ),
      verdict: "uncertain",
      // Both: the Deny matches part of each tag, and the Allow's tag may have no IPv6 address left to admit.
      uncertainRules: ["DenyV4", "AllowAzureCloud"],
      noteIncludes:
        "AllowAzureCloud (priority 200, Allow): its service tags may have addresses only in the IP family the rules before it already decided",
    },
  ])("$name", check);
});

describe("evaluateInboundExposure: priority", () => {
  it.each<Case>([
    {
      name: "Deny at 300 shadows Allow at 4000",
      rules: withDefaults(
        rule({
          name: "DenyInternet3342",
          priority: 300,
          access: "Deny",
          sourceAddressPrefixes: ["Internet"],
          destinationPortRanges: ["3342"],
        }),
        rule({ name: "AllowAll4000", priority: 4000 }),
      ),
      verdict: "notExposed",
      decidingRule: "DenyInternet3342",
    },
    {
      name: "Allow at 200 beats Deny at 300 (listed in reverse order)",
      rules: withDefaults(
        rule({ name: "DenyAll300", priority: 300, access: "Deny" }),
        rule({ name: "AllowInternet200", priority: 200, sourceAddressPrefixes: ["Internet"] }),
      ),
      verdict: "exposed",
      example: { rule: "AllowInternet200" },
    },
    {
      name: "partial-range Deny followed by Allow */*",
      rules: withDefaults(
        rule({ name: "DenyLowHalf", priority: 100, access: "Deny", sourceAddressPrefixes: ["0.0.0.0/1"] }),
        rule({ name: "AllowAll", priority: 200 }),
      ),
      verdict: "exposed",
      untrustedIncludes: ["128.0.0.0/3", "::/1"],
      example: { rule: "AllowAll", source: "128.0.0.0" },
    },
    {
      name: "Deny of a public /8 only removes that /8",
      rules: withDefaults(
        rule({ name: "Deny52", priority: 100, access: "Deny", sourceAddressPrefixes: ["52.0.0.0/8"] }),
        rule({ name: "Allow52and53", priority: 200, sourceAddressPrefixes: ["52.0.0.0/8", "53.0.0.0/8"] }),
      ),
      verdict: "exposed",
      untrustedAllowed: ["53.0.0.0/8"],
      example: { rule: "Allow52and53", source: "53.0.0.0" },
    },
    {
      name: "Deny of a port range below the port does not shadow",
      rules: withDefaults(
        rule({ name: "DenyBelow", priority: 100, access: "Deny", destinationPortRanges: ["3300-3341"] }),
        rule({ name: "AllowRange", priority: 200, destinationPortRanges: ["3300-3400"] }),
      ),
      verdict: "exposed",
      example: { rule: "AllowRange" },
    },
    {
      name: "Deny Internet then Allow * only admits the VNet",
      rules: withDefaults(
        rule({ name: "DenyInternet", priority: 100, access: "Deny", sourceAddressPrefixes: ["Internet"] }),
        rule({ name: "AllowAll", priority: 200 }),
      ),
      verdict: "notExposed",
      decidingRule: "DenyInternet",
    },
    {
      name: "Deny Sql shadows a later Allow on its regional tag",
      rules: withDefaults(
        rule({ name: "DenySql", priority: 100, access: "Deny", sourceAddressPrefixes: ["Sql"] }),
        rule({ name: "AllowSqlWeu", priority: 200, sourceAddressPrefixes: ["Sql.WestEurope"] }),
      ),
      verdict: "notExposed",
      decidingRule: "DenySql",
    },
    {
      name: "Deny on a regional tag leaves the rest of the base tag",
      rules: withDefaults(
        rule({ name: "DenySqlWeu", priority: 100, access: "Deny", sourceAddressPrefixes: ["Sql.WestEurope"] }),
        rule({ name: "AllowSql", priority: 200, sourceAddressPrefixes: ["Sql"] }),
      ),
      verdict: "exposed",
      untrustedAllowed: ["Sql except Sql.WestEurope"],
    },
    {
      name: "Deny AzureCloud does not shadow Allow Sql (tags modelled as disjoint; errs towards exposure)",
      rules: withDefaults(
        rule({ name: "DenyAzureCloud", priority: 100, access: "Deny", sourceAddressPrefixes: ["AzureCloud"] }),
        rule({ name: "AllowSql", priority: 200, sourceAddressPrefixes: ["Sql"] }),
      ),
      verdict: "exposed",
      untrustedAllowed: ["Sql"],
    },
    {
      name: "custom rule ties with a default priority and goes first",
      rules: withDefaults(rule({ name: "CustomAt65500", priority: 65500, sourceAddressPrefixes: ["Internet"] })),
      verdict: "exposed",
      example: { rule: "CustomAt65500" },
    },
    {
      name: "outbound rules do not affect inbound",
      rules: withDefaults(rule({ name: "OutboundAllow", priority: 100, direction: "Outbound" })),
      verdict: "notExposed",
    },
  ])("$name", check);
});

describe("evaluateInboundExposure: protocol", () => {
  it.each<Case>([
    {
      name: "Udp rule, Tcp query",
      rules: withDefaults(rule({ name: "AllowUdp", priority: 100, protocol: "Udp" })),
      verdict: "notExposed",
    },
    {
      name: "Icmp rule, Tcp query",
      rules: withDefaults(rule({ name: "AllowIcmp", priority: 100, protocol: "Icmp" })),
      verdict: "notExposed",
    },
    {
      name: "Esp rule, Tcp query",
      rules: withDefaults(rule({ name: "AllowEsp", priority: 100, protocol: "Esp" })),
      verdict: "notExposed",
    },
    {
      name: "* rule, Tcp query",
      rules: withDefaults(rule({ name: "AllowStar", priority: 100, protocol: "*" })),
      verdict: "exposed",
    },
    {
      name: "tcp in lower case",
      rules: withDefaults(rule({ name: "AllowTcp", priority: 100, protocol: "tcp" })),
      verdict: "exposed",
    },
    {
      name: "Udp rule, Udp query",
      rules: withDefaults(rule({ name: "AllowUdp", priority: 100, protocol: "Udp" })),
      query: { protocol: "Udp" },
      verdict: "exposed",
    },
    {
      name: "Tcp rule, Udp query",
      rules: withDefaults(rule({ name: "AllowTcp", priority: 100, protocol: "Tcp" })),
      query: { protocol: "Udp" },
      verdict: "notExposed",
    },
    {
      name: "unknown protocol",
      rules: withDefaults(rule({ name: "AllowSctp", priority: 100, protocol: "Sctp" })),
      verdict: "uncertain",
      uncertainRules: ["AllowSctp"],
      noteIncludes: "protocol 'Sctp' is not recognised",
    },
  ])("$name", check);
});

describe("evaluateInboundExposure: trust", () => {
  it.each<Case>([
    {
      name: "configured prefix exactly",
      rules: withDefaults(rule({ name: "AllowPartner", priority: 100, sourceAddressPrefixes: ["203.0.113.0/24"] })),
      verdict: "notExposed",
    },
    {
      name: "inside the configured prefix",
      rules: withDefaults(rule({ name: "AllowPartner", priority: 100, sourceAddressPrefixes: ["203.0.113.128/25"] })),
      verdict: "notExposed",
    },
    {
      name: "wider than the configured prefix",
      rules: withDefaults(rule({ name: "AllowPartnerWide", priority: 100, sourceAddressPrefixes: ["203.0.113.0/23"] })),
      verdict: "exposed",
      untrustedAllowed: ["203.0.112.0/24"],
      example: { rule: "AllowPartnerWide", source: "203.0.112.0" },
    },
    {
      name: "owned public IP",
      rules: withDefaults(rule({ name: "AllowOwned", priority: 100, sourceAddressPrefixes: ["20.50.60.70"] })),
      verdict: "notExposed",
    },
    {
      name: "owned public prefix",
      rules: withDefaults(rule({ name: "AllowOwned", priority: 100, sourceAddressPrefixes: ["40.0.0.0/28"] })),
      verdict: "notExposed",
    },
    {
      name: "the /24 around an owned IP",
      rules: withDefaults(rule({ name: "AllowOwnedNet", priority: 100, sourceAddressPrefixes: ["20.50.60.0/24"] })),
      verdict: "exposed",
      example: { rule: "AllowOwnedNet", source: "20.50.60.0" },
    },
  ])("$name", check);
});

describe("evaluateInboundExposure: destination (the protected side)", () => {
  it.each<Case>([
    {
      name: "exactly the subnet",
      rules: withDefaults(
        rule({
          name: "AllowToSubnet",
          priority: 100,
          sourceAddressPrefixes: ["Internet"],
          destinationAddressPrefixes: [MI_SUBNET],
        }),
      ),
      verdict: "exposed",
    },
    {
      name: "a prefix covering the subnet",
      rules: withDefaults(rule({ name: "AllowToVnet", priority: 100, destinationAddressPrefixes: [MI_VNET] })),
      verdict: "exposed",
    },
    {
      name: "VirtualNetwork tag",
      rules: withDefaults(
        rule({ name: "AllowToVnetTag", priority: 100, destinationAddressPrefixes: ["VirtualNetwork"] }),
      ),
      verdict: "exposed",
    },
    {
      name: "VirtualNetwork tag, protected range outside the supplied prefixes",
      rules: withDefaults(
        rule({ name: "AllowToVnetTag", priority: 100, destinationAddressPrefixes: ["VirtualNetwork"] }),
      ),
      query: { virtualNetworkPrefixes: ["10.9.0.0/16"] },
      verdict: "uncertain",
      uncertainRules: ["AllowToVnetTag"],
      noteIncludes: "not inside the supplied VirtualNetwork prefixes",
    },
    {
      name: "only part of the subnet",
      rules: withDefaults(rule({ name: "AllowToHalf", priority: 100, destinationAddressPrefixes: ["10.1.0.0/25"] })),
      verdict: "uncertain",
      uncertainRules: ["AllowToHalf"],
      noteIncludes: "covers only part of the protected range",
    },
    {
      name: "a Deny on part of the subnet before an Allow",
      rules: withDefaults(
        rule({ name: "DenyToHalf", priority: 100, access: "Deny", destinationAddressPrefixes: ["10.1.0.0/25"] }),
        rule({ name: "AllowInternet", priority: 200, sourceAddressPrefixes: ["Internet"] }),
      ),
      verdict: "uncertain",
      uncertainRules: ["DenyToHalf"],
    },
    {
      name: "another subnet",
      rules: withDefaults(rule({ name: "AllowToOther", priority: 100, destinationAddressPrefixes: ["10.2.0.0/24"] })),
      verdict: "notExposed",
    },
    {
      name: "protected range unknown, rule names a prefix",
      rules: withDefaults(rule({ name: "AllowToSubnet", priority: 100, destinationAddressPrefixes: [MI_SUBNET] })),
      query: { protectedPrefixes: [] },
      verdict: "uncertain",
      uncertainRules: ["AllowToSubnet"],
      noteIncludes: "protected range is unknown",
    },
    {
      name: "protected range unknown, rule says *",
      rules: withDefaults(rule({ name: "AllowToAny", priority: 100 })),
      query: { protectedPrefixes: [] },
      verdict: "exposed",
    },
    {
      name: "destination ASG",
      rules: withDefaults(
        rule({
          name: "AllowToAsg",
          priority: 100,
          destinationAddressPrefixes: [],
          destinationApplicationSecurityGroups: ["asg-sql"],
        }),
      ),
      verdict: "uncertain",
      uncertainRules: ["AllowToAsg"],
      noteIncludes: "destination uses application security group asg-sql, whose members are not known here",
    },
    {
      name: "destination service tag cannot be a private subnet",
      rules: withDefaults(rule({ name: "AllowToSql", priority: 100, destinationAddressPrefixes: ["Sql"] })),
      verdict: "notExposed",
    },
    {
      name: "destination unknown tag",
      rules: withDefaults(rule({ name: "AllowToFoo", priority: 100, destinationAddressPrefixes: ["AzureFoo"] })),
      verdict: "uncertain",
      uncertainRules: ["AllowToFoo"],
    },
    {
      name: "destination Internet does not include the VNet",
      rules: withDefaults(rule({ name: "AllowToInternet", priority: 100, destinationAddressPrefixes: ["Internet"] })),
      verdict: "notExposed",
    },
  ])("$name", check);
});

describe("evaluateInboundExposure: malformed and unknowable rules", () => {
  it.each<Case>([
    {
      name: "bad CIDR in an Allow",
      rules: withDefaults(rule({ name: "AllowBadCidr", priority: 100, sourceAddressPrefixes: ["10.0.0.300/8"] })),
      verdict: "uncertain",
      uncertainRules: ["AllowBadCidr"],
      noteIncludes: "'10.0.0.300/8' is not a valid IP prefix",
    },
    {
      name: "bad CIDR next to a good public one: the good part is certain",
      rules: withDefaults(
        rule({ name: "AllowMixed", priority: 100, sourceAddressPrefixes: ["10.0.0.0/33", "52.0.0.0/8"] }),
      ),
      verdict: "exposed",
      example: { rule: "AllowMixed", source: "52.0.0.0" },
    },
    {
      name: "bad port",
      rules: withDefaults(rule({ name: "AllowBadPort", priority: 100, destinationPortRanges: ["70000"] })),
      verdict: "uncertain",
      uncertainRules: ["AllowBadPort"],
      noteIncludes: "destination ports: '70000'",
    },
    {
      name: "bad port next to the queried one",
      rules: withDefaults(rule({ name: "AllowPortMixed", priority: 100, destinationPortRanges: ["abc", "3342"] })),
      verdict: "exposed",
    },
    {
      name: "bad port in a Deny before an Allow",
      rules: withDefaults(
        rule({ name: "DenyBadPort", priority: 50, access: "Deny", destinationPortRanges: ["10-5"] }),
        allowInternet3342,
      ),
      verdict: "uncertain",
      uncertainRules: ["DenyBadPort"],
    },
    {
      name: "empty source list",
      rules: withDefaults(rule({ name: "AllowNoSource", priority: 100, sourceAddressPrefixes: [] })),
      verdict: "uncertain",
      uncertainRules: ["AllowNoSource"],
      noteIncludes: "source lists no address",
    },
    {
      name: "null source entry",
      rules: withDefaults(
        rule({ name: "AllowNull", priority: 100, sourceAddressPrefixes: [null as unknown as string] }),
      ),
      verdict: "uncertain",
      uncertainRules: ["AllowNull"],
    },
    {
      name: "empty destination port list",
      rules: withDefaults(rule({ name: "AllowNoPorts", priority: 100, destinationPortRanges: [] })),
      verdict: "uncertain",
      uncertainRules: ["AllowNoPorts"],
      noteIncludes: "no port ranges",
    },
    {
      name: "rule with data issues",
      rules: withDefaults(rule({ name: "AllowFlagged", priority: 100, issues: ["properties.access missing"] })),
      verdict: "uncertain",
      uncertainRules: ["AllowFlagged"],
      noteIncludes: "properties.access missing",
    },
    {
      name: "rule with data issues but the wrong protocol still does not match",
      rules: withDefaults(
        rule({ name: "AllowUdpFlagged", priority: 100, protocol: "Udp", issues: ["description malformed"] }),
      ),
      verdict: "notExposed",
    },
    {
      name: "unreadable priority is assumed to come first",
      rules: withDefaults(
        rule({ name: "DenyInternet", priority: 100, access: "Deny", sourceAddressPrefixes: ["Internet"] }),
        rule({ name: "AllowNoPriority", priority: Number.NaN, sourceAddressPrefixes: ["Internet"] }),
      ),
      verdict: "uncertain",
      uncertainRules: ["AllowNoPriority"],
      noteIncludes: "priority NaN is unreadable",
    },
    {
      name: "unknown access",
      rules: withDefaults(
        rule({
          name: "PermitInternet",
          priority: 100,
          access: "Permit" as "Allow",
          sourceAddressPrefixes: ["Internet"],
        }),
      ),
      verdict: "uncertain",
      uncertainRules: ["PermitInternet"],
      noteIncludes: "access 'Permit' is not Allow or Deny",
    },
    {
      name: "source ASG in an Allow: members unknown, assumed to be anyone",
      rules: withDefaults(
        rule({
          name: "AllowFromAsg",
          priority: 100,
          sourceAddressPrefixes: [],
          sourceApplicationSecurityGroups: ["asg-app"],
        }),
      ),
      verdict: "uncertain",
      uncertainRules: ["AllowFromAsg"],
      noteIncludes: "source uses application security group asg-app, whose members are not known here",
    },
    {
      name: "source ASG in an Allow on another port",
      rules: withDefaults(
        rule({
          name: "AllowFromAsg1433",
          priority: 100,
          sourceAddressPrefixes: [],
          sourceApplicationSecurityGroups: ["asg-app"],
          destinationPortRanges: ["1433"],
        }),
      ),
      verdict: "notExposed",
    },
    {
      name: "source ASG in a Deny before an Allow from Internet",
      rules: withDefaults(
        rule({
          name: "DenyFromAsg",
          priority: 50,
          access: "Deny",
          sourceAddressPrefixes: [],
          sourceApplicationSecurityGroups: ["asg-app"],
        }),
        allowInternet3342,
      ),
      verdict: "uncertain",
      uncertainRules: ["DenyFromAsg"],
    },
    {
      name: "source ASG in a Deny after a certain exposure changes nothing",
      rules: withDefaults(
        allowInternet3342,
        rule({
          name: "DenyFromAsg",
          priority: 200,
          access: "Deny",
          sourceAddressPrefixes: [],
          sourceApplicationSecurityGroups: ["asg-app"],
        }),
      ),
      verdict: "exposed",
    },
    {
      // The client picks its source port, so an Allow on some source ports admits every client that picks one.
      name: "Allow restricted to some source ports still admits every client",
      rules: withDefaults(
        rule({
          name: "AllowHighSourcePorts",
          priority: 100,
          sourcePortRanges: ["1024-65535"],
          sourceAddressPrefixes: ["Internet"],
        }),
      ),
      verdict: "exposed",
    },
    {
      name: "malformed source ports",
      rules: withDefaults(rule({ name: "AllowBadSourcePorts", priority: 100, sourcePortRanges: ["x"] })),
      verdict: "uncertain",
      uncertainRules: ["AllowBadSourcePorts"],
    },
    {
      name: "uncertain rule that cannot change the verdict is not listed",
      rules: withDefaults(
        rule({ name: "AllowFoo", priority: 100, sourceAddressPrefixes: ["AzureFoo"] }),
        rule({ name: "AllowAll", priority: 200 }),
      ),
      verdict: "exposed",
    },
    {
      name: "uncertain Deny after a certain exposure is not listed",
      rules: withDefaults(
        allowInternet3342,
        rule({ name: "DenyFoo", priority: 200, access: "Deny", sourceAddressPrefixes: ["AzureFoo"] }),
      ),
      verdict: "exposed",
    },
  ])("$name", check);
});

describe("evaluateInboundExposure: evidence", () => {
  it("lists at most 20 untrusted entries and says how many more", () => {
    const prefixes = Array.from({ length: 30 }, (_, i) => `52.${i * 2}.0.0/16`);
    const result = evaluateInboundExposure(
      withDefaults(rule({ name: "AllowMany", priority: 100, sourceAddressPrefixes: prefixes })),
      QUERY,
      TRUST,
    );
    expect(result.untrustedAllowed).toHaveLength(20);
    expect(result.untrustedAllowed[0]).toBe("52.0.0.0/16");
    expect(result.untrustedAllowed[19]).toBe("… and 11 more");
  });

  it("names the deciding rule with formatRuleRef", () => {
    const result = evaluateInboundExposure(
      withDefaults(rule({ name: "DenyAll3342", priority: 300, access: "Deny", destinationPortRanges: ["3342"] })),
      QUERY,
      TRUST,
    );
    expect(result.decidingRule).toEqual({ name: "DenyAll3342", priority: 300, access: "Deny", isDefault: false });
    expect(formatRuleRef(result.decidingRule!)).toBe("DenyAll3342 (priority 300, Deny)");
    expect(formatRuleRef({ name: "DenyAllInBound", priority: 65500, access: "Deny", isDefault: true })).toBe(
      "DenyAllInBound (priority 65500, Deny, default rule)",
    );
  });

  it("picks the Deny that decided most of the untrusted space, not merely the first", () => {
    const result = evaluateInboundExposure(
      withDefaults(rule({ name: "DenyOneNet", priority: 100, access: "Deny", sourceAddressPrefixes: ["52.0.0.0/24"] })),
      QUERY,
      TRUST,
    );
    expect(result.decidingRule?.name).toBe("DenyAllInBound");
  });

  it("throws on a malformed query port (a bug in the caller, not in the data)", () => {
    expect(() => evaluateInboundExposure([], { ...QUERY, ports: "70000" }, TRUST)).toThrow(/70000/);
  });

  it("notes an unreadable protected prefix and treats it as unknown", () => {
    const result = evaluateInboundExposure(
      withDefaults(rule({ name: "AllowToSubnet", priority: 100, destinationAddressPrefixes: [MI_SUBNET] })),
      { ...QUERY, protectedPrefixes: ["10.1.0.0/99"] },
      TRUST,
    );
    expect(result.verdict).toBe("uncertain");
    expect(result.notes[0]).toContain("Protected prefixes could not be read");
  });
});

describe("rulesInEvaluationOrder", () => {
  it("sorts by priority, custom before default on a tie, then name, and adds missing defaults", () => {
    const ordered = rulesInEvaluationOrder(
      [
        rule({ name: "B", priority: 200 }),
        rule({ name: "A", priority: 200 }),
        rule({ name: "Custom65000", priority: 65000 }),
        rule({ name: "First", priority: 100 }),
        rule({ name: "Out", priority: 50, direction: "Outbound" }),
      ],
      "Inbound",
    );
    expect(ordered.map((r) => r.name)).toEqual([
      "First",
      "A",
      "B",
      "Custom65000",
      "AllowVnetInBound",
      "AllowAzureLoadBalancerInBound",
      "DenyAllInBound",
    ]);
  });

  it("does not duplicate defaults that are present", () => {
    const ordered = rulesInEvaluationOrder([...DEFAULT_SECURITY_RULES], "Outbound");
    expect(ordered.map((r) => r.name)).toEqual(["AllowVnetOutBound", "AllowInternetOutBound", "DenyAllOutBound"]);
  });
});

describe("shared rules evaluated for many NSGs (the per-rule caches)", () => {
  // One rule object, as the estate builder shares it between every NSG that holds an identical rule: what it means
  // depends on each query's VirtualNetwork prefixes, so its cached resolution must never leak from one VNet to another.
  const fromInternet = rule({
    name: "AllowInternet1433",
    priority: 100,
    sourceAddressPrefixes: ["Internet"],
    destinationPortRanges: ["1433"],
  });
  const fromVnet = rule({
    name: "AllowVnet1433",
    priority: 110,
    sourceAddressPrefixes: ["VirtualNetwork"],
    destinationPortRanges: ["1433"],
  });
  const rules = withDefaults(fromInternet, fromVnet);
  const query = (vnet: string[]): InboundExposureQuery => ({
    protocol: "Tcp",
    ports: "1433",
    protectedPrefixes: [MI_SUBNET],
    virtualNetworkPrefixes: vnet,
  });
  /** The same rules as objects never evaluated before: nothing cached for them. */
  const fresh = () => rules.map((r) => ({ ...r }));

  it("the same rule object gives each VNet its own answer, in any order and after the cache turned over", () => {
    // Twelve VNets, more than a rule keeps resolutions for, each asked twice in interleaved order. The odd ones also
    // hold public space (0.0.0.0/1), which Internet then excludes and VirtualNetwork admits.
    const vnets = Array.from({ length: 12 }, (_, i) => [`10.${i}.0.0/16`, ...(i % 2 === 0 ? [] : ["0.0.0.0/1"])]);
    const first = vnets.map((vnet) => evaluateInboundExposure(rules, query(vnet), TRUST));
    const again = [...vnets.keys()]
      .reverse()
      .map((i) => [i, evaluateInboundExposure(rules, query(vnets[i]!), TRUST)] as const);
    for (const [i, result] of again) expect(result).toEqual(first[i]);
    for (const [i, vnet] of vnets.entries())
      expect(first[i]).toEqual(evaluateInboundExposure(fresh(), query(vnet), TRUST));
    expect(first[0]!.untrustedAllowed[0]).toBe("0.0.0.0/5");
    expect(first[1]!.untrustedAllowed[0]).toBe("128.0.0.0/3");
    for (const result of first) expect(result.verdict).toBe("exposed");
  });

  it("missing or malformed VirtualNetwork prefixes are resolved as such, not from another query's", () => {
    for (const vnet of [[MI_VNET], [], ["10.0.0.0/99"], [MI_VNET], ["10.0.0.0/99"], []]) {
      expect(evaluateInboundExposure(rules, query(vnet), TRUST)).toEqual(
        evaluateInboundExposure(fresh(), query(vnet), TRUST),
      );
    }
    expect(evaluateInboundExposure(rules, query(["10.0.0.0/99"]), TRUST).notes.join("\n")).toContain(
      "VirtualNetwork prefixes could not be read",
    );
  });
});
