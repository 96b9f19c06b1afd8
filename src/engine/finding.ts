// The finding: one rule's verdict on one resource, in the shape the CLI, the store and the API all share.
import type { Evidence, Severity, Status } from "../rules/rule";

export interface Finding {
  ruleId: string;
  resourceId: string;
  resourceName: string;
  resourceType: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  status: Status;
  severity: Severity;
  title: string;
  message: string;
  evidence: Evidence;
  /**
   * The resource's ARM tags, copied from the estate when it has any (absent otherwise). Alert routing matches on
   * them; they describe the resource, not the verdict, so they are kept apart from `evidence`.
   */
  tags?: Record<string, string>;
}
