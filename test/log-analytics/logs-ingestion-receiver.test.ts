// The local receiver keeps the Logs Ingestion API's contract (learn.microsoft.com, Logs Ingestion API: URI, headers,
// body; service limits: 1 MB a call), called by hand over HTTPS: what a client that is not the SDK would meet.
import { request } from "node:https";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalAudienceCredential } from "../../src/log-analytics/log-analytics-settings";
import type { LogsIngestionReceiver } from "../../dev/logs-ingestion/logs-ingestion-receiver";
import { DCR, startReceiver, STREAM } from "./log-analytics-kit";

let receiver: LogsIngestionReceiver;
let token: string;

beforeAll(async () => {
  receiver = await startReceiver();
  token = (await new LocalAudienceCredential().getToken("https://monitor.azure.com/.default")).token;
});

afterAll(async () => {
  await receiver?.close();
});

const ROW = { TimeGenerated: "2026-12-04T02:00:00Z", RunId: "r", Fingerprint: "f", Status: "fail" };

function post(
  path: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, receiver.url);
    const call = request(
      url,
      { method: "POST", ca: receiver.caPem, headers: { "content-type": "application/json", ...headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            headers: response.headers,
          }),
        );
      },
    );
    call.on("error", reject);
    call.end(body);
  });
}

const path = (dcr = DCR, stream = STREAM, version = "2023-01-01") =>
  `/dataCollectionRules/${dcr}/streams/${stream}?api-version=${version}`;
const auth = () => ({ authorization: `Bearer ${token}` });

describe("the local Logs Ingestion receiver", () => {
  it("takes a JSON array, plain or gzipped, with 204", async () => {
    expect((await post(path(), JSON.stringify([ROW]), auth())).status).toBe(204);
    const gz = await post(path(), gzipSync(JSON.stringify([ROW, ROW])), { ...auth(), "content-encoding": "gzip" });
    expect(gz.status).toBe(204);
  });

  it.each([
    ["no token", path(), {}, 401, "no bearer token"],
    [
      "another audience",
      path(),
      { authorization: "Bearer e30.eyJhdWQiOiJodHRwczovL21hbmFnZW1lbnQuYXp1cmUuY29tIn0." },
      401,
      "audience",
    ],
    ["another api-version", path(DCR, STREAM, "2021-11-01-preview"), null, 400, "api-version"],
    ["an unknown rule", path("dcr-ffffffffffffffffffffffffffffffff"), null, 404, "no data collection rule"],
    ["an unknown stream", path(DCR, "Custom-Other_CL"), null, 400, "no stream Custom-Other_CL"],
    ["another path", "/streams/x?api-version=2023-01-01", null, 404, "no such operation"],
  ])("refuses %s", async (_what, target, headers, status, message) => {
    const answer = await post(target, JSON.stringify([ROW]), headers ?? auth());
    expect(answer.status).toBe(status);
    expect(answer.body).toContain(message);
  });

  it.each([
    ["an object", JSON.stringify(ROW), "JSON array"],
    ["not JSON", "[{", "not JSON"],
    ["an undeclared column", JSON.stringify([{ ...ROW, Title: "reserved" }]), "declares no column Title"],
    ["a value of the wrong type", JSON.stringify([{ ...ROW, Excepted: "yes" }]), "Excepted is not a boolean"],
  ])("answers 400 to a body that is %s", async (_what, body, message) => {
    const answer = await post(path(), body, auth());
    expect(answer.status).toBe(400);
    expect(answer.body).toContain(message);
  });

  it("answers 413 over 1 MB, compressed or once decompressed", async () => {
    const big = JSON.stringify([{ ...ROW, Message: "x".repeat(1_100_000) }]);
    expect((await post(path(), big, auth())).status).toBe(413);
    const zipped = gzipSync(big);
    expect(zipped.length).toBeLessThan(100_000);
    expect((await post(path(), zipped, { ...auth(), "content-encoding": "gzip" })).status).toBe(413);
  });

  it("answers a cued 429 with Retry-After, then serves again", async () => {
    receiver.cue({ status: 429, retryAfter: "7" });
    const throttled = await post(path(), JSON.stringify([ROW]), auth());
    expect(throttled.status).toBe(429);
    expect(throttled.headers["retry-after"]).toBe("7");
    expect((await post(path(), JSON.stringify([ROW]), auth())).status).toBe(204);
  });
});
