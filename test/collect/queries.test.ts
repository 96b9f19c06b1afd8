import { describe, expect, it } from "vitest";
import { columnFor, QUERY_FAMILIES, renestRow, SUBSCRIPTIONS_QUERY } from "../../src/collect/queries";
import { SUBSCRIPTION_TYPE } from "../../src/model/management-group-ancestry";
import { POLICY_TYPES } from "../../src/model/policy-objects";
import { AUDITED_TYPES } from "../../src/model/row";
import { parseQuery } from "../../dev/emulator/kql-subset";

describe("query families", () => {
  it("cover every audited type, the Policy objects and the subscriptions' ancestry exactly once", () => {
    const served = QUERY_FAMILIES.flatMap((family) => family.types).sort();
    expect(served).toEqual([...Object.values(AUDITED_TYPES), ...Object.values(POLICY_TYPES), SUBSCRIPTION_TYPE].sort());
  });

  it("read Policy objects from policyresources, subscriptions from resourcecontainers, the rest from resources", () => {
    const tables = Object.fromEntries(QUERY_FAMILIES.map((family) => [family.name, parseQuery(family.query).table]));
    expect(Object.entries(tables).filter(([, table]) => table !== "resources")).toEqual([
      ["policyExemptions", "policyresources"],
      ["subscriptionAncestry", "resourcecontainers"],
    ]);
  });

  it.each([...QUERY_FAMILIES.map((family) => [family.name, family.query]), ["subscriptions", SUBSCRIPTIONS_QUERY]])(
    "%s stays inside the emulator's KQL subset and projects id (needed to page)",
    (_name, query) => {
      const parsed = parseQuery(query);
      const project = parsed.operations.find((operation) => operation.kind === "project");
      expect(project?.kind === "project" && project.columns.map((column) => column.name)).toContain("id");
    },
  );

  it("project web app identity and kind, and no other family's", () => {
    const withIdentity = QUERY_FAMILIES.filter((family) => family.extraColumns.includes("identity")).map(
      (family) => family.name,
    );
    expect(withIdentity).toEqual(["webApps"]);
  });
});

describe("renestRow", () => {
  const family = QUERY_FAMILIES.find((candidate) => candidate.name === "webApps")!;

  it("puts projected paths back under properties, deep paths included", () => {
    const raw = {
      id: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Web/sites/a",
      name: "a",
      type: "microsoft.web/sites",
      location: "westeurope",
      subscriptionId: "s",
      resourceGroup: "r",
      tags: null,
      kind: "app",
      identity: { type: "SystemAssigned" },
      [columnFor("properties.virtualNetworkSubnetId")]: "/subnet",
      [columnFor("properties.siteConfig.vnetName")]: "guid_vnet",
      [columnFor("properties.hostingEnvironmentProfile")]: null,
    };
    expect(renestRow(family, raw)).toEqual({
      id: raw.id,
      name: "a",
      type: "microsoft.web/sites",
      location: "westeurope",
      subscriptionId: "s",
      resourceGroup: "r",
      tags: null,
      kind: "app",
      identity: { type: "SystemAssigned" },
      properties: { virtualNetworkSubnetId: "/subnet", siteConfig: { vnetName: "guid_vnet" } },
    });
  });

  it("gives an empty properties object when no projected path had a value (a web app without VNet integration)", () => {
    const row = renestRow(family, { id: "x", name: "x", type: "microsoft.web/sites" });
    expect(row.properties).toEqual({});
  });
});
