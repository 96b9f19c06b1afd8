// A finding as a SARIF result: which statuses become results, with what kind and level, where the result is (the
// Azure resource, as a logical and a physical location), its fingerprint, its exception as a suppression, and the
// finding's fields in the property bag.
import { createHash } from "node:crypto";
import type { Finding } from "../engine/finding";
import { isExcepted } from "../engine/exceptions";
import type { Status } from "../rules/rule";
import { armKey } from "../model/arm-id";
import { SARIF_FINGERPRINT_KEY } from "./fingerprint";
import { SARIF_LEVEL, type SarifLevel } from "./sarif-rules";

/**
 * The SARIF `kind` of each status written, and which are written at all. A fail is a `fail` at the rule's level. An
 * unknown (data was missing or malformed) is `open`: SARIF's "evaluated, with insufficient information to decide".
 * An error (the rule threw) is `review`: there is no verdict at all, so a person must look at the resource, and the
 * run's notifications name the rule that failed. Passes and not-applicable results are left out: a SARIF log is a
 * list of problems, and GitHub code scanning closes an alert when a later upload of the same category no longer
 * reports it, which is what a pass means there (`json`, `csv` and `junit` list every result).
 */
export const SARIF_KIND: Readonly<Partial<Record<Status, "fail" | "open" | "review">>> = {
  fail: "fail",
  unknown: "open",
  error: "review",
};

/** The uriBaseId resources' paths are relative to: the Azure Resource Manager endpoint of the audited cloud. */
export const ARM_URI_BASE_ID = "AZURE_RESOURCE_MANAGER";

export function isSarifResult(finding: Pick<Finding, "status">): boolean {
  return SARIF_KIND[finding.status] !== undefined;
}

/** A result's level: the rule's for a failure; SARIF requires `none` for every other kind. */
export function sarifLevel(finding: Pick<Finding, "status" | "severity">): SarifLevel {
  return finding.status === "fail" ? SARIF_LEVEL[finding.severity] : "none";
}

/**
 * The resource's path for `artifactLocation.uri`: its ARM id, case-folded (`/Subscriptions/A/...` and
 * `/subscriptions/a/...` are one resource, and GitHub matches alerts across runs by path), relative to
 * ARM_URI_BASE_ID, each segment percent-encoded so a hostile name stays one valid URI segment.
 */
export function resourceUri(resourceId: string): string {
  const key = armKey(resourceId);
  const uri = key
    .slice(1)
    .split("/")
    .map((segment) => encodeURIComponent(wellFormed(segment)))
    .join("/");
  if (uri.length <= URI_MAX) return uri;
  // No ARM id is this long; a hostile one is cut (never inside a %XX escape) and keeps a hash of the whole id, so two
  // long ids that share a start stay two paths.
  const head = uri.slice(0, URI_MAX - 20).replace(/%[0-9A-F]?$/, "");
  return `${head}~${createHash("sha256").update(wellFormed(key), "utf8").digest("hex").slice(0, 16)}`;
}

/** Longest `artifactLocation.uri` written (characters). */
const URI_MAX = 2_048;

/** Lone surrogates become U+FFFD: encodeURIComponent throws on them, and a URI cannot carry them. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

/** Longest message and evidence text a result keeps (characters): a hostile value must not make a result huge. */
export const RESULT_TEXT_MAX = 8_192;

export interface SarifResultInput {
  finding: Finding;
  fingerprint: string;
  ruleIndex: number;
  baseline: string;
}

/** The finding as a SARIF result object (only for findings isSarifResult accepts). */
export function sarifResult({ finding, fingerprint, ruleIndex, baseline }: SarifResultInput): Record<string, unknown> {
  const suppression = sarifSuppression(finding);
  return {
    ruleId: finding.ruleId,
    ruleIndex,
    kind: SARIF_KIND[finding.status],
    level: sarifLevel(finding),
    message: { text: limitText(finding.message) },
    locations: [resourceLocation(finding)],
    partialFingerprints: {
      [SARIF_FINGERPRINT_KEY]: fingerprint,
      // GitHub matches results across uploads by this key alone, and upload-sarif can only compute it from a source
      // file's lines; a resource has none, so it gets the finding's own fingerprint.
      primaryLocationLineHash: fingerprint,
    },
    fingerprints: { [SARIF_FINGERPRINT_KEY]: fingerprint },
    ...(suppression === undefined ? {} : { suppressions: [suppression] }),
    properties: resultProperties(finding, baseline),
  };
}

function resourceLocation(finding: Finding): Record<string, unknown> {
  return {
    // GitHub refuses a whole upload when a result has no physical location: the resource is the artifact.
    physicalLocation: { artifactLocation: { uri: resourceUri(finding.resourceId), uriBaseId: ARM_URI_BASE_ID } },
    logicalLocations: [{ fullyQualifiedName: finding.resourceId, name: finding.resourceName, kind: "resource" }],
  };
}

/**
 * An exception in force on the result (an accepted risk, from a file, the store or an Azure Policy exemption) is an
 * `external` suppression, `accepted`. An expired one is not: the result counts again, and its properties say which
 * exception lapsed.
 */
function sarifSuppression(finding: Finding): Record<string, unknown> | undefined {
  const exception = finding.exception;
  if (exception === undefined || !isExcepted(finding)) return undefined;
  return {
    kind: "external",
    status: "accepted",
    justification: limitText(exception.justification),
    properties: {
      id: exception.id,
      source: exception.source,
      approvedBy: exception.approvedBy,
      ...(exception.expiresOn === undefined ? {} : { expiresOn: exception.expiresOn }),
      ...(exception.ticket === undefined ? {} : { ticket: exception.ticket }),
    },
  };
}

function resultProperties(finding: Finding, baseline: string): Record<string, unknown> {
  const evidence = JSON.stringify(finding.evidence);
  return {
    status: finding.status,
    severity: finding.severity,
    title: finding.title,
    resourceId: finding.resourceId,
    resourceName: finding.resourceName,
    resourceType: finding.resourceType,
    subscriptionId: finding.subscriptionId,
    resourceGroup: finding.resourceGroup,
    location: finding.location,
    baseline,
    // Evidence larger than a result may carry is kept as the start of its JSON text, marked as cut.
    evidence:
      evidence.length <= RESULT_TEXT_MAX
        ? finding.evidence
        : { truncated: true, json: limitText(evidence), length: evidence.length },
    ...(finding.exception === undefined ? {} : { exception: finding.exception }),
  };
}

/** `text` cut to RESULT_TEXT_MAX characters (never inside a surrogate pair), marked as cut. */
export function limitText(text: string): string {
  if (text.length <= RESULT_TEXT_MAX) return text;
  let end = RESULT_TEXT_MAX - 40;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}… [cut: ${text.length} characters in all]`;
}
