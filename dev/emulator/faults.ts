// Opt-in faults for the emulator. A fault rule picks requests (by a share, by the text they carry, by page, once
// enough requests have succeeded) and does one thing to them: answer an error, drop the connection, or delay.
//
// Spec strings (`--faults`), rules separated by ';', options by ',':
//   error:rate=0.2                        a fifth of all requests answer 500
//   error:status=503,match=networksecuritygroups    every NSG query answers 503 (partial coverage)
//   drop:rate=0.1                         a tenth of the requests lose their connection
//   latency:ms=200                        every request waits 200 ms first
//   error:page=3,after=5,times=2          page 3 fails twice, once 5 requests have succeeded
// Options: rate (0..1), status, ms, match (case-insensitive substring of the KQL text or the ARM path),
// page (1-based, Resource Graph only), after (successes served before the rule applies), times (how often it fires),
// target (resourceGraph | arm).

export type FaultEffect = "error" | "drop" | "latency";

export interface FaultRule {
  effect: FaultEffect;
  /** Share of the matching requests affected; default 1. */
  rate?: number;
  /** Status of an `error`; default 500. */
  status?: number;
  /** Delay of a `latency`. */
  latencyMs?: number;
  /** Case-insensitive substring of the KQL text (Resource Graph) or the URL path (ARM). */
  match?: string;
  /** Only this page of a Resource Graph query (1-based). */
  page?: number;
  /** Applies once this many requests have been answered successfully. */
  afterSuccesses?: number;
  /** Fires at most this often. */
  times?: number;
  target?: "resourceGraph" | "arm";
}

export interface FaultRequest {
  target: "resourceGraph" | "arm";
  /** KQL text or URL path. */
  text: string;
  /** Resource Graph page, 1-based. */
  page?: number;
}

export class FaultSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FaultSpecError";
  }
}

export function parseFaultSpec(spec: string): FaultRule[] {
  return spec
    .split(";")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => {
      const [effect, options = ""] = part.split(/:(.*)/s, 2) as [string, string?];
      if (effect !== "error" && effect !== "drop" && effect !== "latency") {
        throw new FaultSpecError(`'${part}': unknown fault '${effect}' (error, drop or latency)`);
      }
      const rule: FaultRule = { effect };
      for (const option of options.split(",").filter((o) => o.trim() !== "")) {
        const [key, value = ""] = option.split("=", 2).map((s) => s.trim()) as [string, string?];
        const number = Number(value);
        const needNumber = () => {
          if (!Number.isFinite(number)) throw new FaultSpecError(`'${part}': ${key} must be a number`);
          return number;
        };
        switch (key) {
          case "rate":
            rule.rate = needNumber();
            break;
          case "status":
            rule.status = needNumber();
            break;
          case "ms":
            rule.latencyMs = needNumber();
            break;
          case "page":
            rule.page = needNumber();
            break;
          case "after":
            rule.afterSuccesses = needNumber();
            break;
          case "times":
            rule.times = needNumber();
            break;
          case "match":
            rule.match = value;
            break;
          case "target":
            if (value !== "resourceGraph" && value !== "arm")
              throw new FaultSpecError(`'${part}': target is resourceGraph or arm`);
            rule.target = value;
            break;
          default:
            throw new FaultSpecError(`'${part}': unknown option '${key}'`);
        }
      }
      return rule;
    });
}

export class FaultInjector {
  private successes = 0;
  private readonly fired = new Map<FaultRule, number>();
  private readonly random: () => number;

  constructor(
    private readonly rules: FaultRule[],
    seed = 1,
  ) {
    this.random = mulberry32(seed);
  }

  /** The rules that fire for this request: at most one latency, and at most one error or drop (the first that fires). */
  pick(request: FaultRequest): FaultRule[] {
    const picked: FaultRule[] = [];
    for (const rule of this.rules) {
      const terminal = rule.effect !== "latency";
      if (picked.some((other) => (terminal ? other.effect !== "latency" : other.effect === "latency"))) continue;
      if (rule.target !== undefined && rule.target !== request.target) continue;
      if (rule.match !== undefined && !request.text.toLowerCase().includes(rule.match.toLowerCase())) continue;
      if (rule.page !== undefined && rule.page !== request.page) continue;
      if (rule.afterSuccesses !== undefined && this.successes < rule.afterSuccesses) continue;
      const fired = this.fired.get(rule) ?? 0;
      if (rule.times !== undefined && fired >= rule.times) continue;
      if (rule.rate !== undefined && this.random() >= rule.rate) continue;
      this.fired.set(rule, fired + 1);
      picked.push(rule);
    }
    return picked;
  }

  noteSuccess(): void {
    this.successes += 1;
  }
}

/** A small seeded PRNG, so a fault rate gives the same run every time. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
