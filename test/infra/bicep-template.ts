// A small reading of Bicep files through tree-sitter-bicep's syntax tree, enough for the template checks: the
// declarations of each file (params and whether they are secure, vars, resources with their type and body, modules
// with their path, outputs), object properties by path, and the identifiers an expression refers to.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import type { Node, Parser } from "web-tree-sitter";

export const INFRA = join(__dirname, "..", "..", "infra");

export interface Declaration {
  symbol: string;
  node: Node;
}
export interface ResourceDeclaration extends Declaration {
  /** The type without the API version, e.g. `Microsoft.Storage/storageAccounts`. */
  type: string;
  apiVersion: string;
  /** The resource's object (the loop's or the condition's body for `[for ...]` and `if`). */
  body: Node;
  /** The `for` statement when the resource or module is declared in a loop. */
  loop?: Node;
}
export interface ModuleDeclaration extends Omit<ResourceDeclaration, "type" | "apiVersion"> {
  path: string;
}
export interface ParamDeclaration extends Declaration {
  secure: boolean;
  defaultValue?: Node;
}

export interface BicepFile {
  /** Relative to infra/, with forward slashes: `main.bicep`, `modules/storage.bicep`. */
  name: string;
  text: string;
  root: Node;
  targetScope: string;
  params: ParamDeclaration[];
  vars: Map<string, Node>;
  resources: ResourceDeclaration[];
  modules: ModuleDeclaration[];
  outputs: Declaration[];
}

/** Every `.bicep` file under infra/, by name. */
export function infraBicepNames(dir = INFRA): string[] {
  const names: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".bicep"))
      names.push(relative(dir, join(entry.parentPath, entry.name)).split("\\").join("/"));
  }
  return names.sort();
}

export function readInfra(parser: Parser, dir = INFRA): BicepFile[] {
  return infraBicepNames(dir).map((name) => parseBicep(parser, name, readFileSync(join(dir, name), "utf8")));
}

/** Reads one file's declarations; `text` may be a deliberately broken copy. */
export function parseBicep(parser: Parser, name: string, text: string): BicepFile {
  const root = parser.parse(text)!.rootNode;
  const file: BicepFile = {
    name,
    text,
    root,
    targetScope: "resourceGroup",
    params: [],
    vars: new Map(),
    resources: [],
    modules: [],
    outputs: [],
  };
  let decorators: Node | undefined;
  for (const node of root.namedChildren) {
    if (node === null) continue;
    if (node.type === "decorators") {
      decorators = node;
      continue;
    }
    readDeclaration(file, node, decorators);
    decorators = undefined;
  }
  return file;
}

function readDeclaration(file: BicepFile, node: Node, decorators: Node | undefined): void {
  const children = node.namedChildren.filter((child): child is Node => child !== null);
  const symbol = children[0]?.text ?? "";
  switch (node.type) {
    case "target_scope_assignment":
      file.targetScope = stringValue(children[0]) ?? file.targetScope;
      break;
    case "parameter_declaration":
      file.params.push({
        symbol,
        node,
        secure: decorators?.text.includes("@secure()") ?? false,
        defaultValue: children.length > 2 ? children.at(-1) : undefined,
      });
      break;
    case "variable_declaration":
      file.vars.set(symbol, children.at(-1)!);
      break;
    case "resource_declaration": {
      const [type = "", apiVersion = ""] = (stringValue(children[1]) ?? "").split("@");
      file.resources.push({ symbol, node, type, apiVersion, ...unwrapBody(children.at(-1)!) });
      break;
    }
    case "module_declaration":
      file.modules.push({ symbol, node, path: stringValue(children[1]) ?? "", ...unwrapBody(children.at(-1)!) });
      break;
    case "output_declaration":
      file.outputs.push({ symbol, node });
      break;
  }
}

function unwrapBody(value: Node): { body: Node; loop?: Node } {
  if (value.type === "for_statement") return { body: value.childForFieldName("body") ?? value, loop: value };
  if (value.type === "if_statement") return { body: value.namedChildren.at(-1) ?? value };
  return { body: value };
}

/** The text of a plain string literal (no interpolation), else undefined. */
export function stringValue(node: Node | null | undefined): string | undefined {
  if (node?.type !== "string") return undefined;
  const parts = node.namedChildren;
  if (parts.some((part) => part?.type !== "string_content")) return undefined;
  return parts.map((part) => part!.text).join("");
}

/** The value of `a.b.c` in an object node, following nested object literals. */
export function propertyAt(object: Node | undefined, path: string): Node | undefined {
  let current = object;
  for (const key of path.split(".")) {
    if (current?.type !== "object") return undefined;
    current = objectProperties(current).get(key);
  }
  return current;
}

/** An object literal's properties by key (identifier or string keys). */
export function objectProperties(object: Node): Map<string, Node> {
  const properties = new Map<string, Node>();
  for (const property of object.namedChildren) {
    if (property?.type !== "object_property") continue;
    const [key, value] = property.namedChildren;
    if (!key || !value) continue;
    properties.set(key.type === "string" ? (stringValue(key) ?? key.text) : key.text, value);
  }
  return properties;
}

/** Identifiers an expression refers to: not property keys nor member names (`x.outputs.id` refers to `x`). */
export function referencedIdentifiers(node: Node, found = new Set<string>()): Set<string> {
  if (node.type === "identifier") found.add(node.text);
  for (const [index, child] of node.namedChildren.entries()) {
    if (child === null) continue;
    if (node.type === "object_property" && index === 0) continue;
    if (node.type === "member_expression" && child.type === "property_identifier") continue;
    referencedIdentifiers(child, found);
  }
  return found;
}

/** Every node of a type under `node`, in document order. */
export function descendantsOfType(node: Node, type: string, found: Node[] = []): Node[] {
  for (const child of node.namedChildren) {
    if (child === null) continue;
    if (child.type === type) found.push(child);
    descendantsOfType(child, type, found);
  }
  return found;
}

/** The file a module declaration points to, relative to infra/. */
export function moduleTarget(from: BicepFile, module: ModuleDeclaration): string {
  const base = from.name.includes("/") ? from.name.slice(0, from.name.lastIndexOf("/") + 1) : "";
  const parts = `${base}${module.path}`.split("/");
  const resolved: string[] = [];
  for (const part of parts) {
    if (part === "..") resolved.pop();
    else if (part !== "." && part !== "") resolved.push(part);
  }
  return resolved.join("/");
}
