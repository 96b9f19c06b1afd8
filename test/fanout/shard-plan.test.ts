// Cutting a scope into shards: balanced sizes, and subscriptions tied by a cross-subscription association kept in one
// shard, so no verdict that reads an NSG or a NIC lands in a shard that did not collect it.
import { describe, expect, it } from "vitest";
import { groupIntoShards } from "../../src/fanout/shard-plan";
import { subscriptionIds } from "../fixtures/collect/generate-estate";

const [A, B, C, D, E] = subscriptionIds(5) as [string, string, string, string, string];

function vnet(sub: string, name: string, subnets: Array<{ nsg?: string; nics?: string[] }>): Record<string, unknown> {
  return {
    id: `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/${name}`,
    type: "microsoft.network/virtualnetworks",
    subscriptionId: sub,
    properties: {
      subnets: subnets.map((s, i) => ({
        id: `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/${name}/subnets/s${i}`,
        properties: {
          ...(s.nsg !== undefined
            ? {
                networkSecurityGroup: {
                  id: `/subscriptions/${s.nsg}/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg${i}`,
                },
              }
            : {}),
          ipConfigurations: (s.nics ?? []).map((nicSub, j) => ({
            id: `/subscriptions/${nicSub}/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic${j}/ipConfigurations/ipconfig1`,
          })),
        },
      })),
    },
  };
}

describe("groupIntoShards", () => {
  it.each([
    [3, 1, [1, 1, 1]],
    [501, 250, [167, 167, 167]],
    [10, 3, [3, 3, 2, 2]],
    [10, 10, [10]],
    [1000, 250, [250, 250, 250, 250]],
  ])("%i subscriptions at %i per shard make shards of %j", (count, size, sizes) => {
    const { shards } = groupIntoShards(subscriptionIds(count), [], size);
    expect(shards.map((s) => s.length)).toEqual(sizes);
    expect(shards.flat().sort()).toEqual(subscriptionIds(count).sort());
  });

  it("lower-cases, de-duplicates and sorts", () => {
    expect(groupIntoShards([B.toUpperCase(), A, B], [], 1).shards).toEqual([[A], [B]]);
    expect(groupIntoShards([], [], 5).shards).toEqual([]);
  });

  it("keeps a subnet's NSG and NICs from another subscription in the VNet's shard", () => {
    const rows = [vnet(A, "v1", [{ nsg: C }]), vnet(D, "v2", [{ nics: [E] }])];
    const grouping = groupIntoShards([A, B, C, D, E], rows, 1);
    expect(grouping.shards).toEqual([[A, C], [B], [D, E]]);
    expect(grouping.linkCount).toBe(2);
    expect(grouping.links[0]).toMatchObject({ from: A, to: C });
  });

  it("keeps an MI or an App Service environment with its subnet's subscription", () => {
    const mi = {
      id: `/subscriptions/${B}/resourceGroups/rg/providers/Microsoft.Sql/managedInstances/mi`,
      type: "microsoft.sql/managedinstances",
      subscriptionId: B,
      properties: {
        subnetId: `/subscriptions/${E}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s`,
      },
    };
    const ase = {
      id: `/subscriptions/${A}/resourceGroups/rg/providers/Microsoft.Web/hostingEnvironments/ase`,
      type: "microsoft.web/hostingenvironments",
      subscriptionId: A,
      properties: {
        virtualNetwork: {
          id: `/subscriptions/${C}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s`,
        },
      },
    };
    expect(groupIntoShards([A, B, C, D, E], [mi, ase], 1).shards).toEqual([[A, C], [B, E], [D]]);
  });

  it("ignores associations within one subscription, to subscriptions outside the scope, and peerings", () => {
    const peered = {
      ...vnet(A, "hub", [{ nsg: A, nics: [A] }]),
      properties: {
        subnets: [],
        virtualNetworkPeerings: [
          {
            properties: {
              remoteVirtualNetwork: {
                id: `/subscriptions/${B}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/spoke`,
              },
            },
          },
        ],
      },
    };
    const grouping = groupIntoShards([A, B, C], [vnet(A, "v", [{ nsg: A, nics: [A, D] }]), peered], 1);
    expect(grouping.shards).toEqual([[A], [B], [C]]);
    expect(grouping.linkCount).toBe(0);
  });

  it("lets a tied group larger than a shard be one shard of its own", () => {
    const rows = [vnet(A, "v", [{ nsg: B }, { nsg: C }])];
    expect(groupIntoShards([A, B, C, D, E], rows, 2).shards).toEqual([
      [A, B, C],
      [D, E],
    ]);
  });
});
