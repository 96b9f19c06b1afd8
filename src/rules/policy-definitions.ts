// Built-in Azure Policy definitions that check what a rule checks: an exemption from one of them (a Waiver or
// Mitigated exemption, in force) is an exception to those rules (engine/policy-exemptions.ts). Data only: the GUID is
// the definition's name, the same in every tenant. Each entry was checked against the definition itself in
// Azure/azure-policy (built-in-policies/policyDefinitions/...; its `id`, `displayName` and `policyRule`), on 2026-12-04:
// - 9dfea752: SQL/SqlManagedInstance_PublicEndpoint_Audit.json (managedInstances publicDataEndpointEnabled == true);
// - a8793640: SQL/SqlManagedInstance_MiniumTLSVersion_Audit.json (minimalTlsVersion missing or not "1.2");
// - 0c28c3fb: SQL/SqlManagedInstance_ADOnlyEnabled_DisableADAuth_Deny.json (the azureADOnlyAuthentications child is
//   false or missing: what mi.auth.entra-only reads first);
// - 78215662: SQL/SqlManagedInstance_ADOnlyEnabled_Deny.json (administrators.azureADOnlyAuthentication, "during
//   creation");
// - 4c3c6c5f: Network/VirtualNetwork_FlowLog_Audit.json (a VNet with no flow log). Its resources are VNets, while
//   mi.vnet.flow-logs reports on the MI: an exemption on the VNet itself does not cover the MI's result, one on the
//   resource group or subscription does.
// Other rules have no built-in definition that checks the same thing (NSG reachability, peering, DNS): none is listed.

export interface PolicyDefinitionMapping {
  /** The built-in definition's name (a GUID, lower case). */
  definition: string;
  displayName: string;
  ruleIds: readonly string[];
}

/** The built-in definition that audits `publicDataEndpointEnabled` on managed instances. */
export const POLICY_MI_PUBLIC_ENDPOINT = "9dfea752-dd46-4766-aed1-c355fa93fb91";

export const POLICY_DEFINITION_RULES: readonly PolicyDefinitionMapping[] = [
  {
    definition: POLICY_MI_PUBLIC_ENDPOINT,
    displayName: "Azure SQL Managed Instances should disable public network access",
    ruleIds: ["mi.public-endpoint.enabled"],
  },
  {
    definition: "a8793640-60f7-487c-b5c3-1d37215905c4",
    displayName: "SQL Managed Instance should have the minimal TLS version of 1.2",
    ruleIds: ["mi.tls.minimum-version"],
  },
  {
    definition: "0c28c3fb-c244-42d5-a9bf-f35f2999577b",
    displayName: "Azure SQL Managed Instance should have Microsoft Entra-only authentication enabled",
    ruleIds: ["mi.auth.entra-only"],
  },
  {
    definition: "78215662-041e-49ed-a9dd-5385911b3a1f",
    displayName: "Azure SQL Managed Instances should have Microsoft Entra-only authentication enabled during creation",
    ruleIds: ["mi.auth.entra-only"],
  },
  {
    definition: "4c3c6c5f-0d47-4402-99b8-aa543dd8bcee",
    displayName: "Flow logs should be configured for every virtual network",
    ruleIds: ["mi.vnet.flow-logs"],
  },
];

const RULES_BY_DEFINITION = new Map(POLICY_DEFINITION_RULES.map((m) => [m.definition, m.ruleIds]));

/** The rules a policy definition (its GUID name, any case) maps to; empty for a definition no rule follows. */
export function rulesOfPolicyDefinition(definitionName: string): readonly string[] {
  return RULES_BY_DEFINITION.get(definitionName.toLowerCase()) ?? [];
}
