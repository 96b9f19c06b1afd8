import { errorMessage } from "../errors";
// HTTP route templates as the Functions host (ASP.NET Core routing) reads them: literal segments (matched without
// regard to case), `{name}`, optional `{name?}`, defaults `{name=value}`, constraints `{name:int}` and a final
// catch-all `{*rest}`. When several routes match a path, the more specific one wins: a literal beats a constrained
// parameter, which beats a plain parameter, which beats a catch-all, segment by segment from the left.

export type RouteSegment =
  | { kind: "literal"; text: string }
  | {
      kind: "parameter";
      name: string;
      optional: boolean;
      catchAll: boolean;
      defaultValue: string | undefined;
      constraints: RouteConstraint[];
    };

export interface RouteConstraint {
  text: string;
  test(value: string): boolean;
}

export interface RouteTemplate {
  template: string;
  segments: RouteSegment[];
  /** One digit per segment, lower is more specific: literal 1, constrained parameter 3, parameter 4, catch-all 5. */
  precedence: number[];
}

export class RouteTemplateError extends Error {
  override name = "RouteTemplateError";
}

export function parseRouteTemplate(template: string): RouteTemplate {
  const trimmed = template.trim().replace(/^\/+|\/+$/g, "");
  const texts = trimmed === "" ? [] : trimmed.split("/");
  const segments: RouteSegment[] = [];
  const names = new Set<string>();
  texts.forEach((text, index) => {
    const fail = (why: string): never => {
      throw new RouteTemplateError(`route ${JSON.stringify(template)}: ${why}`);
    };
    if (text === "") fail("empty segment ('//')");
    if (!text.includes("{") && !text.includes("}")) {
      segments.push({ kind: "literal", text });
      return;
    }
    const body = /^\{([^{}]+)\}$/.exec(text)?.[1];
    if (body === undefined && text.startsWith("{") && text.endsWith("}"))
      fail(`segment ${JSON.stringify(text)}: braces inside a parameter (as in a regex constraint) are not supported`);
    if (body === undefined)
      fail(`segment ${JSON.stringify(text)} mixes text and parameters, which the local host does not support`);
    const segment = parseParameter(body as string, fail);
    const key = segment.name.toLowerCase();
    if (names.has(key)) fail(`parameter {${segment.name}} appears twice`);
    names.add(key);
    if (segment.catchAll && index !== texts.length - 1) fail(`catch-all {*${segment.name}} must be the last segment`);
    segments.push(segment);
  });
  // A parameter can only be left out of the URL when everything after it can be left out too.
  let seenOptional = false;
  for (const segment of segments) {
    const omittable =
      segment.kind === "parameter" && (segment.optional || segment.catchAll || segment.defaultValue !== undefined);
    if (seenOptional && !omittable)
      throw new RouteTemplateError(
        `route ${JSON.stringify(template)}: only optional segments may follow an optional parameter`,
      );
    seenOptional ||= omittable;
  }
  const precedence = segments.map((segment) => {
    if (segment.kind === "literal") return 1;
    if (segment.catchAll) return 5;
    return segment.constraints.length > 0 ? 3 : 4;
  });
  return { template, segments, precedence };
}

/** Matches decoded path segments (after the route prefix); the route parameters, or undefined. */
export function matchRoute(route: RouteTemplate, path: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [index, segment] of route.segments.entries()) {
    if (segment.kind === "parameter" && segment.catchAll) {
      const rest = path.slice(index).join("/");
      const value = rest === "" ? segment.defaultValue : rest;
      if (value === undefined) return params;
      if (!segment.constraints.every((constraint) => constraint.test(value))) return undefined;
      params[segment.name] = value;
      return params;
    }
    const value = path[index];
    if (value === undefined) {
      if (segment.kind === "literal" || !(segment.optional || segment.defaultValue !== undefined)) return undefined;
      if (segment.defaultValue !== undefined) params[segment.name] = segment.defaultValue;
      continue;
    }
    if (segment.kind === "literal") {
      if (value.toLowerCase() !== segment.text.toLowerCase()) return undefined;
      continue;
    }
    if (value === "" || !segment.constraints.every((constraint) => constraint.test(value))) return undefined;
    params[segment.name] = value;
  }
  return path.length > route.segments.length ? undefined : params;
}

