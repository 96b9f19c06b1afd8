// Function and admin keys, as the Functions host checks them: an `anonymous` route is open, a `function` route takes
// the function key or the admin key (like the master key in Azure), an `admin` route only the admin key. The key
// comes in the x-functions-key header, else the `code` query parameter. Keys not configured are generated per start.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const FUNCTION_KEY_SETTING = "AUDITOR_FUNCTION_KEY";
export const ADMIN_KEY_SETTING = "AUDITOR_ADMIN_KEY";

export type AuthLevel = "anonymous" | "function" | "admin";

export interface HostKeys {
  functionKey: string;
  adminKey: string;
  /** Which keys were generated here (and so may be printed) rather than configured. */
  generated: { functionKey: boolean; adminKey: boolean };
}

export function resolveHostKeys(env: NodeJS.ProcessEnv): HostKeys {
  const configuredFunctionKey = env[FUNCTION_KEY_SETTING]?.trim() || undefined;
  const configuredAdminKey = env[ADMIN_KEY_SETTING]?.trim() || undefined;
  return {
    functionKey: configuredFunctionKey ?? generateKey(),
    adminKey: configuredAdminKey ?? generateKey(),
    generated: { functionKey: configuredFunctionKey === undefined, adminKey: configuredAdminKey === undefined },
  };
}

/** 32 random bytes, base64url: 43 characters, safe in a header and in a query string. */
export function generateKey(): string {
  return randomBytes(32).toString("base64url");
}

/** The key a request presents: the header wins over `?code=`, as in Azure. */
export function presentedKey(headerValue: string | string[] | undefined, query: URLSearchParams): string | undefined {
  const header = Array.isArray(headerValue) ? headerValue[0] : headerValue;
  if (header !== undefined && header !== "") return header;
  return query.get("code") ?? undefined;
}

export function isAuthorized(level: AuthLevel, key: string | undefined, keys: HostKeys): boolean {
  if (level === "anonymous") return true;
  if (key === undefined) return false;
  // Evaluate both comparisons every time so the timing does not tell which key was close.
  const isAdmin = constantTimeEquals(key, keys.adminKey);
  const isFunction = constantTimeEquals(key, keys.functionKey);
  return level === "admin" ? isAdmin : isAdmin || isFunction;
}

/** Compares digests, so neither the content nor the length of the expected key leaks through timing. */
export function constantTimeEquals(presented: string, expected: string): boolean {
  const digest = (value: string): Buffer => createHash("sha256").update(value, "utf8").digest();
  return timingSafeEqual(digest(presented), digest(expected));
}
