// What is declared about one app setting, and the one reader every part of the app reads settings through: blank
// means the default, anything else must parse, and a refusal is a CONFIG_INVALID that names the setting and never
// quotes a secret.
import { AuditorError } from "../errors";
import type { SettingType } from "./setting-types";

/** The docs page section a setting belongs to. */
export type SettingGroup =
  "audit" | "collection" | "storage" | "alerts" | "logAnalytics" | "fanout" | "report" | "telemetry" | "host";

/**
 * What a deployment to Azure (infra/) does with a setting; test/infra holds the template to it.
 * - `required`: the template sets it.
 * - `secret`: the template sets it only as a Key Vault reference (`@Microsoft.KeyVault(...)`), when it is given.
 * - `platform`: App Service or the Functions host sets it (or, on Flex Consumption, the site's own configuration);
 *   the template must not.
 * - `local`: local development and tests only; the template must not set it.
 * - `optional`: the operator may set it; the template may.
 */
export type AzureDeployment = "required" | "secret" | "platform" | "local" | "optional";

/** `D` is the default's type: `undefined` when the setting has none, so reading it may give `undefined`. */
export interface SettingDeclaration<T = unknown, D extends T | undefined = T | undefined> {
  group: SettingGroup;
  type: SettingType<T>;
  default: D;
  /** The default as the docs show it, when the value itself would not say it (a derived default, or "off"). */
  defaultText?: string;
  /** Secrets (keys, connection strings, webhook URLs) are never quoted in a message or a log. */
  secret: boolean;
  azure: AzureDeployment;
  description: string;
}

interface DeclarationInput<T> {
  group: SettingGroup;
  type: SettingType<T>;
  defaultText?: string;
  secret?: boolean;
  /** Unset: `local` for the local host's group, `secret` for a secret, else `optional`. */
  azure?: AzureDeployment;
  description: string;
}

/** Declares a setting; the default is optional, and its absence shows in the type of what reading it gives. */
export function setting<T>(declaration: DeclarationInput<T> & { default: NoInfer<T> }): SettingDeclaration<T, T>;
export function setting<T>(
  declaration: DeclarationInput<T> & { default?: undefined },
): SettingDeclaration<T, undefined>;
export function setting<T>(declaration: DeclarationInput<T> & { default?: T }): SettingDeclaration<T> {
  const secret = declaration.secret ?? false;
  const azure = declaration.azure ?? (declaration.group === "host" ? "local" : secret ? "secret" : "optional");
  return { ...declaration, default: declaration.default, secret, azure };
}

export type SettingEnv = Readonly<Record<string, string | undefined>>;

/**
 * Parses the text of a declared setting. `as` is the name the user spelled (a CLI flag such as `--cloud`, or
 * `--arm-ca (AUDIT_ARM_CA)`), `name` the declared one. Blank text gives the default.
 */
export function parseDeclared<T, D extends T | undefined>(
  declaration: SettingDeclaration<T, D>,
  raw: string | undefined,
  as: string,
): T | D {
  const value = raw?.trim() ?? "";
  // A copy: a caller that extends a list default must not change it for the next reader.
  if (value === "") return structuredClone(declaration.default);
  const parsed = declaration.type.schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problem = parsed.error.issues[0]?.message ?? "invalid value";
  const shown = declaration.secret ? redact(problem, value) : problem;
  throw new AuditorError("CONFIG_INVALID", `${as}: ${shown}`);
}

/** The text of a setting whose name is data (a route's `webhookSetting`), trimmed; undefined when unset or blank. */
export function readNamedSetting(env: SettingEnv, name: string): string | undefined {
  const value = env[name]?.trim() ?? "";
  return value === "" ? undefined : value;
}

/** The types never quote a value they take as a secret, but a message must not leak one if a type ever did. */
function redact(message: string, value: string): string {
  return message.split(JSON.stringify(value)).join("(secret)").split(value).join("(secret)");
}
