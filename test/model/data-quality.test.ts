// Values of the wrong type, field by field, as the README's data-quality table states: a value whose meaning is not in
// doubt is converted with a warning and the verdict is the one the right-typed value gives; anything else is a warning
// and the verdicts that depend on it are `unknown`, never `pass`. Expected verdicts come from Microsoft's documented
// semantics (NSG rules by priority, first match wins; ARM types from the template reference: `priority` int,
// port and address fields strings, `publicDataEndpointEnabled` and `azureADOnlyAuthentication` bool).
import { describe, expect, it } from "vitest";
import { EstateBuilder } from "../../src/model/build-estate";
import { evaluate } from "../../src/audit/run-audit";
import { MALFORMED_ENTRY_CHECKS } from "../../src/net/malformed-entries";
import type { Finding } from "../../src/engine/finding";
import { ids, miRow, nsgRow, securityRule, vnetRow, type Row, type RuleSpec } from "../support/rows";

const PUBLIC = "mi.public-endpoint.untrusted-source";
const ENTRA = "mi.auth.entra-only";
const TLS = "mi.tls.minimum-version";

interface Audit {
  findings: Finding[];
  warnings: string[];
}

function audit(rows: Row[]): Audit {
  const warnings: string[] = [];
  const builder = new EstateBuilder({
    entryChecks: MALFORMED_ENTRY_CHECKS,
    onWarning: (message) => warnings.push(message),
  });
  rows.forEach((row, index) => builder.add(row, `row ${index}`));
  const { findings } = evaluate(builder.build(), {
    trustedPrefixes: [],
    trustOwnedPublicIps: true,
    baseline: "current",
  });
  return { findings, warnings };
}

function statusOf(run: Audit, ruleId: string): string {
  const matches = run.findings.filter((f) => f.ruleId === ruleId && f.resourceName === "mi1");
  expect(matches).toHaveLength(1);
  return matches[0]!.status;
}

/** An MI with its public endpoint on, in a subnet whose NSG holds `rules` (plus the platform defaults). */
function estate(rules: (RuleSpec | Row)[], miProps: Row = {}, miExtra: Row = {}): Row[] {
  const subnet = ids.subnet("vnet-mi", "snet-mi");
  return [
    vnetRow(
      "vnet-mi",
      ["10.1.0.0/24"],
      [
        {
          name: "snet-mi",
          prefix: "10.1.0.0/24",
          nsg: ids.nsg("nsg-mi"),
          delegation: "Microsoft.Sql/managedInstances",
        },
      ],
    ),
    nsgRow("nsg-mi", rules),
    miRow("mi1", subnet, { publicDataEndpointEnabled: true, ...miProps }, miExtra),
  ];
}

/** Internet may not reach 3342: a Deny at 100 shadows the Allow at 200 (first match by priority wins). */
const denyFirst = (priority: unknown): (RuleSpec | Row)[] => [
  securityRule({
    name: "deny-internet",
    priority: 100,
    access: "Deny",
    source: "Internet",
    ports: "3342",
    extra: { priority },
  }),
  { name: "allow-internet", priority: 200, source: "Internet", ports: "3342" },
];

/** Internet may reach 3342 through one Allow whose destination port field is `ports`. */
const allowPorts = (ports: Row): (RuleSpec | Row)[] => [
  securityRule({
    name: "allow-internet",
    priority: 100,
    source: "Internet",
    ports: "0",
    extra: { destinationPortRange: undefined, ...ports },
  }),
];

interface Case {
  field: string;
  value: unknown;
  rows: Row[];
  rule: string;
  /** The verdict with the value read as converted, or `unknown` when it cannot be. */
  status: string;
  /** Warning text that must name the field and the problem. */
  warning: RegExp;
}

