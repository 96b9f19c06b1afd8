// Where the local host writes: a sink of lines. The console by default; tests pass their own to read what was said.
import { terminalLines } from "../report/terminal-text";

export interface HostLog {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

// Function logs quote Azure text (the audit's data-quality warnings name resources and values), and this sink is a
// terminal: control characters are shown as escapes, not obeyed (see terminal-text.ts). Line breaks are kept.
export const consoleHostLog: HostLog = {
  info: (line) => console.log(terminalLines(line)),
  warn: (line) => console.warn(terminalLines(line)),
  error: (line) => console.error(terminalLines(line)),
};

/** The `[2025-01-01T00:00:00.000Z]` prefix Core Tools puts on host and function log lines. */
export function stamp(line: string): string {
  return `[${new Date().toISOString()}] ${line}`;
}
