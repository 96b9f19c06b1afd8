// Resource Graph's `options.authorizationScopeFilter` as the emulator honours it for `policyresources`, through the
// real @azure/arm-resourcegraph client. The REST spec (QueryRequestOptions) names four values, AtScopeAndBelow being
// the default, and says the option "defines what level of authorization resources should be returned based on which
// subscriptions and management groups are passed as scopes". Read as the words say over where each Policy row is held:
// at the requested scope, below it (a subscription's resource groups; a group's child groups and their subscriptions),
// above it (the groups over it, the tenant root group, the tenant). A tenant-wide request has nothing above it; the
// `resources` table is not an authorization table and ignores the option; an unknown value is a 400 in the service's
// envelope (a generic BadRequest, the specific code in details).
import { ResourceGraphClient, type AuthorizationScopeFilter } from "@azure/arm-resourcegraph";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restClientOptions } from "../../src/collect/collection-config";
import { EMULATOR_TENANT_ID } from "../../dev/emulator/resource-graph-endpoint";
import { type EmulatorFixture, startConnected } from "../collect/emulator-connection";

const SUB_PROD = "0a000000-0000-4000-8000-00000000000a"; // Corp ← Corp-Prod ← here
const SUB_CORP = "0b000000-0000-4000-8000-00000000000b"; // Corp ← here
const SUB_SANDBOX = "0c000000-0000-4000-8000-00000000000c"; // Sandbox ← here
const group = (name: string) => `/providers/Microsoft.Management/managementGroups/${name}`;
const AUTH = "providers/Microsoft.Authorization";

/** Where each Policy row is held, by a short name the cases use. */
const HELD: Record<string, { id: string; type: string; subscriptionId: string; resourceGroup: string }> = {
  tenant: policy(`/${AUTH}/policySetDefinitions/1f3afdf9-d0c9-4c3d-847f-89da613e70a8`, "policysetdefinitions"),
  root: policy(`${group(EMULATOR_TENANT_ID)}/${AUTH}/policyAssignments/root-a`, "policyassignments"),
  corp: policy(`${group("Corp")}/${AUTH}/policyAssignments/corp-a`, "policyassignments"),
  prod: policy(`${group("Corp-Prod")}/${AUTH}/policyExemptions/prod-ex`, "policyexemptions"),
  sandbox: policy(`${group("Sandbox")}/${AUTH}/policyAssignments/sandbox-a`, "policyassignments"),
  sub: policy(`/subscriptions/${SUB_PROD}/${AUTH}/policyAssignments/sub-a`, "policyassignments", SUB_PROD),
  rg: policy(
    `/subscriptions/${SUB_PROD}/resourceGroups/rg-data/${AUTH}/policyExemptions/rg-ex`,
    "policyexemptions",
    SUB_PROD,
    "rg-data",
  ),
  corpSub: policy(`/subscriptions/${SUB_CORP}/${AUTH}/policyAssignments/corp-sub-a`, "policyassignments", SUB_CORP),
};

function policy(id: string, type: string, subscriptionId = "", resourceGroup = "") {
  return { id, type: `microsoft.authorization/${type}`, subscriptionId, resourceGroup };
}

const MI = `/subscriptions/${SUB_PROD}/resourceGroups/rg-data/providers/Microsoft.Sql/managedInstances/sqlmi-1`;
const ESTATE = {
  data: [
    ...Object.values(HELD).map((row) => ({
      ...row,
      name: row.id.split("/").pop(),
      location: "",
      tags: null,
      properties: {},
    })),
    {
      id: MI,
      name: "sqlmi-1",
      type: "microsoft.sql/managedinstances",
      location: "westeurope",
      subscriptionId: SUB_PROD,
      resourceGroup: "rg-data",
      tags: {},
      properties: {},
    },
  ],
  managementGroups: { "Corp-Prod": [SUB_PROD], Corp: [SUB_CORP], Sandbox: [SUB_SANDBOX] },
  managementGroupParents: { "Corp-Prod": "Corp" },
};
const POLICY_QUERY = "policyresources\n| project id, type\n| order by id asc";

let fixture: EmulatorFixture;
let client: ResourceGraphClient;
beforeAll(async () => {
  fixture = await startConnected({ estate: ESTATE, quota: { limit: 10_000 } });
  client = new ResourceGraphClient(fixture.connection.credential, restClientOptions(fixture.connection));
}, 60_000);
afterAll(() => fixture?.emulator.close());

