import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isUsageError } from "../../src/errors";
import {
  buildArmConnection,
  CollectionConfigError,
  type ConnectionSettings,
  FixedTokenCredential,
  validateScope,
} from "../../src/collect/collection-config";

const directory = mkdtempSync(join(tmpdir(), "mi-audit-config-"));
const caFile = join(directory, "ca.pem");
writeFileSync(caFile, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
const notPem = join(directory, "not.pem");
writeFileSync(notPem, "hello");

function configError(build: () => unknown): CollectionConfigError {
  try {
    build();
  } catch (error) {
    if (error instanceof CollectionConfigError) return error;
    throw error;
  }
  throw new Error("expected a CollectionConfigError");
}

describe("buildArmConnection", () => {
  it.each([
    ["AzureCloud", "https://management.azure.com"],
    ["AzureUSGovernment", "https://management.usgovcloudapi.net"],
    ["azurechinacloud", "https://management.chinacloudapi.cn"],
  ])("maps %s to its ARM endpoint and token scope", (cloud, endpoint) => {
    const connection = buildArmConnection({ cloud, credential: new FixedTokenCredential("t") });
    expect(connection.endpoint).toBe(endpoint);
    expect(connection.scopes).toEqual([`${endpoint}/.default`]);
    expect(connection.tlsOptions).toBeUndefined();
  });

  it("uses the endpoint override with the CA file and a fixed token", async () => {
    const connection = buildArmConnection({
      armEndpoint: "https://127.0.0.1:8443/",
      armCaFile: caFile,
      armToken: "local",
    });
    expect(connection.endpoint).toBe("https://127.0.0.1:8443");
    expect(connection.tlsOptions?.ca).toContain("BEGIN CERTIFICATE");
    expect((await connection.credential.getToken([]))?.token).toBe("local");
  });

  it.each<[string, ConnectionSettings, string, RegExp]>([
    [
      "an override without a CA file",
      { armEndpoint: "https://127.0.0.1:8443" },
      "armCaFile",
      /required when armEndpoint is set/,
    ],
    ["a CA file without an override", { armCaFile: caFile }, "armCaFile", /only used with armEndpoint/],
    [
      "an unreadable CA file",
      { armEndpoint: "https://127.0.0.1:8443", armCaFile: join(directory, "missing.pem") },
      "armCaFile",
      /cannot read .*missing\.pem/,
    ],
    [
      "a CA file without a certificate",
      { armEndpoint: "https://127.0.0.1:8443", armCaFile: notPem },
      "armCaFile",
      /holds no PEM certificate/,
    ],
    [
      "a plain http endpoint",
      { armEndpoint: "http://127.0.0.1:8080", armCaFile: caFile },
      "armEndpoint",
      /must use https/,
    ],
    [
      "an endpoint that is no URL",
      { armEndpoint: "localhost:8443", armCaFile: caFile },
      "armEndpoint",
      /is not a URL|must use https/,
    ],
    ["an unknown cloud", { cloud: "AzureGermanCloud" }, "cloud", /AzureCloud, AzureUSGovernment, AzureChinaCloud/],
  ])("rejects %s, naming the setting", (_what, settings, setting, message) => {
    const error = configError(() => buildArmConnection(settings));
    expect(isUsageError(error)).toBe(true);
    expect(error.setting).toBe(setting);
    expect(error.message).toMatch(new RegExp(`^${setting}: `));
    expect(error.message).toMatch(message);
  });
});

describe("validateScope", () => {
  it("normalises subscription ids and drops duplicates and blanks", () => {
    expect(
      validateScope({
        subscriptions: [" 5F1D0C2A-1111-4111-8111-11111111AAAA", "5f1d0c2a-1111-4111-8111-11111111aaaa", ""],
      }),
    ).toEqual({
      subscriptions: ["5f1d0c2a-1111-4111-8111-11111111aaaa"],
      managementGroups: undefined,
    });
    expect(validateScope({})).toEqual({ subscriptions: undefined, managementGroups: undefined });
  });

  it.each<[string, Parameters<typeof validateScope>[0], string, RegExp]>([
    [
      "a subscription that is not a GUID",
      { subscriptions: ["prod"] },
      "subscriptions",
      /not a subscription id \(GUID\): 'prod'/,
    ],
    [
      "a GUID with a stray character",
      { subscriptions: ["5f1d0c2a-1111-4111-8111-11111111aaaz"] },
      "subscriptions",
      /11111111aaaz/,
    ],
    ["a management group name with a slash", { managementGroups: ["mg/prod"] }, "managementGroups", /'mg\/prod'/],
    [
      "both scopes at once",
      { subscriptions: ["5f1d0c2a-1111-4111-8111-11111111aaaa"], managementGroups: ["mg"] },
      "subscriptions",
      /either/,
    ],
  ])("rejects %s", (_what, scope, setting, message) => {
    const error = configError(() => validateScope(scope));
    expect(error.setting).toBe(setting);
    expect(error.message).toMatch(message);
  });
});
