// The dashboard's Content-Security-Policy: nothing may load from anywhere, the one inline stylesheet runs under a
// per-response nonce, there is no script at all, images only as data: URIs, forms post back to this origin only.
import { randomBytes } from "node:crypto";

export function newNonce(): string {
  return randomBytes(18).toString("base64");
}

export function dashboardCsp(styleNonce: string): string {
  return [
    `default-src 'none'`,
    `style-src 'nonce-${styleNonce}'`,
    `img-src data:`,
    `script-src 'none'`,
    `base-uri 'none'`,
    `form-action 'self'`,
    `frame-ancestors 'none'`,
  ].join("; ");
}
