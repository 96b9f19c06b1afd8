// `npm run emulator -- --estate FILE [--port N] [--quota N] [--window-ms N] [--faults SPEC]
//                      [--subscription-limit N] [--max-response-bytes N] [--management-groups FILE] [--seed N]
//                      [--arm-page-size N]`
// --max-response-bytes (or EMULATOR_MAX_RESPONSE_BYTES) lowers Resource Graph's 16 MiB response limit, to try a
// collector's ResponsePayloadTooLarge handling on a small estate.
// Serves the estate until Ctrl-C and prints the endpoint and CA file to give `mi-audit scan`.

import { startEmulator } from "./emulator";
import { errorMessage } from "../../src/errors";

interface Arguments {
  estate?: string;
  port?: number;
  quota?: number;
  windowMs?: number;
  faults?: string;
  subscriptionLimit?: number;
  maxResponseBytes?: number;
  managementGroups?: string;
  seed?: number;
  armPageSize?: number;
}

const USAGE =
  "usage: npm run emulator -- --estate FILE [--port N] [--quota N] [--window-ms N] [--faults SPEC] " +
  "[--subscription-limit N] [--max-response-bytes N] [--management-groups FILE] [--seed N] [--arm-page-size N]";

function parseArguments(argv: string[]): Arguments {
  const result: Arguments = {};
  for (let index = 0; index < argv.length; index += 1) {
    const flag = argv[index];
    const value = argv[index + 1];
    if (flag === "--help" || flag === "-h") {
      console.log(USAGE);
      process.exit(0);
    }
    if (value === undefined) throw new Error(`${flag} needs a value`);
    index += 1;
    const number = (): number => {
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${flag} needs a whole number, got '${value}'`);
      return parsed;
    };
    switch (flag) {
      case "--estate":
        result.estate = value;
        break;
      case "--port":
        result.port = number();
        break;
      case "--quota":
        result.quota = number();
        break;
      case "--window-ms":
        result.windowMs = number();
        break;
      case "--faults":
        result.faults = value;
        break;
      case "--subscription-limit":
        result.subscriptionLimit = number();
        break;
      case "--max-response-bytes":
        result.maxResponseBytes = number();
        break;
      case "--management-groups":
        result.managementGroups = value;
        break;
      case "--seed":
        result.seed = number();
        break;
      case "--arm-page-size":
        result.armPageSize = number();
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return result;
}

async function main(): Promise<void> {
  let args: Arguments;
  try {
    args = parseArguments(process.argv.slice(2));
    if (args.estate === undefined) throw new Error("--estate is required");
    const fromEnvironment = process.env["EMULATOR_MAX_RESPONSE_BYTES"];
    if (args.maxResponseBytes === undefined && fromEnvironment !== undefined && fromEnvironment !== "") {
      const bytes = Number(fromEnvironment);
      if (!Number.isInteger(bytes) || bytes < 1)
        throw new Error(`EMULATOR_MAX_RESPONSE_BYTES needs a whole number of bytes ≥ 1, got '${fromEnvironment}'`);
      args.maxResponseBytes = bytes;
    }
    if (args.maxResponseBytes === 0) throw new Error("--max-response-bytes needs a whole number ≥ 1, got '0'");
    if (args.armPageSize === 0) throw new Error("--arm-page-size needs a whole number ≥ 1, got '0'");
  } catch (error) {
    console.error(`${errorMessage(error)}\n${USAGE}`);
    process.exit(2);
  }
  const emulator = await startEmulator({
    estate: args.estate,
    sideFile: args.managementGroups,
    port: args.port,
    quota: { limit: args.quota, windowMs: args.windowMs },
    limits: { subscriptionLimit: args.subscriptionLimit, maxResponseBytes: args.maxResponseBytes },
    faults: args.faults,
    seed: args.seed,
    armPageSize: args.armPageSize,
  });
  console.log(`Resource Graph and ARM emulator serving ${args.estate}`);
  console.log(`  endpoint: ${emulator.url}`);
  console.log(`  CA file:  ${emulator.caFile}`);
  console.log(`  try:      mi-audit scan --arm-endpoint ${emulator.url} --arm-ca ${emulator.caFile}`);
  console.log("Ctrl-C to stop.");
  const stop = async () => {
    await emulator.close();
    const { stats } = emulator;
    console.log(
      `\nserved ${stats.requests} requests (${stats.resourceGraphRequests} Resource Graph, ${stats.armRequests} ARM), sent ${stats.throttled} 429s`,
    );
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

main().catch((error: unknown) => {
  console.error(errorMessage(error));
  process.exit(1);
});
