// A webhook URL is a secret (whoever holds it can post to the channel). It is wrapped once, when settings are read, so
// that logging, JSON-serialising or inspecting settings shows a short hash instead of the URL; only the HTTP client
// calls reveal().
import { createHash } from "node:crypto";
import { inspect } from "node:util";
import { AuditorError } from "../errors";

export class WebhookSecret {
  readonly #url: string;
  /** `sha256:` and the first 12 hex digits of the URL's SHA-256: what logs, tables and the API show. */
  readonly hash: string;

  constructor(url: string) {
    this.#url = url;
    this.hash = `sha256:${createHash("sha256").update(url, "utf8").digest("hex").slice(0, 12)}`;
  }

  reveal(): string {
    return this.#url;
  }

  toJSON(): string {
    return `webhook ${this.hash}`;
  }

  toString(): string {
    return `webhook ${this.hash}`;
  }

  [inspect.custom](): string {
    return `WebhookSecret(${this.hash})`;
  }
}

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]"]);

/** 127.0.0.0/8, ::1 and `localhost`: the only hosts a webhook may be reached over plain http (tests, local relays). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return LOOPBACK_HOSTS.has(host) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Validates a webhook URL read from `setting`. Messages name the setting and, at most, the scheme and host: never the
 * path or query, which carry the signature.
 */
export function parseWebhookUrl(value: string, setting: string): WebhookSecret {
  const raw = value.trim();
  if (/^@Microsoft\.KeyVault\(/i.test(raw)) {
    throw new AuditorError(
      "CONFIG_INVALID",
      `${setting}: the Key Vault reference was not resolved by the platform (check that the app's identity may read the secret, and the reference's syntax)`,
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new AuditorError(
      "CONFIG_INVALID",
      `${setting}: not a URL (expected https://..., the Teams Workflows webhook URL)`,
      { cause: error },
    );
  }
  // fetch refuses a URL with credentials in it (TypeError "Request cannot be constructed from a URL that includes
  // credentials"), so such a webhook could never be delivered: refuse it here, naming neither the user nor the password.
  if (url.username !== "" || url.password !== "") {
    throw new AuditorError(
      "CONFIG_INVALID",
      `${setting}: a webhook URL must not carry credentials (user:password@ before the host); found them in ${url.protocol}//…@${url.hostname}. Put the secret in the URL's signature (Teams Workflows: sig=) or use a relay.`,
    );
  }
  if (url.protocol === "https:") return new WebhookSecret(raw);
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return new WebhookSecret(raw);
  throw new AuditorError(
    "CONFIG_INVALID",
    `${setting}: a webhook must use https (plain http is allowed only to a loopback address); found ${url.protocol}//${url.hostname}`,
  );
}
