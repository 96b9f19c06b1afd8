// Identity-based storage (AzureWebJobsStorage__accountName) in each cloud: the account name becomes the table and queue
// endpoints with the cloud's storage suffix (AUDIT_CLOUD; suffixes as Get-AzEnvironment's StorageEndpointSuffix lists
// them on docs.azure.cn, "Manage Storage in the Azure independent clouds"). Explicit service URIs win.
import { describe, expect, it } from "vitest";
import { parseQueues, parseTables } from "../../src/app/app-settings";
import { AuditorError } from "../../src/errors";

const ACCOUNT = { AzureWebJobsStorage__accountName: "stmiaudit01" };

function endpoints(env: Record<string, string>): { table: string; queue: string } {
  const tables = parseTables(env);
  const queues = parseQueues(env);
  if (!("accountUrl" in tables) || !("queueServiceUrl" in queues)) throw new Error("expected identity-based storage");
  return { table: tables.accountUrl, queue: queues.queueServiceUrl };
}

describe("identity-based storage endpoints", () => {
  it.each([
    [undefined, "core.windows.net"],
    ["AzureCloud", "core.windows.net"],
    ["AzureUSGovernment", "core.usgovcloudapi.net"],
    ["AzureChinaCloud", "core.chinacloudapi.cn"],
  ])("AUDIT_CLOUD=%s: the account's endpoints end in %s", (cloud, suffix) => {
    const env = { ...ACCOUNT, ...(cloud !== undefined ? { AUDIT_CLOUD: cloud } : {}) };
    expect(endpoints(env)).toEqual({
      table: `https://stmiaudit01.table.${suffix}`,
      queue: `https://stmiaudit01.queue.${suffix}`,
    });
  });

  it("explicit service URIs win over the account name and the cloud", () => {
    const env = {
      ...ACCOUNT,
      AUDIT_CLOUD: "AzureUSGovernment",
      AzureWebJobsStorage__tableServiceUri: "https://tables.example.net",
      AzureWebJobsStorage__queueServiceUri: "https://queues.example.net",
    };
    expect(endpoints(env)).toEqual({ table: "https://tables.example.net", queue: "https://queues.example.net" });
  });

  it("one explicit URI leaves the other service on the account in the configured cloud", () => {
    const env = {
      ...ACCOUNT,
      AUDIT_CLOUD: "AzureChinaCloud",
      AzureWebJobsStorage__queueServiceUri: "https://queues.example.net",
    };
    expect(endpoints(env)).toEqual({
      table: "https://stmiaudit01.table.core.chinacloudapi.cn",
      queue: "https://queues.example.net",
    });
  });

  it.each([
    [{ ...ACCOUNT, AUDIT_CLOUD: "AzureGermanCloud" }, /^AUDIT_CLOUD: /],
    [
      { AzureWebJobsStorage__accountName: "St-MiAudit" },
      /^AzureWebJobsStorage__accountName: expected a storage account name/,
    ],
    [
      { AzureWebJobsStorage__accountName: "evil.example.net/x" },
      /^AzureWebJobsStorage__accountName: expected a storage/,
    ],
  ])("%j is refused, naming the setting", (env, pattern) => {
    let message = "";
    try {
      parseTables(env);
    } catch (error) {
      if (!(error instanceof AuditorError)) throw error;
      message = error.message;
    }
    expect(message).toMatch(pattern);
  });
});
