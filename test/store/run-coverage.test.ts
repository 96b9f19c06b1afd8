import { describe, expect, it } from "vitest";
import { scopeCoverage, unionCoverage } from "../../src/store/run-coverage";
import { SUB_A, SUB_B } from "./fixtures";

describe("scopeCoverage", () => {
  it.each<[string, string | undefined, boolean, boolean]>([
    [
      "a subscription list covers its subscriptions, whatever their case",
      `subscriptions:${SUB_A.toUpperCase()}`,
      true,
      false,
    ],
    ["several subscriptions", `subscriptions:${SUB_A},${SUB_B}`, true, true],
    ["the tenant covers everything", "tenant", true, true],
    ["management groups may hold any subscription", "managementGroups:mg-prod", true, true],
    ["snapshot files may hold any subscription", "snapshot:estate.json", true, true],
    ["no recorded scope is taken to cover everything", undefined, true, true],
    ["an empty subscription list is not trusted to be narrow", "subscriptions:", true, true],
  ])("%s", (_label, scope, coversA, coversB) => {
    const covers = scopeCoverage(scope);
    expect([covers(SUB_A), covers(SUB_B)]).toEqual([coversA, coversB]);
  });
});

describe("unionCoverage", () => {
  it("covers nothing without runs, and what any of the runs covers", () => {
    expect(unionCoverage([])(SUB_A)).toBe(false);
    const union = unionCoverage([`subscriptions:${SUB_A}`, `subscriptions:${SUB_A}`]);
    expect([union(SUB_A), union(SUB_B)]).toEqual([true, false]);
    expect(unionCoverage([`subscriptions:${SUB_A}`, "tenant"])(SUB_B)).toBe(true);
  });
});
