import { describe, expect, it } from "vitest";
import { AddressSet, ALL_SERVICE_TAGS } from "../../src/net/address-set";
import { buildTrustPolicy, trustedSources, validateTrustedPrefix } from "../../src/net/trust";

const set = (...prefixes: string[]) => AddressSet.fromPrefixes(prefixes);

describe("validateTrustedPrefix", () => {
  it.each(["10.0.0.0/8", "203.0.113.0/24", "203.0.113.7", "2001:db8::/32", "2001:db8::1"])("accepts %s", (text) => {
    expect(validateTrustedPrefix(text)).toBeUndefined();
  });

  it.each([
    ["10.0.0.0/7", "'10.0.0.0/7' is /7, broader than the /8 allowed for IPv4"],
    ["0.0.0.0/0", "'0.0.0.0/0' is /0, broader than the /8 allowed for IPv4"],
    ["2001:db8::/31", "'2001:db8::/31' is /31, broader than the /32 allowed for IPv6"],
    ["::/0", "'::/0' is /0, broader than the /32 allowed for IPv6"],
    ["abc", "'abc' is not a valid IP prefix"],
    ["10.0.0.300/24", "'10.0.0.300/24' is not a valid IP prefix"],
    ["10.0.0.0/33", "'10.0.0.0/33' is not a valid IP prefix"],
    ["Internet", "'Internet' is not a valid IP prefix"],
  ])("rejects %s, naming it", (text, message) => {
    expect(validateTrustedPrefix(text)).toContain(message);
  });
});

describe("buildTrustPolicy", () => {
  const policy = buildTrustPolicy({
    configuredPrefixes: ["203.0.113.0/24"],
    ownedPublicPrefixes: ["20.50.60.70", "40.0.0.0/28"],
  });

  it.each([
    ["private 10/8", "10.9.8.7", true],
    ["private 172.16/12", "172.31.0.1", true],
    ["private 192.168/16", "192.168.5.5", true],
    ["carrier-grade NAT 100.64/10", "100.100.0.1", true],
    ["IPv6 unique local", "fd00::1", true],
    ["AzureLoadBalancer", "168.63.129.16", true],
    ["configured prefix", "203.0.113.200", true],
    ["owned public IP", "20.50.60.70", true],
    ["owned public prefix", "40.0.0.15", true],
    ["next to the owned prefix", "40.0.0.16", false],
    ["next to the configured prefix", "203.0.112.255", false],
    ["public IPv4", "8.8.8.8", false],
    ["public IPv6", "2001:db8::1", false],
    ["just outside 172.16/12", "172.32.0.1", false],
  ])("%s (%s) trusted: %s", (_name, address, trusted) => {
    expect(policy.trusted.containsAll(set(address))).toBe(trusted);
  });

  it("never trusts a service tag", () => {
    expect(policy.trusted.overlaps(ALL_SERVICE_TAGS)).toBe(false);
  });

  it("adds the VirtualNetwork prefixes per evaluation", () => {
    expect(trustedSources(policy, set("52.10.0.0/16")).containsAll(set("52.10.1.0/24"))).toBe(true);
    expect(policy.trusted.containsAll(set("52.10.1.0/24"))).toBe(false);
  });

  it("throws on a configured prefix that skipped validation", () => {
    expect(() => buildTrustPolicy({ configuredPrefixes: ["10.0.0.0/4"], ownedPublicPrefixes: [] })).toThrow(
      /'10.0.0.0\/4'/,
    );
  });

  it("ignores malformed or too-broad owned addresses and says so", () => {
    const p = buildTrustPolicy({ configuredPrefixes: [], ownedPublicPrefixes: ["not-an-ip", "0.0.0.0/0", "52.1.1.1"] });
    expect(p.problems).toHaveLength(2);
    expect(p.problems[0]).toContain("'not-an-ip'");
    expect(p.problems[1]).toContain("'0.0.0.0/0'");
    expect(p.trusted.containsAll(set("8.8.8.8"))).toBe(false);
    expect(p.trusted.containsAll(set("52.1.1.1"))).toBe(true);
  });
});
