// The estate model: relations resolved once, ids folded, defaults supplied, bad data recorded rather than thrown.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildEstate } from "../../src/model/build-estate";
import { get } from "../../src/model/estate";
import { armKey } from "../../src/model/arm-id";
import { MALFORMED_ENTRY_CHECKS } from "../../src/net/malformed-entries";
import {
  SUB1,
  SUB2,
  aseRow,
  circuitRow,
  connectionRow,
  gatewayRow,
  ids,
  miRow,
  nicRow,
  nsgRow,
  siteRow,
  vnetRow,
} from "../support/rows";

describe("real ARM payloads", () => {
  const rows = JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "real-arm-rows.json"), "utf8")) as unknown[];
  const estate = buildEstate(rows);

  it("reads the managed instance, NSG and VNet of the azure-rest-api-specs examples", () => {
    expect(estate.byKind.managedInstance).toHaveLength(1);
    expect(estate.byKind.networkSecurityGroup).toHaveLength(1);
    expect(estate.byKind.virtualNetwork).toHaveLength(1);
    const mi = estate.byKind.managedInstance[0]!;
    expect(mi.minimalTlsVersion).toBe("1.2");
    expect(mi.publicDataEndpointEnabled).toBe(false);
    // The example's subnetId spells the subscription in upper case; the key folds it.
    expect(mi.subnetId).toMatch(/20D7082A/);
    expect(mi.subnetKey).toBe(mi.subnetKey!.toLowerCase());
    const nsg = estate.byKind.networkSecurityGroup[0]!;
    expect(nsg.defaultsAssumed).toBe(false);
    expect(nsg.rules.filter((r) => r.isDefault)).toHaveLength(6);
    expect(nsg.rules.find((r) => r.name === "rule1")).toMatchObject({
      priority: 130,
      destinationPortRanges: ["80"],
      sourceAddressPrefixes: ["*"],
      access: "Allow",
      direction: "Inbound",
    });
    const subnet = estate.byKind.subnet[0]!;
    expect(subnet.delegations).toEqual(["microsoft.provider/resourcetype"]);
    expect(subnet.ipConfigurationOwnerKeys).toEqual([
      "/subscriptions/subid/resourcegroups/rg1/providers/microsoft.network/loadbalancers/lb",
    ]);
  });
});