async function held(
  scope: { subscriptions?: string[]; managementGroups?: string[] },
  filter: AuthorizationScopeFilter | undefined,
  query = POLICY_QUERY,
): Promise<string[]> {
  const options = {
    resultFormat: "objectArray" as const,
    ...(filter === undefined ? {} : { authorizationScopeFilter: filter }),
  };
  const response = await client.resources({ query, ...scope, options });
  const ids = (response.data as { id: string }[]).map((row) => row.id.toLowerCase());
  const names = Object.entries(HELD)
    .filter(([, row]) => ids.includes(row.id.toLowerCase()))
    .map(([name]) => name);
  expect(names.length, "every row returned is one of the estate's Policy rows").toBe(ids.length);
  return names.sort();
}

const EVERYTHING = Object.keys(HELD).sort();
const CASES: [
  string,
  { subscriptions?: string[]; managementGroups?: string[] },
  AuthorizationScopeFilter | undefined,
  string[],
][] = [
  ["subscription, default", { subscriptions: [SUB_PROD] }, undefined, ["rg", "sub"]],
  ["subscription, AtScopeAndBelow", { subscriptions: [SUB_PROD] }, "AtScopeAndBelow", ["rg", "sub"]],
  ["subscription, AtScopeExact", { subscriptions: [SUB_PROD] }, "AtScopeExact", ["sub"]],
  [
    "subscription, AtScopeAndAbove",
    { subscriptions: [SUB_PROD] },
    "AtScopeAndAbove",
    ["corp", "prod", "root", "sub", "tenant"],
  ],
  [
    "subscription, AtScopeAboveAndBelow",
    { subscriptions: [SUB_PROD] },
    "AtScopeAboveAndBelow",
    ["corp", "prod", "rg", "root", "sub", "tenant"],
  ],
  [
    "other subscription, AtScopeAboveAndBelow",
    { subscriptions: [SUB_SANDBOX] },
    "AtScopeAboveAndBelow",
    ["root", "sandbox", "tenant"],
  ],
  [
    "two subscriptions, AtScopeAboveAndBelow",
    { subscriptions: [SUB_CORP, SUB_SANDBOX] },
    "AtScopeAboveAndBelow",
    ["corp", "corpSub", "root", "sandbox", "tenant"],
  ],
  ["group, default", { managementGroups: ["Corp"] }, undefined, ["corp", "corpSub", "prod", "rg", "sub"]],
  ["child group, AtScopeExact", { managementGroups: ["corp-prod"] }, "AtScopeExact", ["prod"]],
  [
    "child group, AtScopeAndAbove",
    { managementGroups: ["Corp-Prod"] },
    "AtScopeAndAbove",
    ["corp", "prod", "root", "tenant"],
  ],
  [
    "child group, AtScopeAboveAndBelow",
    { managementGroups: ["Corp-Prod"] },
    "AtScopeAboveAndBelow",
    ["corp", "prod", "rg", "root", "sub", "tenant"],
  ],
  ["tenant, default", {}, undefined, EVERYTHING],
  ["tenant, AtScopeExact", {}, "AtScopeExact", EVERYTHING],
  ["tenant, AtScopeAboveAndBelow", {}, "AtScopeAboveAndBelow", EVERYTHING],
];

describe("authorizationScopeFilter on policyresources", () => {
  it.each(CASES)("%s", async (_name, scope, filter, expected) => {
    expect(await held(scope, filter)).toEqual(expected);
  });

  it("leaves the resources table alone", async () => {
    const query = "resources\n| project id\n| order by id asc";
    for (const filter of ["AtScopeExact", "AtScopeAboveAndBelow"] as const) {
      const response = await client.resources({
        query,
        subscriptions: [SUB_PROD],
        options: { authorizationScopeFilter: filter },
      });
      expect((response.data as { id: string }[]).map((row) => row.id)).toEqual([MI]);
    }
  });

  it("refuses an unknown value with a BadRequest naming it and the allowed values", async () => {
    const options = { authorizationScopeFilter: "AtScopeAndBeyond" as AuthorizationScopeFilter };
    const refused = await client.resources({ query: POLICY_QUERY, subscriptions: [SUB_PROD], options }).then(
      () => undefined,
      (error: unknown) => error as { statusCode?: number; code?: string; details?: unknown },
    );
    expect(refused?.statusCode).toBe(400);
    expect(refused?.code).toBe("BadRequest");
    expect(JSON.stringify(refused?.details)).toContain("InvalidAuthorizationScopeFilter");
    expect(JSON.stringify(refused?.details)).toContain(
      "'AtScopeAndBeyond' is not one of AtScopeAndBelow, AtScopeAndAbove, AtScopeExact, AtScopeAboveAndBelow",
    );
  });
});
