// Runs timer triggers: the schedule is an NCRONTAB expression of six fields (seconds first) read in UTC, possibly
// written as app-setting expressions (`%AUDIT_SCHEDULE%`) resolved from the environment at start. Each timer fires
// once at start-up (the product wants the first audit immediately; `runOnStartup: false` opts out) and then on
// schedule. Like the Functions host, one timer never overlaps itself: the next occurrence is computed after the
// previous invocation finished.
import { CronExpressionParser } from "cron-parser";
import type { Timer, TimerFunctionOptions } from "@azure/functions";
import { stamp, type HostLog } from "./host-log";
import type { Invoker } from "./invocations";
import { errorMessage } from "../errors";

export class TimerScheduleError extends Error {
  override name = "TimerScheduleError";
}

export interface ResolvedSchedule {
  expression: string;
  /** The app settings the schedule was read from, e.g. ["AUDIT_SCHEDULE"]. */
  settings: string[];
}

/** `DateTime.MinValue`, which the Functions host reports as the last occurrence of a timer that never ran. */
const NEVER = new Date("0001-01-01T00:00:00.000Z").toISOString();
/** An invocation later than this after its scheduled time is reported as past due. */
const PAST_DUE_AFTER_MS = 1_000;
/** setTimeout's longest delay (about 24.8 days); longer waits re-arm. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Resolves `%NAME%` expressions and validates the result as a six-field NCRONTAB; errors name the function and setting. */
export function resolveSchedule(functionName: string, schedule: string, env: NodeJS.ProcessEnv): ResolvedSchedule {
  const settings: string[] = [];
  const expression = schedule
    .replace(/%([^%]+)%/g, (_, name: string) => {
      const value = env[name];
      if (value === undefined || value.trim() === "") {
        throw new TimerScheduleError(
          `Timer '${functionName}': its schedule ${schedule} refers to app setting ${name}, which is not set.`,
        );
      }
      settings.push(name);
      return value.trim();
    })
    .trim();
  const source = settings.length > 0 ? ` (from ${settings.join(", ")})` : "";
  const fields = expression.split(/\s+/);
  if (fields.length !== 6) {
    throw new TimerScheduleError(
      `Timer '${functionName}': schedule ${JSON.stringify(expression)}${source} has ${fields.length} fields; NCRONTAB needs 6: {second} {minute} {hour} {day} {month} {day-of-week}.`,
    );
  }
  try {
    CronExpressionParser.parse(expression, { tz: "UTC" });
  } catch (error) {
    throw new TimerScheduleError(
      `Timer '${functionName}': schedule ${JSON.stringify(expression)}${source} is not valid NCRONTAB: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  return { expression, settings };
}

export function nextOccurrence(expression: string, after: Date): Date {
  return CronExpressionParser.parse(expression, { tz: "UTC", currentDate: after }).next().toDate();
}

export interface ScheduledTimer {
  functionName: string;
  options: TimerFunctionOptions;
  schedule: ResolvedSchedule;
}

export interface TimerTriggerSchedulerOptions {
  timers: ScheduledTimer[];
  /** Fire each timer once at start (unless its runOnStartup is false). */
  runOnStart: boolean;
  invoker: Invoker;
  log: HostLog;
}

export class TimerTriggerScheduler {
  private readonly timeouts = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly config: TimerTriggerSchedulerOptions) {}

  start(): void {
    for (const timer of this.config.timers) {
      const state = { last: NEVER };
      const fireAtStart =
        timer.options.runOnStartup === true || (this.config.runOnStart && timer.options.runOnStartup !== false);
      if (fireAtStart) {
        void this.config.invoker
          .track(this.fire(timer, state, new Date(), "startup"))
          .then(() => this.arm(timer, state));
      } else {
        this.arm(timer, state);
      }
    }
  }

  /** No timer fires after this; invocations already running are the invoker's to wait for. */
  stop(): void {
    this.stopped = true;
    for (const timeout of this.timeouts.values()) clearTimeout(timeout);
    this.timeouts.clear();
  }

  private arm(timer: ScheduledTimer, state: { last: string }): void {
    if (this.stopped) return;
    const due = nextOccurrence(timer.schedule.expression, new Date());
    const wait = (): void => {
      const remaining = due.getTime() - Date.now();
      const timeout = setTimeout(
        () => {
          if (remaining > MAX_TIMEOUT_MS) return wait();
          void this.config.invoker.track(this.fire(timer, state, due, "schedule")).then(() => this.arm(timer, state));
        },
        Math.max(0, Math.min(remaining, MAX_TIMEOUT_MS)),
      );
      // Timers alone never keep the process alive; the HTTP server does, and a stop clears them.
      timeout.unref();
      this.timeouts.set(timer.functionName, timeout);
    };
    wait();
  }

  private async fire(
    timer: ScheduledTimer,
    state: { last: string },
    scheduled: Date,
    why: "startup" | "schedule",
  ): Promise<void> {
    if (this.stopped) return;
    const now = new Date();
    const myTimer: Timer = {
      isPastDue: why === "schedule" && now.getTime() - scheduled.getTime() > PAST_DUE_AFTER_MS,
      schedule: { adjustForDST: false },
      scheduleStatus: {
        last: state.last,
        next: nextOccurrence(timer.schedule.expression, now).toISOString(),
        lastUpdated: now.toISOString(),
      },
    };
    state.last = scheduled.toISOString();
    const reason =
      why === "startup" ? "Timer fired at start-up of the local host" : `Timer fired at ${now.toISOString()}`;
    const outcome = await this.config.invoker.invoke(
      {
        functionName: timer.functionName,
        trigger: {
          type: "timerTrigger",
          name: "myTimer",
          schedule: timer.schedule.expression,
          runOnStartup: timer.options.runOnStartup,
          useMonitor: timer.options.useMonitor,
        },
        reason,
        extraInputs: timer.options.extraInputs,
        extraOutputs: timer.options.extraOutputs,
      },
      (context) => timer.options.handler(myTimer, context),
    );
    if (!outcome.ok)
      this.config.log.warn(
        stamp(`[${timer.functionName}] the timer stays scheduled; next at ${myTimer.scheduleStatus.next}`),
      );
  }
}
