// What the hosting resources must say (issue 16): Flex Consumption with Node 22 and always-ready off by default, the
// app running as its user-assigned identity, storage without shared keys, Application Insights without local auth,
// Key Vault with RBAC, and App Service Authentication that lets the app decide per door. Each expectation is the
// source text of one property of one resource type.
import { propertyAt, type BicepFile } from "./bicep-template";

const EXPECTED: [type: string, path: string, text: string][] = [
  ["Microsoft.Web/serverfarms", "sku.name", "'FC1'"],
  ["Microsoft.Web/serverfarms", "sku.tier", "'FlexConsumption'"],
  ["Microsoft.Web/sites", "kind", "'functionapp,linux'"],
  ["Microsoft.Web/sites", "properties.httpsOnly", "true"],
  ["Microsoft.Web/sites", "properties.keyVaultReferenceIdentity", "identityId"],
  ["Microsoft.Web/sites", "properties.functionAppConfig.runtime.name", "'node'"],
  ["Microsoft.Web/sites", "properties.functionAppConfig.runtime.version", "'22'"],
  [
    "Microsoft.Web/sites",
    "properties.functionAppConfig.deployment.storage.authentication.type",
    "'UserAssignedIdentity'",
  ],
  [
    "Microsoft.Web/sites",
    "properties.functionAppConfig.deployment.storage.authentication.userAssignedIdentityResourceId",
    "identityId",
  ],
  ["Microsoft.Storage/storageAccounts", "properties.allowSharedKeyAccess", "false"],
  ["Microsoft.Storage/storageAccounts", "properties.allowBlobPublicAccess", "false"],
  ["Microsoft.Storage/storageAccounts", "properties.minimumTlsVersion", "'TLS1_2'"],
  ["Microsoft.Insights/components", "properties.DisableLocalAuth", "true"],
  ["Microsoft.Insights/components", "properties.WorkspaceResourceId", "workspace.id"],
  ["Microsoft.KeyVault/vaults", "properties.enableRbacAuthorization", "true"],
  ["Microsoft.KeyVault/vaults", "properties.enableSoftDelete", "true"],
];

const AUTH_EXPECTED: [path: string, text: string][] = [
  ["properties.platform.enabled", "true"],
  ["properties.globalValidation.requireAuthentication", "false"],
  ["properties.globalValidation.unauthenticatedClientAction", "'AllowAnonymous'"],
  ["properties.identityProviders.azureActiveDirectory.enabled", "true"],
  [
    "properties.identityProviders.azureActiveDirectory.registration.clientSecretSettingName",
    "'OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID'",
  ],
  ["properties.login.tokenStore.enabled", "true"],
];

/** main.bicep's defaults: always-ready off, and the memory and scale-out docs/deployment.md argues for. */
const DEFAULTS: Record<string, string> = {
  alwaysReadyInstances: "0",
  instanceMemoryMB: "2048",
  maximumInstanceCount: "40",
  keyVaultPurgeProtection: "true",
};

export function hostingProblems(files: BicepFile[]): string[] {
  const problems: string[] = [];
  const resources = files.flatMap((file) => file.resources.map((resource) => ({ file, resource })));
  for (const [type, path, text] of EXPECTED) {
    const matching = resources.filter(({ resource }) => resource.type === type);
    if (matching.length === 0) problems.push(`no ${type}`);
    for (const { file, resource } of matching) {
      const actual = propertyAt(resource.body, path)?.text;
      if (actual !== text)
        problems.push(`${file.name}: ${resource.symbol}.${path} is ${actual ?? "unset"}, not ${text}`);
    }
  }
  const auth = resources.filter(
    ({ resource }) =>
      resource.type === "Microsoft.Web/sites/config" && propertyAt(resource.body, "name")?.text === "'authsettingsV2'",
  );
  if (auth.length !== 1) problems.push(`${auth.length} authsettingsV2 resources, not one`);
  for (const { file, resource } of auth)
    for (const [path, text] of AUTH_EXPECTED) {
      const actual = propertyAt(resource.body, path)?.text;
      if (actual !== text) problems.push(`${file.name}: authsettingsV2 ${path} is ${actual ?? "unset"}, not ${text}`);
    }
  const main = files.find((file) => file.name === "main.bicep");
  for (const [name, text] of Object.entries(DEFAULTS)) {
    const actual = main?.params.find((param) => param.symbol === name)?.defaultValue?.text;
    if (actual !== text) problems.push(`main.bicep: ${name} defaults to ${actual ?? "nothing"}, not ${text}`);
  }
  for (const file of files)
    if (/listKeys\(|\/host\/default|functionKeys|AzureWebJobsSecretStorage/.test(file.text))
      problems.push(`${file.name} reads or manages function or host keys`);
  return problems;
}
