import { describe, expect, it } from "vitest";
import type { SecurityRule } from "../../src/model/estate";
import { type OutboundFlow, type OutboundFlowQuery, evaluateOutboundFlow } from "../../src/net/nsg-evaluation";
import { DEFAULT_SECURITY_RULES } from "../../src/model/default-security-rules";
import { APP_SUBNET, APP_VNET, MI_SUBNET, MI_VNET, rule } from "./fixtures";

/** An app subnet reaching the MI subnet in a peered VNet: the redirect-mode connectivity question. */
const QUERY: OutboundFlowQuery = {
  protocol: "Tcp",
  ports: "1433",
  sourcePrefixes: [APP_SUBNET],
  destinationPrefixes: [MI_SUBNET],
  virtualNetworkPrefixes: [APP_VNET, MI_VNET],
};
const REDIRECT = { ports: "11000-11999" };

const out = (o: Partial<SecurityRule> & { name: string; priority: number }) => rule({ direction: "Outbound", ...o });
const deny = (o: Partial<SecurityRule> & { name: string; priority: number }) => out({ access: "Deny", ...o });
const withDefaults = (...rules: SecurityRule[]) => [...rules, ...DEFAULT_SECURITY_RULES];

interface Case {
  name: string;
  rules: SecurityRule[];
  query?: Partial<OutboundFlowQuery>;
  verdict: OutboundFlow["verdict"];
  /** `ports verdict rule` per segment, e.g. "11000-11499 allowed AllowVnetOutBound". */
  segments?: string[];
  uncertainRules?: string[];
  noteIncludes?: string;
}

function check(c: Case) {
  const result = evaluateOutboundFlow(c.rules, { ...QUERY, ...c.query });
  expect(result.verdict).toBe(c.verdict);
  if (c.segments !== undefined) {
    expect(
      result.segments.map((s) => [s.ports, s.verdict, s.rule?.name].filter((x) => x !== undefined).join(" ")),
    ).toEqual(c.segments);
  }
  expect(result.uncertainRules.map((r) => r.name)).toEqual(c.uncertainRules ?? []);
  if (c.verdict === "uncertain") expect(result.notes.length).toBeGreaterThan(0);
  if (c.noteIncludes !== undefined) expect(result.notes.join("\n")).toContain(c.noteIncludes);
}

