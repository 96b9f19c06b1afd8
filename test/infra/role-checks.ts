// Role assignments in infra/: only the roles issue 16 allows, each only at the scope it is for, to the app identity
// alone, under a deterministic guid() name. The role ids come from a copy of Microsoft's built-in roles list
// (fixtures/built-in-roles.md), so a mistyped GUID or a role swapped for a broader one is caught.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  moduleTarget,
  propertyAt,
  referencedIdentifiers,
  type BicepFile,
  type ResourceDeclaration,
} from "./bicep-template";

/** The roles the template may assign, by Microsoft's name, with the scopes each may be assigned at. */
export const ALLOWED_ROLES: Record<string, { scopes: string[]; why: string }> = {
  Reader: { scopes: ["subscription", "managementGroup"], why: "Resource Graph and ARM reads of the audited estate" },
  "Storage Blob Data Owner": {
    scopes: ["Microsoft.Storage/storageAccounts"],
    why: "Functions host blobs and the deployment package",
  },
  "Storage Queue Data Contributor": { scopes: ["Microsoft.Storage/storageAccounts"], why: "the audit queues" },
  "Storage Table Data Contributor": { scopes: ["Microsoft.Storage/storageAccounts"], why: "the audit tables" },
  "Key Vault Secrets User": { scopes: ["Microsoft.KeyVault/vaults"], why: "Key Vault references" },
  "Monitoring Metrics Publisher": { scopes: ["Microsoft.Insights/components"], why: "Entra-authenticated telemetry" },
};

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Role name → id, read from the fixture's table rows (`[Name](...) | description | id |`). */
export function documentedRoleIds(path = join(__dirname, "fixtures", "built-in-roles.md")): Map<string, string> {
  const ids = new Map<string, string>();
  for (const match of readFileSync(path, "utf8").matchAll(/<\/a>\[([^\]]+)\]\([^)]*\) \|.*\| ([0-9a-f-]{36}) \|$/gm))
    ids.set(match[1]!, match[2]!.toLowerCase());
  return ids;
}

export interface RoleAssignment {
  file: string;
  symbol: string;
  roleIds: string[];
  /** `subscription`, `managementGroup`, `resourceGroup`, or the resource type the assignment's `scope` names. */
  scope: string;
  name: string;
  principal: string;
}

export function roleAssignments(files: BicepFile[]): RoleAssignment[] {
  const found: RoleAssignment[] = [];
  for (const file of files)
    for (const resource of file.resources) {
      if (resource.type !== "Microsoft.Authorization/roleAssignments") continue;
      found.push({
        file: file.name,
        symbol: resource.symbol,
        roleIds: (propertyAt(resource.body, "properties.roleDefinitionId")?.text.match(GUID) ?? []).map((id) =>
          id.toLowerCase(),
        ),
        scope: assignmentScope(file, resource),
        name: propertyAt(resource.body, "name")?.text ?? "",
        principal: propertyAt(resource.body, "properties.principalId")?.text ?? "",
      });
    }
  return found;
}

function assignmentScope(file: BicepFile, resource: ResourceDeclaration): string {
  const scope = propertyAt(resource.body, "scope");
  if (!scope) return file.targetScope;
  const target = file.resources.find((candidate) => candidate.symbol === scope.text);
  return target ? target.type : `unknown scope ${scope.text}`;
}

/** Every assignment: one allowed role, at a scope allowed for it, to the principalId parameter, named by guid(). */
export function roleProblems(files: BicepFile[], documented: Map<string, string>): string[] {
  const byId = new Map([...documented].map(([name, id]) => [id, name]));
  const problems: string[] = [];
  for (const assignment of roleAssignments(files)) {
    const where = `${assignment.file}: ${assignment.symbol}`;
    if (assignment.roleIds.length !== 1) {
      problems.push(`${where} names ${assignment.roleIds.length} role ids, not one literal GUID`);
      continue;
    }
    const role = byId.get(assignment.roleIds[0]!);
    const allowed = role === undefined ? undefined : ALLOWED_ROLES[role];
    if (!role || !allowed) problems.push(`${where} assigns ${assignment.roleIds[0]}, not an allowed role`);
    else if (!allowed.scopes.includes(assignment.scope))
      problems.push(`${where} assigns ${role} at ${assignment.scope}; allowed at ${allowed.scopes.join(" or ")}`);
    if (!assignment.name.startsWith("guid(")) problems.push(`${where} is not named by guid(...)`);
    if (assignment.principal !== "principalId") problems.push(`${where} is not for the principalId parameter`);
  }
  return problems;
}

/**
 * Modules that assign roles get the app identity's principal id, and Reader at subscription scope is deployed only
 * to the audited subscriptions (a loop over auditSubscriptionIds scoped to subscription(<each>)).
 */
export function principalAndAuditScopeProblems(files: BicepFile[]): string[] {
  const assigning = new Set(roleAssignments(files).map((assignment) => assignment.file));
  const readerAtSubscription = new Set(
    roleAssignments(files)
      .filter((assignment) => assignment.scope === "subscription")
      .map((assignment) => assignment.file),
  );
  const problems: string[] = [];
  for (const file of files)
    for (const module of file.modules) {
      const target = moduleTarget(file, module);
      if (!assigning.has(target)) continue;
      const principal = propertyAt(module.body, "params.principalId")?.text;
      if (principal !== "identity.outputs.principalId")
        problems.push(`${file.name}: module ${module.symbol} grants roles to ${principal ?? "nobody named"}`);
      if (!readerAtSubscription.has(target)) continue;
      const loopsOver = module.loop
        ? referencedIdentifiers(module.loop.namedChildren.at(-2) ?? module.loop)
        : new Set();
      const scope = propertyAt(module.body, "scope")?.text ?? "";
      if (!loopsOver.has("auditSubscriptionIds") || !/^subscription\(\w+\)$/.test(scope))
        problems.push(`${file.name}: module ${module.symbol} grants Reader outside the audited subscriptions`);
    }
  return problems;
}
