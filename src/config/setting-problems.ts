// Settings that are invalid, collected instead of thrown: what /api/health reports, so one bad value never hides
// behind an app that will not start. Messages come from the declared types, which never quote a secret's value.
import { AuditorError } from "../errors";
import { isDeclaredSetting, readSetting, SETTINGS, type SettingName, type SettingValue } from "./settings-catalog";
import type { SettingEnv } from "./setting-declaration";

export interface SettingProblem {
  setting: string;
  problem: string;
}

/** Every declared setting whose value does not parse, in the catalog's order. */
export function settingProblems(env: SettingEnv): SettingProblem[] {
  const problems: SettingProblem[] = [];
  for (const name of Object.keys(SETTINGS)) {
    if (!isDeclaredSetting(name)) continue;
    const problem = problemOf(() => readSetting(env, name));
    if (problem !== undefined) problems.push(problem);
  }
  return problems;
}

/**
 * A setting the app can run without getting right (it has a default): an invalid value is reported through `report`
 * and the default is used, so the rest of the app keeps working.
 */
export function readSettingOrDefault<K extends SettingName>(
  env: SettingEnv,
  name: K,
  report: (problem: SettingProblem) => void = () => undefined,
): SettingValue<K> {
  try {
    return readSetting(env, name);
  } catch (error) {
    const problem = problemOf(() => {
      throw error;
    });
    if (problem === undefined) throw error;
    report(problem);
    return readSetting({}, name);
  }
}

/** The setting a configuration error names (`NAME: problem`), split; anything else is rethrown. */
export function problemOf(read: () => unknown): SettingProblem | undefined {
  try {
    read();
    return undefined;
  } catch (error) {
    if (!(error instanceof AuditorError) || error.code !== "CONFIG_INVALID") throw error;
    // `NAME: …`, or a route's `ALERT_ROUTES[0] (dba): …`; a sentence such as "Storage is not configured: …" names none.
    const match = /^([A-Za-z_][\w.]*(?:\[\d+\])?(?: \([^)]*\))?): (.*)$/s.exec(error.message);
    return match !== null
      ? { setting: match[1]!, problem: match[2]! }
      : { setting: "(configuration)", problem: error.message };
  }
}
