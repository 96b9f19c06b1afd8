// Public IP addresses and prefixes: the estate's own public space, trusted as a source unless turned off.
import type { PublicIpAddress, PublicIpPrefix, ResourceBase } from "../estate";
import type { FieldReader } from "../field-reader";
import { notePrefix } from "./prefix-warnings";
import { complete, type ReadContext } from "./resource-base";

export function readPublicIpAddress(base: ResourceBase, props: FieldReader, ctx: ReadContext): PublicIpAddress {
  return complete<PublicIpAddress>(base, {
    kind: "publicIpAddress",
    ipAddress: notePrefix(props, "ipAddress", base.issues, ctx.checks),
  });
}

export function readPublicIpPrefix(base: ResourceBase, props: FieldReader, ctx: ReadContext): PublicIpPrefix {
  return complete<PublicIpPrefix>(base, {
    kind: "publicIpPrefix",
    ipPrefix: notePrefix(props, "ipPrefix", base.issues, ctx.checks),
  });
}
