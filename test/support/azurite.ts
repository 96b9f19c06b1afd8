// Azurite for the tests: Table + Queue (+ Blob) on free loopback ports, disk persistence in a temp dir by default so
// data survives restart(). The process management lives in host/azurite-process.ts, shared with the local host.
export {
  DEV_ACCOUNT,
  DEV_ACCOUNT_KEY,
  freePort,
  startAzurite,
  type Azurite,
  type AzuriteOptions,
  type AzuritePorts,
} from "../../src/host/azurite-process";
