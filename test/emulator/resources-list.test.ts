// ARM's resources list as the emulator serves it (GET /subscriptions/{id}/resources, Resources_List 2021-04-01), with
// raw HTTPS and with the real @azure/arm-resources client: `$filter=resourceType eq '…'` (case-insensitive),
// `createdTime` only with `$expand=createdTime`, paging by `nextLink`, and ARM's errors for what it refuses. Resource
// Graph never returns a row's `createdTime`: it has no such column.

import { request } from "node:https";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { ResourceManagementClient } from "@azure/arm-resources";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { restClientOptions } from "../../src/collect/collection-config";
import { EstateFileError, parseEstate } from "../../dev/emulator/estate-file";
import { managedInstanceRow, subscriptionIds, type Row } from "../fixtures/collect/generate-estate";
import { type EmulatorFixture, startConnected } from "../collect/emulator-connection";

const [SUB_A, SUB_B] = subscriptionIds(2) as [string, string];
const MI_TIMES = ["2019-03-01T08:15:00.1234567Z", "2021-11-30T23:59:59Z"];

function vnetRow(subscription: string, index: number): Row {
  return {
    id: `/subscriptions/${subscription}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-${index}`,
    name: `vnet-${index}`,
    type: "microsoft.network/virtualnetworks",
    location: "westeurope",
    subscriptionId: subscription,
    resourceGroup: "rg-net",
    tags: { env: "test" },
    properties: { provisioningState: "Succeeded", addressSpace: { addressPrefixes: [`10.${index}.0.0/16`] } },
    createdTime: `2020-0${1 + (index % 9)}-15T10:00:00Z`,
  };
}

/** Two MIs with creation times and five VNets in A; one MI without a creation time in B. */
function estateDocument(): { data: Row[] } {
  return {
    data: [
      { ...managedInstanceRow(SUB_A, 1), createdTime: MI_TIMES[0] },
      { ...managedInstanceRow(SUB_A, 2), createdTime: MI_TIMES[1] },
      ...[1, 2, 3, 4, 5].map((index) => vnetRow(SUB_A, index)),
      managedInstanceRow(SUB_B, 3),
    ],
  };
}

let fixture: EmulatorFixture;
beforeAll(async () => {
  fixture = await startConnected({ estate: estateDocument(), armPageSize: 2 });
});
afterAll(() => fixture.emulator.close());

interface RawAnswer {
  status: number;
  headers: Record<string, unknown>;
  body: any;
}

