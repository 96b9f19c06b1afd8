// The compliance-framework controls the rules map to, as data: each control is described once here, and a rule only
// references it (steampipe style: a mapping never holds a copy of the control or of its logic).

/**
 * Microsoft cloud security benchmark v1 controls (the ids Defender for Cloud's default initiative groups its policies
 * under, `Azure_Security_Benchmark_v3.0_<id>`). Titles and NIST ids are copied from the control's section on its MCSB
 * page; NIST is reached only through this table, so a rule never lists NIST itself.
 */
export const MCSB_CONTROLS = {
  "NS-1": {
    title: "Establish network segmentation boundaries",
    nist: ["AC-4", "SC-2", "SC-7"],
    url: "https://learn.microsoft.com/security/benchmark/azure/mcsb-network-security#ns-1-establish-network-segmentation-boundaries",
  },
  "NS-2": {
    title: "Secure cloud native services with network controls",
    nist: ["AC-4", "SC-2", "SC-7"],
    url: "https://learn.microsoft.com/security/benchmark/azure/mcsb-network-security#ns-2-secure-cloud-native-services-with-network-controls",
  },
  "NS-9": {
    title: "Connect on-premises or cloud network privately",
    nist: ["CA-3", "AC-17", "AC-4"],
    url: "https://learn.microsoft.com/security/benchmark/azure/mcsb-network-security#ns-9-connect-on-premises-or-cloud-network-privately",
  },
  "DP-3": {
    title: "Encrypt sensitive data in transit",
    nist: ["SC-8"],
    url: "https://learn.microsoft.com/security/benchmark/azure/mcsb-data-protection#dp-3-encrypt-sensitive-data-in-transit",
  },
  "IM-1": {
    title: "Use centralized identity and authentication system",
    nist: ["AC-2", "AC-3", "IA-2", "IA-8"],
    url: "https://learn.microsoft.com/security/benchmark/azure/mcsb-identity-management#im-1-use-centralized-identity-and-authentication-system",
  },
  "LT-4": {
    title: "Enable network logging for security investigation",
    nist: ["AU-3", "AU-6", "AU-12", "SI-4"],
    url: "https://learn.microsoft.com/security/benchmark/azure/mcsb-logging-threat-detection#lt-4-enable-network-logging-for-security-investigation",
  },
  "IM-3": {
    title: "Manage application identities securely and automatically",
    nist: ["AC-2", "AC-3", "IA-4", "IA-5", "IA-9"],
    url: "https://learn.microsoft.com/security/benchmark/azure/mcsb-identity-management#im-3-manage-application-identities-securely-and-automatically",
  },
} as const satisfies Record<string, { title: string; nist: readonly string[]; url: string }>;

export type McsbControlId = keyof typeof MCSB_CONTROLS;

/**
 * Which NIST SP 800-53 revision the ids are: the MCSB v1 pages head the column "NIST SP 800-53 r4 ID(s)". MCSB v2
 * (mcsb-v2-* pages) maps its controls to rev. 5, but those pages could not be read when the catalog was checked
 * (2026-12-04), so the ids stay the v1 pages' r4 ones rather than be guessed.
 */
export const MCSB_NIST_COLUMN = "NIST SP 800-53 r4";

/**
 * CIS Microsoft Azure Foundations Benchmark items, keyed "v<version> <item>". A title only where the mapping table
 * (shared/guidance/FRAMEWORKS.md) names one, in its words.
 */
export const CIS_ITEMS = {
  "v2.0.0 4.1.2": { version: "2.0.0", item: "4.1.2" },
  "v2.0.0 4.1.4": { version: "2.0.0", item: "4.1.4" },
  "v2.0.0 9.5": { version: "2.0.0", item: "9.5" },
  "v2.1.0 9.4": { version: "2.1.0", item: "9.4" },
  "v3.0.0 5.1.2": { version: "3.0.0", item: "5.1.2" },
  "v3.0.0 5.1.4": { version: "3.0.0", item: "5.1.4" },
  "v3.0.0 5.1.7": { version: "3.0.0", item: "5.1.7" },
  "v3.0.0 9.5": { version: "3.0.0", item: "9.5" },
  "v6.0.0 7.11": { version: "6.0.0", item: "7.11", title: "Subnets associated with NSGs" },
} as const satisfies Record<string, { version: string; item: string; title?: string }>;

export type CisItemKey = keyof typeof CIS_ITEMS;

/**
 * How a rule relates to a control: `primary` (the control the rule chiefly enforces), `related` (it enforces part of
 * it), `weak` (a loose fit), `analogue` (the CIS item targets logical SQL servers, not managed instances).
 */
export type ControlRelation = "primary" | "related" | "weak" | "analogue";

/** A rule's reference to a catalog control: an id and a relation, never the control's title or NIST ids. */
export type ControlRef =
  | { readonly mcsb: McsbControlId; readonly relation: Exclude<ControlRelation, "analogue"> }
  | { readonly cis: CisItemKey; readonly relation: "related" | "analogue" };

export interface ResolvedMcsbControl {
  framework: "MCSB";
  id: McsbControlId;
  title: string;
  relation: ControlRelation;
  /** Derived from the MCSB control (see MCSB_NIST_COLUMN). */
  nist: readonly string[];
  url: string;
}

export interface ResolvedCisItem {
  framework: "CIS";
  version: string;
  item: string;
  title?: string;
  relation: ControlRelation;
}

export type ResolvedControl = ResolvedMcsbControl | ResolvedCisItem;

/** A rule's references with each control's catalog facts filled in (NIST through MCSB). */
export function resolveControls(refs: readonly ControlRef[]): ResolvedControl[] {
  return refs.map((ref): ResolvedControl => {
    if ("mcsb" in ref) {
      const control = MCSB_CONTROLS[ref.mcsb];
      return {
        framework: "MCSB",
        id: ref.mcsb,
        title: control.title,
        relation: ref.relation,
        nist: control.nist,
        url: control.url,
      };
    }
    const item: { version: string; item: string; title?: string } = CIS_ITEMS[ref.cis];
    return { framework: "CIS", ...item, relation: ref.relation };
  });
}

/** The MCSB ids a rule references, in its order: the short form tables show. */
export function mcsbIds(refs: readonly ControlRef[]): McsbControlId[] {
  return refs.flatMap((ref) => ("mcsb" in ref ? [ref.mcsb] : []));
}
