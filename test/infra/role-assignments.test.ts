// The template's role assignments against Microsoft's built-in roles list (a copy in fixtures/built-in-roles.md): the
// allowed roles only, each at its own scope, to the app identity, named deterministically; Reader only at the audited
// subscriptions (main.bicep) or management groups (reader-management-group.bicep).
import { beforeAll, describe, expect, it } from "vitest";
import type { Parser } from "web-tree-sitter";
import { bicepParser } from "../support/bicep-parser";
import { readInfra, type BicepFile } from "./bicep-template";
import {
  ALLOWED_ROLES,
  documentedRoleIds,
  principalAndAuditScopeProblems,
  roleAssignments,
  roleProblems,
} from "./role-checks";
import { editedTemplate } from "./template-checks";

let parser: Parser;
let files: BicepFile[];
beforeAll(async () => {
  parser = await bicepParser();
  files = readInfra(parser);
});

const documented = documentedRoleIds();

function broken(name: string, from: string, to: string): BicepFile[] {
  return editedTemplate(parser, files, { name, from, to, all: true });
}

describe("the roles fixture", () => {
  it("holds exactly the allowed roles, with the ids issue 16 lists", () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(ALLOWED_ROLES).sort());
    expect(Object.fromEntries(documented)).toEqual({
      Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
      "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
      "Storage Queue Data Contributor": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
      "Storage Table Data Contributor": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
      "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
      "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    });
  });
});

describe("role assignments", () => {
  it("assign each allowed role where it belongs, and nothing else", () => {
    const byRole = new Map([...documented].map(([name, id]) => [id, name]));
    const granted = roleAssignments(files).map((a) => `${byRole.get(a.roleIds[0]!) ?? a.roleIds.join()} @ ${a.scope}`);
    expect(granted.sort()).toEqual(
      [
        "Key Vault Secrets User @ Microsoft.KeyVault/vaults",
        "Monitoring Metrics Publisher @ Microsoft.Insights/components",
        "Reader @ managementGroup",
        "Reader @ subscription",
        "Storage Blob Data Owner @ Microsoft.Storage/storageAccounts",
        "Storage Queue Data Contributor @ Microsoft.Storage/storageAccounts",
        "Storage Table Data Contributor @ Microsoft.Storage/storageAccounts",
      ].sort(),
    );
    expect(roleProblems(files, documented)).toEqual([]);
    expect(principalAndAuditScopeProblems(files)).toEqual([]);
  });

  it("fails an extra role (Contributor), a role at the wrong scope, or a mistyped id", () => {
    const contributor = broken(
      "modules/reader-at-subscription.bicep",
      "acdd72a7-3385-48ef-bd42-f606fba81ae7",
      "b24988ac-6180-42a0-ab88-20f7382dd24c",
    );
    expect(roleProblems(contributor, documented)).toEqual([
      "modules/reader-at-subscription.bicep: reader assigns b24988ac-6180-42a0-ab88-20f7382dd24c, not an allowed role",
    ]);
    const wrongScope = broken("modules/monitoring.bicep", "scope: component", "scope: workspace");
    expect(roleProblems(wrongScope, documented)).toEqual([
      "modules/monitoring.bicep: metricsPublisher assigns Monitoring Metrics Publisher at Microsoft.OperationalInsights/workspaces; allowed at Microsoft.Insights/components",
    ]);
    const typo = broken(
      "modules/key-vault.bicep",
      "4633458b-17de-408a-b874-0445c86b69e6",
      "4633458b-17de-408a-b874-0445c86b69e7",
    );
    expect(roleProblems(typo, documented)).toEqual([
      "modules/key-vault.bicep: secretsUser assigns 4633458b-17de-408a-b874-0445c86b69e7, not an allowed role",
    ]);
  });

  it("fails an assignment with a random name, for another principal, or Reader outside the audited subscriptions", () => {
    const unnamed = broken(
      "modules/storage.bicep",
      "name: guid(storage.id, principalId, '974c5e8b",
      "name: newGuid(storage.id, principalId, '974c5e8b",
    );
    expect(roleProblems(unnamed, documented)).toEqual([
      "modules/storage.bicep: queueDataContributor is not named by guid(...)",
    ]);
    const deployer = broken(
      "main.bicep",
      "params: { principalId: identity.outputs.principalId }",
      "params: { principalId: deployer().objectId }",
    );
    expect(principalAndAuditScopeProblems(deployer)).toEqual([
      "main.bicep: module readers grants roles to deployer().objectId",
    ]);
    const everywhere = broken(
      "main.bicep",
      "for subscriptionId in auditSubscriptionIds:",
      "for subscriptionId in allSubscriptionIds:",
    );
    expect(principalAndAuditScopeProblems(everywhere)).toEqual([
      "main.bicep: module readers grants Reader outside the audited subscriptions",
    ]);
  });
});