describe("evaluateOutboundFlow: 1433", () => {
  it.each<Case>([
    {
      name: "defaults only",
      rules: [...DEFAULT_SECURITY_RULES],
      verdict: "allowed",
      segments: ["1433 allowed AllowVnetOutBound"],
    },
    {
      name: "empty rule list (defaults assumed)",
      rules: [],
      verdict: "allowed",
      segments: ["1433 allowed AllowVnetOutBound"],
    },
    {
      name: "Deny 1433 to the MI subnet",
      rules: withDefaults(
        deny({
          name: "DenySql",
          priority: 100,
          destinationAddressPrefixes: [MI_SUBNET],
          destinationPortRanges: ["1433"],
        }),
      ),
      verdict: "blocked",
      segments: ["1433 blocked DenySql"],
    },
    {
      name: "Deny 1433 to half the MI subnet still blocks some addresses",
      rules: withDefaults(
        deny({
          name: "DenyHalf",
          priority: 100,
          destinationAddressPrefixes: ["10.1.0.128/25"],
          destinationPortRanges: ["1433"],
        }),
      ),
      verdict: "blocked",
      segments: ["1433 blocked DenyHalf"],
    },
    {
      name: "Deny Internet does not block a VNet destination",
      rules: withDefaults(deny({ name: "DenyInternet", priority: 100, destinationAddressPrefixes: ["Internet"] })),
      verdict: "allowed",
      segments: ["1433 allowed AllowVnetOutBound"],
    },
    {
      name: "Deny Internet blocks a destination outside the VirtualNetwork prefixes",
      rules: withDefaults(deny({ name: "DenyInternet", priority: 100, destinationAddressPrefixes: ["Internet"] })),
      query: { virtualNetworkPrefixes: [APP_VNET] },
      verdict: "blocked",
      segments: ["1433 blocked DenyInternet"],
    },
    {
      name: "without peering the MI subnet is reached through AllowInternetOutBound",
      rules: [...DEFAULT_SECURITY_RULES],
      query: { virtualNetworkPrefixes: [APP_VNET] },
      verdict: "allowed",
      segments: ["1433 allowed AllowInternetOutBound"],
    },
    {
      name: "Deny Internet when the VirtualNetwork prefixes are unknown",
      rules: withDefaults(deny({ name: "DenyInternet", priority: 100, destinationAddressPrefixes: ["Internet"] })),
      query: { virtualNetworkPrefixes: [] },
      verdict: "uncertain",
      uncertainRules: ["DenyInternet", "AllowVnetOutBound"],
      noteIncludes: "Internet, but the VirtualNetwork prefixes it excludes were not supplied",
    },
    {
      name: "Deny * at 4000 after an explicit Allow at 100",
      rules: withDefaults(
        out({
          name: "AllowSql",
          priority: 100,
          destinationAddressPrefixes: [MI_SUBNET],
          destinationPortRanges: ["1433"],
        }),
        deny({ name: "DenyAll", priority: 4000 }),
      ),
      verdict: "allowed",
      segments: ["1433 allowed AllowSql"],
    },
    {
      name: "Deny * at 100 before the explicit Allow at 200",
      rules: withDefaults(
        deny({ name: "DenyAll", priority: 100 }),
        out({
          name: "AllowSql",
          priority: 200,
          destinationAddressPrefixes: [MI_SUBNET],
          destinationPortRanges: ["1433"],
        }),
      ),
      verdict: "blocked",
      segments: ["1433 blocked DenyAll"],
    },
    {
      name: "Deny Udp does not block Tcp",
      rules: withDefaults(deny({ name: "DenyUdp", priority: 100, protocol: "Udp" })),
      verdict: "allowed",
    },
    {
      name: "Deny * protocol blocks Tcp",
      rules: withDefaults(deny({ name: "DenyAnyProtocol", priority: 100, protocol: "*" })),
      verdict: "blocked",
    },
    {
      name: "Deny from another subnet does not apply",
      rules: withDefaults(deny({ name: "DenyOtherSource", priority: 100, sourceAddressPrefixes: ["10.3.0.0/24"] })),
      verdict: "allowed",
    },
    {
      name: "Deny from part of the app subnet",
      rules: withDefaults(deny({ name: "DenyHalfSource", priority: 100, sourceAddressPrefixes: ["10.2.0.0/25"] })),
      verdict: "uncertain",
      uncertainRules: ["DenyHalfSource"],
      noteIncludes: "source (10.2.0.0/25) covers only part of the protected range",
    },
    {
      name: "Deny to a destination ASG",
      rules: withDefaults(
        deny({
          name: "DenyToAsg",
          priority: 100,
          destinationAddressPrefixes: [],
          destinationApplicationSecurityGroups: ["asg-mi"],
        }),
      ),
      verdict: "uncertain",
      uncertainRules: ["DenyToAsg"],
      noteIncludes: "destination uses application security group asg-mi, whose members are not known here",
    },
    {
      name: "Deny to a service tag does not cover a private subnet",
      rules: withDefaults(deny({ name: "DenySqlTag", priority: 100, destinationAddressPrefixes: ["Sql"] })),
      verdict: "allowed",
    },
    {
      // The app's stack picks the ephemeral port; connections that draw one of 49152-65535 (Windows' range) fail.
      name: "Deny on some ephemeral source ports blocks the connections that draw them",
      rules: withDefaults(deny({ name: "DenyEphemeral", priority: 100, sourcePortRanges: ["49152-65535"] })),
      verdict: "blocked",
      segments: ["1433 blocked DenyEphemeral"],
    },
    {
      name: "Deny with a malformed destination port",
      rules: withDefaults(deny({ name: "DenyBadPort", priority: 100, destinationPortRanges: ["abc"] })),
      verdict: "uncertain",
      uncertainRules: ["DenyBadPort"],
    },
    {
      name: "Deny with a malformed destination prefix",
      rules: withDefaults(deny({ name: "DenyBadPrefix", priority: 100, destinationAddressPrefixes: ["10.1.0.0/40"] })),
      verdict: "uncertain",
      uncertainRules: ["DenyBadPrefix"],
    },
    {
      name: "inbound rules do not affect outbound",
      rules: withDefaults(rule({ name: "InboundDenyAll", priority: 100, access: "Deny" })),
      verdict: "allowed",
    },
    {
      name: "AllowVnetOutBound with unknown VirtualNetwork prefixes",
      rules: [...DEFAULT_SECURITY_RULES],
      query: { virtualNetworkPrefixes: [] },
      verdict: "uncertain",
      uncertainRules: ["AllowVnetOutBound"],
    },
    {
      name: "explicit Allow makes unknown VirtualNetwork prefixes irrelevant",
      rules: withDefaults(
        out({ name: "AllowSql", priority: 100, sourceAddressPrefixes: ["*"], destinationAddressPrefixes: [MI_SUBNET] }),
      ),
      query: { virtualNetworkPrefixes: [] },
      verdict: "allowed",
      segments: ["1433 allowed AllowSql"],
    },
  ])("$name", check);
});

