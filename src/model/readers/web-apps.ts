// App Service: web apps (their managed identity and VNet integration) and App Service Environments (their subnet).
import type { AppServiceEnvironment, ResourceBase, WebApp } from "../estate";
import { FieldReader } from "../field-reader";
import type { ResourceRow } from "../row";
import { complete, type ReadContext } from "./resource-base";

// `siteConfig.vnetName` may carry a `<guid>_` prefix before the VNet's own name; the VNet is looked up by that name.
const GUID_PREFIX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}_/i;

export function readWebApp(base: ResourceBase, props: FieldReader, row: ResourceRow, ctx: ReadContext): WebApp {
  const identity = new FieldReader(row.identity, "identity", base.issues);
  const subnetId = props.string("virtualNetworkSubnetId");
  const vnetName = props.child("siteConfig").string("vnetName");
  const stripped =
    vnetName === undefined || vnetName.trim() === "" ? undefined : vnetName.trim().replace(GUID_PREFIX, "");
  return complete<WebApp>(base, {
    kind: "webApp",
    identityType: identity.string("type"),
    integrationSubnetId: subnetId === undefined || subnetId.trim() === "" ? undefined : subnetId,
    integrationSubnetKey: subnetId === undefined || subnetId.trim() === "" ? undefined : ctx.shared.key(subnetId),
    gatewayVnetName: stripped,
  });
}

export function readAppServiceEnvironment(
  base: ResourceBase,
  props: FieldReader,
  ctx: ReadContext,
): AppServiceEnvironment {
  const subnetId = props.refId("virtualNetwork");
  return complete<AppServiceEnvironment>(base, {
    kind: "appServiceEnvironment",
    subnetId,
    subnetKey: subnetId === undefined ? undefined : ctx.shared.key(subnetId),
  });
}
