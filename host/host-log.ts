// Where the local host writes: a sink of lines. The console by default; tests pass their own to read what was said.

export interface HostLog {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

export const consoleHostLog: HostLog = {
  info: (line) => console.log(line),
  warn: (line) => console.warn(line),
  error: (line) => console.error(line),
};

/** The `[2025-01-01T00:00:00.000Z]` prefix Core Tools puts on host and function log lines. */
export function stamp(line: string): string {
  return `[${new Date().toISOString()}] ${line}`;
}
