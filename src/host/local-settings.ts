// local.settings.json as Core Tools reads it: `Values` become app settings (environment variables), except that a
// variable already set in the environment wins; `Host.LocalHttpPort` picks the port. The file is optional.
import { readFileSync } from "node:fs";
import { errorMessage } from "../errors";

export interface LocalSettings {
  file: string;
  values: Record<string, string>;
  localHttpPort: number | undefined;
}

export class LocalSettingsError extends Error {
  override name = "LocalSettingsError";
}

export function readLocalSettings(file: string): LocalSettings | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return undefined;
    throw error;
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new LocalSettingsError(`${file}: not valid JSON (${errorMessage(error)})`);
  }
  if (!isRecord(document)) throw new LocalSettingsError(`${file}: expected a JSON object with "Values"`);
  if (document["IsEncrypted"] === true) {
    throw new LocalSettingsError(
      `${file}: IsEncrypted is true; the local host cannot decrypt it (Core Tools' 'func settings decrypt' can)`,
    );
  }
  const values: Record<string, string> = {};
  const rawValues = document["Values"] ?? {};
  if (!isRecord(rawValues)) throw new LocalSettingsError(`${file}: "Values" must be an object of strings`);
  for (const [name, value] of Object.entries(rawValues)) {
    if (typeof value === "string") values[name] = value;
    else if (typeof value === "number" || typeof value === "boolean") values[name] = String(value);
    else if (value !== null) throw new LocalSettingsError(`${file}: Values.${name} must be a string`);
  }
  const host = document["Host"];
  const port = isRecord(host) ? host["LocalHttpPort"] : undefined;
  if (port !== undefined && (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65_535)) {
    throw new LocalSettingsError(`${file}: Host.LocalHttpPort must be a port number`);
  }
  return { file, values, localHttpPort: port };
}

/**
 * The app settings the functions see are process.env, as under the Functions host. The local host sets a few for the
 * lifetime of one start and puts back what was there on stop, so several in-process starts (tests) do not leak.
 */
export class HostEnvironment {
  private readonly previous = new Map<string, string | undefined>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  get(name: string): string | undefined {
    return this.env[name];
  }

  set(name: string, value: string): void {
    if (!this.previous.has(name)) this.previous.set(name, this.env[name]);
    this.env[name] = value;
  }

  /** Sets the value only when the variable is not already set (the environment wins). */
  setDefault(name: string, value: string): void {
    if (this.env[name] === undefined) this.set(name, value);
  }

  restore(): void {
    for (const [name, value] of this.previous) {
      if (value === undefined) delete this.env[name];
      else this.env[name] = value;
    }
    this.previous.clear();
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A setting, file or binding the local host cannot start with; its message names it. */
export class HostConfigError extends Error {
  override name = "HostConfigError";
}
