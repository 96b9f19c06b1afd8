// Named managed-instance estates several rule tables share (built with test/support/rows.ts).
import { SUB1, ids, miRow, nsgRow, vnetRow, type Row } from "../../support/rows";

/** The subnet delegation every MI subnet carries (written as ARM returns it; the estate compares case-insensitively). */
export const MI_DELEGATION = "Microsoft.Sql/managedInstances";
export const miSubnet = ids.subnet("vnet-mi", "snet-mi");
export const miNsg = ids.nsg("nsg-mi");

/** An MI with the public endpoint on, in a dedicated VNet whose subnet NSG has the given rules. */
export function publicMi(rules: unknown[], miProps: Row = {}): Row[] {
  return [
    vnetRow(
      "vnet-mi",
      ["10.1.0.0/24"],
      [{ name: "snet-mi", prefix: "10.1.0.0/24", nsg: miNsg, delegation: MI_DELEGATION }],
    ),
    nsgRow("nsg-mi", rules),
    miRow("mi1", miSubnet.toUpperCase(), { publicDataEndpointEnabled: true, ...miProps }),
  ];
}

/** An MI with the public endpoint off, alone in an undelegated subnet with no NSG. */
export function privateMi(miProps: Row = {}): Row[] {
  return [
    vnetRow("vnet-mi", ["10.1.0.0/24"], [{ name: "snet-mi", prefix: "10.1.0.0/24" }]),
    miRow("mi1", miSubnet, miProps),
  ];
}

/** A row of a type the auditor does not audit as an MI (an Azure SQL logical server), for out-of-scope cases. */
export function sqlServerRow(name: string, properties: Row): Row {
  return {
    id: `/subscriptions/${SUB1}/resourceGroups/rg-data/providers/Microsoft.Sql/servers/${name}`,
    name,
    type: "microsoft.sql/servers",
    location: "westeurope",
    subscriptionId: SUB1,
    resourceGroup: "rg-data",
    tags: {},
    properties,
  };
}

/** Security-rule fields naming an application security group as the source (its members are not in the estate). */
export const asgSource = {
  sourceApplicationSecurityGroups: [
    { id: "/subscriptions/x/resourceGroups/r/providers/Microsoft.Network/applicationSecurityGroups/asg" },
  ],
};