const CASES: Case[] = [
  // NSG rule priority (int): digits in a string convert; the Deny at "100" still comes first.
  {
    field: "priority",
    value: "100",
    rows: estate(denyFirst("100")),
    rule: PUBLIC,
    status: "pass",
    warning: /securityRules\[0\]\.properties\.priority: expected a number, found the string "100"; read as 100/,
  },
  {
    field: "priority",
    value: " 100 ",
    rows: estate(denyFirst(" 100 ")),
    rule: PUBLIC,
    status: "pass",
    warning: /priority: expected a number.*read as 100/,
  },
  // Anything else cannot be placed in the evaluation order: the NSG's verdicts are unknown, never pass.
  {
    field: "priority",
    value: "1e2",
    rows: estate(denyFirst("1e2")),
    rule: PUBLIC,
    status: "unknown",
    warning: /priority: expected a number, found the string "1e2"/,
  },
  {
    field: "priority",
    value: "high",
    rows: estate(denyFirst("high")),
    rule: PUBLIC,
    status: "unknown",
    warning: /priority/,
  },
  {
    field: "priority",
    value: true,
    rows: estate(denyFirst(true)),
    rule: PUBLIC,
    status: "unknown",
    warning: /priority: expected a number, found boolean true/,
  },
  // Port fields (string): a whole number converts; Internet reaches 3342 through the Allow.
  {
    field: "destinationPortRange",
    value: 3342,
    rows: estate(allowPorts({ destinationPortRange: 3342 })),
    rule: PUBLIC,
    status: "fail",
    warning: /destinationPortRange: expected a string, found number 3342; read as "3342"/,
  },
  {
    field: "destinationPortRanges",
    value: [1433, 3342],
    rows: estate(allowPorts({ destinationPortRanges: [1433, 3342] })),
    rule: PUBLIC,
    status: "fail",
    warning: /destinationPortRanges\[1\]: expected a string, found number 3342; read as "3342"/,
  },
  // Malformed port text: the Allow may match 3342 or not, so the verdict is unknown, with the warning the README promises.
  {
    field: "destinationPortRange",
    value: "33a42",
    rows: estate(allowPorts({ destinationPortRange: "33a42" })),
    rule: PUBLIC,
    status: "unknown",
    warning: /securityRules\[0\]\.properties\.destinationPortRange: '33a42' is not a valid port range/,
  },
  {
    field: "destinationPortRanges",
    value: ["1433", "70000"],
    rows: estate(allowPorts({ destinationPortRanges: ["1433", "70000"] })),
    rule: PUBLIC,
    status: "unknown",
    warning: /destinationPortRanges\[1\]: '70000' is not a valid port range/,
  },
  {
    field: "destinationPortRange",
    value: true,
    rows: estate(allowPorts({ destinationPortRange: true })),
    rule: PUBLIC,
    status: "unknown",
    warning: /destinationPortRange: expected a string, found boolean true/,
  },
  // A Deny whose port is malformed may not protect: never pass.
  {
    field: "destinationPortRange",
    value: "33a42",
    rows: estate([
      securityRule({ name: "deny", priority: 100, access: "Deny", source: "Internet", ports: "33a42" }),
      { name: "allow", priority: 200, source: "Internet", ports: "3342" },
    ]),
    rule: PUBLIC,
    status: "unknown",
    warning: /destinationPortRange: '33a42'.*rule deny/,
  },
  // Address fields (string): a malformed prefix in a Deny may or may not cover Internet clients: never pass.
  {
    field: "sourceAddressPrefix",
    value: "10.0.0.300/24",
    rows: estate([
      securityRule({ name: "deny", priority: 100, access: "Deny", source: "10.0.0.300/24", ports: "3342" }),
      securityRule({ name: "deny-rest", priority: 110, access: "Deny", source: "Internet", ports: "3342" }),
    ]),
    rule: PUBLIC,
    status: "pass",
    warning: /sourceAddressPrefix: '10\.0\.0\.300\/24' is not a valid IP prefix: malformed IPv4 address/,
  },
  {
    field: "sourceAddressPrefixes",
    value: ["203.0.113.0/24", "0.0.0.0/33"],
    rows: estate([
      securityRule({
        name: "deny",
        priority: 100,
        access: "Deny",
        source: ["203.0.113.0/24", "0.0.0.0/33"],
        ports: "3342",
      }),
      { name: "allow", priority: 200, source: "Internet", ports: "3342" },
    ]),
    rule: PUBLIC,
    status: "unknown",
    warning:
      /sourceAddressPrefixes\[1\]: '0\.0\.0\.0\/33' is not a valid IP prefix: prefix length 33 is longer than 32/,
  },
  // A number in the singular address field becomes its text, which is no prefix: the Deny may or may not apply.
  {
    field: "sourceAddressPrefix",
    value: 7,
    rows: estate([
      securityRule({
        name: "deny",
        priority: 100,
        access: "Deny",
        source: "0",
        ports: "3342",
        extra: { sourceAddressPrefix: 7 },
      }),
      { name: "allow", priority: 200, source: "Internet", ports: "3342" },
    ]),
    rule: PUBLIC,
    status: "unknown",
    warning: /sourceAddressPrefix: expected a string, found number 7; read as "7"/,
  },
  {
    field: "sourceAddressPrefixes",
    value: ["Internet", 7],
    rows: estate([
      securityRule({ name: "allow", priority: 100, source: ["Internet", 7] as unknown as string[], ports: "3342" }),
    ]),
    rule: PUBLIC,
    status: "unknown",
    warning: /sourceAddressPrefixes\[1\]: expected a string, found number 7/,
  },
  // direction and access (string): read in any case, no warning; other values cannot be placed, so unknown.
  {
    field: "access",
    value: 5,
    rows: estate(
      denyFirst(100).map((r, i) =>
        i === 0
          ? securityRule({
              name: "deny-internet",
              priority: 100,
              source: "Internet",
              ports: "3342",
              extra: { access: 5 },
            })
          : r,
      ),
    ),
    rule: PUBLIC,
    status: "unknown",
    warning: /securityRules\[0\].*access/,
  },
  {
    field: "direction",
    value: true,
    rows: estate([
      securityRule({
        name: "deny-internet",
        priority: 100,
        access: "Deny",
        source: "Internet",
        ports: "3342",
        extra: { direction: true },
      }),
      { name: "allow", priority: 200, source: "Internet", ports: "3342" },
    ]),
    rule: PUBLIC,
    status: "unknown",
    warning: /securityRules\[0\].*direction/,
  },
  // protocol (string): a number is read as its text, which is no protocol Azure knows: the Deny may not apply.
  {
    field: "protocol",
    value: 6,
    rows: estate([
      securityRule({
        name: "deny-internet",
        priority: 100,
        access: "Deny",
        source: "Internet",
        ports: "3342",
        extra: { protocol: 6 },
      }),
      { name: "allow", priority: 200, source: "Internet", ports: "3342" },
    ]),
    rule: PUBLIC,
    status: "unknown",
    warning: /protocol: expected a string, found number 6; read as "6"/,
  },
  // publicDataEndpointEnabled (bool): "true"/"false" in any case convert; anything else is unknown.
  {
    field: "publicDataEndpointEnabled",
    value: "true",
    rows: estate(allowPorts({ destinationPortRange: "3342" }), { publicDataEndpointEnabled: "true" }),
    rule: PUBLIC,
    status: "fail",
    warning: /publicDataEndpointEnabled: expected a boolean, found the string "true"; read as true/,
  },
  {
    field: "publicDataEndpointEnabled",
    value: "False",
    rows: estate(allowPorts({ destinationPortRange: "3342" }), { publicDataEndpointEnabled: "False" }),
    rule: PUBLIC,
    status: "notApplicable",
    warning: /publicDataEndpointEnabled: .*read as false/,
  },
  {
    field: "publicDataEndpointEnabled",
    value: "yes",
    rows: estate(allowPorts({ destinationPortRange: "3342" }), { publicDataEndpointEnabled: "yes" }),
    rule: PUBLIC,
    status: "unknown",
    warning: /publicDataEndpointEnabled: expected true or false, found the string "yes"/,
  },
  {
    field: "publicDataEndpointEnabled",
    value: 1,
    rows: estate(allowPorts({ destinationPortRange: "3342" }), { publicDataEndpointEnabled: 1 }),
    rule: PUBLIC,
    status: "unknown",
    warning: /publicDataEndpointEnabled: expected true or false, found number 1/,
  },
  // administrators.azureADOnlyAuthentication (bool).
  {
    field: "administrators.azureADOnlyAuthentication",
    value: "true",
    rows: estate([], { administrators: { azureADOnlyAuthentication: "true" } }),
    rule: ENTRA,
    status: "pass",
    warning: /administrators\.azureADOnlyAuthentication: .*read as true/,
  },
  {
    field: "administrators.azureADOnlyAuthentication",
    value: "FALSE",
    rows: estate([], { administrators: { azureADOnlyAuthentication: "FALSE" } }),
    rule: ENTRA,
    status: "fail",
    warning: /administrators\.azureADOnlyAuthentication: .*read as false/,
  },
  {
    field: "administrators.azureADOnlyAuthentication",
    value: "enabled",
    rows: estate([], { administrators: { azureADOnlyAuthentication: "enabled" } }),
    rule: ENTRA,
    status: "unknown",
    warning: /administrators\.azureADOnlyAuthentication: expected true or false/,
  },
  // The azureADOnlyAuthentications/Default child (bool, authoritative over `administrators`).
  {
    field: "azureADOnlyAuthentications/Default",
    value: "false",
    rows: estate([], {}, { enrichment: { azureADOnlyAuthentication: "false" } }),
    rule: ENTRA,
    status: "fail",
    warning: /azureADOnlyAuthentications\/Default: .*read as false/,
  },
  {
    field: "azureADOnlyAuthentications/Default",
    value: "on",
    rows: estate([], {}, { enrichment: { azureADOnlyAuthentication: "on" } }),
    rule: ENTRA,
    status: "unknown",
    warning: /azureADOnlyAuthentications\/Default: expected true or false, found the string "on"/,
  },
  // minimalTlsVersion (string): a number converts to its text; 1.0 as a number is "1", which no TLS version is.
  {
    field: "minimalTlsVersion",
    value: 1.2,
    rows: estate([], { minimalTlsVersion: 1.2 }),
    rule: TLS,
    status: "pass",
    warning: /minimalTlsVersion: expected a string, found number 1\.2; read as "1\.2"/,
  },
  {
    field: "minimalTlsVersion",
    value: 1.1,
    rows: estate([], { minimalTlsVersion: 1.1 }),
    rule: TLS,
    status: "fail",
    warning: /minimalTlsVersion: .*read as "1\.1"/,
  },
  {
    field: "minimalTlsVersion",
    value: 1.0,
    rows: estate([], { minimalTlsVersion: 1.0 }),
    rule: TLS,
    status: "unknown",
    warning: /minimalTlsVersion: .*read as "1"/,
  },
  {
    field: "minimalTlsVersion",
    value: true,
    rows: estate([], { minimalTlsVersion: true }),
    rule: TLS,
    status: "unknown",
    warning: /minimalTlsVersion: expected a string, found boolean true/,
  },
];

