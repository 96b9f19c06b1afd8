// App Service Authentication (Easy Auth) forwards the signed-in caller as x-ms-client-principal: base64 of JSON
// `{ auth_typ, claims: [{ typ, val }], name_typ, role_typ }`. App roles arrive as claims of type `roles` (v2 tokens) or
// the long WS-Federation role URI after claim mapping, or of whatever type `role_typ` names.
export const CLIENT_PRINCIPAL_HEADER = "x-ms-client-principal";

const ROLE_CLAIM_TYPES = ["roles", "role", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"];

export type RoleCheck = { allowed: true } | { allowed: false; reason: string };

export function checkRole(headerValue: string | null | undefined, requiredRole: string): RoleCheck {
  if (headerValue === null || headerValue === undefined || headerValue.trim() === "") {
    return {
      allowed: false,
      reason: `This API requires the app role '${requiredRole}'; the request carries no signed-in principal (${CLIENT_PRINCIPAL_HEADER}).`,
    };
  }
  const principal = decodePrincipal(headerValue);
  if (principal === undefined)
    return {
      allowed: false,
      reason: `The ${CLIENT_PRINCIPAL_HEADER} header is not base64-encoded JSON with a claims array.`,
    };
  const roleTypes = new Set(ROLE_CLAIM_TYPES);
  if (typeof principal.role_typ === "string" && principal.role_typ !== "") roleTypes.add(principal.role_typ);
  const held = principal.claims.some((claim) => roleTypes.has(claim.typ) && claim.val === requiredRole);
  return held
    ? { allowed: true }
    : {
        allowed: false,
        reason: `This API requires the app role '${requiredRole}', which the signed-in principal does not hold.`,
      };
}

interface Principal {
  role_typ?: unknown;
  claims: Array<{ typ: string; val: string }>;
}

function decodePrincipal(headerValue: string): Principal | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(headerValue.trim(), "base64").toString("utf8"));
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  if (typeof parsed !== "object" || parsed === null || !Array.isArray((parsed as { claims?: unknown }).claims))
    return undefined;
  const raw = parsed as { role_typ?: unknown; claims: unknown[] };
  const claims = raw.claims.filter(
    (c): c is { typ: string; val: string } =>
      typeof c === "object" &&
      c !== null &&
      typeof (c as { typ?: unknown }).typ === "string" &&
      typeof (c as { val?: unknown }).val === "string",
  );
  return { role_typ: raw.role_typ, claims };
}
