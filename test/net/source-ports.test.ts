// Source ports, from Microsoft's documented five-tuple matching: a security rule matches on source address, source
// port, destination address, destination port and protocol, and the first match by priority decides. Inbound, the
// client picks its own source port (any of 0-65535), so the exposure question is "is there a source port that gets
// in". Outbound from an app subnet, the app's stack picks an ephemeral port it does not control, so a flow is allowed
// only when every ephemeral port (1024-65535) gets out, and blocked for the connections that draw a denied one.
import { describe, expect, it } from "vitest";
import type { SecurityRule } from "../../src/model/estate";
import {
  evaluateInboundExposure,
  evaluateOutboundFlow,
  type InboundExposure,
  type OutboundFlow,
} from "../../src/net/nsg-evaluation";
import { DEFAULT_SECURITY_RULES } from "../../src/model/default-security-rules";
import { APP_SUBNET, APP_VNET, MI_SUBNET, MI_VNET, TRUST, rule } from "./fixtures";

const withDefaults = (...rules: SecurityRule[]) => [...rules, ...DEFAULT_SECURITY_RULES];
const inbound = (rules: SecurityRule[]) =>
  evaluateInboundExposure(
    rules,
    { protocol: "Tcp", ports: "3342", protectedPrefixes: [MI_SUBNET], virtualNetworkPrefixes: [MI_VNET] },
    TRUST,
  );
const outbound = (rules: SecurityRule[], ports = "1433") =>
  evaluateOutboundFlow(rules, {
    protocol: "Tcp",
    ports,
    sourcePrefixes: [APP_SUBNET],
    destinationPrefixes: [MI_SUBNET],
    virtualNetworkPrefixes: [APP_VNET, MI_VNET],
  });

const allow = (name: string, priority: number, o: Partial<SecurityRule> = {}) =>
  rule({ name, priority, sourceAddressPrefixes: ["Internet"], destinationPortRanges: ["3342"], ...o });
const deny = (name: string, priority: number, o: Partial<SecurityRule> = {}) =>
  allow(name, priority, { access: "Deny", sourceAddressPrefixes: ["*"], ...o });

describe("inbound: the client picks its source port", () => {
  it.each<{
    name: string;
    rules: SecurityRule[];
    verdict: InboundExposure["verdict"];
    sourcePorts?: string;
    rule?: string;
  }>([
    {
      name: "an Allow on one source port admits every Internet client (it sends from that port)",
      rules: withDefaults(allow("AllowFrom443", 100, { sourcePortRanges: ["443"] })),
      verdict: "exposed",
      sourcePorts: "443",
      rule: "AllowFrom443",
    },
    {
      name: "an Allow on a source-port list",
      rules: withDefaults(allow("AllowFromList", 100, { sourcePortRanges: ["80", "8080-8090"] })),
      verdict: "exposed",
      rule: "AllowFromList",
    },
    {
      name: "a Deny on some source ports protects nobody: the client picks another and reaches the Allow",
      rules: withDefaults(
        deny("DenyHighPorts", 100, { sourcePortRanges: ["1024-65535"] }),
        allow("AllowInternet", 200),
      ),
      verdict: "exposed",
      sourcePorts: "0-1023",
      rule: "AllowInternet",
    },
    {
      name: "Denies that together cover every source port protect everyone",
      rules: withDefaults(
        deny("DenyLowPorts", 100, { sourcePortRanges: ["0-1023"] }),
        deny("DenyHighPorts", 110, { sourcePortRanges: ["1024-65535"] }),
        allow("AllowInternet", 200),
      ),
      verdict: "notExposed",
    },
    {
      name: "Denies leaving one source port open let the client through on that port",
      rules: withDefaults(
        deny("DenyLow", 100, { sourcePortRanges: ["0-40000"] }),
        deny("DenyHigh", 110, { sourcePortRanges: ["40002-65535"] }),
        allow("AllowInternet", 200),
      ),
      verdict: "exposed",
      sourcePorts: "40001",
    },
    {
      name: "a source-port Allow after a Deny of everything is shadowed",
      rules: withDefaults(deny("DenyAll3342", 100), allow("AllowFrom443", 200, { sourcePortRanges: ["443"] })),
      verdict: "notExposed",
    },
    {
      name: "an Allow on a source port for a trusted source only exposes nothing",
      rules: withDefaults(
        allow("AllowPartner", 100, { sourceAddressPrefixes: ["203.0.113.0/24"], sourcePortRanges: ["1024-65535"] }),
      ),
      verdict: "notExposed",
    },
  ])("$name", ({ rules, verdict, sourcePorts, rule: ruleName }) => {
    const result = inbound(rules);
    expect(result.verdict).toBe(verdict);
    expect(result.uncertainRules).toEqual([]);
    if (sourcePorts !== undefined) expect(result.example?.sourcePorts).toBe(sourcePorts);
    if (ruleName !== undefined) expect(result.example?.rule.name).toBe(ruleName);
  });

  it("an unreadable source port stays uncertain (the rule may match any port)", () => {
    const result = inbound(withDefaults(allow("AllowBadPorts", 100, { sourcePortRanges: ["33a42"] })));
    expect(result.verdict).toBe("uncertain");
    expect(result.uncertainRules.map((r) => r.name)).toEqual(["AllowBadPorts"]);
    expect(result.notes.join("\n")).toContain("source ports: '33a42' is not a valid port range");
  });
});

