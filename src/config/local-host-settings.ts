// The local host's settings (src/host, `npm start`), part of SETTINGS in settings-catalog.ts: they configure the
// development host only, never an app in Azure, and live in a file of their own so the catalog stays under the file
// size limit.
import { setting } from "./setting-declaration";
import { oneOf, text, wholeNumber, yesNo } from "./setting-types";

export const LOCAL_HOST_SETTINGS = {
  AUDITOR_FUNCTION_KEY: setting({
    group: "host",
    type: text("key"),
    secret: true,
    defaultText: "generated",
    description: "Function key for the key door (`/api/...`). Empty: generated and printed at start.",
  }),
  AUDITOR_ADMIN_KEY: setting({
    group: "host",
    type: text("key"),
    secret: true,
    defaultText: "generated",
    description:
      "The host's master key: accepted wherever a function key is, as in Azure (no route needs it). Empty: generated and printed at start.",
  }),
  PORT: setting({
    group: "host",
    type: wholeNumber(0, 65_535),
    defaultText: "`Host.LocalHttpPort`, else 7071",
    description: "HTTP port; `0` picks a free one.",
  }),
  HOST_FUNCTIONS_DIR: setting({
    group: "host",
    type: text("directory"),
    default: "dist/src/functions",
    description: "Where the function modules are.",
  }),
  HOST_EMULATOR_ESTATE: setting({
    group: "host",
    type: text("file path"),
    default: "samples/estate.json",
    description: "Estate served by the emulator.",
  }),
  HOST_QUEUE_WORKERS: setting({
    group: "host",
    type: wholeNumber(1, 64),
    default: 1,
    description: "Receive loops per queue trigger.",
  }),
  HOST_QUEUE_LEASE_SECONDS: setting({
    group: "host",
    type: wholeNumber(1, 600),
    default: 30,
    description: "Visibility timeout of a received message, renewed at half-time while it runs.",
  }),
  HOST_TIMERS_ON_START: setting({
    group: "host",
    type: yesNo(),
    default: true,
    description: "Fire every timer once at start (a timer's `runOnStartup: false` opts out).",
  }),
  HOST_DRAIN_TIMEOUT_MS: setting({
    group: "host",
    type: wholeNumber(0, 3_600_000),
    default: 30_000,
    description: "How long a stop waits for running invocations, in milliseconds.",
  }),
  HOST_VERBOSE: setting({
    group: "host",
    type: yesNo(),
    default: false,
    description: "Also print `context.trace` / `context.debug`.",
  }),
  HOST_AUTH_MODE: setting({
    group: "host",
    type: oneOf(["keys", "principal"]),
    default: "keys",
    description:
      "`keys`: function keys only; `x-ms-client-principal*` headers a client sends are dropped. `principal`: the host plays App Service Authentication: those headers pass through as if the platform had set them and `WEBSITE_AUTH_ENABLED` is set for the app (tests of roles and the signed-in door `/api/web`). Refused when `WEBSITE_SITE_NAME` is set.",
  }),
};
