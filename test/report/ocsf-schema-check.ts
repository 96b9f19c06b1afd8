// Checks an event against the OCSF schema's own field rules, read from the schema's source files (test/fixtures/ocsf/
// schema-1.3.0, copied unchanged from the ocsf/ocsf-schema repository at tag 1.3.0; see its README.md). It resolves a
// class or object the way the schema compiles them: `extends` chains, `$include`d includes and profiles, and each
// attribute merged over its dictionary.json entry (type, is_array, enum, sibling). It then enforces:
// - every `required` attribute is present (a profile's only when metadata.profiles declares it);
// - no attribute outside the class and its objects (free-form data only under `unmapped` and json_t values);
// - types: string_t (and its max_len, regex), integer_t, long_t/timestamp_t, float_t, boolean_t, url_t, arrays;
// - enum ids are defined, and a sibling caption matches its id's caption (Other, 99, takes the source's own word);
// - an object's constraints (at_least_one, just_one);
// - the classification arithmetic: class_uid = category uid * 1000 + class uid, type_uid = class_uid * 100 +
//   activity_id, and the class, category and type names.
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "fixtures", "ocsf", "schema-1.3.0");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface AttributeRule {
  type: string;
  isArray: boolean;
  requirement: string;
  enum?: Record<string, { caption: string }>;
  sibling?: string;
  profile?: string;
}

interface Shape {
  name: string;
  caption: string;
  attributes: Map<string, AttributeRule>;
  constraints: { at_least_one?: string[]; just_one?: string[] };
}

interface SourceDefinition {
  name?: string;
  caption: string;
  extends?: string;
  category?: string;
  uid?: number;
  meta?: string;
  attributes: JsonObject;
  constraints?: Shape["constraints"];
}

