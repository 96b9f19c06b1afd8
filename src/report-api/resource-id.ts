// Resource ids travel in URL paths base64url-encoded: an ARM id is full of `/`, which a route segment cannot hold.
import { AuditorError } from "../errors";

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** ARM ids are far shorter in practice; this only bounds what a request can make us decode. */
const MAX_RESOURCE_ID_LENGTH = 4_096;

export function encodeResourceId(resourceId: string): string {
  return Buffer.from(resourceId, "utf8").toString("base64url");
}

/** The ARM id in `encoded`, or an INPUT_INVALID_REQUEST naming the parameter. */
export function decodeResourceId(encoded: string, parameter = "id"): string {
  if (!BASE64URL.test(encoded) || encoded.length % 4 === 1) {
    throw new AuditorError(
      "INPUT_INVALID_REQUEST",
      `${parameter}: expected a base64url-encoded resource id (A-Z a-z 0-9 - _, no padding)`,
    );
  }
  const decoded = Buffer.from(encoded, "base64url").toString("utf8");
  // Buffer decoding is lenient: a round trip proves the text was exactly base64url of valid UTF-8.
  if (encodeResourceId(decoded) !== encoded.replace(/=+$/, "")) {
    throw new AuditorError("INPUT_INVALID_REQUEST", `${parameter}: not base64url of UTF-8 text`);
  }
  if (!decoded.toLowerCase().startsWith("/subscriptions/") || decoded.length > MAX_RESOURCE_ID_LENGTH) {
    throw new AuditorError(
      "INPUT_INVALID_REQUEST",
      `${parameter}: decodes to ${JSON.stringify(decoded.slice(0, 80))}, which is not an ARM resource id (/subscriptions/...)`,
    );
  }
  return decoded;
}