describe("relations", () => {
  const miSubnet = ids.subnet("vnet-mi", "snet-mi");
  const appSubnet = ids.subnet("vnet-app", "snet-app");
  const rows = [
    vnetRow(
      "vnet-mi",
      ["10.1.0.0/24"],
      [{ name: "snet-mi", prefix: "10.1.0.0/24", nsg: ids.nsg("nsg-mi").toUpperCase() }],
      [{ remote: ids.vnet("vnet-app").toUpperCase() }],
    ),
    vnetRow(
      "vnet-app",
      ["10.2.0.0/16"],
      [
        { name: "snet-app", prefix: "10.2.1.0/24" },
        { name: "GatewaySubnet", prefix: "10.2.255.0/27" },
      ],
      [{ remote: ids.vnet("vnet-mi") }],
    ),
    vnetRow("vnet-app", ["10.9.0.0/16"], [], [], { sub: SUB2 }),
    nsgRow("nsg-mi", []),
    miRow("mi1", miSubnet.replace(SUB1, SUB1.toUpperCase()).replace("snet-mi", "SNET-MI")),
    gatewayRow("vgw", ids.vnet("vnet-app").toUpperCase()),
    circuitRow("er", [["MicrosoftPeering", "Enabled"]]),
    connectionRow("conn", ids.gateway("vgw"), ids.circuit("er").toUpperCase()),
    siteRow("app-regional", { virtualNetworkSubnetId: appSubnet.toUpperCase() }),
    siteRow("app-gateway", { siteConfig: { vnetName: "0a1b2c3d-0000-4000-8000-123456789abc_vnet-app" } }),
    siteRow("app-gateway-other-sub", { siteConfig: { vnetName: "vnet-app" } }, null, SUB2),
    aseRow("ase", appSubnet),
    nicRow("nic", appSubnet.toUpperCase(), "10.2.1.5", ids.nsg("nsg-mi")),
  ];
  const estate = buildEstate(rows);

  it("MI → subnet → VNet → NSG, whatever the case of the references", () => {
    const mi = estate.byKind.managedInstance[0]!;
    const subnet = get(estate, "subnet", mi.subnetKey)!;
    expect(subnet.name).toBe("snet-mi");
    expect(get(estate, "virtualNetwork", subnet.vnetKey)!.name).toBe("vnet-mi");
    expect(get(estate, "networkSecurityGroup", subnet.nsgKey)!.name).toBe("nsg-mi");
    expect(estate.managedInstancesBySubnet.get(subnet.key)).toEqual([mi]);
  });

  it("VNet → peering → remote VNet", () => {
    const vnet = get(estate, "virtualNetwork", armKey(ids.vnet("vnet-mi")))!;
    expect(get(estate, "virtualNetwork", vnet.peerings![0]!.remoteVnetKey)!.addressPrefixes).toEqual(["10.2.0.0/16"]);
  });

  it("gateway → VNet through its GatewaySubnet; connection → gateway and circuit", () => {
    const gateway = estate.byKind.virtualNetworkGateway[0]!;
    expect(gateway.vnetKey).toBe(armKey(ids.vnet("vnet-app")));
    expect(estate.gatewaysByVnet.get(armKey(ids.vnet("vnet-app")))).toEqual([gateway]);
    const connection = estate.byKind.connection[0]!;
    expect(estate.connectionsByGateway.get(gateway.key)).toEqual([connection]);
    expect(estate.connectionsByCircuit.get(armKey(ids.circuit("er")))).toEqual([connection]);
  });

  it("web apps: regional subnet, and gateway-required vnetName resolved in the app's own subscription with the guid prefix stripped", () => {
    const byName = new Map(estate.byKind.webApp.map((app) => [app.name, app]));
    expect(estate.appsBySubnet.get(armKey(appSubnet))).toEqual([byName.get("app-regional")]);
    expect(byName.get("app-gateway")!.gatewayVnetName).toBe("vnet-app");
    expect(byName.get("app-gateway")!.gatewayVnetKey).toBe(armKey(ids.vnet("vnet-app")));
    expect(byName.get("app-gateway-other-sub")!.gatewayVnetKey).toBe(armKey(ids.vnet("vnet-app", SUB2)));
    expect(estate.gatewayAppsByVnet.get(armKey(ids.vnet("vnet-app")))).toEqual([byName.get("app-gateway")]);
  });

  it("ASE → subnet and NIC → subnet and NSG", () => {
    expect(estate.aseBySubnet.get(armKey(appSubnet))!.map((a) => a.name)).toEqual(["ase"]);
    expect(estate.nicsBySubnet.get(armKey(appSubnet))!.map((n) => n.name)).toEqual(["nic"]);
    expect(estate.nicsByNsg.get(armKey(ids.nsg("nsg-mi")))!.map((n) => n.name)).toEqual(["nic"]);
  });

  it("supplies the six default rules when defaultSecurityRules is absent", () => {
    const nsg = estate.byKind.networkSecurityGroup[0]!;
    expect(nsg.defaultsAssumed).toBe(true);
    expect(nsg.rules.map((r) => `${r.name}:${r.priority}`).sort()).toEqual(
      [
        "AllowAzureLoadBalancerInBound:65001",
        "AllowInternetOutBound:65001",
        "AllowVnetInBound:65000",
        "AllowVnetOutBound:65000",
        "DenyAllInBound:65500",
        "DenyAllOutBound:65500",
      ].sort(),
    );
  });

  it("public IPs and prefixes become owned public prefixes", () => {
    const withIps = buildEstate([
      {
        id: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/publicIPAddresses/p",
        type: "microsoft.network/publicipaddresses",
        properties: { ipAddress: "20.1.2.3" },
      },
      {
        id: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/publicIPPrefixes/q",
        type: "microsoft.network/publicipprefixes",
        properties: { ipPrefix: "20.9.0.0/28" },
      },
      {
        id: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/publicIPAddresses/unassigned",
        type: "microsoft.network/publicipaddresses",
        properties: {},
      },
    ]);
    expect(withIps.ownedPublicPrefixes).toEqual(["20.1.2.3", "20.9.0.0/28"]);
  });
});

