// Test plumbing: start an emulator and connect the real SDK clients to it.

import { afterEach } from "vitest";
import { type ArmConnection, buildArmConnection } from "../../src/collect/collection-config";
import type { ResourceRow } from "../../src/model/row";
import { type EmulatorOptions, type RunningEmulator, startEmulator } from "../../dev/emulator/emulator";

export interface EmulatorFixture {
  emulator: RunningEmulator;
  connection: ArmConnection;
}

export async function startConnected(options: EmulatorOptions): Promise<EmulatorFixture> {
  const emulator = await startEmulator(options);
  return { emulator, connection: buildArmConnection({ armEndpoint: emulator.url, armCaFile: emulator.caFile }) };
}

/** For a test file: a `start` that connects to a new emulator, each closed after its test. */
export function emulatorPerTest(): (options: EmulatorOptions) => Promise<EmulatorFixture> {
  let running: RunningEmulator[] = [];
  afterEach(async () => {
    await Promise.all(running.map((emulator) => emulator.close()));
    running = [];
  });
  return async (options) => {
    const fixture = await startConnected(options);
    running.push(fixture.emulator);
    return fixture;
  };
}

/** A row sink that keeps every row, and how many pages brought them. */
export function rowCollector(): { rows: ResourceRow[]; pages: number; sink: (rows: ResourceRow[]) => void } {
  const collected = { rows: [] as ResourceRow[], pages: 0, sink: (_rows: ResourceRow[]) => {} };
  collected.sink = (rows) => {
    collected.pages += 1;
    collected.rows.push(...rows);
  };
  return collected;
}

/** Fast retries for tests: the policy's shape, not its production delays. */
export const FAST_RETRY = {
  baseDelayMs: 5,
  maxDelayMs: 50,
  maxRetries: 4,
  maxRetryTimeMs: 10_000,
  requestTimeoutMs: 5_000,
};
