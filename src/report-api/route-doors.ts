// The two doors of every non-public route (see request-authorization.ts for who may pass each): the key door
// `/api/<route>` (authLevel function: the Functions host checks the key) and the signed-in door `/api/web/<route>`
// (anonymous at the host: the app requires a signed-in principal). Both run the same handler, each told its door by
// its registration. A public route (health) has one door, anonymous.
import type { Access, Door } from "./request-authorization";

/** The signed-in door's routes live under /api/web: the dashboard's relative links stay behind it. */
export const SIGNED_IN_ROUTE_PREFIX = "web";

export interface RouteDoor {
  door: Door;
  /** `<name>` for the key door, `<name>SignedIn` for the signed-in door. */
  functionName: string;
  /** Functions route template, under /api. */
  route: string;
  authLevel: "function" | "anonymous";
}

export function routeDoors(route: { functionName: string; route: string; access: Access }): RouteDoor[] {
  if (route.access === "public")
    return [{ door: "key", functionName: route.functionName, route: route.route, authLevel: "anonymous" }];
  return [
    { door: "key", functionName: route.functionName, route: route.route, authLevel: "function" },
    {
      door: "signedIn",
      functionName: `${route.functionName}SignedIn`,
      route: `${SIGNED_IN_ROUTE_PREFIX}/${route.route}`,
      authLevel: "anonymous",
    },
  ];
}

/** One handler per door, made from the same work. */
export function perDoor<H>(make: (door: Door) => H): Record<Door, H> {
  return { key: make("key"), signedIn: make("signedIn") };
}