describe("values of the wrong type, field by field", () => {
  it.each(CASES)("$field = $value → $rule $status, with a warning", ({ rows, rule, status, warning }) => {
    const run = audit(rows);
    expect(statusOf(run, rule)).toBe(status);
    expect(
      run.warnings.some((w) => warning.test(w)),
      run.warnings.join("\n"),
    ).toBe(true);
    // Every warning names the resource it is about.
    for (const w of run.warnings) expect(w).toMatch(/^\/subscriptions\/[^:]+: /);
  });

  it("right-typed values give the same verdicts with no warning (the converted cases are not decided by accident)", () => {
    const typed = [
      { rows: estate(denyFirst(100)), rule: PUBLIC, status: "pass" },
      { rows: estate(allowPorts({ destinationPortRange: "3342" })), rule: PUBLIC, status: "fail" },
      {
        rows: estate(allowPorts({ destinationPortRange: "3342" }), { publicDataEndpointEnabled: false }),
        rule: PUBLIC,
        status: "notApplicable",
      },
      { rows: estate([], { administrators: { azureADOnlyAuthentication: false } }), rule: ENTRA, status: "fail" },
      { rows: estate([], { minimalTlsVersion: "1.2" }), rule: TLS, status: "pass" },
    ];
    for (const { rows, rule, status } of typed) {
      const run = audit(rows);
      expect(statusOf(run, rule)).toBe(status);
      expect(run.warnings).toEqual([]);
    }
  });

  it("a converted rule is the same shared rule object as its right-typed twin", () => {
    const builder = new EstateBuilder({ entryChecks: MALFORMED_ENTRY_CHECKS, onWarning: () => undefined });
    builder.add(nsgRow("typed", denyFirst(100)));
    builder.add(nsgRow("converted", denyFirst("100")));
    const [typed, converted] = builder.build().byKind.networkSecurityGroup.map((nsg) => nsg.rules[0]);
    expect(converted).toMatchObject({ priority: 100, issues: [] });
    expect(converted).toBe(typed);
  });

  it("direction and access in another case are the same rule, with no warning", () => {
    const lower = estate([
      securityRule({
        name: "deny-internet",
        priority: 100,
        source: "Internet",
        ports: "3342",
        extra: { direction: "inbound", access: "deny" },
      }),
      { name: "allow", priority: 200, source: "Internet", ports: "3342" },
    ]);
    const run = audit(lower);
    expect(statusOf(run, PUBLIC)).toBe("pass");
    expect(run.warnings).toEqual([]);
  });

  it.each([
    ["allowVirtualNetworkAccess", "false", false],
    ["allowVirtualNetworkAccess", "TRUE", true],
    ["useRemoteGateways", "true", true],
    ["allowForwardedTraffic", "False", false],
  ])("peering %s = %j is read as %s with a warning", (field, value, expected) => {
    const vnet = vnetRow("vnet-a", ["10.1.0.0/16"], [], [{ remote: ids.vnet("vnet-b") }]);
    (vnet["properties"] as { virtualNetworkPeerings: { properties: Row }[] }).virtualNetworkPeerings[0]!.properties[
      field
    ] = value;
    const warnings: string[] = [];
    const builder = new EstateBuilder({ entryChecks: MALFORMED_ENTRY_CHECKS, onWarning: (w) => warnings.push(w) });
    builder.add(vnet);
    const peering = builder.build().byKind.virtualNetwork[0]!.peerings![0]! as unknown as Record<string, unknown>;
    expect(peering[field]).toBe(expected);
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `virtualNetworkPeerings\\[0\\]\\.properties\\.${field}: expected a boolean, found the string .*; read as ${expected}$`,
        ),
      ),
    ]);
  });

  it("an unconvertible peering flag is a warning and a data issue of the VNet", () => {
    const vnet = vnetRow("vnet-a", ["10.1.0.0/16"], [], [{ remote: ids.vnet("vnet-b") }]);
    (vnet["properties"] as { virtualNetworkPeerings: { properties: Row }[] }).virtualNetworkPeerings[0]!.properties[
      "allowGatewayTransit"
    ] = "sometimes";
    const warnings: string[] = [];
    const builder = new EstateBuilder({ entryChecks: MALFORMED_ENTRY_CHECKS, onWarning: (w) => warnings.push(w) });
    builder.add(vnet);
    const built = builder.build().byKind.virtualNetwork[0]!;
    expect(built.peerings![0]!.allowGatewayTransit).toBeUndefined();
    expect(built.issues).toEqual([
      {
        field: "properties.virtualNetworkPeerings[0].properties.allowGatewayTransit",
        problem: 'expected true or false, found the string "sometimes"',
      },
    ]);
    expect(warnings).toHaveLength(1);
  });

  it("connection and route table flags convert the same way", () => {
    const warnings: string[] = [];
    const builder = new EstateBuilder({ entryChecks: MALFORMED_ENTRY_CHECKS, onWarning: (w) => warnings.push(w) });
    builder.add({
      id: ids.connection("c"),
      type: "microsoft.network/connections",
      properties: { connectionType: "Vnet2Vnet", enableBgp: "true" },
    });
    builder.add({
      id: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/routeTables/rt",
      type: "microsoft.network/routetables",
      properties: { routes: [], disableBgpRoutePropagation: "false" },
    });
    const built = builder.build();
    expect(built.byKind.connection[0]!.enableBgp).toBe(true);
    expect(built.byKind.routeTable[0]!.disableBgpRoutePropagation).toBe(false);
    expect(warnings).toEqual([
      expect.stringMatching(/connections\/c: properties\.enableBgp: .*read as true$/),
      expect.stringMatching(/routeTables\/rt: properties\.disableBgpRoutePropagation: .*read as false$/),
    ]);
  });

  it("other text fields: a number becomes its text with a warning; true or an object is a data issue", () => {
    const warnings: string[] = [];
    const builder = new EstateBuilder({ entryChecks: MALFORMED_ENTRY_CHECKS, onWarning: (w) => warnings.push(w) });
    builder.add({
      id: ids.gateway("g"),
      type: "microsoft.network/virtualnetworkgateways",
      properties: { gatewayType: 7 },
    });
    builder.add({
      id: ids.gateway("h"),
      type: "microsoft.network/virtualnetworkgateways",
      properties: { gatewayType: { v: 1 } },
    });
    const [g, h] = builder.build().byKind.virtualNetworkGateway;
    expect(g!.gatewayType).toBe("7");
    expect(g!.issues).toEqual([]);
    expect(h!.gatewayType).toBeUndefined();
    expect(h!.issues).toEqual([{ field: "properties.gatewayType", problem: "expected a string, found an object" }]);
    expect(warnings).toEqual([
      expect.stringMatching(/\/g: properties\.gatewayType: expected a string, found number 7; read as "7"$/),
      expect.stringMatching(/\/h: properties\.gatewayType: expected a string, found an object$/),
    ]);
  });

  it("a conversion inside a subnet or a peering is a warning of the VNet's row, and the value is used", () => {
    const vnet = vnetRow(
      "vnet-a",
      ["10.1.0.0/16"],
      [{ name: "s", prefix: "10.1.0.0/24" }],
      [{ remote: ids.vnet("vnet-b") }],
    );
    const props = vnet["properties"] as {
      virtualNetworkPeerings: { properties: Row }[];
      subnets: { properties: Row }[];
    };
    props.virtualNetworkPeerings[0]!.properties["allowGatewayTransit"] = "true";
    (props.subnets[0] as Row)["name"] = 5;
    const warnings: string[] = [];
    const builder = new EstateBuilder({ entryChecks: MALFORMED_ENTRY_CHECKS, onWarning: (w) => warnings.push(w) });
    builder.add(vnet);
    const built = builder.build();
    expect(built.byKind.virtualNetwork[0]!.peerings![0]!.allowGatewayTransit).toBe(true);
    expect(built.byKind.subnet.map((subnet) => [subnet.name, subnet.issues])).toEqual([["5", []]]);
    expect(warnings).toEqual([
      expect.stringMatching(
        /virtualNetworks\/vnet-a: properties\.subnets\[0\]\.name: expected a string, found number 5; read as "5"$/,
      ),
      expect.stringMatching(
        /virtualNetworks\/vnet-a: properties\.virtualNetworkPeerings\[0\]\.properties\.allowGatewayTransit: .*read as true$/,
      ),
    ]);
  });
});

