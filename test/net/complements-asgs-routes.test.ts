// Complements, application security groups and route prefixes, from Microsoft's documented behaviour:
// - a security rule holds IPv4 or IPv6 prefixes, never both, so "deny everything" is written as two rules (0.0.0.0/0
//   and ::/0) or as split prefixes; every service tag is a list of IPv4 and IPv6 prefixes, so rules that together
//   cover all of both families cover every tag;
// - an application security group matches the addresses of its member network interfaces;
// - the VirtualNetwork tag also holds the address prefixes of user-defined routes; a route to an address does not make
//   it part of the estate's own network, so those addresses stay untrusted.
import { describe, expect, it } from "vitest";
import type { SecurityRule } from "../../src/model/estate";
import {
  evaluateInboundExposure,
  evaluateOutboundFlow,
  type InboundExposure,
  type InboundExposureQuery,
} from "../../src/net/nsg-evaluation";
import { DEFAULT_SECURITY_RULES } from "../../src/model/default-security-rules";
import { APP_SUBNET, APP_VNET, MI_SUBNET, MI_VNET, TRUST, rule } from "./fixtures";

const withDefaults = (...rules: SecurityRule[]) => [...rules, ...DEFAULT_SECURITY_RULES];
const QUERY: InboundExposureQuery = {
  protocol: "Tcp",
  ports: "3342",
  protectedPrefixes: [MI_SUBNET],
  virtualNetworkPrefixes: [MI_VNET],
};
const inbound = (rules: SecurityRule[], query: Partial<InboundExposureQuery> = {}) =>
  evaluateInboundExposure(rules, { ...QUERY, ...query }, TRUST);
const deny = (name: string, priority: number, sources: string[]) =>
  rule({ name, priority, access: "Deny", sourceAddressPrefixes: sources, destinationPortRanges: ["3342"] });
const allowFrom = (name: string, priority: number, sources: string[], o: Partial<SecurityRule> = {}) =>
  rule({ name, priority, sourceAddressPrefixes: sources, destinationPortRanges: ["3342"], ...o });

describe("complements: rules that together cover all of IPv4 and IPv6 decide every service tag", () => {
  it.each<{ name: string; rules: SecurityRule[]; verdict: InboundExposure["verdict"] }>([
    {
      name: "Deny 0.0.0.0/0 and Deny ::/0 before Allow AzureCloud",
      rules: withDefaults(
        deny("DenyV4", 100, ["0.0.0.0/0"]),
        deny("DenyV6", 110, ["::/0"]),
        allowFrom("AllowAzureCloud", 200, ["AzureCloud"]),
      ),
      verdict: "notExposed",
    },
    {
      name: "split IPv4 halves and ::/0 before Allow *",
      rules: withDefaults(
        deny("DenyLowHalf", 100, ["0.0.0.0/1"]),
        deny("DenyHighHalf", 110, ["128.0.0.0/1"]),
        deny("DenyV6", 120, ["::/0"]),
        allowFrom("AllowAll", 200, ["*"]),
      ),
      verdict: "notExposed",
    },
    {
      name: "IPv6 split in a plural field, IPv4 in another rule, before Allow Internet",
      rules: withDefaults(
        deny("DenyV6", 100, ["::/1", "8000::/1"]),
        deny("DenyV4", 110, ["0.0.0.0/0"]),
        allowFrom("AllowInternet", 200, ["Internet"]),
      ),
      verdict: "notExposed",
    },
    {
      name: "a trusted Allow first, then both families denied, then Allow Sql",
      rules: withDefaults(
        allowFrom("AllowPartner", 100, ["203.0.113.0/24"]),
        deny("DenyV4", 110, ["0.0.0.0/0"]),
        deny("DenyV6", 120, ["::/0"]),
        allowFrom("AllowSql", 200, ["Sql"]),
      ),
      verdict: "notExposed",
    },
    {
      name: "only IPv4 denied: a later tag Allow admits the tag's IPv6 addresses, unknown which",
      rules: withDefaults(deny("DenyV4", 100, ["0.0.0.0/0"]), allowFrom("AllowAzureCloud", 200, ["AzureCloud"])),
      verdict: "uncertain",
    },
    {
      name: "IPv4 and IPv6 denied except one IPv4 block: the tag may have addresses there",
      rules: withDefaults(
        deny("DenyMostV4", 100, ["0.0.0.0/1"]),
        deny("DenyV6", 110, ["::/0"]),
        allowFrom("AllowAzureCloud", 200, ["AzureCloud"]),
      ),
      verdict: "uncertain",
    },
    {
      name: "only IPv4 denied, then Allow *: IPv6 clients get in",
      rules: withDefaults(deny("DenyV4", 100, ["0.0.0.0/0"]), allowFrom("AllowAll", 200, ["*"])),
      verdict: "exposed",
    },
  ])("$name", ({ rules, verdict }) => {
    const result = inbound(rules);
    expect(result.verdict).toBe(verdict);
    if (verdict !== "uncertain") expect(result.uncertainRules).toEqual([]);
  });
});

