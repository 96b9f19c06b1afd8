// SQL Managed Instances: the subnet, the public data endpoint, TLS and connection settings, and Entra-only
// authentication (from the authoritative child that ARM enrichment reads, else from `administrators`).
import { armIdParts } from "../arm-id";
import type { ManagedInstance, MiPrivateEndpointConnection, ResourceBase } from "../estate";
import { FieldReader, describe, isRecord, type Json } from "../field-reader";
import type { ResourceRow } from "../row";
import { complete, type ReadContext } from "./resource-base";

const AAD_ONLY_CHILD = "azureADOnlyAuthentications/Default";

export function readManagedInstance(
  base: ResourceBase,
  props: FieldReader,
  row: ResourceRow,
  ctx: ReadContext,
): ManagedInstance {
  const subnetId = props.string("subnetId");
  const mi = complete<ManagedInstance>(base, {
    kind: "managedInstance",
    subnetId,
    subnetKey: subnetId === undefined ? undefined : ctx.shared.key(subnetId),
    publicDataEndpointEnabled: props.boolean("publicDataEndpointEnabled"),
    minimalTlsVersion: props.string("minimalTlsVersion"),
    proxyOverride: props.string("proxyOverride"),
    privateEndpointConnections: props
      .array("privateEndpointConnections")
      ?.flatMap((entry, index) => readConnection(entry, index, base)),
  });
  const administrators = props.child("administrators");
  const fromAdministrators = administrators.boolean("azureADOnlyAuthentication");
  if (fromAdministrators !== undefined) {
    mi.entraOnlyAuthentication = fromAdministrators;
    mi.entraOnlySource = "administrators";
  }
  // The azureADOnlyAuthentications/Default child is authoritative; `administrators` only reflects creation time.
  const enriched = isRecord(row.enrichment) ? row.enrichment["azureADOnlyAuthentication"] : undefined;
  if (typeof enriched === "boolean") {
    mi.entraOnlyAuthentication = enriched;
    mi.entraOnlySource = "azureADOnlyAuthentications";
  } else if (isRecord(enriched) && typeof enriched["error"] === "string") {
    mi.entraOnlyAuthentication = undefined;
    mi.entraOnlySource = undefined;
    base.issues.push({
      field: "azureADOnlyAuthentications/Default",
      problem: `could not be read: ${enriched["error"]}`,
    });
  } else if (enriched !== undefined && enriched !== null) {
    // A snapshot written by hand or by another tool: "true"/"false" are converted with a warning; anything else is an
    // issue of the authoritative setting, so the verdict is unknown rather than taken from `administrators`.
    const value = new FieldReader({ [AAD_ONLY_CHILD]: enriched }, "", base.issues).boolean(AAD_ONLY_CHILD);
    mi.entraOnlyAuthentication = value;
    mi.entraOnlySource = value === undefined ? undefined : "azureADOnlyAuthentications";
  }
  return mi;
}

function readConnection(entry: Json, index: number, mi: ResourceBase): MiPrivateEndpointConnection[] {
  const path = `properties.privateEndpointConnections[${index}]`;
  if (!isRecord(entry)) {
    mi.issues.push({ field: path, problem: `expected a connection object, found ${describe(entry)}` });
    return [];
  }
  const reader = new FieldReader(entry, path, mi.issues);
  const inner = reader.child("properties");
  const id = reader.string("id") ?? `${mi.id}/privateEndpointConnections/connection${index}`;
  const endpointId = inner.refId("privateEndpoint");
  const state = inner.child("privateLinkServiceConnectionState");
  return [
    {
      id,
      name: reader.string("name") ?? armIdParts(id).name ?? `connection${index}`,
      privateEndpointId: endpointId,
      privateEndpointSubscriptionId:
        endpointId === undefined ? undefined : armIdParts(endpointId).subscriptionId?.toLowerCase(),
      status: state.string("status"),
      description: state.string("description"),
    },
  ];
}
