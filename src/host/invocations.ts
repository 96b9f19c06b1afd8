// Runs one function invocation the way the Functions host frames it: a fresh InvocationContext (id, function name,
// trigger options, a logger that prints with the function name), "Executing"/"Executed" lines, and the handler's
// failure captured with its stack in the log. Also keeps the set of invocations in flight, so a stop can wait for them.
import { randomUUID } from "node:crypto";
import { format } from "node:util";
import {
  InvocationContext,
  type FunctionInput,
  type FunctionOutput,
  type FunctionTrigger,
  type LogLevel,
} from "@azure/functions";
import { stamp, type HostLog } from "./host-log";

export interface InvocationRequest {
  functionName: string;
  trigger: FunctionTrigger;
  /** Why it runs, as in "Executing 'Functions.x' (Reason='…')". */
  reason: string;
  triggerMetadata?: Record<string, unknown>;
  extraInputs?: FunctionInput[];
  extraOutputs?: FunctionOutput[];
  return?: FunctionOutput;
}

export type InvocationOutcome<T> =
  { ok: true; value: T; invocationId: string } | { ok: false; error: unknown; invocationId: string };

export class Invoker {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly log: HostLog,
    private readonly verbose = false,
  ) {}

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Counts `work` as in flight until it settles (an HTTP invocation stays in flight while its body streams). */
  track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    const forget = (): void => {
      this.inFlight.delete(work);
    };
    work.then(forget, forget);
    return work;
  }

  /** Resolves true when nothing is in flight, false when `timeoutMs` passed first. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, remaining);
      });
      await Promise.race([Promise.allSettled([...this.inFlight]), timeout]);
      clearTimeout(timer);
    }
    return true;
  }

  async invoke<T>(
    request: InvocationRequest,
    run: (context: InvocationContext) => T | Promise<T>,
  ): Promise<InvocationOutcome<T>> {
    const invocationId = randomUUID();
    const { functionName } = request;
    const context = new InvocationContext({
      invocationId,
      functionName,
      triggerMetadata: request.triggerMetadata,
      options: {
        trigger: request.trigger,
        extraInputs: request.extraInputs ?? [],
        extraOutputs: request.extraOutputs ?? [],
        return: request.return,
      },
      logHandler: (level, ...args) => this.functionLog(functionName, level, args),
    });
    const started = performance.now();
    this.log.info(stamp(`Executing 'Functions.${functionName}' (Reason='${request.reason}', Id=${invocationId})`));
    const duration = (): string => `${Math.round(performance.now() - started)}ms`;
    try {
      const value = await run(context);
      this.log.info(
        stamp(`Executed 'Functions.${functionName}' (Succeeded, Id=${invocationId}, Duration=${duration()})`),
      );
      return { ok: true, value, invocationId };
    } catch (error) {
      this.log.error(
        stamp(`Executed 'Functions.${functionName}' (Failed, Id=${invocationId}, Duration=${duration()})`),
      );
      this.log.error(
        stamp(`[${functionName}] ${error instanceof Error ? (error.stack ?? error.message) : format(error)}`),
      );
      return { ok: false, error, invocationId };
    }
  }

  private functionLog(functionName: string, level: LogLevel, args: unknown[]): void {
    const line = stamp(`[${functionName}] ${format(...args)}`);
    switch (level) {
      case "error":
      case "critical":
        this.log.error(line);
        break;
      case "warning":
        this.log.warn(line);
        break;
      case "trace":
      case "debug":
        if (this.verbose) this.log.info(line);
        break;
      case "none":
        break;
      default:
        this.log.info(line);
    }
  }
}