describe("outbound: the app's stack picks an ephemeral source port (1024-65535)", () => {
  const out = (name: string, priority: number, o: Partial<SecurityRule>) =>
    rule({
      name,
      priority,
      direction: "Outbound",
      destinationAddressPrefixes: [MI_SUBNET],
      destinationPortRanges: ["1433"],
      ...o,
    });

  it.each<{ name: string; rules: SecurityRule[]; verdict: OutboundFlow["verdict"]; blockedSourcePorts?: string }>([
    {
      name: "a Deny on Windows' ephemeral range blocks the connections that draw one",
      rules: withDefaults(out("DenyWindowsEphemeral", 100, { access: "Deny", sourcePortRanges: ["49152-65535"] })),
      verdict: "blocked",
      blockedSourcePorts: "49152-65535",
    },
    {
      name: "a Deny on well-known source ports only never meets the app's ephemeral ports",
      rules: withDefaults(out("DenyLowSourcePorts", 100, { access: "Deny", sourcePortRanges: ["0-1023"] })),
      verdict: "allowed",
    },
    {
      name: "an Allow on Linux' ephemeral range before a Deny leaves the other ephemeral ports blocked",
      rules: withDefaults(
        out("AllowLinuxEphemeral", 100, { sourcePortRanges: ["32768-60999"] }),
        out("DenySql", 200, { access: "Deny" }),
      ),
      verdict: "blocked",
      blockedSourcePorts: "1024-32767,61000-65535",
    },
    {
      name: "an Allow on every ephemeral port before a Deny allows the flow",
      rules: withDefaults(
        out("AllowEphemeral", 100, { sourcePortRanges: ["1024-65535"] }),
        out("DenySql", 200, { access: "Deny" }),
      ),
      verdict: "allowed",
    },
  ])("$name", ({ rules, verdict, blockedSourcePorts }) => {
    const result = outbound(rules);
    expect(result.verdict).toBe(verdict);
    expect(result.uncertainRules).toEqual([]);
    const blocked = result.segments.find((s) => s.verdict === "blocked");
    expect(blocked?.sourcePorts).toBe(blockedSourcePorts);
  });

  it("names the blocked source ports per destination segment of the redirect range", () => {
    const result = outbound(
      withDefaults(
        out("DenyHalfRedirect", 100, {
          access: "Deny",
          destinationPortRanges: ["11000-11499"],
          sourcePortRanges: ["49152-65535"],
        }),
      ),
      "11000-11999",
    );
    expect(result.verdict).toBe("blocked");
    expect(result.segments.map((s) => [s.ports, s.verdict, s.sourcePorts ?? "*"])).toEqual([
      ["11000-11499", "blocked", "49152-65535"],
      ["11500-11999", "allowed", "*"],
    ]);
  });
});