describe("security rule fields", () => {
  it("merges singular and plural fields", () => {
    const estate = buildEstate([
      {
        id: ids.nsg("n"),
        type: "microsoft.network/networksecuritygroups",
        properties: {
          securityRules: [
            {
              name: "both",
              properties: {
                priority: 100,
                direction: "inbound",
                access: "allow",
                protocol: "Tcp",
                sourceAddressPrefix: "1.2.3.4",
                sourceAddressPrefixes: ["5.6.7.8"],
                destinationPortRanges: ["1433", "3342"],
                destinationAddressPrefix: "*",
              },
            },
          ],
        },
      },
    ]);
    const rule = estate.byKind.networkSecurityGroup[0]!.rules[0]!;
    expect([...rule.sourceAddressPrefixes].sort()).toEqual(["1.2.3.4", "5.6.7.8"]);
    expect(rule.destinationPortRanges).toEqual(["1433", "3342"]);
    expect(rule.direction).toBe("Inbound");
    expect(rule.access).toBe("Allow");
  });

  it("records rules that are null, strings or lack a priority as NSG issues, and wrong-typed fields as rule issues", () => {
    const warnings: string[] = [];
    const estate = buildEstate(
      [
        {
          id: ids.nsg("n"),
          type: "microsoft.network/networksecuritygroups",
          properties: {
            securityRules: [
              null,
              "allow all",
              { name: "nopriority", properties: { direction: "Inbound", access: "Allow" } },
              {
                name: "wrongtype",
                properties: {
                  priority: 100,
                  direction: "Inbound",
                  access: "Allow",
                  protocol: "Tcp",
                  sourceAddressPrefixes: "10.0.0.0/8",
                  destinationPortRange: 1433,
                },
              },
            ],
          },
        },
      ],
      { onWarning: (w) => warnings.push(w) },
    );
    const nsg = estate.byKind.networkSecurityGroup[0]!;
    expect(nsg.issues.map((i) => i.field)).toEqual([
      "properties.securityRules[0]",
      "properties.securityRules[1]",
      "properties.securityRules[2]",
    ]);
    const wrong = nsg.rules.find((r) => r.name === "wrongtype")!;
    expect(wrong.issues.join(" ")).toMatch(/sourceAddressPrefixes: expected an array/);
    expect(wrong.destinationPortRanges).toEqual(["1433"]);
    expect(warnings.length).toBeGreaterThanOrEqual(3);
  });
});

describe("rows that cannot be used", () => {
  it("skips rows without an id or type with a warning, ignores unaudited types silently", () => {
    const warnings: string[] = [];
    const estate = buildEstate(
      [
        { type: "microsoft.sql/managedinstances", name: "x" },
        {
          id: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/st",
          type: "microsoft.storage/storageaccounts",
        },
        42,
        { id: "/x" },
      ],
      { onWarning: (w) => warnings.push(w) },
    );
    expect(estate.resources.size).toBe(0);
    expect(warnings).toEqual([
      expect.stringMatching(/row 0: .*no id/),
      expect.stringMatching(/row 2: expected an object, found number 42/),
      expect.stringMatching(/row 3: row has no type/),
    ]);
  });

  it("a row whose properties is null becomes a resource with an issue", () => {
    const estate = buildEstate([{ id: ids.mi("m"), type: "microsoft.sql/managedinstances", properties: null }]);
    const mi = estate.byKind.managedInstance[0]!;
    expect(mi.issues).toEqual([{ field: "properties", problem: "the row has no properties" }]);
    expect(mi.subscriptionId).toBe(SUB1);
    expect(mi.resourceGroup).toBe("rg-data");
  });

  it("a reference to a missing resource is kept as a key, not an error", () => {
    const estate = buildEstate([miRow("m", ids.subnet("nowhere", "s"))]);
    expect(estate.byKind.managedInstance[0]!.subnetKey).toBe(armKey(ids.subnet("nowhere", "s")));
    expect(estate.resources.size).toBe(1);
  });
});

