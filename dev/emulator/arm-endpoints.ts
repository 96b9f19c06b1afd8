// The ARM GETs the enrichment makes, answered from the estate with the response shapes of the
// azure-rest-api-specs examples (ManagedInstanceAzureADOnlyAuthGet, VirtualNetworkPeeringList,
// ExpressRouteCircuitPeeringList). Unknown resources get ARM's 404 ResourceNotFound.

import type { Estate } from "./estate-file";
import { isRecord } from "./estate-file";
import type { EndpointResponse } from "./resource-graph-endpoint";

const RESOURCE = "^/subscriptions/([^/]+)/resourcegroups/([^/]+)/providers/";

const ROUTES: {
  pattern: RegExp;
  answer: (estate: Estate, path: string, match: RegExpExecArray) => EndpointResponse;
}[] = [
  {
    pattern: new RegExp(`${RESOURCE}microsoft\\.sql/managedinstances/([^/]+)/azureadonlyauthentications/([^/]+)$`, "i"),
    answer: azureADOnlyAuthentication,
  },
  {
    pattern: new RegExp(`${RESOURCE}microsoft\\.network/virtualnetworks/([^/]+)/virtualnetworkpeerings$`, "i"),
    answer: (estate, path, match) =>
      list(estate, path, match, "Microsoft.Network/virtualNetworks", "virtualNetworkPeerings"),
  },
  {
    pattern: new RegExp(`${RESOURCE}microsoft\\.network/expressroutecircuits/([^/]+)/peerings$`, "i"),
    answer: (estate, path, match) => list(estate, path, match, "Microsoft.Network/expressRouteCircuits", "peerings"),
  },
];

export function answerArm(estate: Estate, path: string): EndpointResponse {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match !== null) return route.answer(estate, path, match);
  }
  return armError(404, "NotFound", `The emulator does not serve GET ${path}.`);
}

function azureADOnlyAuthentication(estate: Estate, path: string, match: RegExpExecArray): EndpointResponse {
  const [, , resourceGroup, instanceName, authenticationName] = match;
  const instanceId = path.slice(0, path.toLowerCase().indexOf("/azureadonlyauthentications/"));
  const instance = estate.rowsById.get(instanceId.toLowerCase());
  if (instance === undefined) return notFound("Microsoft.Sql/managedInstances", instanceName, resourceGroup);
  const override = estate.arm.azureADOnlyAuthentications.get(instanceId.toLowerCase());
  const administrators = isRecord(instance["properties"]) ? instance["properties"]["administrators"] : undefined;
  const fromRow = isRecord(administrators) ? administrators["azureADOnlyAuthentication"] : undefined;
  const value = override !== undefined ? override : typeof fromRow === "boolean" ? fromRow : null;
  if (value === null || authenticationName?.toLowerCase() !== "default") {
    return notFound("Microsoft.Sql/managedInstances/azureADOnlyAuthentications", authenticationName, resourceGroup);
  }
  return {
    status: 200,
    headers: {},
    body: {
      name: "Default",
      type: "Microsoft.Sql/managedInstances/azureadonlyauthentications",
      id: `${String(instance["id"])}/azureadonlyauthentications/default`,
      properties: { azureADOnlyAuthentication: value },
    },
  };
}

function list(estate: Estate, path: string, match: RegExpExecArray, type: string, field: string): EndpointResponse {
  const [, , resourceGroup, name] = match;
  const parentId = path.slice(0, path.lastIndexOf("/")).toLowerCase();
  const parent = estate.rowsById.get(parentId);
  if (parent === undefined) return notFound(type, name, resourceGroup);
  const overrides = field === "peerings" ? estate.arm.expressRouteCircuitPeerings : estate.arm.virtualNetworkPeerings;
  const fromRow = isRecord(parent["properties"]) ? parent["properties"][field] : undefined;
  const value = overrides.get(parentId) ?? (Array.isArray(fromRow) ? fromRow : []);
  return { status: 200, headers: {}, body: { value } };
}

function notFound(type: string, name: string | undefined, resourceGroup: string | undefined): EndpointResponse {
  return armError(
    404,
    "ResourceNotFound",
    `The Resource '${type}/${name ?? ""}' under resource group '${resourceGroup ?? ""}' was not found. For more details please go to https://aka.ms/ARMResourceNotFound`,
  );
}

export function armError(status: number, code: string, message: string): EndpointResponse {
  return { status, headers: {}, body: { error: { code, message } } };
}
