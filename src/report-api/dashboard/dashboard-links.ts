// The dashboard's links. All are relative to /api/dashboard, so they work under any host name or prefix, and all
// carry the function key (`code`) when the page was opened with one, so they keep working behind function-key auth.
import { encodeResourceId } from "../resource-id";

export class DashboardLinks {
  /** `base`: the way back to /api from the page, "../" for a page one level down (/api/dashboard/compliance). */
  constructor(
    private readonly functionKey: string | undefined,
    private readonly base = "",
  ) {}

  get code(): string | undefined {
    return this.functionKey;
  }

  dashboard(params: Record<string, string | undefined> = {}): string {
    return this.build("dashboard", params);
  }

  /** The framework view (controls of a run, see compliance-page.ts). */
  compliance(params: Record<string, string | undefined> = {}): string {
    return this.build("dashboard/compliance", params);
  }

  /** The Exceptions page (every stored exception, the latest run's outcome; see exceptions-page.ts). */
  exceptions(params: Record<string, string | undefined> = {}): string {
    return this.build("dashboard/exceptions", params);
  }

  /** One stored exception with its history. */
  exception(id: string): string {
    return this.build("dashboard/exceptions", { id });
  }

  /** GET /api/exceptions (JSON), or one exception with its history. */
  exceptionsData(id?: string): string {
    return this.build(id === undefined ? "exceptions" : `exceptions/${encodeURIComponent(id)}`, {});
  }

  /** GET /api/compliance: the view as JSON, or CSV with format=csv. */
  complianceData(params: Record<string, string | undefined>): string {
    return this.build("compliance", params);
  }

  csv(params: Record<string, string | undefined>): string {
    return this.build("findings", { ...params, format: "csv" });
  }

  /** The dashboard's page for one resource's history. */
  resource(resourceId: string): string {
    return this.build("dashboard", { resource: encodeResourceId(resourceId) });
  }

  /** The JSON history. */
  history(resourceId: string): string {
    return this.build(`resources/${encodeResourceId(resourceId)}/history`, {});
  }

  json(path: "runs" | "rules" | "openapi.json" | `runs/${string}`): string {
    return this.build(path, {});
  }

  private build(path: string, params: Record<string, string | undefined>): string {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== "") query.set(name, value);
    if (this.functionKey !== undefined) query.set("code", this.functionKey);
    const text = query.toString();
    return text === "" ? `${this.base}${path}` : `${this.base}${path}?${text}`;
  }
}
