// The checks the infra tests run over infra/*.bicep, as functions that return the problems they find, so that each
// test can also feed a deliberately broken copy and see its check fail. What they hold the template to: the settings
// catalog's `azure` markers (src/config/settings-catalog.ts), the role list of issue 16, and secure parameters that
// reach nothing but Key Vault secrets.
import type { Node, Parser } from "web-tree-sitter";
import { SETTINGS } from "../../src/config/settings-catalog";
import {
  descendantsOfType,
  moduleTarget,
  objectProperties,
  parseBicep,
  propertyAt,
  stringValue,
  type BicepFile,
} from "./bicep-template";

/**
 * Settings the template sets that the app's catalog does not declare, each read by something other than the app's
 * setting reader: the Functions host, the Azure SDK or App Service itself.
 */
export const OUTSIDE_CATALOG: Record<string, string> = {
  AzureWebJobsStorage__blobServiceUri: "the Functions host's blob endpoint (identity-based AzureWebJobsStorage)",
  OVERRIDE_USE_MI_FIC_ASSERTION_CLIENTID: "App Service Authentication's managed identity federated credential",
};

const KEY_VAULT_REFERENCE = "@Microsoft.KeyVault(SecretUri=";

export interface TemplateSettings {
  /** Setting name → the value's source text, from the object literals of the appsettings resource. */
  literal: Map<string, string>;
  /** Source text of the rest of the appsettings expression (what is not an object literal key). */
  computed: string[];
  /** Settings stored as Key Vault secrets: the string literals passed as `settingNames` to the key vault module. */
  keyVault: Set<string>;
}

export function byName(files: BicepFile[], name: string): BicepFile {
  const file = files.find((candidate) => candidate.name === name);
  if (!file) throw new Error(`infra/${name} is missing`);
  return file;
}

/**
 * The template with one file's text edited (`from` → `to`, every occurrence with `all`), parsed again: the broken copy
 * a test feeds a check to see it fail. The edit must apply, or the test would pass on an unchanged template.
 */
export function editedTemplate(
  parser: Parser,
  files: BicepFile[],
  edit: { name: string; from: string; to: string; all?: boolean },
): BicepFile[] {
  const text = byName(files, edit.name).text;
  if (!text.includes(edit.from)) throw new Error(`infra/${edit.name} no longer contains ${JSON.stringify(edit.from)}`);
  const changed = edit.all === true ? text.replaceAll(edit.from, edit.to) : text.replace(edit.from, edit.to);
  return files.map((file) => (file.name === edit.name ? parseBicep(parser, edit.name, changed) : file));
}

/** What the template's `Microsoft.Web/sites/config` `appsettings` resource sets, following the file's vars. */
export function templateSettings(files: BicepFile[]): TemplateSettings {
  const settings: TemplateSettings = { literal: new Map(), computed: [], keyVault: new Set() };
  for (const file of files) {
    for (const resource of file.resources) {
      if (resource.type !== "Microsoft.Web/sites/config") continue;
      if (stringValue(propertyAt(resource.body, "name")) !== "appsettings") continue;
      const value = propertyAt(resource.body, "properties");
      if (value) collectSettings(file, value, settings, new Set());
    }
    for (const module of file.modules) {
      if (moduleTarget(file, module) !== "modules/key-vault.bicep") continue;
      const names = propertyAt(module.body, "params.settingNames");
      for (const literal of names ? descendantsOfType(names, "string") : [])
        if (stringValue(literal) !== undefined) settings.keyVault.add(stringValue(literal)!);
    }
  }
  return settings;
}

function collectSettings(file: BicepFile, node: Node, settings: TemplateSettings, seen: Set<string>): void {
  if (node.type === "object") {
    for (const [key, value] of objectProperties(node)) settings.literal.set(key, value.text);
    return;
  }
  if (node.type === "identifier" && file.vars.has(node.text) && !seen.has(node.text)) {
    seen.add(node.text);
    collectSettings(file, file.vars.get(node.text)!, settings, seen);
    return;
  }
  if (node.namedChildCount === 0) {
    settings.computed.push(node.text);
    return;
  }
  for (const child of node.namedChildren) if (child !== null) collectSettings(file, child, settings, seen);
}

