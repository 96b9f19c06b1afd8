// Registers a function with the Functions host and returns what was registered, so that the local host and the tests
// mount exactly the same handler and options. Under the real host `app.*` registers; outside it (@azure/functions
// "test mode") it is a no-op and only the returned registration is used.
import {
  app,
  type HttpHandler,
  type HttpFunctionOptions,
  type HttpMethod,
  type StorageQueueFunctionOptions,
  type TimerFunctionOptions,
} from "@azure/functions";
import type { Access, Door } from "../report-api/request-authorization";
import { routeDoors } from "../report-api/route-doors";

export type FunctionRegistration =
  | { kind: "http"; name: string; options: HttpFunctionOptions }
  | { kind: "timer"; name: string; options: TimerFunctionOptions }
  | { kind: "storageQueue"; name: string; options: StorageQueueFunctionOptions };

export function registerHttp(name: string, options: HttpFunctionOptions): FunctionRegistration {
  app.http(name, options);
  return { kind: "http", name, options };
}

/**
 * Registers an HTTP route at each of its doors (report-api/route-doors.ts): `<name>` at /api/<route> and, unless the
 * route is public, `<name>SignedIn` at /api/web/<route>, each with its door's handler.
 */
export function registerRoute(
  route: { functionName: string; route: string; access: Access; method?: HttpMethod },
  handlers: Record<Door, HttpHandler>,
): FunctionRegistration[] {
  return routeDoors(route).map((door) =>
    registerHttp(door.functionName, {
      methods: [route.method ?? "GET"],
      route: door.route,
      authLevel: door.authLevel,
      handler: handlers[door.door],
    }),
  );
}

export function registerTimer(name: string, options: TimerFunctionOptions): FunctionRegistration {
  app.timer(name, options);
  return { kind: "timer", name, options };
}

export function registerStorageQueue(name: string, options: StorageQueueFunctionOptions): FunctionRegistration {
  app.storageQueue(name, options);
  return { kind: "storageQueue", name, options };
}

export function isFunctionRegistration(value: unknown): value is FunctionRegistration {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<FunctionRegistration>;
  return (
    (candidate.kind === "http" || candidate.kind === "timer" || candidate.kind === "storageQueue") &&
    typeof candidate.name === "string" &&
    typeof candidate.options === "object"
  );
}
