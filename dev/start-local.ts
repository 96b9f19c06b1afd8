// `npm start`: the local Functions host (src/host/local-host.ts) with the ARM emulator of dev/emulator serving
// HOST_EMULATOR_ESTATE (default samples/estate.json), until Ctrl-C / SIGTERM. The product never imports dev tools, so
// this dev entry point is where the two meet: it hands the host a way to start the emulator.
import { runLocalHost, type ArmEmulatorStarter } from "../src/host/local-host";

export const startArmEmulator: ArmEmulatorStarter = async (estate) => {
  // Loaded only when needed: a snapshot-only start never loads the emulator (or node-forge).
  const { startEmulator } = await import("./emulator/emulator.js");
  return startEmulator({ estate });
};

if (require.main === module) void runLocalHost({ startArmEmulator });
