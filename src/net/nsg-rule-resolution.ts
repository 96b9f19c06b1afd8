// One rule resolved for one query: its protocol, access, direction, priority and local side folded into one
// yes/no/maybe, its port bounds and its remote side, with the reasons for any "maybe". `matchFor` then answers what
// the rule certainly and possibly matches on one port segment, which is all the walk asks.

import type { SecurityRule } from "../model/estate";
import { AddressSet } from "./address-set";
import { type PortBounds, type PortSegment, portBounds } from "./nsg-port-segments";
import type { Context } from "./nsg-query-context";
import { type Direction, directionOf, hasReadablePriority, rulesInEvaluationOrder } from "./nsg-rule-order";
import { parsedRule, quote } from "./nsg-rule-parse";
import { type RuleRef, ruleRef } from "./nsg-rule-ref";
import { type RemoteSide, type Tri, and, cachedRemote, resolveLocal } from "./nsg-rule-sides";
import type { PortSet } from "./port-set";

const KNOWN_PROTOCOLS = new Set(["tcp", "udp", "icmp", "esp", "ah"]);

export interface PreparedRule {
  rule: SecurityRule;
  ref: RuleRef;
  /** Access as evaluated; undefined when unreadable (each bound then takes the worse reading). */
  access?: "Allow" | "Deny";
  /** Everything except the ports and the remote side: protocol, local side, data issues. */
  fixed: Tri;
  destinationPorts: PortBounds;
  sourcePorts: PortBounds;
  remote: RemoteSide;
  reasons: string[];
}

function prepareRule(rule: SecurityRule, direction: Direction, ctx: Context): PreparedRule {
  const reasons: string[] = [];
  let fixed: Tri = "yes";
  const maybe = (reason: string) => {
    fixed = and(fixed, "maybe");
    reasons.push(reason);
  };

  if (rule.issues.length > 0) maybe(`rule data has problems: ${rule.issues.join("; ")}`);
  if (directionOf(rule) === undefined) maybe(`direction ${quote(rule.direction)} is not Inbound or Outbound`);
  if (!hasReadablePriority(rule))
    maybe(`priority ${quote(rule.priority)} is unreadable, so it is assumed to come first`);
  const accessText = String(rule.access).toLowerCase();
  const access = accessText === "allow" ? "Allow" : accessText === "deny" ? "Deny" : undefined;
  if (access === undefined) maybe(`access ${quote(rule.access)} is not Allow or Deny`);

  const protocol = typeof rule.protocol === "string" ? rule.protocol.trim().toLowerCase() : "";
  if (protocol === "*" || protocol === "any") {
    // matches every protocol
  } else if (protocol === ctx.protocol.toLowerCase()) {
    // exact protocol
  } else if (KNOWN_PROTOCOLS.has(protocol)) {
    fixed = "no";
  } else {
    maybe(`protocol ${quote(rule.protocol)} is not recognised`);
  }

  const parsed = parsedRule(rule);

  const local =
    direction === "Inbound"
      ? resolveLocal(
          rule.destinationAddressPrefixes,
          parsed.destinationAddresses,
          rule.destinationApplicationSecurityGroups,
          "destination",
          ctx,
        )
      : resolveLocal(
          rule.sourceAddressPrefixes,
          parsed.sourceAddresses,
          rule.sourceApplicationSecurityGroups,
          "source",
          ctx,
        );
  fixed = and(fixed, local.match);
  reasons.push(...local.reasons);

  const remote = cachedRemote(rule, parsed, direction, ctx);
  reasons.push(...remote.reasons);

  const { destinationPorts, sourcePorts } = parsed;
  reasons.push(...destinationPorts.problems.map((p) => `destination ports: ${p}`));
  reasons.push(...sourcePorts.problems.map((p) => `source ports: ${p}`));
  return {
    rule,
    ref: ruleRef(rule),
    ...(access === undefined ? {} : { access }),
    fixed,
    destinationPorts: portBounds(destinationPorts),
    sourcePorts: portBounds(sourcePorts),
    remote,
    reasons,
  };
}

function portMatch(bounds: PortBounds, segment: PortSet): Tri {
  return bounds.certain.containsAll(segment) ? "yes" : bounds.possible.overlaps(segment) ? "maybe" : "no";
}

/** The rule's certain and possible match for one port segment. */
export function matchFor(rule: PreparedRule, segment: PortSegment): { certain: AddressSet; possible: AddressSet } {
  const tri = and(
    rule.fixed,
    and(portMatch(rule.destinationPorts, segment.destination), portMatch(rule.sourcePorts, segment.source)),
  );
  if (tri === "no") return { certain: AddressSet.EMPTY, possible: AddressSet.EMPTY };
  return { certain: tri === "yes" ? rule.remote.certain : AddressSet.EMPTY, possible: rule.remote.possible };
}

/** The direction's rules in evaluation order, each prepared for the query. */
export function prepareAll(rules: readonly SecurityRule[], direction: Direction, ctx: Context): PreparedRule[] {
  return rulesInEvaluationOrder(rules, direction).map((r) => prepareRule(r, direction, ctx));
}
