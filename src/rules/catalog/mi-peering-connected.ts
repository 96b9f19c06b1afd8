// mi.peering.connected: every peering of an MI VNet must be Connected and fully in sync.
import type { Rule } from "../rule";
import { result } from "../rule";
import { miPeerings } from "../peering-scope";
import { SEED_CONNECT_APP } from "../seed-passages";
import { GUIDANCE_CHECKED, GUIDANCE_PAGES } from "../guidance-pages";

export const miPeeringConnected: Rule<"managedInstance"> = {
  id: "mi.peering.connected",
  title: "MI VNet peering is not connected or out of sync",
  severity: "medium",
  appliesTo: "managedInstance",
  synopsis:
    "Every peering of an MI's VNet must have peeringState Connected and, where reported, peeringSyncLevel FullyInSync.",
  rationale:
    "A peering that is Initiated, Disconnected or out of sync does not carry traffic (or carries it to stale address spaces), so applications that rely on it to reach the instance fail, and the configuration reviewed is not the one in force.",
  source: {
    seed: "000_82907967a2c23df9.txt",
    article: SEED_CONNECT_APP,
    quote:
      "To connect, an application needs access to the VNet where Managed Instance is deployed. So, first you need to make a connection between the application and the Managed Instance VNet.",
  },
  guidance: [
    {
      page: GUIDANCE_PAGES.connectApplication,
      summary:
        "An application in another VNet (in the same or another subscription) needs a connection to the instance's VNet: VNet peering, preferred because it runs over the Microsoft backbone, or a VNet-to-VNet VPN.",
      checked: GUIDANCE_CHECKED,
    },
    {
      page: GUIDANCE_PAGES.vnetManagePeering,
      summary:
        "A peering carries traffic only when its status is Connected on both sides; after a peered VNet's address space changes, the peering has to be synced before the new ranges are reachable.",
      checked: GUIDANCE_CHECKED,
    },
  ],
  remediation:
    "Re-create the missing side of the peering, or sync it (`az network vnet peering sync`) after address-space changes.",
  references: ["https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering"],
  controls: [],
  controlsNote: "operational: a peering's state decides reachability, not exposure; no framework control",
  verdictDependsOn: [],
  applicabilityDependsOn: [],
  evaluate(mi, estate) {
    const scope = miPeerings(mi, estate);
    if ("done" in scope) return scope.done;
    const broken: { peering: string; peeringState: string | null; peeringSyncLevel: string | null }[] = [];
    const unreadable: string[] = [];
    for (const peering of scope.peerings) {
      if (peering.peeringState === undefined) {
        unreadable.push(peering.name);
        continue;
      }
      const connected = peering.peeringState.toLowerCase() === "connected";
      const inSync = peering.peeringSyncLevel === undefined || peering.peeringSyncLevel.toLowerCase() === "fullyinsync";
      if (!connected || !inSync)
        broken.push({
          peering: peering.name,
          peeringState: peering.peeringState,
          peeringSyncLevel: peering.peeringSyncLevel ?? null,
        });
    }
    const evidence = { vnet: scope.vnet.id, brokenPeerings: broken, peeringsWithoutState: unreadable };
    if (broken.length > 0) {
      const first = broken[0]!;
      return [
        result(
          mi,
          "fail",
          `Peering ${first.peering} of ${scope.vnet.name} is ${first.peeringState}${first.peeringSyncLevel ? ` / ${first.peeringSyncLevel}` : ""}, not Connected and FullyInSync.`,
          evidence,
        ),
      ];
    }
    if (unreadable.length > 0)
      return [
        result(
          mi,
          "unknown",
          `Peering(s) ${unreadable.join(", ")} of ${scope.vnet.name} report no peeringState.`,
          evidence,
        ),
      ];
    return [
      result(
        mi,
        "pass",
        `All ${scope.peerings.length} peering(s) of ${scope.vnet.name} are Connected and in sync.`,
        evidence,
      ),
    ];
  },
};
