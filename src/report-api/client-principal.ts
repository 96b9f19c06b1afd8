// App Service Authentication (Easy Auth) forwards the signed-in caller as x-ms-client-principal: base64 of JSON
// `{ auth_typ, claims: [{ typ, val }], name_typ, role_typ }`, and its display name as x-ms-client-principal-name.
// App roles arrive as claims of type `roles` (v2 tokens) or the long WS-Federation role URI after claim mapping, or of
// whatever type `role_typ` names. These headers mean something only where the platform sets them (it strips copies a
// client sends): whether they are trusted is decided in request-authorization.ts, not here.
export const CLIENT_PRINCIPAL_HEADER = "x-ms-client-principal";
export const CLIENT_PRINCIPAL_NAME_HEADER = "x-ms-client-principal-name";
/** Every header Easy Auth sets about the caller: a host that does not run Easy Auth must not let a client send them. */
export const CLIENT_PRINCIPAL_HEADER_PREFIX = "x-ms-client-principal";

/** A caller's name is shown (runs' requestedBy, exceptions' history, test cards): longer ones are refused. */
export const PRINCIPAL_NAME_MAX_LENGTH = 256;

const ROLE_CLAIM_TYPES = ["roles", "role", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"];

export interface ClientPrincipal {
  /** The app roles it holds (any of the role claim types). */
  roles: ReadonlySet<string>;
}

/** The decoded principal, or a reason naming what is wrong with the header. */
export function decodeClientPrincipal(headerValue: string): ClientPrincipal | { problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(headerValue.trim(), "base64").toString("utf8"));
  } catch (error) {
    if (error instanceof SyntaxError) return { problem: notPrincipal() };
    throw error;
  }
  if (typeof parsed !== "object" || parsed === null || !Array.isArray((parsed as { claims?: unknown }).claims))
    return { problem: notPrincipal() };
  const raw = parsed as { role_typ?: unknown; claims: unknown[] };
  const roleTypes = new Set(ROLE_CLAIM_TYPES);
  if (typeof raw.role_typ === "string" && raw.role_typ !== "") roleTypes.add(raw.role_typ);
  const roles = new Set<string>();
  for (const claim of raw.claims) {
    if (typeof claim !== "object" || claim === null) continue;
    const { typ, val } = claim as { typ?: unknown; val?: unknown };
    if (typeof typ === "string" && typeof val === "string" && roleTypes.has(typ)) roles.add(val);
  }
  return { roles };
}

/**
 * The caller's display name, or a problem naming the header: it is recorded and shown, so a name over
 * PRINCIPAL_NAME_MAX_LENGTH characters or with control characters is refused rather than cut or stored.
 */
export function principalName(headerValue: string | null): { name: string | undefined } | { problem: string } {
  const name = headerValue?.trim();
  if (name === undefined || name === "") return { name: undefined };
  if (name.length > PRINCIPAL_NAME_MAX_LENGTH)
    return {
      problem: `${CLIENT_PRINCIPAL_NAME_HEADER}: ${name.length} characters, over the ${PRINCIPAL_NAME_MAX_LENGTH} a caller's name may have.`,
    };
  // C0, DEL and C1 controls: a name is one line of plain text wherever it is shown.
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name))
    return {
      problem: `${CLIENT_PRINCIPAL_NAME_HEADER}: holds control characters; a caller's name is one line of text.`,
    };
  return { name };
}

function notPrincipal(): string {
  return `The ${CLIENT_PRINCIPAL_HEADER} header is not base64-encoded JSON with a claims array.`;
}
