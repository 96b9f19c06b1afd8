// The vocabulary of app settings: what a value may look like, as a zod schema over the trimmed text, plus the words the
// settings docs use for it. One reader per kind of value, so every setting spells booleans, numbers and choices alike.
import { CronExpressionParser } from "cron-parser";
import { z } from "zod";
import { errorText } from "../errors";

/** A kind of value: how the trimmed, non-blank text of a setting becomes a value, and how the docs describe it. */
export interface SettingType<T> {
  schema: z.ZodType<T, string>;
  /** For the docs' "type / range" column, e.g. "whole number, 1–64". */
  describe: string;
}

const TRUE_WORDS = ["true", "1", "yes", "on"];
const FALSE_WORDS = ["false", "0", "no", "off"];

/** Fails the parse with a message that already says what was expected (and, for non-secrets, what was found). */
function refuse(ctx: z.RefinementCtx, message: string): never {
  ctx.addIssue({ code: "custom", message });
  return z.NEVER;
}

/** true/false, 1/0, yes/no, on/off, in any case: the one boolean vocabulary of every setting. */
export function yesNo(): SettingType<boolean> {
  return {
    describe: "boolean (true/false, yes/no, on/off, 1/0)",
    schema: z.string().transform((text, ctx) => {
      const folded = text.toLowerCase();
      if (TRUE_WORDS.includes(folded)) return true;
      if (FALSE_WORDS.includes(folded)) return false;
      return refuse(ctx, `expected true or false (or yes/no, on/off, 1/0), found ${JSON.stringify(text)}`);
    }),
  };
}

/** Digits only (no sign, fraction, exponent or hex), within [min, max]. */
export function wholeNumber(min: number, max: number, unit = ""): SettingType<number> {
  const noun = unit === "" ? "a whole number" : `a whole number of ${unit}`;
  return {
    describe: `whole number, ${min}–${max}${unit === "" ? "" : ` ${unit}`}`,
    schema: z.string().transform((text, ctx) => {
      const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
      if (!Number.isSafeInteger(value) || value < min || value > max)
        return refuse(ctx, `expected ${noun} from ${min} to ${max}, found ${JSON.stringify(text)}`);
      return value;
    }),
  };
}

/** One of a fixed list, matched in any case and returned as listed. `noun` names the kind in the message ("cloud"). */
export function oneOf<const V extends string>(values: readonly V[], options: { noun?: string } = {}): SettingType<V> {
  const listed =
    values.length === 2
      ? `${JSON.stringify(values[0])} or ${JSON.stringify(values[1])}`
      : `one of ${values.join(", ")}`;
  return {
    describe: values.map((value) => `\`${value}\``).join(", "),
    schema: z.string().transform((text, ctx) => {
      const match = values.find((value) => value.toLowerCase() === text.toLowerCase());
      if (match !== undefined) return match;
      if (options.noun !== undefined)
        return refuse(ctx, `unknown ${options.noun} '${text}'; expected one of ${values.join(", ")}`);
      return refuse(ctx, `expected ${listed}, found ${JSON.stringify(text)}`);
    }),
  };
}

/** Free text (a path, a name, a key, a connection string); `describe` says what it holds. */
export function text(describe = "text"): SettingType<string> {
  return { describe, schema: z.string() };
}

/** Text that must match a pattern; `expected` says what in words. */
export function matching(pattern: RegExp, expected: string, describe = "text"): SettingType<string> {
  return { describe, schema: z.string().refine((value) => pattern.test(value), { error: `expected ${expected}` }) };
}

/** A comma-, semicolon- or whitespace-separated list; empty entries are dropped. */
export function list(describe = "comma-separated list"): SettingType<string[]> {
  return { describe, schema: z.string().transform((value) => splitList(value)) };
}

/** Splits a comma- or whitespace-separated list, dropping empties. */
export function splitList(value: string | undefined): string[] {
  return (value ?? "")
    .split(/[\s,;]+/)
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/**
 * An absolute URL. `https` refuses plain http (bearer tokens are refused over http by the SDK; say so here rather than
 * on the first request); `base` refuses a query string or fragment. `example` shows the expected shape.
 */
export function url(options: { https?: boolean; base?: boolean; example: string }): SettingType<string> {
  return {
    describe: options.https === true ? "https URL" : "http(s) URL",
    schema: z.string().transform((value, ctx) => {
      let parsed: URL;
      try {
        parsed = new URL(value);
      } catch {
        return refuse(ctx, `expected a URL such as ${options.example}, found ${JSON.stringify(value)}`);
      }
      if (options.https === true && parsed.protocol !== "https:")
        return refuse(ctx, "must be https (token authentication is refused over http)");
      if (parsed.protocol !== "https:" && parsed.protocol !== "http:")
        return refuse(ctx, `expected an http(s) URL, found ${JSON.stringify(value)}`);
      if (options.base === true && (parsed.search !== "" || parsed.hash !== ""))
        return refuse(ctx, "expected a base URL without query or fragment");
      return value;
    }),
  };
}

/** NCRONTAB as the Functions host reads it: six fields, seconds first, UTC. */
export function ncrontab(): SettingType<string> {
  return {
    describe: "NCRONTAB, 6 fields",
    schema: z.string().transform((value, ctx) => {
      const fields = value.split(/\s+/);
      if (fields.length !== 6) {
        return refuse(
          ctx,
          `expected an NCRONTAB expression of 6 fields ({second} {minute} {hour} {day} {month} {day-of-week}), found ${fields.length} in ${JSON.stringify(value)}`,
        );
      }
      try {
        CronExpressionParser.parse(value, { tz: "UTC" });
      } catch (error) {
        return refuse(ctx, `${JSON.stringify(value)} is not a valid schedule: ${errorText(error)}`);
      }
      return value;
    }),
  };
}

/** A type of its own, for the few settings whose value has a shape of its own (AUDIT_SOURCE, TRUSTED_SOURCE_PREFIXES). */
export function shaped<T>(describe: string, parse: (value: string) => T | { problem: string }): SettingType<T> {
  return {
    describe,
    schema: z.string().transform((value, ctx) => {
      const parsed = parse(value);
      if (typeof parsed === "object" && parsed !== null && "problem" in parsed) return refuse(ctx, parsed.problem);
      return parsed;
    }),
  };
}
