// A Resource Graph row, as `resources` returns it with resultFormat objectArray, and as snapshot files hold it.
// Rows come from outside: every field may be missing or of the wrong type, so this type is deliberately loose.

export interface ResourceRow {
  id?: unknown;
  name?: unknown;
  /** Lower case, as Resource Graph returns it (`microsoft.network/networksecuritygroups`). */
  type?: unknown;
  location?: unknown;
  subscriptionId?: unknown;
  resourceGroup?: unknown;
  properties?: unknown;
  identity?: unknown;
  tags?: unknown;
  sku?: unknown;
  kind?: unknown;
  /** Creation time from ARM's resources list (`$expand=createdTime`); Resource Graph never returns it. */
  createdTime?: unknown;
  /**
   * Data added by ARM enrichment (collect/arm-enrichment.ts), never by Resource Graph.
   * `azureADOnlyAuthentication`: the authoritative `azureADOnlyAuthentications/Default` child of a managed instance,
   * or `{ error }` when reading it failed.
   */
  enrichment?: {
    azureADOnlyAuthentication?: boolean | { error: string };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** The Resource Graph types the rules use. Rows of any other type are ignored. */
export const AUDITED_TYPES = {
  managedInstance: "microsoft.sql/managedinstances",
  networkSecurityGroup: "microsoft.network/networksecuritygroups",
  virtualNetwork: "microsoft.network/virtualnetworks",
  virtualNetworkGateway: "microsoft.network/virtualnetworkgateways",
  connection: "microsoft.network/connections",
  expressRouteCircuit: "microsoft.network/expressroutecircuits",
  publicIpAddress: "microsoft.network/publicipaddresses",
  publicIpPrefix: "microsoft.network/publicipprefixes",
  webApp: "microsoft.web/sites",
  appServiceEnvironment: "microsoft.web/hostingenvironments",
  networkInterface: "microsoft.network/networkinterfaces",
  localNetworkGateway: "microsoft.network/localnetworkgateways",
  routeTable: "microsoft.network/routetables",
  privateDnsZoneLink: "microsoft.network/privatednszones/virtualnetworklinks",
  flowLog: "microsoft.network/networkwatchers/flowlogs",
} as const;

export type AuditedType = (typeof AUDITED_TYPES)[keyof typeof AUDITED_TYPES];
