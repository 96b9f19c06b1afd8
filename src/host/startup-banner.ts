// What the local host prints once it serves: every function with how to call it, the keys (generated ones in full,
// configured ones only by setting name), and where storage and the ARM emulator are. The last line, "Host listening
// on <url>", is the readiness signal that scripts and tests wait for.
import type { HostKeys } from "./function-keys";
import { ADMIN_KEY_SETTING, FUNCTION_KEY_SETTING } from "./function-keys";
import type { HostLog } from "./host-log";
import type { HostAuthMode } from "./http-trigger-server";

export type FunctionSummary =
  | { kind: "http"; name: string; methods: string[]; url: string; authLevel: "anonymous" | "function" | "admin" }
  | {
      kind: "storageQueue";
      name: string;
      queueName: string;
      poisonQueueName: string;
      connection: string;
      workers: number;
      batchSize: number;
      maxDequeueCount: number;
    }
  | { kind: "timer"; name: string; schedule: string; settings: string[]; next: string; firesAtStart: boolean };

export interface BannerFacts {
  functions: FunctionSummary[];
  keys: HostKeys;
  authMode: HostAuthMode;
  storage:
    | {
        kind: "azurite";
        location: string | undefined;
        ports: { blob: number; queue: number; table: number };
        pid: number | undefined;
      }
    | { kind: "configured" };
  emulator: { kind: "started"; url: string; caFile: string; estate: string } | { kind: "skipped"; why: string };
  url: string;
  startupMs: number;
}

export function printBanner(log: HostLog, facts: BannerFacts): void {
  const lines: string[] = ["", "Functions:"];
  if (facts.functions.length === 0) lines.push("  (none found)");
  for (const fn of facts.functions) {
    if (fn.kind === "http") {
      const auth = fn.authLevel === "anonymous" ? "anonymous" : fn.authLevel === "admin" ? "admin key" : "function key";
      lines.push(`  ${fn.name}: [${fn.methods.join(",")}] ${fn.url}  (${auth})`);
    } else if (fn.kind === "storageQueue") {
      lines.push(
        `  ${fn.name}: queueTrigger on '${fn.queueName}' (${fn.connection}; ${fn.workers} worker${fn.workers === 1 ? "" : "s"}, batchSize ${fn.batchSize}, ` +
          `maxDequeueCount ${fn.maxDequeueCount}, poison queue '${fn.poisonQueueName}')`,
      );
    } else {
      const from = fn.settings.length > 0 ? ` from ${fn.settings.map((s) => `%${s}%`).join(", ")}` : "";
      lines.push(
        `  ${fn.name}: timerTrigger '${fn.schedule}'${from} (UTC), next ${fn.next}${fn.firesAtStart ? "; fires now, at start-up" : ""}`,
      );
    }
  }
  lines.push("", ...doorLines(facts.authMode));
  lines.push("", "Keys (send in the x-functions-key header or as ?code=):");
  lines.push(
    `  function key: ${describeKey(facts.keys.functionKey, facts.keys.generated.functionKey, FUNCTION_KEY_SETTING)}`,
  );
  lines.push(
    `  master key:   ${describeKey(facts.keys.adminKey, facts.keys.generated.adminKey, ADMIN_KEY_SETTING)} (also taken wherever a function key is)`,
  );
  lines.push("");
  const storage = facts.storage;
  if (storage.kind === "azurite") {
    const where = storage.location === undefined ? "in memory" : `data in ${storage.location}`;
    lines.push(
      `Storage:  Azurite (pid ${storage.pid ?? "?"}; ${where}) blob http://127.0.0.1:${storage.ports.blob}, queue http://127.0.0.1:${storage.ports.queue}, table http://127.0.0.1:${storage.ports.table}; AzureWebJobsStorage points at it`,
    );
  } else {
    lines.push("Storage:  AzureWebJobsStorage as configured (Azurite not started)");
  }
  const emulator = facts.emulator;
  if (emulator.kind === "started") {
    lines.push(
      `ARM:      emulator ${emulator.url} serving ${emulator.estate} (CA ${emulator.caFile}); AUDIT_ARM_ENDPOINT and AUDIT_ARM_CA point at it`,
    );
  } else {
    lines.push(`ARM:      emulator not started: ${emulator.why}`);
  }
  lines.push("", `Host listening on ${facts.url} (started in ${facts.startupMs} ms). Ctrl-C to stop.`);
  for (const line of lines) log.info(line);
}

/** The two doors of every route but health (report-api/route-doors.ts), and who passes each in this mode. */
function doorLines(mode: HostAuthMode): string[] {
  return [
    `Doors (HOST_AUTH_MODE=${mode}):`,
    "  key door       /api/<route>      a function key; a key alone may read, and use admin routes while REPORT_ADMIN_ROLE is unset",
    mode === "principal"
      ? "  signed-in door /api/web/<route>  x-ms-client-principal* passes through as App Service Authentication's (WEBSITE_AUTH_ENABLED is set)"
      : "  signed-in door /api/web/<route>  closed here: x-ms-client-principal* sent by a client is dropped (HOST_AUTH_MODE=principal opens it)",
  ];
}

function describeKey(key: string, generated: boolean, setting: string): string {
  // A configured key is a secret of the user's: name its setting, never print it.
  return generated ? `${key}  (generated for this run; set ${setting} to keep one)` : `from ${setting}`;
}