/** Every catalog setting marked `required` is set; nothing `platform` or `local`; nothing unknown. */
export function settingsProblems(settings: TemplateSettings): string[] {
  const problems: string[] = [];
  for (const [name, declaration] of Object.entries(SETTINGS)) {
    const set = settings.literal.has(name);
    if (declaration.azure === "required" && !set) problems.push(`${name} is required in Azure but not set`);
    if ((declaration.azure === "platform" || declaration.azure === "local") && set)
      problems.push(`${name} is ${declaration.azure === "local" ? "for local use only" : "set by the platform"}`);
  }
  for (const name of settings.literal.keys())
    if (!(name in SETTINGS) && !(name in OUTSIDE_CATALOG))
      problems.push(`${name} is neither declared in the settings catalog nor a known platform setting`);
  return problems;
}

/** Every catalog setting marked `secret` is a Key Vault reference only: stored in the vault, never a plain value. */
export function secretSettingProblems(settings: TemplateSettings): string[] {
  const problems: string[] = [];
  for (const [name, declaration] of Object.entries(SETTINGS)) {
    if (declaration.azure !== "secret") continue;
    const plain = settings.literal.get(name);
    if (plain !== undefined && !plain.includes(KEY_VAULT_REFERENCE))
      problems.push(`${name} is a secret but set as a plain value (${plain})`);
    if (!settings.keyVault.has(name)) problems.push(`${name} is a secret but not stored in Key Vault`);
  }
  if (settings.keyVault.size > 0 && !settings.computed.some((text) => text.includes(KEY_VAULT_REFERENCE)))
    problems.push(
      "the Key Vault secrets do not reach the app settings as @Microsoft.KeyVault(SecretUri=...) references",
    );
  return problems;
}

/**
 * A secure parameter (and any var computed from one) reaches only Key Vault secrets, or a module parameter that is
 * itself secure: never an output, a plain module parameter, or any other resource.
 */
export function secureParamProblems(files: BicepFile[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const tainted = taintedSymbols(file);
    if (tainted.size === 0) continue;
    const touches = (node: Node) => [...valueReferences(node)].filter((name) => tainted.has(name));
    for (const output of file.outputs)
      for (const name of touches(output.node)) problems.push(`${file.name}: output ${output.symbol} uses ${name}`);
    for (const resource of file.resources) {
      if (resource.type === "Microsoft.KeyVault/vaults/secrets") continue;
      for (const name of touches(resource.node))
        problems.push(`${file.name}: resource ${resource.symbol} (${resource.type}) uses ${name}`);
    }
    for (const module of file.modules) problems.push(...modulePassProblems(files, file, module, touches));
  }
  return problems;
}

/** Functions whose result says nothing of a secret's value: whether it is empty, how long, which keys it has. */
const VALUE_FREE = new Set(["empty", "length", "objectKeys"]);

/** The identifiers whose values an expression carries: as referencedIdentifiers, minus arguments of VALUE_FREE calls. */
function valueReferences(node: Node, found = new Set<string>()): Set<string> {
  if (node.type === "identifier") found.add(node.text);
  const callee = node.type === "call_expression" ? node.childForFieldName("function") : null;
  if (callee && VALUE_FREE.has(callee.text)) return found;
  for (const [index, child] of node.namedChildren.entries()) {
    if (child === null || child.id === callee?.id) continue;
    if (node.type === "object_property" && index === 0) continue;
    if (node.type === "member_expression" && child.type === "property_identifier") continue;
    valueReferences(child, found);
  }
  return found;
}

function taintedSymbols(file: BicepFile): Set<string> {
  const tainted = new Set(file.params.filter((param) => param.secure).map((param) => param.symbol));
  for (let grew = true; grew;) {
    grew = false;
    for (const [name, value] of file.vars)
      if (!tainted.has(name) && [...valueReferences(value)].some((used) => tainted.has(used))) {
        tainted.add(name);
        grew = true;
      }
  }
  return tainted;
}

function modulePassProblems(
  files: BicepFile[],
  file: BicepFile,
  module: BicepFile["modules"][number],
  touches: (node: Node) => string[],
): string[] {
  const params = propertyAt(module.body, "params");
  if (params?.type !== "object") return [];
  const target = files.find((candidate) => candidate.name === moduleTarget(file, module));
  const problems: string[] = [];
  for (const [param, value] of objectProperties(params)) {
    const used = touches(value);
    if (used.length === 0) continue;
    const receiving = target?.params.find((candidate) => candidate.symbol === param);
    if (!receiving?.secure)
      problems.push(`${file.name}: module ${module.symbol} passes ${used.join(", ")} to plain parameter ${param}`);
  }
  return problems;
}
