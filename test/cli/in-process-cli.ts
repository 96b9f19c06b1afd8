// Runs mi-audit's main() in this process with captured stdout and stderr, so CLI tests exercise the code as it is
// in the tree (the built binary in dist/ may lag behind while several changes are in progress).
import { main } from "../../src/cli/mi-audit";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `mi-audit args...` with the given environment overrides (restored afterwards). */
export async function runMain(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries({ TRUSTED_SOURCE_PREFIXES: "", ...env })) {
    saved.set(name, process.env[name]);
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  let stdout = "";
  let stderr = "";
  try {
    const code = await main(args, {
      stdout: (text) => {
        stdout += text;
        return true;
      },
      stderr: (text) => {
        stderr += text;
      },
      isTty: false,
    });
    return { code, stdout, stderr };
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