describe("malformed prefixes and addresses outside NSG rules", () => {
  const warningsFor = (row: Row): string[] => {
    const warnings: string[] = [];
    const builder = new EstateBuilder({ entryChecks: MALFORMED_ENTRY_CHECKS, onWarning: (w) => warnings.push(w) });
    builder.add(row);
    builder.build();
    return warnings;
  };
  const resource = (type: string, name: string, properties: Row): Row => ({
    id: `/subscriptions/s/resourceGroups/r/providers/${type}/${name}`,
    type: type.toLowerCase(),
    properties,
  });

  it.each([
    [
      "VNet address space",
      resource("Microsoft.Network/virtualNetworks", "v", {
        addressSpace: { addressPrefixes: ["10.0.0.0/16", "10.1.0.0/33"] },
      }),
      /virtualNetworks\/v: properties\.addressSpace\.addressPrefixes\[1\]: '10\.1\.0\.0\/33' is not a valid IP prefix/,
    ],
    [
      "subnet prefix",
      resource("Microsoft.Network/virtualNetworks", "v", {
        addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
        subnets: [{ name: "s", properties: { addressPrefix: "10.0.0.300/24" } }],
      }),
      /virtualNetworks\/v: properties\.subnets\[0\]\.properties\.addressPrefix: '10\.0\.0\.300\/24' is not a valid IP prefix/,
    ],
    [
      "peering remote space",
      resource("Microsoft.Network/virtualNetworks", "v", {
        virtualNetworkPeerings: [
          {
            name: "p",
            properties: {
              remoteVirtualNetwork: { id: ids.vnet("b") },
              remoteAddressSpace: { addressPrefixes: ["10.9.0.0/16", "ten/8"] },
            },
          },
        ],
      }),
      /properties\.virtualNetworkPeerings\[0\]\.properties\.remoteAddressSpace\.addressPrefixes\[1\]: 'ten\/8' is not a valid IP prefix/,
    ],
    [
      "local network gateway",
      resource("Microsoft.Network/localNetworkGateways", "site", {
        localNetworkAddressSpace: { addressPrefixes: ["192.168.0.0/16", "192.168.1.0/24/8"] },
      }),
      /localNetworkGateways\/site: properties\.localNetworkAddressSpace\.addressPrefixes\[1\]: .*more than one '\/'/,
    ],
    [
      "route",
      resource("Microsoft.Network/routeTables", "rt", {
        routes: [{ name: "r", properties: { addressPrefix: "0.0.0.0/-1", nextHopType: "VirtualAppliance" } }],
      }),
      /routeTables\/rt: properties\.routes\[0\]\.properties\.addressPrefix: '0\.0\.0\.0\/-1' is not a valid IP prefix/,
    ],
    [
      "public IP",
      resource("Microsoft.Network/publicIPAddresses", "pip", { ipAddress: "20.1.2.256" }),
      /publicIPAddresses\/pip: properties\.ipAddress: '20\.1\.2\.256' is not a valid IP prefix/,
    ],
    [
      "public IP prefix",
      resource("Microsoft.Network/publicIPPrefixes", "ppf", { ipPrefix: "20.1.2.0/40" }),
      /publicIPPrefixes\/ppf: properties\.ipPrefix: .*longer than 32/,
    ],
    [
      "NIC address",
      resource("Microsoft.Network/networkInterfaces", "nic", {
        ipConfigurations: [{ name: "c", properties: { privateIPAddress: "10.0.0.4.5" } }],
      }),
      /networkInterfaces\/nic: properties\.ipConfigurations\[0\]\.properties\.privateIPAddress: '10\.0\.0\.4\.5'/,
    ],
  ])("%s: a warning naming the resource and the field", (_, row, warning) => {
    const warnings = warningsFor(row);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(warning);
  });

  it("well-formed values, and a service tag as a route's addressPrefix, give no warning", () => {
    expect(
      warningsFor(
        resource("Microsoft.Network/routeTables", "rt", {
          routes: [
            { name: "r", properties: { addressPrefix: "AzureCloud.westeurope", nextHopType: "Internet" } },
            { name: "d", properties: { addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance" } },
          ],
        }),
      ),
    ).toEqual([]);
    expect(warningsFor(resource("Microsoft.Network/publicIPAddresses", "pip", { ipAddress: "2001:db8::1" }))).toEqual(
      [],
    );
    expect(warningsFor(resource("Microsoft.Network/publicIPAddresses", "unallocated", {}))).toEqual([]);
  });

  it("a malformed subnet prefix leaves the protected range unknown: a Deny for that range may not cover the MI, so never pass", () => {
    const rows = estate([
      securityRule({
        name: "deny-internet",
        priority: 100,
        access: "Deny",
        source: "Internet",
        destination: "10.1.0.0/24",
        ports: "3342",
      }),
      { name: "allow", priority: 200, source: "Internet", ports: "3342" },
    ]);
    const vnet = rows[0]!;
    (vnet["properties"] as { subnets: { properties: Row }[] }).subnets[0]!.properties["addressPrefix"] =
      "10.1.0.300/24";
    const run = audit(rows);
    expect(statusOf(run, PUBLIC)).toBe("unknown");
    expect(run.warnings).toEqual([
      expect.stringMatching(/properties\.subnets\[0\]\.properties\.addressPrefix: '10\.1\.0\.300\/24'/),
    ]);
    // The same estate with the prefix well formed is decided: the Deny covers the MI's subnet.
    (vnet["properties"] as { subnets: { properties: Row }[] }).subnets[0]!.properties["addressPrefix"] = "10.1.0.0/24";
    expect(statusOf(audit(rows), PUBLIC)).toBe("pass");
  });
});