describe("shared, read-only values (memory at scale)", () => {
  const sqlRule = (priority: number, source = "10.0.0.0/8") => ({
    name: "allow_sql",
    properties: {
      priority,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      sourceAddressPrefix: source,
      destinationAddressPrefix: "*",
      sourcePortRange: "*",
      destinationPortRange: "1433",
    },
  });
  const nsg = (name: string, rules: unknown[], tags?: Record<string, string>) => ({
    id: ids.nsg(name),
    type: "microsoft.network/networksecuritygroups",
    ...(tags === undefined ? {} : { tags }),
    properties: { securityRules: rules },
  });
  const estate = buildEstate([
    nsg("a", [sqlRule(100)], { env: "prod", owner: "team" }),
    nsg("b", [sqlRule(100)], { env: "prod", owner: "team" }),
    nsg("c", [sqlRule(200)], { env: "test", owner: "team" }),
    nsg("d", [sqlRule(100, "10.0.0.0/9")]),
  ]);
  const [a, b, c, d] = estate.byKind.networkSecurityGroup;

  it("identical security rules in different NSGs are one frozen object; any differing field makes another", () => {
    expect(a!.rules[0]).toBe(b!.rules[0]);
    expect(Object.isFrozen(a!.rules[0])).toBe(true);
    expect(c!.rules[0]).not.toBe(a!.rules[0]);
    expect(c!.rules[0]!.priority).toBe(200);
    expect(d!.rules[0]).not.toBe(a!.rules[0]);
    expect(d!.rules[0]!.sourceAddressPrefixes).toEqual(["10.0.0.0/9"]);
    // The value lists are shared too, and read-only: a caller that wants to sort one copies it.
    expect(c!.rules[0]!.destinationPortRanges).toBe(a!.rules[0]!.destinationPortRanges);
    expect(() => a!.rules[0]!.sourceAddressPrefixes.push("*")).toThrow(TypeError);
  });

  it("identical tag sets are one frozen object; resources without issues share one empty, frozen list", () => {
    expect(a!.tags).toEqual({ env: "prod", owner: "team" });
    expect(a!.tags).toBe(b!.tags);
    expect(c!.tags).toEqual({ env: "test", owner: "team" });
    expect(Object.isFrozen(a!.tags)).toBe(true);
    expect(d!.tags).toEqual({});
    expect(a!.issues).toEqual([]);
    expect(a!.issues).toBe(d!.issues);
    expect(Object.isFrozen(a!.issues)).toBe(true);
  });

  it("a resource with data issues keeps its own list", () => {
    const broken = buildEstate([
      { id: ids.mi("m"), type: "microsoft.sql/managedinstances", properties: null },
      miRow("ok", ids.subnet("v", "s")),
    ]);
    const [bad, good] = broken.byKind.managedInstance;
    expect(bad!.issues).toHaveLength(1);
    expect(good!.issues).toEqual([]);
    expect(bad!.issues).not.toBe(good!.issues);
  });
});

