// Pseudo-types for what ARM enrichment reads besides Resource Graph (collect/arm-enrichment.ts): child resources and
// child lists whose read can fail on its own. When one fails after its retries, the collection records a coverage
// gap under this type, and the rules whose verdicts need it declare it in `verdictDependsOn` /
// `applicabilityDependsOn`, so the engine turns their passes (and notApplicables) into `unknown`. One list, so the
// collector and the rules cannot name a child differently.
export const ARM_CHILD_TYPES = {
  /** A managed instance's `azureADOnlyAuthentications/Default`, the authoritative Entra-only setting. */
  entraOnlyAuthentication: "microsoft.sql/managedinstances/azureadonlyauthentications",
  /** A VNet's `virtualNetworkPeerings`, read from ARM when the Resource Graph row lacks them. */
  virtualNetworkPeerings: "microsoft.network/virtualnetworks/virtualnetworkpeerings",
  /** An ExpressRoute circuit's `peerings`, read from ARM when the row lacks them. */
  circuitPeerings: "microsoft.network/expressroutecircuits/peerings",
  /** Creation times (`createdTime`) of MIs and VNets, from ARM's resources list with `$expand=createdTime`. */
  createdTime: "microsoft.resources/resources/createdtime",
} as const;

export type ArmChildType = (typeof ARM_CHILD_TYPES)[keyof typeof ARM_CHILD_TYPES];
