// The local host prints function logs to a terminal; a data-quality warning that quotes a resource named with ESC
// sequences must reach it with those characters escaped, line breaks kept.
import { afterEach, describe, expect, it, vi } from "vitest";
import { consoleHostLog } from "../../src/host/host-log";

describe("consoleHostLog", () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(["info", "warn", "error"] as const)("%s escapes control characters and keeps line breaks", (level) => {
    const method = level === "info" ? "log" : level;
    const printed: unknown[] = [];
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(...args));
    consoleHostLog[level](
      "data quality: /subscriptions/s/.../mi\u001b[2J\u001b]0;x\u0007: location\nsecond \u009b line",
    );
    expect(printed).toEqual([
      "data quality: /subscriptions/s/.../mi\\x1b[2J\\x1b]0;x\\x07: location\nsecond \\u009b line",
    ]);
  });
});
