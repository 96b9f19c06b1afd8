// Larger estates for the fan-out tests, built from the sample: `groups` copies of it, each with its three subscriptions
// renamed (in every id and reference), so cross-subscription peerings, hub gateways and connectivity circuits repeat
// in every copy. Deterministic, and the verdicts of each copy are the sample's.
import { readFileSync } from "node:fs";
import { SAMPLE } from "../support/run-cli";

type Row = Record<string, unknown>;

const SAMPLE_SUBSCRIPTIONS = [
  "6b1c0d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
  "7c2d1e4f-5a6b-4c7d-9e8f-0a1b2c3d4e5f",
  "8d3e2f5a-6b7c-4d8e-8f9a-1b2c3d4e5f60",
];

export function replicatedSubscription(group: number, index: number): string {
  return `5ab5${String(group).padStart(4, "0")}-0000-4000-8000-${String(index).padStart(12, "0")}`;
}

export function replicatedSample(groups: number): { data: Row[] } {
  const rows = (JSON.parse(readFileSync(SAMPLE, "utf8")) as { data: Row[] }).data;
  const text = JSON.stringify(rows);
  const data: Row[] = [];
  for (let group = 0; group < groups; group += 1) {
    let copy = text;
    SAMPLE_SUBSCRIPTIONS.forEach((subscription, index) => {
      copy = copy.replace(new RegExp(subscription, "gi"), replicatedSubscription(group, index));
    });
    data.push(...(JSON.parse(copy) as Row[]));
  }
  return { data };
}
