// HOST_AUTH_MODE: how the local host stands in for App Service Authentication. `keys` (the default): function keys
// only, and the x-ms-client-principal* headers a client sends are dropped (http-trigger-server.ts), as Easy Auth drops
// them, so nobody can pose as a signed-in caller. `principal`: the host plays Easy Auth for tests of the roles and of
// the signed-in door (/api/web): those headers pass through as if the platform had set them, and the app is told that
// authentication is on (WEBSITE_AUTH_ENABLED), which is what makes it trust them.
import type { HostAuthMode } from "./http-trigger-server";
import { HostConfigError, type HostEnvironment } from "./local-settings";

export function applyAuthMode(mode: HostAuthMode, env: HostEnvironment): void {
  if (mode !== "principal") return;
  // In App Service the platform's own authentication decides; a stand-in for it there would trust any caller's claims.
  const site = env.get("WEBSITE_SITE_NAME")?.trim();
  if (site !== undefined && site !== "")
    throw new HostConfigError(
      `HOST_AUTH_MODE=principal is for the local host only, and WEBSITE_SITE_NAME is set (${site}): unset one of them.`,
    );
  env.set("WEBSITE_AUTH_ENABLED", "True");
}