/** A raw GET, so the query string and headers can be anything. */
function rawGet(
  pathAndQuery: string,
  headers: Record<string, string> = { authorization: "Bearer t" },
  target: EmulatorFixture = fixture,
) {
  const url = new URL(pathAndQuery, target.emulator.url);
  return new Promise<RawAnswer>((resolve, reject) => {
    const req = request(url, { method: "GET", ca: target.emulator.caPem, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

const listPath = (subscription: string, query: string) =>
  `/subscriptions/${subscription}/resources?${query}&api-version=2021-04-01`;
const miFilter = `$filter=${encodeURIComponent("resourceType eq 'Microsoft.Sql/managedInstances'")}`;

describe("the resources list", () => {
  it("lists one type with $expand=createdTime: ARM's item shape, the type in ARM's spelling, no properties", async () => {
    const answer = await rawGet(listPath(SUB_A, `${miFilter}&$expand=createdTime`));
    expect(answer.status).toBe(200);
    expect(answer.body.nextLink).toBeUndefined();
    expect(answer.body.value).toEqual(
      [1, 2].map((index, at) => ({
        id: managedInstanceRow(SUB_A, index)["id"],
        name: `mi-${index}`,
        type: "Microsoft.Sql/managedInstances",
        location: "westeurope",
        tags: {},
        createdTime: MI_TIMES[at],
      })),
    );
  });

  it("gives no createdTime without $expand, and none for a row the estate gives none", async () => {
    const plain = await rawGet(listPath(SUB_A, miFilter));
    expect(plain.body.value).toHaveLength(2);
    for (const item of plain.body.value) expect(item).not.toHaveProperty("createdTime");
    const withoutTime = await rawGet(listPath(SUB_B, `${miFilter}&$expand=createdTime`));
    expect(withoutTime.body.value).toEqual([expect.not.objectContaining({ createdTime: expect.anything() })]);
    expect(withoutTime.body.value[0].name).toBe("mi-3");
  });

  it("compares the filter's type case-insensitively", async () => {
    const filter = encodeURIComponent("resourcetype EQ 'MICROSOFT.SQL/managedinstances'");
    const answer = await rawGet(listPath(SUB_A, `$filter=${filter}`));
    expect(answer.status).toBe(200);
    expect(answer.body.value.map((item: any) => item.name)).toEqual(["mi-1", "mi-2"]);
  });

  it("pages by nextLink, which carries the query and leads through every item once", async () => {
    const filter = encodeURIComponent("resourceType eq 'Microsoft.Network/virtualNetworks'");
    let next: string | undefined = listPath(SUB_A, `$filter=${filter}&$expand=createdTime`);
    const pages: any[][] = [];
    while (next !== undefined) {
      const answer = await rawGet(next);
      expect(answer.status).toBe(200);
      pages.push(answer.body.value);
      next = answer.body.nextLink;
      if (next !== undefined) {
        expect(next.startsWith(`${fixture.emulator.url}/subscriptions/${SUB_A}/resources?`)).toBe(true);
        expect(new URL(next).searchParams.get("$filter")).toBe("resourceType eq 'Microsoft.Network/virtualNetworks'");
        expect(new URL(next).searchParams.get("api-version")).toBe("2021-04-01");
      }
    }
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat().map((item) => item.name)).toEqual(["vnet-1", "vnet-2", "vnet-3", "vnet-4", "vnet-5"]);
    expect(pages.flat().every((item) => item.type === "Microsoft.Network/virtualNetworks")).toBe(true);
    expect(pages.flat().map((item) => item.createdTime)).toEqual(
      [1, 2, 3, 4, 5].map((i) => vnetRow(SUB_A, i)["createdTime"]),
    );
  });

  it("is read page by page by the real SDK client, createdTime as a date", async () => {
    const client = new ResourceManagementClient(fixture.connection.credential, SUB_A, {
      ...restClientOptions(fixture.connection),
      apiVersion: "2021-04-01",
    });
    const items = [];
    let pages = 0;
    for await (const page of client.resources
      .list({ filter: "resourceType eq 'Microsoft.Network/virtualNetworks'", expand: "createdTime" })
      .byPage()) {
      pages += 1;
      items.push(...page);
    }
    expect(pages).toBe(3);
    expect(items.map((item) => item.createdTime?.toISOString())).toEqual(
      [1, 2, 3, 4, 5].map((i) => new Date(String(vnetRow(SUB_A, i)["createdTime"])).toISOString()),
    );
  });

  it.each([
    ["a filter on another property", "name eq 'mi-1'"],
    ["a substring filter", "substringof('mi', name)"],
    ["two types joined by or", "resourceType eq 'Microsoft.Sql/managedInstances' or resourceType eq 'x/y'"],
    ["the prefix repeated in the value", "$filter=resourceType eq 'Microsoft.Sql/managedInstances'"],
  ])("refuses %s with ARM's 400 InvalidFilterInQueryString", async (_what, filter) => {
    const answer = await rawGet(listPath(SUB_A, `$filter=${encodeURIComponent(filter)}`));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: {
        code: "InvalidFilterInQueryString",
        message: `Invalid $filter '${filter}' specified in the query string.`,
      },
    });
  });

  it("answers ARM's errors: no api-version, an unknown subscription, no bearer token, a bad skip token", async () => {
    const noVersion = await rawGet(`/subscriptions/${SUB_A}/resources?${miFilter}`);
    expect(noVersion.status).toBe(400);
    expect(noVersion.body.error.code).toBe("MissingApiVersionParameter");
    const unknown = "00000000-0000-4000-8000-00000000dead";
    const notFound = await rawGet(listPath(unknown, miFilter));
    expect(notFound.status).toBe(404);
    expect(notFound.body.error).toEqual({
      code: "SubscriptionNotFound",
      message: `The subscription '${unknown}' could not be found.`,
    });
    const anonymous = await rawGet(listPath(SUB_A, miFilter), {});
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe("AuthenticationFailed");
    const badToken = await rawGet(listPath(SUB_A, `${miFilter}&$skiptoken=not-a-token`));
    expect(badToken.status).toBe(400);
  });

  it("takes faults and throttling like the other ARM endpoints, matched on the filter", async () => {
    const faulty = await startConnected({
      estate: estateDocument(),
      faults:
        "error:status=429,match=Microsoft.Network/virtualNetworks,times=1;error:status=503,match=managedInstances",
    });
    try {
      const get = (path: string) => rawGet(path, { authorization: "Bearer t" }, faulty);
      const vnetFilter = `$filter=${encodeURIComponent("resourceType eq 'Microsoft.Network/virtualNetworks'")}`;
      const throttled = await get(listPath(SUB_A, vnetFilter));
      expect(throttled.status).toBe(429);
      expect(throttled.headers["retry-after"]).toBe("1");
      expect(throttled.body.error.code).toBe("TooManyRequests");
      expect((await get(listPath(SUB_A, vnetFilter))).status).toBe(200);
      expect((await get(listPath(SUB_A, miFilter))).status).toBe(503);
      expect(faulty.emulator.stats.armLog).toContain(
        `/subscriptions/${SUB_A}/resources?$filter=resourceType eq 'Microsoft.Sql/managedInstances'`,
      );
    } finally {
      await faulty.emulator.close();
    }
  });
});

describe("createdTime and Resource Graph", () => {
  it("is never returned by Resource Graph, projected or not, and the caller's document is left as it was", async () => {
    const document = estateDocument();
    const other = await startConnected({ estate: document });
    try {
      const client = new ResourceGraphClient(other.connection.credential, restClientOptions(other.connection));
      for (const query of [
        "resources | where type =~ 'microsoft.sql/managedinstances'",
        "resources | where type =~ 'microsoft.sql/managedinstances' | project id, createdTime",
      ]) {
        const page = await client.resources({ query, subscriptions: [SUB_A] });
        expect(page.count).toBe(2);
        for (const row of page.data as Row[]) expect(row["createdTime"] ?? undefined).toBeUndefined();
      }
      expect(document.data[0]!["createdTime"]).toBe(MI_TIMES[0]);
    } finally {
      await other.emulator.close();
    }
  });

  it("must be a timestamp string in the estate file", () => {
    const row = { ...managedInstanceRow(SUB_A, 1), createdTime: 20190301 };
    expect(() => parseEstate({ data: [row] })).toThrow(EstateFileError);
    expect(() => parseEstate({ data: [row] })).toThrow(/data\[0\]\.createdTime: expected an ISO 8601 timestamp/);
    expect(() => parseEstate({ data: [{ ...row, createdTime: "yesterday" }] })).toThrow(/data\[0\]\.createdTime/);
  });
});