/** Negative when `a` is more specific than `b`. */
export function compareRoutePrecedence(a: RouteTemplate, b: RouteTemplate): number {
  const length = Math.max(a.precedence.length, b.precedence.length);
  for (let index = 0; index < length; index += 1) {
    // A route that ends first is the more specific for the paths both match ("runs" before "runs/{id?}").
    const left = a.precedence[index] ?? 0;
    const right = b.precedence[index] ?? 0;
    if (left !== right) return left - right;
  }
  return 0;
}

function parseParameter(body: string, fail: (why: string) => never): Extract<RouteSegment, { kind: "parameter" }> {
  let text = body.trim();
  const catchAll = text.startsWith("*");
  text = text.replace(/^\*{1,2}/, "");
  let defaultValue: string | undefined;
  const equals = text.indexOf("=");
  if (equals >= 0) {
    defaultValue = text.slice(equals + 1);
    text = text.slice(0, equals);
  }
  const optional = text.endsWith("?");
  if (optional) text = text.slice(0, -1);
  if (optional && defaultValue !== undefined) fail(`{${body}} cannot be both optional and have a default`);
  const [name = "", ...constraintTexts] = splitConstraints(text);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail(`{${body}} has no valid parameter name`);
  return {
    kind: "parameter",
    name,
    optional,
    catchAll,
    defaultValue,
    constraints: constraintTexts.map((constraint) => parseConstraint(constraint, body, fail)),
  };
}

/** Splits `name:c1:c2(…)` on colons outside parentheses, so `regex(^a:b$)` stays whole. */
function splitConstraints(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth += 1;
    if (char === ")") depth -= 1;
    if (char === ":" && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}

const SIMPLE_CONSTRAINTS: Record<string, (value: string) => boolean> = {
  int: (value) => /^-?\d+$/.test(value) && Math.abs(Number(value)) <= 2_147_483_648,
  long: (value) => /^-?\d+$/.test(value),
  bool: (value) => /^(true|false)$/i.test(value),
  guid: (value) => /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i.test(value),
  alpha: (value) => /^[a-z]+$/i.test(value),
  decimal: (value) => /^-?(\d+\.?\d*|\.\d+)$/.test(value),
  double: (value) => /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value),
  float: (value) => /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(value),
  datetime: (value) => !Number.isNaN(Date.parse(value)),
};

function parseConstraint(text: string, body: string, fail: (why: string) => never): RouteConstraint {
  const simple = SIMPLE_CONSTRAINTS[text.toLowerCase()];
  if (simple !== undefined) return { text, test: simple };
  const call = /^([a-z]+)\((.*)\)$/i.exec(text);
  const name = call?.[1]?.toLowerCase();
  const args = call?.[2] ?? "";
  const numbers = args.split(",").map((arg) => Number(arg.trim()));
  const numeric = numbers.every((n) => Number.isFinite(n));
  const length = (value: string): number => [...value].length;
  if (name === "regex") {
    let pattern: RegExp;
    try {
      pattern = new RegExp(args, "i");
    } catch (error) {
      return fail(`{${body}}: invalid regex (${errorMessage(error)})`);
    }
    return { text, test: (value) => pattern.test(value) };
  }
  const [first = Number.NaN, second = Number.NaN] = numbers;
  if (numeric && numbers.length === 1) {
    if (name === "minlength") return { text, test: (value) => length(value) >= first };
    if (name === "maxlength") return { text, test: (value) => length(value) <= first };
    if (name === "length") return { text, test: (value) => length(value) === first };
    if (name === "min") return { text, test: (value) => /^-?\d+$/.test(value) && Number(value) >= first };
    if (name === "max") return { text, test: (value) => /^-?\d+$/.test(value) && Number(value) <= first };
  }
  if (numeric && numbers.length === 2) {
    if (name === "length") return { text, test: (value) => length(value) >= first && length(value) <= second };
    if (name === "range")
      return { text, test: (value) => /^-?\d+$/.test(value) && Number(value) >= first && Number(value) <= second };
  }
  return fail(`{${body}}: unknown route constraint ${JSON.stringify(text)}`);
}
