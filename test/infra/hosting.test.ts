// The hosting resources say what issue 16 asks (see hosting-checks.ts), and a broken copy of each kind fails.
import { beforeAll, expect, it } from "vitest";
import type { Parser } from "web-tree-sitter";
import { bicepParser } from "../support/bicep-parser";
import { readInfra, type BicepFile } from "./bicep-template";
import { hostingProblems } from "./hosting-checks";
import { editedTemplate } from "./template-checks";

let parser: Parser;
let files: BicepFile[];
beforeAll(async () => {
  parser = await bicepParser();
  files = readInfra(parser);
});

function broken(name: string, from: string, to: string): BicepFile[] {
  return editedTemplate(parser, files, { name, from, to });
}

it("is Flex Consumption on Node 22, keyless storage and telemetry, RBAC Key Vault, per-door sign-in", () => {
  expect(hostingProblems(files)).toEqual([]);
});

it.each([
  [
    "modules/storage.bicep",
    "allowSharedKeyAccess: false",
    "allowSharedKeyAccess: true",
    "storage.properties.allowSharedKeyAccess is true, not false",
  ],
  [
    "modules/monitoring.bicep",
    "DisableLocalAuth: true",
    "DisableLocalAuth: false",
    "component.properties.DisableLocalAuth is false, not true",
  ],
  [
    "modules/function-app.bicep",
    "version: '22'",
    "version: '20'",
    "site.properties.functionAppConfig.runtime.version is '20', not '22'",
  ],
  ["modules/function-app.bicep", "name: 'FC1'", "name: 'Y1'", "plan.sku.name is 'Y1', not 'FC1'"],
  [
    "main.bicep",
    "param alwaysReadyInstances int = 0",
    "param alwaysReadyInstances int = 1",
    "alwaysReadyInstances defaults to 1, not 0",
  ],
  [
    "modules/function-app.bicep",
    "unauthenticatedClientAction: 'AllowAnonymous'",
    "unauthenticatedClientAction: 'RedirectToLoginPage'",
    "unauthenticatedClientAction is 'RedirectToLoginPage'",
  ],
])("fails %s with %s changed", (name, from, to, expected) => {
  const problems = hostingProblems(broken(name, from, to));
  expect(problems).toHaveLength(1);
  expect(problems[0]).toContain(expected);
});

it("fails a template that reads the host's keys", () => {
  const problems = hostingProblems(
    broken(
      "main.bicep",
      "output AZURE_LOCATION",
      "output k string = listKeys('x', '2024-04-01').masterKey\noutput AZURE_LOCATION",
    ),
  );
  expect(problems).toEqual(["main.bicep reads or manages function or host keys"]);
});
