// The first-start setting's declaration (docs/operations.md, First start), part of SETTINGS in settings-catalog.ts:
// kept in a file of its own so the catalog stays under the file size limit.
import { setting } from "./setting-declaration";
import { yesNo } from "./setting-types";

export const FIRST_START_SETTINGS = {
  AUDIT_ON_FIRST_START: setting({
    group: "audit",
    type: yesNo(),
    default: true,
    description:
      "When the app starts and no run was ever recorded, request one audit at once (requested by `firstStart`) instead of waiting for `AUDIT_SCHEDULE`; of several instances starting together exactly one requests it. `npm start` honours it too.",
  }),
};
