// The Azure Developer CLI files: azure.yaml describes one Functions service that azd builds with the project's own
// `npm run package` (read against azd's schema, Azure/azure-dev schemas/v1.0/azure.yaml.json), main.parameters.json
// maps azd's environment onto main.bicep's parameters, and the prepackage hook unpacks the zip azd deploys.
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { beforeAll, describe, expect, it } from "vitest";
import type { Parser } from "web-tree-sitter";
import { parse } from "yaml";
import { ZipFile } from "yazl";
import { bicepParser } from "../support/bicep-parser";
import { INFRA, parseBicep, stringValue, type BicepFile } from "./bicep-template";
import { documentedRoleIds } from "./role-checks";

const REPO = join(__dirname, "..", "..");

interface Hook {
  shell?: string;
  run?: string;
  windows?: Hook;
}
interface AzureYaml {
  name: string;
  infra?: { provider?: string; path?: string };
  services: Record<
    string,
    {
      project: string;
      language: string;
      host: string;
      dist?: string;
      remoteBuild?: boolean;
      hooks?: Record<string, Hook>;
    }
  >;
}

const azureYaml = parse(readFileSync(join(REPO, "azure.yaml"), "utf8")) as AzureYaml;
const manifest = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: Record<string, string> };

let main: BicepFile;
beforeAll(async () => {
  const parser: Parser = await bicepParser();
  main = parseBicep(parser, "main.bicep", readFileSync(join(INFRA, "main.bicep"), "utf8"));
});

describe("azure.yaml", () => {
  const services = Object.entries(azureYaml.services);
  const service = services[0]![1];

  it("has one Functions service in TypeScript at the project root, provisioned from infra/main.bicep", () => {
    expect(services).toHaveLength(1);
    expect(service).toMatchObject({ project: ".", language: "ts", host: "function", remoteBuild: false });
    expect(azureYaml.infra).toMatchObject({ provider: "bicep", path: "infra" });
  });

  it("builds with npm ci and the project's package script, and deploys the unpacked package", () => {
    expect(manifest.scripts.package).toContain("npm run build");
    const hook = service.hooks?.prepackage;
    for (const run of [hook?.run, hook?.windows?.run]) {
      expect(run).toMatch(/npm ci.*npm run package.*node infra\/hooks\/unpack-package\.mjs/);
    }
    expect(readFileSync(join(INFRA, "hooks", "unpack-package.mjs"), "utf8")).toContain(
      `resolve(${service
        .dist!.split("/")
        .map((part) => JSON.stringify(part))
        .join(", ")})`,
    );
  });
});

describe("main.parameters.json", () => {
  const file = JSON.parse(readFileSync(join(INFRA, "main.parameters.json"), "utf8")) as {
    parameters: Record<string, { value: unknown }>;
  };

  it("names only main.bicep's parameters, gives every one without a default, and takes values from azd's environment", () => {
    const declared = new Set(main.params.map((param) => param.symbol));
    for (const name of Object.keys(file.parameters)) expect(declared, name).toContain(name);
    for (const param of main.params.filter((candidate) => candidate.defaultValue === undefined))
      expect(Object.keys(file.parameters), param.symbol).toContain(param.symbol);
    for (const [name, { value }] of Object.entries(file.parameters))
      expect(value, name).toMatch(/^\$\{[A-Z_]+(=[^}]*)?\}$/);
    expect(file.parameters.environmentName?.value).toBe("${AZURE_ENV_NAME}");
    expect(file.parameters.location?.value).toBe("${AZURE_LOCATION}");
  });
});

describe("the prepackage hook", () => {
  it("unpacks dist/package/mi-exposure-auditor.zip into dist/package/app, replacing what was there", async () => {
    const root = mkdtempSync(join(tmpdir(), "mi-unpack-"));
    try {
      mkdirSync(join(root, "dist", "package", "app"), { recursive: true });
      const stale = join(root, "dist", "package", "app", "stale.js");
      writeFileSync(stale, "old\n");
      const zip = new ZipFile();
      zip.addBuffer(Buffer.from("{}"), "host.json");
      zip.addBuffer(Buffer.from("module.exports = 1;\n"), "dist/src/functions/health.js");
      zip.addBuffer(Buffer.from("{}"), "node_modules/zod/package.json");
      zip.end();
      await pipeline(zip.outputStream, createWriteStream(join(root, "dist", "package", "mi-exposure-auditor.zip")));
      const out = execFileSync("node", [join(INFRA, "hooks", "unpack-package.mjs")], { cwd: root, encoding: "utf8" });
      expect(out).toContain("unpacked 3 files");
      const app = join(root, "dist", "package", "app");
      expect(readdirSync(app, { recursive: true }).map(String).sort()).toEqual(
        [
          "dist",
          "dist/src",
          "dist/src/functions",
          "dist/src/functions/health.js",
          "host.json",
          "node_modules",
          "node_modules/zod",
          "node_modules/zod/package.json",
        ].map((path) => path.split("/").join(sep)),
      );
      expect(readFileSync(join(app, "dist", "src", "functions", "health.js"), "utf8")).toBe("module.exports = 1;\n");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("fails, naming the zip, when npm run package has not written it", () => {
    const root = mkdtempSync(join(tmpdir(), "mi-unpack-"));
    try {
      expect(() =>
        execFileSync("node", [join(INFRA, "hooks", "unpack-package.mjs")], { cwd: root, stdio: "pipe" }),
      ).toThrow(/mi-exposure-auditor\.zip/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe("docs/deployment.md and infra/app-roles.json", () => {
  const page = readFileSync(join(REPO, "docs", "deployment.md"), "utf8");

  it("the parameters table lists every parameter of main.bicep, and only those", () => {
    const section = page.slice(page.indexOf("## Parameters of `infra/main.bicep`"), page.indexOf("### App settings"));
    const listed = [...section.matchAll(/^\| `(\w+)` +\|/gm)].map((match) => match[1]);
    expect(listed.sort()).toEqual(main.params.map((param) => param.symbol).sort());
  });

  it("the least-privilege table names each allowed role with Microsoft's id", () => {
    for (const [name, id] of documentedRoleIds()) expect(page).toMatch(new RegExp(`\\| ${name} \\(\`${id}\`\\)`));
  });

  it("the app registration's roles are the ones main.bicep requires by default", () => {
    const roles = JSON.parse(readFileSync(join(INFRA, "app-roles.json"), "utf8")) as { value: string; id: string }[];
    const defaults = ["readerRole", "adminRole"].map((name) =>
      stringValue(main.params.find((param) => param.symbol === name)?.defaultValue),
    );
    expect(roles.map((role) => role.value)).toEqual(defaults);
    expect(new Set(roles.map((role) => role.id)).size).toBe(roles.length);
  });
});
