// Random hub-and-spoke topologies against a naive reading of the "Networking constraints" point on Microsoft peering:
// a circuit reaches the MI's VNet when it is connected to the VNet's own gateway, or (the VNet having none) to the
// gateway of a hub whose peering the VNet uses with useRemoteGateways while the hub's peering back allows gateway
// transit, both Connected. mi.expressroute.microsoft-peering-unsupported must give the verdict the naive walk gives.
import { describe, expect, it } from "vitest";
import { SeededRandom } from "../../dev/generate/seeded-random";
import {
  circuitRow,
  connectionRow,
  gatewayRow,
  ids,
  miRow,
  vnetRow,
  type PeeringSpec,
  type Row,
} from "../support/rows";
import { localNetworkGatewayRow, netIds, siteToSiteRow } from "./network-rows";
import { findingsFor, verdict } from "../support/evaluate";
import type { Status } from "../../src/rules/rule";

interface Hub {
  name: string;
  hasGateway: boolean;
  /** The MI VNet's peering to the hub, if any. */
  spoke?: { connected: boolean; useRemoteGateways: boolean };
  /** The hub's peering back: "uncollected" when the hub row has no peerings field. */
  back: { connected: boolean; allowGatewayTransit: boolean } | "none" | "uncollected";
}

interface World {
  ownGateway: boolean;
  hubs: Hub[];
  /** Circuit name → its peerings (null: not collected). */
  circuits: Map<string, [string, string][] | null>;
  /** Gateway VNet name → circuits connected to its gateway. */
  connections: Map<string, string[]>;
  siteToSite: string[];
}

/** A circuit's peerings: private peering or not, and a Microsoft peering that is absent, enabled or disabled. */
function randomPeerings(rng: SeededRandom): [string, string][] {
  const peerings: [string, string][] = rng.chance(0.7) ? [["AzurePrivatePeering", "Enabled"]] : [];
  const microsoft = rng.pick(["none", "Enabled", "Disabled"]);
  if (microsoft !== "none") peerings.push(["MicrosoftPeering", microsoft]);
  return peerings;
}

function randomWorld(seed: number): World {
  const rng = SeededRandom.derive(seed, "circuit-reach");
  const ownGateway = rng.chance(0.35);
  const hubs: Hub[] = [];
  // Azure lets one peering at most use remote gateways, and none when the VNet has a gateway of its own.
  let remoteUsed = ownGateway;
  for (let i = 0; i < rng.int(0, 3); i += 1) {
    const useRemoteGateways = !remoteUsed && rng.chance(0.7);
    remoteUsed ||= useRemoteGateways;
    const spoke = rng.chance(0.85) ? { connected: rng.chance(0.85), useRemoteGateways } : undefined;
    const back = rng.chance(0.1)
      ? "uncollected"
      : rng.chance(0.85)
        ? { connected: rng.chance(0.85), allowGatewayTransit: rng.chance(0.7) }
        : "none";
    hubs.push({ name: `hub${i}`, hasGateway: rng.chance(0.85), spoke, back });
  }
  const circuits = new Map<string, [string, string][] | null>();
  for (let i = 0; i < rng.int(0, 3); i += 1) circuits.set(`er${i}`, rng.chance(0.1) ? null : randomPeerings(rng));
  const gatewayVnets = [...(ownGateway ? ["vnet-mi"] : []), ...hubs.filter((h) => h.hasGateway).map((h) => h.name)];
  const connections = new Map<string, string[]>();
  const siteToSite: string[] = [];
  for (const vnet of gatewayVnets) {
    connections.set(
      vnet,
      [...circuits.keys()].filter(() => rng.chance(0.4)),
    );
    if (rng.chance(0.3)) siteToSite.push(vnet);
  }
  return { ownGateway, hubs, circuits, connections, siteToSite };
}

function rows(world: World): Row[] {
  const spokePeerings: PeeringSpec[] = world.hubs.flatMap((hub) =>
    hub.spoke === undefined
      ? []
      : [
          {
            name: `to-${hub.name}`,
            remote: ids.vnet(hub.name),
            state: hub.spoke.connected ? "Connected" : "Initiated",
            useRemoteGateways: hub.spoke.useRemoteGateways,
          },
        ],
  );
  const out: Row[] = [
    vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }], spokePeerings),
    miRow("mi1", ids.subnet("vnet-mi", "snet-mi")),
  ];
  world.hubs.forEach((hub, i) => {
    const back =
      hub.back === "uncollected"
        ? null
        : hub.back === "none"
          ? []
          : [
              {
                remote: ids.vnet("vnet-mi"),
                state: hub.back.connected ? "Connected" : "Disconnected",
                allowGatewayTransit: hub.back.allowGatewayTransit,
              },
            ];
    out.push(
      vnetRow(hub.name, [`10.${10 + i}.0.0/16`], [{ name: "GatewaySubnet", prefix: `10.${10 + i}.0.0/27` }], back),
    );
  });
  for (const [name, peerings] of world.circuits) out.push(circuitRow(name, peerings));
  for (const [vnet, circuits] of world.connections) {
    out.push(gatewayRow(`gw-${vnet}`, ids.vnet(vnet)));
    for (const circuit of circuits)
      out.push(connectionRow(`${vnet}-${circuit}`, ids.gateway(`gw-${vnet}`), ids.circuit(circuit)));
  }
  for (const vnet of world.siteToSite) {
    out.push(localNetworkGatewayRow(`site-${vnet}`, ["192.168.0.0/16"]));
    out.push(siteToSiteRow(`s2s-${vnet}`, ids.gateway(`gw-${vnet}`), netIds.site(`site-${vnet}`)));
  }
  return out;
}

/** The naive walk: which gateway VNets the MI VNet uses, the circuits on them, and their Microsoft peerings. */
function reference(world: World): Status {
  let undecided = false;
  const gatewayVnets: string[] = [];
  if (world.ownGateway) gatewayVnets.push("vnet-mi");
  else
    for (const hub of world.hubs) {
      if (hub.spoke?.useRemoteGateways !== true || !hub.spoke.connected) continue;
      if (hub.back === "uncollected") undecided = true;
      else if (hub.back !== "none" && hub.back.connected && hub.back.allowGatewayTransit) gatewayVnets.push(hub.name);
    }
  const circuits = new Set(gatewayVnets.flatMap((vnet) => world.connections.get(vnet) ?? []));
  const peeringsOf = [...circuits].map((name) => world.circuits.get(name)!);
  if (peeringsOf.some((p) => p?.some(([type, state]) => type === "MicrosoftPeering" && state === "Enabled")))
    return "fail";
  if (undecided || peeringsOf.some((p) => p === null)) return "unknown";
  return circuits.size === 0 ? "notApplicable" : "pass";
}

describe("mi.expressroute.microsoft-peering-unsupported on random topologies", () => {
  it("gives the naive walk's verdict on 300 topologies", () => {
    const seen = new Set<Status>();
    for (let seed = 1; seed <= 300; seed += 1) {
      const world = randomWorld(seed);
      const finding = verdict(findingsFor(rows(world)), "mi.expressroute.microsoft-peering-unsupported", "mi1");
      const expected = reference(world);
      seen.add(expected);
      expect(finding.status, `seed ${seed}: ${finding.message}`).toBe(expected);
    }
    // The generator reaches every verdict, so the comparison covers each branch of the rule.
    expect([...seen].sort()).toEqual(["fail", "notApplicable", "pass", "unknown"]);
  });
});