describe("evaluateOutboundFlow: 11000-11999 (redirect)", () => {
  it.each<Case>([
    {
      name: "defaults only",
      rules: [],
      query: REDIRECT,
      verdict: "allowed",
      segments: ["11000-11999 allowed AllowVnetOutBound"],
    },
    {
      name: "Deny on the upper part of the range",
      rules: withDefaults(deny({ name: "DenyUpper", priority: 100, destinationPortRanges: ["11500-11999"] })),
      query: REDIRECT,
      verdict: "blocked",
      segments: ["11000-11499 allowed AllowVnetOutBound", "11500-11999 blocked DenyUpper"],
    },
    {
      name: "Deny in the middle of the range",
      rules: withDefaults(deny({ name: "DenyMiddle", priority: 100, destinationPortRanges: ["11100-11200"] })),
      query: REDIRECT,
      verdict: "blocked",
      segments: [
        "11000-11099 allowed AllowVnetOutBound",
        "11100-11200 blocked DenyMiddle",
        "11201-11999 allowed AllowVnetOutBound",
      ],
    },
    {
      name: "Deny just outside the range",
      rules: withDefaults(
        deny({ name: "DenyOutside", priority: 100, destinationPortRanges: ["10000-10999", "12000"] }),
      ),
      query: REDIRECT,
      verdict: "allowed",
      segments: ["11000-11999 allowed AllowVnetOutBound"],
    },
    {
      name: "Allow part, Deny the rest",
      rules: withDefaults(
        out({ name: "AllowLower", priority: 100, destinationPortRanges: ["11000-11499"] }),
        deny({ name: "DenyAll", priority: 200 }),
      ),
      query: REDIRECT,
      verdict: "blocked",
      segments: ["11000-11499 allowed AllowLower", "11500-11999 blocked DenyAll"],
    },
    {
      name: "uncertain on part of the range, allowed elsewhere",
      rules: withDefaults(
        deny({
          name: "DenyToAsg",
          priority: 100,
          destinationPortRanges: ["11000-11099"],
          destinationAddressPrefixes: [],
          destinationApplicationSecurityGroups: ["asg-mi"],
        }),
      ),
      query: REDIRECT,
      verdict: "uncertain",
      segments: ["11000-11099 uncertain DenyToAsg", "11100-11999 allowed AllowVnetOutBound"],
      uncertainRules: ["DenyToAsg"],
    },
    {
      name: "a certain block wins over an uncertain part",
      rules: withDefaults(
        deny({
          name: "DenyToAsg",
          priority: 100,
          destinationPortRanges: ["11000-11099"],
          destinationAddressPrefixes: [],
          destinationApplicationSecurityGroups: ["asg-mi"],
        }),
        deny({ name: "DenyUpper", priority: 110, destinationPortRanges: ["11500-11999"] }),
      ),
      query: REDIRECT,
      verdict: "blocked",
      segments: [
        "11000-11099 uncertain DenyToAsg",
        "11100-11499 allowed AllowVnetOutBound",
        "11500-11999 blocked DenyUpper",
      ],
    },
    {
      name: "1433 and the redirect range in one query",
      rules: withDefaults(deny({ name: "DenyRedirect", priority: 100, destinationPortRanges: ["11000-11999"] })),
      query: { ports: "1433,11000-11999" },
      verdict: "blocked",
      segments: ["1433 allowed AllowVnetOutBound", "11000-11999 blocked DenyRedirect"],
    },
  ])("$name", check);
});

describe("evaluateOutboundFlow: query problems", () => {
  it.each<Case>([
    {
      name: "no destination prefixes",
      rules: [],
      query: { destinationPrefixes: [] },
      verdict: "uncertain",
      segments: ["1433 uncertain"],
      noteIncludes: "Destination prefixes were not supplied",
    },
    {
      name: "malformed destination prefix",
      rules: [],
      query: { destinationPrefixes: ["10.1.0.0/24x"] },
      verdict: "uncertain",
      noteIncludes: "Destination prefixes could not be read",
    },
    {
      name: "unknown source subnet and a source-specific Deny",
      rules: withDefaults(deny({ name: "DenyFromApp", priority: 100, sourceAddressPrefixes: [APP_SUBNET] })),
      query: { sourcePrefixes: [] },
      verdict: "uncertain",
      // AllowVnetOutBound's source side is VirtualNetwork, which cannot be checked against an unknown subnet
      uncertainRules: ["DenyFromApp", "AllowVnetOutBound"],
      noteIncludes: "protected range is unknown",
    },
  ])("$name", check);

  it("throws on malformed query ports", () => {
    expect(() => evaluateOutboundFlow([], { ...QUERY, ports: "11999-11000" })).toThrow(/runs backwards/);
  });
});