describe("application security groups match their members' addresses", () => {
  const ASG_PARTNER =
    "/subscriptions/s1/resourcegroups/rg/providers/microsoft.network/applicationsecuritygroups/asg-partner-vms";
  const ASG_WEB = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.network/applicationsecuritygroups/asg-web";
  const allowAsg = (asg: string) =>
    rule({
      name: "AllowFromAsg",
      priority: 100,
      destinationPortRanges: ["3342"],
      sourceAddressPrefixes: [],
      sourceApplicationSecurityGroups: [asg],
    });

  it("a source ASG whose members are VNet NICs admits no untrusted source", () => {
    const members = new Map([[ASG_WEB, ["10.1.5.4", "10.1.5.5"]]]);
    const result = inbound(withDefaults(allowAsg(ASG_WEB)), { applicationSecurityGroups: members });
    expect(result.verdict).toBe("notExposed");
  });

  it("a source ASG with no members matches nothing", () => {
    const result = inbound(withDefaults(allowAsg(ASG_WEB)), { applicationSecurityGroups: new Map([[ASG_WEB, []]]) });
    expect(result.verdict).toBe("notExposed");
  });

  it("a Deny from a known ASG protects only its members: the Allow after it still admits Internet", () => {
    const rules = withDefaults(
      rule({
        name: "DenyFromAsg",
        priority: 100,
        access: "Deny",
        destinationPortRanges: ["3342"],
        sourceAddressPrefixes: [],
        sourceApplicationSecurityGroups: [ASG_WEB],
      }),
      allowFrom("AllowInternet", 200, ["Internet"]),
    );
    expect(inbound(rules, { applicationSecurityGroups: new Map([[ASG_WEB, ["10.1.5.4"]]]) }).verdict).toBe("exposed");
  });

  it("an ASG absent from the membership map stays unknown and is named", () => {
    const result = inbound(withDefaults(allowAsg(ASG_PARTNER)), {
      applicationSecurityGroups: new Map([[ASG_WEB, ["10.1.5.4"]]]),
    });
    expect(result.verdict).toBe("uncertain");
    expect(result.notes.join("\n")).toContain("asg-partner-vms, whose members are not known here");
  });

  it("an ASG with an unreadable member address is unknown", () => {
    const result = inbound(withDefaults(allowAsg(ASG_WEB)), {
      applicationSecurityGroups: new Map([[ASG_WEB, ["10.1.5.999"]]]),
    });
    expect(result.verdict).toBe("uncertain");
  });

  it("a destination ASG with no member in the MI subnet does not apply to traffic to the MI", () => {
    const rules = withDefaults(
      rule({
        name: "DenyToWeb",
        priority: 100,
        access: "Deny",
        destinationPortRanges: ["3342"],
        destinationAddressPrefixes: [],
        destinationApplicationSecurityGroups: [ASG_WEB],
      }),
      allowFrom("AllowInternet", 200, ["Internet"]),
    );
    const result = inbound(rules, { applicationSecurityGroups: new Map([[ASG_WEB, ["10.1.9.4"]]]) });
    expect(result.verdict).toBe("exposed");
    expect(result.example?.rule.name).toBe("AllowInternet");
  });

  it("outbound: a Deny to a known ASG elsewhere does not block the app's flow to the MI", () => {
    const rules = withDefaults(
      rule({
        name: "DenyToWeb",
        priority: 100,
        direction: "Outbound",
        access: "Deny",
        destinationAddressPrefixes: [],
        destinationApplicationSecurityGroups: [ASG_WEB],
      }),
    );
    const flow = evaluateOutboundFlow(rules, {
      protocol: "Tcp",
      ports: "1433",
      sourcePrefixes: [APP_SUBNET],
      destinationPrefixes: [MI_SUBNET],
      virtualNetworkPrefixes: [APP_VNET, MI_VNET],
      applicationSecurityGroups: new Map([[ASG_WEB, ["10.2.7.4"]]]),
    });
    expect(flow.verdict).toBe("allowed");
  });
});

describe("user-defined route prefixes are in VirtualNetwork but are not trusted", () => {
  // No custom rule: AllowVnetInBound (65000) is what admits VirtualNetwork sources on 3342.
  const defaultsOnly = withDefaults();

  it("a route to a public prefix makes AllowVnetInBound admit that prefix: exposed", () => {
    const result = inbound(defaultsOnly, { routePrefixes: ["198.51.100.0/24"] });
    expect(result.verdict).toBe("exposed");
    expect(result.example?.rule.name).toBe("AllowVnetInBound");
    expect(result.example?.source).toMatch(/^198\.51\.100\./);
  });

  it("a default route (0.0.0.0/0) to an appliance makes VirtualNetwork cover all of IPv4", () => {
    const result = inbound(defaultsOnly, { routePrefixes: ["0.0.0.0/0"] });
    expect(result.verdict).toBe("exposed");
  });

  it("routes to private space only: nothing untrusted gets in", () => {
    expect(inbound(defaultsOnly, { routePrefixes: ["10.50.0.0/16", "192.168.0.0/16"] }).verdict).toBe("notExposed");
  });

  it("no route table: the VNet space alone, nothing untrusted", () => {
    expect(inbound(defaultsOnly).verdict).toBe("notExposed");
  });

  it("a route table that was not collected leaves AllowVnetInBound uncertain, and says why", () => {
    const result = inbound(defaultsOnly, { routesUnknown: "route table rt-mi was not collected" });
    expect(result.verdict).toBe("uncertain");
    expect(result.uncertainRules.map((r) => r.name)).toEqual(["AllowVnetInBound"]);
    expect(result.notes.join("\n")).toContain("route table rt-mi was not collected");
  });

  it("an unknown route table does not matter when a Deny decides 3342 before AllowVnetInBound", () => {
    const rules = withDefaults(allowFrom("AllowPartner", 100, ["203.0.113.0/24"]), deny("DenyAll3342", 4000, ["*"]));
    expect(inbound(rules, { routesUnknown: "route table rt-mi was not collected" }).verdict).toBe("notExposed");
  });

  it("a Deny Internet does not cover routed prefixes' addresses twice: they are still Internet (not our network)", () => {
    const rules = withDefaults(deny("DenyInternet", 100, ["Internet"]));
    expect(inbound(rules, { routePrefixes: ["198.51.100.0/24"] }).verdict).toBe("notExposed");
  });
});
