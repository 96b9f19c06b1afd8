// The app settings the template sets, held to the settings catalog's `azure` markers: every `required` setting is
// set, nothing `platform` or `local`, every `secret` setting only as a Key Vault reference, and no secure parameter
// reaches app settings, outputs or any resource but a Key Vault secret. Each check also sees a broken copy fail.
import { beforeAll, describe, expect, it } from "vitest";
import type { Parser } from "web-tree-sitter";
import { SETTINGS } from "../../src/config/settings-catalog";
import { bicepParser } from "../support/bicep-parser";
import { readInfra, type BicepFile } from "./bicep-template";
import {
  editedTemplate,
  secretSettingProblems,
  secureParamProblems,
  settingsProblems,
  templateSettings,
} from "./template-checks";

let parser: Parser;
let files: BicepFile[];
beforeAll(async () => {
  parser = await bicepParser();
  files = readInfra(parser);
});

/** The template with one file's text changed; the change must apply. */
function broken(name: string, from: string, to: string): BicepFile[] {
  return editedTemplate(parser, files, { name, from, to });
}

describe("app settings", () => {
  it("sets every setting the catalog marks required in Azure, and none it keeps to the platform or local use", () => {
    const required = Object.entries(SETTINGS).filter(([, declaration]) => declaration.azure === "required");
    expect(required.map(([name]) => name)).toEqual(
      expect.arrayContaining(["AzureWebJobsStorage__accountName", "AzureWebJobsStorage__credential"]),
    );
    expect(settingsProblems(templateSettings(files))).toEqual([]);
  });

  it("identity-based storage names the user-assigned identity and its client id", () => {
    const { literal } = templateSettings(files);
    expect(literal.get("AzureWebJobsStorage__credential")).toBe("'managedidentity'");
    expect(literal.get("AzureWebJobsStorage__clientId")).toBe("identityClientId");
    expect(literal.get("AZURE_CLIENT_ID")).toBe("identityClientId");
    expect(literal.get("APPLICATIONINSIGHTS_AUTHENTICATION_STRING")).toBe(
      "'Authorization=AAD;ClientId=${identityClientId}'",
    );
  });

  it("fails a template that drops a required setting, sets a local one, or sets an unknown one", () => {
    const dropped = broken("modules/function-app.bicep", "  AUDIT_CLOUD: environment().name\n", "");
    expect(settingsProblems(templateSettings(dropped))).toEqual(["AUDIT_CLOUD is required in Azure but not set"]);
    const local = broken("modules/function-app.bicep", "  AUDIT_CLOUD:", "  AUDITOR_ADMIN_KEY: 'k'\n  AUDIT_CLOUD:");
    expect(settingsProblems(templateSettings(local))).toEqual(["AUDITOR_ADMIN_KEY is for local use only"]);
    const typo = broken("modules/function-app.bicep", "  AUDIT_CLOUD:", "  AUDIT_CLUOD: 'x'\n  AUDIT_CLOUD:");
    expect(settingsProblems(templateSettings(typo))).toEqual([
      "AUDIT_CLUOD is neither declared in the settings catalog nor a known platform setting",
    ]);
  });
});

describe("secrets", () => {
  it("stores every secret setting in Key Vault and sets it only as a Key Vault reference", () => {
    const secrets = Object.entries(SETTINGS).filter(([, declaration]) => declaration.azure === "secret");
    expect(secrets.map(([name]) => name)).toContain("TEAMS_WEBHOOK_URL");
    expect(secretSettingProblems(templateSettings(files))).toEqual([]);
  });

  it("fails a secret set as a plain value, or left out of Key Vault", () => {
    const plain = broken(
      "modules/function-app.bicep",
      "  AUDIT_CLOUD:",
      "  TEAMS_WEBHOOK_URL: 'https://x'\n  AUDIT_CLOUD:",
    );
    expect(secretSettingProblems(templateSettings(plain))).toEqual([
      "TEAMS_WEBHOOK_URL is a secret but set as a plain value ('https://x')",
    ]);
    const notStored = broken("main.bicep", "['TEAMS_WEBHOOK_URL']", "[]");
    expect(secretSettingProblems(templateSettings(notStored))).toEqual([
      "TEAMS_WEBHOOK_URL is a secret but not stored in Key Vault",
    ]);
    const noReference = broken("modules/function-app.bicep", "'@Microsoft.KeyVault(SecretUri=${ref.uri})'", "ref.uri");
    expect(secretSettingProblems(templateSettings(noReference))).toEqual([
      "the Key Vault secrets do not reach the app settings as @Microsoft.KeyVault(SecretUri=...) references",
    ]);
  });

  it("lets secure parameters reach Key Vault secrets only", () => {
    expect(files.flatMap((file) => file.params.filter((param) => param.secure).map((p) => p.symbol))).toEqual(
      expect.arrayContaining(["teamsWebhookUrl", "alertWebhookUrls", "secretValues"]),
    );
    expect(secureParamProblems(files)).toEqual([]);
  });

  it("fails a secure parameter in an output, in app settings through a var, or passed to a plain parameter", () => {
    const output = broken(
      "main.bicep",
      "output AZURE_LOCATION",
      "output HOOK string = teamsWebhookUrl\noutput AZURE_LOCATION",
    );
    expect(secureParamProblems(output)).toEqual(["main.bicep: output HOOK uses teamsWebhookUrl"]);
    const viaVar = broken(
      "main.bicep",
      "    extraAppSettings: extraAppSettings\n",
      "    extraAppSettings: hookSettings\n  }\n}\nvar hookSettings = { TEAMS_WEBHOOK_URL: teamsWebhookUrl }\nvar unused = {\n  a: {\n",
    );
    expect(secureParamProblems(viaVar)).toEqual([
      "main.bicep: module app passes hookSettings to plain parameter extraAppSettings",
    ]);
    const plainParam = broken(
      "modules/key-vault.bicep",
      "@secure()\n@description('App setting name to secret",
      "@description('App setting name to secret",
    );
    expect(secureParamProblems(plainParam)).toEqual([
      "main.bicep: module keyVault passes alertWebhookUrls, teamsWebhookUrl to plain parameter secretValues",
    ]);
  });
});
