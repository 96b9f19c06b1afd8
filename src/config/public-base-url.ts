// The app's public base URL: where the links it hands out point (alert cards, the Location of a 201 or 202). It comes
// from configuration only, never from a request's Host or X-Forwarded-Host header, which any caller can set: a
// Location built from them would send a client (with its key) wherever the caller chose.
import { parseSetting, readSetting } from "./settings-catalog";
import type { SettingEnv } from "./setting-declaration";

/** Host names that only ever serve the local machine: Core Tools and the local host serve them over plain http. */
const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/**
 * REPORT_BASE_URL, else the app's own host name: App Service sets WEBSITE_HOSTNAME (served over https), Core Tools and
 * the local host set it to their loopback address and port (served over http). No trailing slash; undefined when
 * neither is set.
 */
export function publicBaseUrl(env: SettingEnv): string | undefined {
  const explicit = readSetting(env, "REPORT_BASE_URL");
  const host = readSetting(env, "WEBSITE_HOSTNAME");
  const scheme = host !== undefined && LOOPBACK.test(host) ? "http" : "https";
  // The derived default passes the same checks as a value that was set.
  const url = explicit ?? (host !== undefined ? parseSetting("REPORT_BASE_URL", `${scheme}://${host}`) : undefined);
  return url === undefined ? undefined : new URL(url).toString().replace(/\/+$/, "");
}

/**
 * The URL of an API path (`runs/<id>`, under /api) for a Location header or a body: absolute under the base URL when
 * there is one, else the path alone, a relative reference the client resolves against the URL it called (RFC 9110
 * 10.2.2).
 */
export function apiUrl(baseUrl: string | undefined, path: string): string {
  return `${baseUrl ?? ""}/api/${path}`;
}