function load<T>(path: string): T {
  return JSON.parse(readFileSync(join(ROOT, path), "utf8")) as T;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The schema compiler's merge: objects merge key by key, anything else is replaced by the later value. */
function deepMerge(base: Json | undefined, over: Json): Json {
  if (!isObject(base) || !isObject(over)) return over;
  const merged: JsonObject = { ...base };
  for (const [key, value] of Object.entries(over)) merged[key] = deepMerge(base[key], value);
  return merged;
}

const EVENT_FILES: Record<string, string> = {
  base_event: "events/base_event.json",
  finding: "events/findings/finding.json",
  detection_finding: "events/findings/detection_finding.json",
};

export class OcsfSchema {
  readonly version = load<{ version: string }>("version.json").version;
  private readonly dictionary = load<{ attributes: JsonObject; types: { attributes: JsonObject } }>("dictionary.json");
  private readonly categories = load<{ attributes: Record<string, { caption: string; uid: number }> }>(
    "categories.json",
  );
  private readonly objects = new Map<string, Shape>();

  /** A class (events/...) with its uid and category, resolved through `extends`. */
  eventClass(name: string): Shape & { uid: number; categoryUid: number; categoryCaption: string } {
    const definition = load<SourceDefinition>(EVENT_FILES[name] ?? `events/${name}.json`);
    const category = this.categories.attributes[definition.category ?? ""];
    if (category === undefined || definition.uid === undefined) throw new Error(`${name} is not a class`);
    const shape = this.resolve(definition, (parent) => EVENT_FILES[parent] ?? `events/${parent}.json`);
    const uid = category.uid * 1000 + definition.uid;
    // As the schema compiler does: the class's own uid, category and type ids replace the base event's placeholders.
    const withEnum = (name: string, values: Record<string, { caption: string }>): void => {
      const rule = shape.attributes.get(name);
      if (rule !== undefined) shape.attributes.set(name, { ...rule, enum: values });
    };
    withEnum("class_uid", { [uid]: { caption: definition.caption } });
    withEnum("category_uid", { [category.uid]: { caption: category.caption } });
    const activities = Object.entries(shape.attributes.get("activity_id")?.enum ?? {});
    withEnum(
      "type_uid",
      Object.fromEntries(
        activities.map(([id, { caption }]) => [
          uid * 100 + Number(id),
          { caption: `${definition.caption}: ${caption}` },
        ]),
      ),
    );
    return {
      ...shape,
      uid: category.uid * 1000 + definition.uid,
      categoryUid: category.uid,
      categoryCaption: category.caption,
    };
  }

  object(name: string): Shape {
    let shape = this.objects.get(name);
    if (shape === undefined) {
      shape = this.resolve(load<SourceDefinition>(`objects/${name}.json`), (parent) => `objects/${parent}.json`);
      this.objects.set(name, shape);
    }
    return shape;
  }

  private resolve(definition: SourceDefinition, parentFile: (name: string) => string): Shape {
    const attributes = new Map<string, AttributeRule>();
    for (const [name, attribute] of this.rawAttributes(definition, parentFile))
      attributes.set(name, this.attributeRule(name, attribute));
    const constraints = definition.constraints ?? this.inheritedConstraints(definition, parentFile);
    return { name: definition.name ?? "", caption: definition.caption, attributes, constraints };
  }

  private inheritedConstraints(
    definition: SourceDefinition,
    parentFile: (name: string) => string,
  ): Shape["constraints"] {
    if (definition.extends === undefined) return {};
    const parent = load<SourceDefinition>(parentFile(definition.extends));
    return parent.constraints ?? this.inheritedConstraints(parent, parentFile);
  }

  /** A definition's attributes with its parents', includes and profiles (a profile's attributes tagged with it). */
  private rawAttributes(definition: SourceDefinition, parentFile: (name: string) => string): Map<string, JsonObject> {
    const attributes = new Map<string, JsonObject>();
    if (definition.extends !== undefined)
      for (const [name, value] of this.rawAttributes(load(parentFile(definition.extends)), parentFile))
        attributes.set(name, value);
    const includes = (definition.attributes.$include ?? []) as string[];
    for (const path of includes) {
      const included = load<SourceDefinition>(path);
      for (const [name, value] of Object.entries(included.attributes)) {
        const tagged = included.meta === "profile" ? { ...(value as JsonObject), profile: included.name ?? "" } : value;
        attributes.set(name, deepMerge(attributes.get(name), tagged) as JsonObject);
      }
    }
    for (const [name, value] of Object.entries(definition.attributes)) {
      if (name === "$include") continue;
      attributes.set(name, deepMerge(attributes.get(name), value) as JsonObject);
    }
    return attributes;
  }

  private attributeRule(name: string, attribute: JsonObject): AttributeRule {
    const entry = this.dictionary.attributes[name];
    if (!isObject(entry)) throw new Error(`attribute ${name} is not in dictionary.json`);
    const merged = deepMerge(entry, attribute) as JsonObject;
    return {
      type: String(merged.type),
      isArray: merged.is_array === true,
      requirement: typeof merged.requirement === "string" ? merged.requirement : "optional",
      ...(isObject(merged.enum) ? { enum: merged.enum as AttributeRule["enum"] } : {}),
      ...(typeof merged.sibling === "string" ? { sibling: merged.sibling } : {}),
      ...(typeof merged.profile === "string" ? { profile: merged.profile } : {}),
    };
  }

  /** A dictionary type's rules, following its base types (timestamp_t is a long_t, url_t a string_t). */
  typeRules(type: string): { base: string; maxLength?: number; regex?: string } | undefined {
    let current = type;
    let maxLength: number | undefined;
    let regex: string | undefined;
    for (;;) {
      const entry = this.dictionary.types.attributes[current];
      if (!isObject(entry)) return undefined;
      if (maxLength === undefined && typeof entry.max_len === "number") maxLength = entry.max_len;
      if (regex === undefined && typeof entry.regex === "string") regex = entry.regex;
      if (typeof entry.type !== "string") break;
      current = entry.type;
    }
    return {
      base: current,
      ...(maxLength === undefined ? {} : { maxLength }),
      ...(regex === undefined ? {} : { regex }),
    };
  }
}

/** Every breach of the schema's field rules in one event of `className`, as `path: problem` lines (none: valid). */
export function ocsfEventProblems(schema: OcsfSchema, event: unknown, className: string): string[] {
  const problems: string[] = [];
  if (!isObject(event)) return ["event: not a JSON object"];
  const shape = schema.eventClass(className);
  const metadata = event.metadata;
  const profiles = isObject(metadata) && Array.isArray(metadata.profiles) ? metadata.profiles.map(String) : [];
  checkObject(schema, event, shape, "event", profiles, problems);
  checkClassification(event, shape, problems);
  if (isObject(metadata) && metadata.version !== schema.version)
    problems.push(`metadata.version: ${JSON.stringify(metadata.version)} is not the schema's ${schema.version}`);
  return problems;
}

function checkClassification(event: JsonObject, shape: ReturnType<OcsfSchema["eventClass"]>, problems: string[]): void {
  const expect = (path: string, actual: Json | undefined, wanted: Json): void => {
    if (actual !== wanted) problems.push(`${path}: ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
  };
  expect("class_uid", event.class_uid, shape.uid);
  expect("category_uid", event.category_uid, shape.categoryUid);
  if (event.class_name !== undefined) expect("class_name", event.class_name, shape.caption);
  if (event.category_name !== undefined) expect("category_name", event.category_name, shape.categoryCaption);
  if (typeof event.activity_id === "number") {
    expect("type_uid", event.type_uid, shape.uid * 100 + event.activity_id);
    const activity = shape.attributes.get("activity_id")?.enum?.[String(event.activity_id)];
    if (event.type_name !== undefined && activity !== undefined)
      expect("type_name", event.type_name, `${shape.caption}: ${activity.caption}`);
  }
}

function checkObject(
  schema: OcsfSchema,
  value: JsonObject,
  shape: Shape,
  path: string,
  profiles: readonly string[],
  problems: string[],
): void {
  for (const [name, item] of Object.entries(value)) {
    const rule = shape.attributes.get(name);
    if (rule === undefined) problems.push(`${path}.${name}: not an attribute of ${shape.caption}`);
    else if (rule.profile !== undefined && !profiles.includes(rule.profile))
      problems.push(
        `${path}.${name}: belongs to the ${rule.profile} profile, which metadata.profiles does not declare`,
      );
    else checkValue(schema, item, rule, `${path}.${name}`, profiles, problems);
  }
  for (const [name, rule] of shape.attributes) {
    const applies = rule.profile === undefined || profiles.includes(rule.profile);
    if (applies && rule.requirement === "required" && value[name] === undefined)
      problems.push(`${path}.${name}: required by ${shape.caption}, missing`);
    if (rule.enum !== undefined && value[name] !== undefined) checkEnum(value, name, rule, path, problems);
  }
  const present = (names: string[]): number => names.filter((name) => value[name] !== undefined).length;
  const { at_least_one: atLeastOne, just_one: justOne } = shape.constraints;
  if (atLeastOne !== undefined && present(atLeastOne) === 0)
    problems.push(`${path}: ${shape.caption} needs at least one of ${atLeastOne.join(", ")}`);
  if (justOne !== undefined && present(justOne) !== 1)
    problems.push(`${path}: ${shape.caption} needs exactly one of ${justOne.join(", ")}`);
}

function checkEnum(value: JsonObject, name: string, rule: AttributeRule, path: string, problems: string[]): void {
  const id = value[name];
  const entry = rule.enum?.[String(id)];
  if (entry === undefined) {
    problems.push(`${path}.${name}: ${JSON.stringify(id)} is not one of ${Object.keys(rule.enum ?? {}).join(", ")}`);
    return;
  }
  if (rule.sibling === undefined || value[rule.sibling] === undefined) return;
  const caption = value[rule.sibling];
  // Other (99): "not mapped", the sibling carries the source's own value.
  if (String(id) === "99") {
    if (typeof caption !== "string" || caption === "")
      problems.push(`${path}.${rule.sibling}: Other (99) needs the source's own value`);
  } else if (caption !== entry.caption)
    problems.push(
      `${path}.${rule.sibling}: ${JSON.stringify(caption)} does not match ${name} ${String(id)} (${entry.caption})`,
    );
}

function checkValue(
  schema: OcsfSchema,
  value: Json,
  rule: AttributeRule,
  path: string,
  profiles: readonly string[],
  problems: string[],
): void {
  if (rule.isArray) {
    if (!Array.isArray(value)) problems.push(`${path}: not an array`);
    else value.forEach((item, index) => checkScalar(schema, item, rule.type, `${path}[${index}]`, profiles, problems));
    return;
  }
  checkScalar(schema, value, rule.type, path, profiles, problems);
}

function checkScalar(
  schema: OcsfSchema,
  value: Json,
  type: string,
  path: string,
  profiles: readonly string[],
  problems: string[],
): void {
  if (type === "object") {
    if (!isObject(value)) problems.push(`${path}: not an object`);
    return;
  }
  const rules = schema.typeRules(type);
  if (rules === undefined) {
    if (!isObject(value)) problems.push(`${path}: not a ${type} object`);
    else checkObject(schema, value, schema.object(type), path, profiles, problems);
    return;
  }
  const problem = primitiveProblem(value, type, rules);
  if (problem !== undefined) problems.push(`${path}: ${problem}`);
}

function primitiveProblem(
  value: Json,
  type: string,
  rules: NonNullable<ReturnType<OcsfSchema["typeRules"]>>,
): string | undefined {
  switch (rules.base) {
    case "json_t":
      return undefined;
    case "string_t":
      if (typeof value !== "string") return `not a string (${type})`;
      if (rules.maxLength !== undefined && value.length > rules.maxLength)
        return `${value.length} characters, over ${type}'s ${rules.maxLength}`;
      if (rules.regex !== undefined && !new RegExp(rules.regex).test(value)) return `does not match ${type}'s pattern`;
      if (type === "url_t" && !URL.canParse(value)) return "not a URL (url_t)";
      return undefined;
    case "integer_t":
      return Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31 ? undefined : `not an integer (${type})`;
    case "long_t":
      return Number.isSafeInteger(value) ? undefined : `not a long integer (${type})`;
    case "float_t":
      return typeof value === "number" && Number.isFinite(value) ? undefined : `not a number (${type})`;
    case "boolean_t":
      return typeof value === "boolean" ? undefined : `not a boolean (${type})`;
    default:
      return `type ${type} is not checked here`;
  }
}
