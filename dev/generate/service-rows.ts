// Resource Graph rows of the services the auditor reads around the network (SQL managed instances, web apps, App
// Service environments) and of types it ignores (storage accounts, key vaults), one typed builder per type. As in
// network-rows.ts, a field is written only when its spec gives it.
import { AUDITED_TYPES } from "../../src/model/row";
import { defined, resourceId, resourceRow, type Placement, type Row } from "./resource-rows";
import { SeededRandom } from "./seeded-random";

export interface ManagedInstanceSpec {
  subnetId: string;
  publicDataEndpointEnabled: boolean;
  proxyOverride: string;
  /** undefined: the property is absent. */
  minimalTlsVersion?: string;
  /** undefined: no `administrators` block. */
  entraOnly?: boolean;
  /** undefined: no `privateEndpointConnections` property (Resource Graph lists an empty array for an MI without any). */
  privateEndpointConnections?: PrivateEndpointConnectionSpec[];
  /** Top-level `createdTime` (ISO 8601), which only ARM serves. */
  createdTime?: string;
}

export interface PrivateEndpointConnectionSpec {
  /** The private endpoint on the client's side, in whatever subscription (or tenant) created it. */
  privateEndpointId: string;
  status: "Approved" | "Pending" | "Rejected" | "Disconnected";
  description: string;
}

/**
 * One entry of an MI's `properties.privateEndpointConnections`, as ARM lists it: the connection's id (named after the
 * endpoint plus a GUID, as the platform names them) and its properties; no name or type of its own.
 */
export function privateEndpointConnectionEntry(miId: string, spec: PrivateEndpointConnectionSpec, guid: string): Row {
  const endpointName = spec.privateEndpointId.slice(spec.privateEndpointId.lastIndexOf("/") + 1);
  return {
    id: `${miId}/privateEndpointConnections/${endpointName}-${guid}`,
    properties: {
      privateEndpoint: { id: spec.privateEndpointId },
      privateLinkServiceConnectionState: {
        status: spec.status,
        description: spec.description,
        actionsRequired: "None",
      },
      provisioningState: "Ready",
    },
  };
}

export function managedInstanceRow(place: Placement, name: string, spec: ManagedInstanceSpec, dnsZone: string): Row {
  const id = resourceId(place, "Microsoft.Sql", "managedInstances", name);
  const properties = defined({
    provisioningState: "Succeeded",
    state: "Ready",
    fullyQualifiedDomainName: `${name}.${dnsZone}.database.windows.net`,
    administratorLogin: "miadmin",
    vCores: 8,
    storageSizeInGB: 256,
    licenseType: "LicenseIncluded",
    collation: "SQL_Latin1_General_CP1_CI_AS",
    dnsZone,
    subnetId: spec.subnetId,
    publicDataEndpointEnabled: spec.publicDataEndpointEnabled,
    proxyOverride: spec.proxyOverride,
    minimalTlsVersion: spec.minimalTlsVersion,
    administrators:
      spec.entraOnly === undefined
        ? undefined
        : {
            administratorType: "ActiveDirectory",
            principalType: "Group",
            login: "sql-admins",
            sid: "11111111-2222-3333-4444-555555555555",
            tenantId: "99999999-8888-7777-6666-555555555555",
            azureADOnlyAuthentication: spec.entraOnly,
          },
    privateEndpointConnections: spec.privateEndpointConnections?.map((connection, index) =>
      privateEndpointConnectionEntry(id, connection, connectionGuid(id, index)),
    ),
  });
  return resourceRow(AUDITED_TYPES.managedInstance, place, name, id, properties, {
    sku: { name: "GP_Gen5", tier: "GeneralPurpose", family: "Gen5", capacity: 8 },
    identity: { type: "SystemAssigned", principalId: "00000000-0000-0000-0000-000000000000" },
    ...(spec.createdTime === undefined ? {} : { createdTime: spec.createdTime }),
  });
}

/** A GUID that depends only on the MI and the connection's position, so rows stay the same from run to run. */
function connectionGuid(miId: string, index: number): string {
  return SeededRandom.derive(0, "private-endpoint-connection", miId.toLowerCase(), index).guid();
}

export interface WebAppSpec {
  planId: string;
  /** Regional VNet integration. */
  subnetId?: string;
  /** Gateway-required integration: the VNet name as App Service stores it. */
  vnetName?: string;
  /** The `identity` column as written; null: none. */
  identity: unknown;
  linux?: boolean;
}

/** An identity block of a type, with a principal id unless it is "None"; null: no block at all. */
export function siteIdentity(type: string | null): unknown {
  return type === null
    ? null
    : { type, ...(type === "None" ? {} : { principalId: "aaaaaaaa-0000-0000-0000-000000000001" }) };
}

export function webAppRow(place: Placement, name: string, spec: WebAppSpec): Row {
  const properties = defined({
    state: "Running",
    enabled: true,
    httpsOnly: true,
    serverFarmId: spec.planId,
    virtualNetworkSubnetId: spec.subnetId,
    siteConfig: spec.vnetName === undefined ? undefined : { vnetName: spec.vnetName },
  });
  return resourceRow(AUDITED_TYPES.webApp, place, name, resourceId(place, "Microsoft.Web", "sites", name), properties, {
    kind: spec.linux === true ? "app,linux" : "app",
    identity: spec.identity,
  });
}

export interface AppServiceEnvironmentSpec {
  subnetId: string;
  /** Default ASEV3. */
  kind?: "ASEV2" | "ASEV3";
  /** The subnet reference also names its type, as ASEv3 rows do. */
  typedReference?: boolean;
  internalLoadBalancingMode?: string;
}

export function appServiceEnvironmentRow(place: Placement, name: string, spec: AppServiceEnvironmentSpec): Row {
  const properties = defined({
    provisioningState: "Succeeded",
    virtualNetwork:
      spec.typedReference === true
        ? { id: spec.subnetId, type: "Microsoft.Network/virtualNetworks/subnets" }
        : { id: spec.subnetId },
    internalLoadBalancingMode: spec.internalLoadBalancingMode,
  });
  return resourceRow(
    AUDITED_TYPES.appServiceEnvironment,
    place,
    name,
    resourceId(place, "Microsoft.Web", "hostingEnvironments", name),
    properties,
    { kind: spec.kind ?? "ASEV3" },
  );
}

/** A storage account: no rule reads it, but real exports contain such rows and the auditor must ignore them. */
export function storageAccountRow(place: Placement, name: string, properties: Row = {}): Row {
  return resourceRow(
    "microsoft.storage/storageaccounts",
    place,
    name,
    resourceId(place, "Microsoft.Storage", "storageAccounts", name),
    properties,
    { kind: "StorageV2" },
  );
}

/** A key vault: another type the auditor ignores. */
export function keyVaultRow(place: Placement, name: string, properties: Row = {}): Row {
  return resourceRow(
    "microsoft.keyvault/vaults",
    place,
    name,
    resourceId(place, "Microsoft.KeyVault", "vaults", name),
    properties,
  );
}