describe("clean rules and rules read field by field", () => {
  it("a rule Azure spelled exactly and the same rule spelled loosely become the same shared rule", () => {
    const clean = {
      name: "sql",
      properties: {
        priority: 100,
        direction: "Inbound",
        access: "Allow",
        protocol: "Tcp",
        sourceAddressPrefix: "10.0.0.0/8",
        destinationAddressPrefix: "*",
        sourcePortRange: "*",
        destinationPortRanges: ["1433", "3342"],
      },
    };
    const loose = {
      name: "sql",
      properties: {
        priority: "100",
        direction: " inbound",
        access: "ALLOW",
        protocol: "Tcp",
        sourceAddressPrefixes: ["10.0.0.0/8"],
        destinationAddressPrefix: "*",
        sourcePortRange: "*",
        destinationPortRange: 3342,
        destinationPortRanges: ["1433"],
      },
    };
    const flat = {
      name: "sql",
      priority: 100,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      sourceAddressPrefix: "10.0.0.0/8",
      destinationAddressPrefix: "*",
      sourcePortRange: "*",
      destinationPortRanges: ["1433", "3342"],
    };
    const estate = buildEstate(
      ["a", "b", "c"].map((name, i) => ({
        id: ids.nsg(name),
        type: "microsoft.network/networksecuritygroups",
        properties: { securityRules: [[clean, loose, flat][i]] },
      })),
    );
    const [a, b, c] = estate.byKind.networkSecurityGroup.map((nsg) => nsg.rules[0]!);
    expect(a).toEqual({
      name: "sql",
      priority: 100,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      sourceAddressPrefixes: ["10.0.0.0/8"],
      destinationAddressPrefixes: ["*"],
      sourcePortRanges: ["*"],
      destinationPortRanges: ["1433", "3342"],
      sourceApplicationSecurityGroups: [],
      destinationApplicationSecurityGroups: [],
      description: undefined,
      isDefault: false,
      issues: [],
    });
    expect(b).toBe(a);
    expect(c).toBe(a);
  });

  it("anything unusual is read field by field, with its problems recorded", () => {
    const estate = buildEstate([
      {
        id: ids.nsg("n"),
        type: "microsoft.network/networksecuritygroups",
        properties: {
          securityRules: [
            {
              name: "asg",
              properties: {
                priority: 100,
                direction: "Inbound",
                access: "Allow",
                protocol: "Tcp",
                sourceApplicationSecurityGroups: [
                  { id: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/applicationSecurityGroups/Web" },
                ],
                destinationAddressPrefix: "*",
                sourcePortRange: "*",
                destinationPortRange: "1433",
              },
            },
            {
              name: "odd",
              properties: {
                priority: 110,
                direction: "Inbound",
                access: "Allow",
                protocol: "Tcp",
                sourceAddressPrefixes: ["10.0.0.0/8", 7],
                destinationAddressPrefix: "*",
                sourcePortRange: "*",
                destinationPortRange: "1433",
              },
            },
          ],
        },
      },
    ]);
    const [asg, odd] = estate.byKind.networkSecurityGroup[0]!.rules;
    expect(asg!.sourceApplicationSecurityGroups).toEqual([
      "/subscriptions/s/resourcegroups/r/providers/microsoft.network/applicationsecuritygroups/web",
    ]);
    expect(odd!.sourceAddressPrefixes).toEqual(["10.0.0.0/8"]);
    expect(odd!.issues).toEqual([
      expect.stringContaining("sourceAddressPrefixes[1]: expected a string, found number 7"),
    ]);
  });
});

describe("entry checks", () => {
  // Net parses entries; the model only declares the check. The builder reads the same estate with or without it.
  const rows = [
    {
      id: ids.nsg("n"),
      type: "microsoft.network/networksecuritygroups",
      properties: {
        securityRules: [
          {
            name: "bad",
            properties: {
              priority: 100,
              direction: "Inbound",
              access: "Allow",
              protocol: "Tcp",
              sourceAddressPrefix: "10.0.0.300/24",
              destinationAddressPrefix: "*",
              sourcePortRange: "*",
              destinationPortRange: "33a42",
            },
          },
        ],
      },
    },
    vnetRow("v", ["10.1.2.3/40"], [{ name: "s", prefix: "10.1.0.0/24" }]),
  ];

  it("with net's checks, unreadable entries are warnings naming the field; without them, none; the estate is the same", () => {
    const checked: string[] = [];
    const unchecked: string[] = [];
    const withChecks = buildEstate(rows, { entryChecks: MALFORMED_ENTRY_CHECKS, onWarning: (w) => checked.push(w) });
    const without = buildEstate(rows, { onWarning: (w) => unchecked.push(w) });
    expect(checked).toEqual([
      expect.stringContaining("properties.securityRules[0].properties.destinationPortRange: '33a42'"),
      expect.stringContaining("properties.securityRules[0].properties.sourceAddressPrefix: '10.0.0.300/24'"),
      expect.stringContaining("properties.addressSpace.addressPrefixes[0]"),
    ]);
    expect(unchecked).toEqual([]);
    expect([...without.resources.keys()]).toEqual([...withChecks.resources.keys()]);
    expect(without.byKind.networkSecurityGroup[0]!.rules).toEqual(withChecks.byKind.networkSecurityGroup[0]!.rules);
    expect(without.byKind.virtualNetwork[0]!.addressPrefixes).toEqual(["10.1.2.3/40"]);
  });
});
