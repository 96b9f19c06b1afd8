// The network semantics every NSG and reachability verdict rests on, as docs/rules.md states them. Kept beside the
// catalog's generator so the published rule reference always carries them; the docs link here.

export const NETWORK_SEMANTICS_MARKDOWN = `## How network verdicts are decided

The rules above that read NSGs (\`mi.public-endpoint.untrusted-source\`, \`nsg.sql-inbound-internet\`,
\`nsg.app-subnet.sql-outbound\`, and in the \`current\` baseline \`mi.public-endpoint.stale-nsg-opening\`,
\`mi.subnet.redirect-inbound-untrusted\` and the platform-DNS check of \`mi.network.unsupported-configuration\`) ask
one question of an NSG: which five-tuples (source address, source port,
destination address, destination port, protocol) does it allow? The rules of one direction are taken in priority
order, the six platform default rules always included, and the first rule that matches a tuple decides it.

### Source ports

- **Inbound** (exposure of TCP 3342, 1433 or the redirect range 11000-11999): the client picks its own source port, any of 0-65535. A source is
  exposed when *some* source port gets in. An Allow that names only some source ports therefore admits every client
  in its source range, and a Deny that names only some source ports protects nobody unless other Denies cover the
  remaining ports. The evidence names the client ports that get in (\`sourcePorts\`).
- **Outbound** (an app subnet reaching the MI): the app's own stack picks an ephemeral port (Windows 49152-65535 and
  Linux 32768-60999 by default, both configurable). The flow passes only when every port from 1024 to 65535 gets out;
  when some are blocked it fails, and the evidence names the blocked source ports (the connections that draw one of
  them fail).
- A source port that cannot be read makes the rule uncertain (it may match any port).

### Complements and service tags

Azure allows no IPv4 and IPv6 prefixes in one rule, so "deny everything" is often two rules (\`0.0.0.0/0\` and
\`::/0\`) or split prefixes (\`0.0.0.0/1\` + \`128.0.0.0/1\`). Every service tag is a list of IPv4 and IPv6 prefixes,
so once the rules walked so far have decided all of IPv4 and all of IPv6, every service tag is decided with them.
Covering one family only, in one rule or split across several, leaves each tag partly open (its addresses in the other
family), which is \`unknown\` when only a tag rule could admit them. Tags list Azure's public prefixes: private ranges
never hold a tag address, and a rule whose ranges were already decided (Deny \`::/0\`, then Allow \`::/0\`) reopens no
tag. Different base tags are treated as disjoint and a regional tag lies inside its base;
where Azure's real lists overlap, this can only report more exposure, never less.

### Trusted sources

The \`VirtualNetwork\` and \`AzureLoadBalancer\` tags, private ranges (10/8, 172.16/12, 192.168/16, 100.64/10,
fc00::/7), the configured prefixes and (unless turned off) the public IPs and prefixes of the audited estate.
Everything else is untrusted, including \`*\`, \`Internet\` and every other service tag.

### The VirtualNetwork tag, peering access and reachability

- \`VirtualNetwork\` holds the VNet's address space, \`168.63.129.16\`, the space of every peering that is
  \`Connected\` and allows virtual network access on this side, and what the VNet's gateway (or the hub gateway it uses
  by gateway transit) connects: the VNets at the other end of \`Vnet2Vnet\` connections, with the spokes that use their
  gateway, and the local network gateways' ranges of site-to-site connections. This is the estate's own network and is
  trusted. Ranges learned over BGP (ExpressRoute, BGP-enabled VPN) cannot be listed and are named in the evidence; leaving
  the estate's own network out can only add a finding.
- The prefixes of the user-defined routes of the protected subnet's route table are in \`VirtualNetwork\` too (so
  \`AllowVnetInBound\` admits them) but are not trusted. A route table that was not collected makes the verdicts it could
  change \`unknown\`.
- A peering with \`allowVirtualNetworkAccess: false\` on either side is not a path and adds nothing to \`VirtualNetwork\`
  (absent means \`true\`, Azure's default).
- An app VNet reaches an MI VNet when they are the same VNet, when they are peered (\`Connected\` and access allowed on
  both sides), or when a \`Vnet2Vnet\` connection joins their gateways (their own, or the hub gateways they use by
  gateway transit). Peering is not transitive: two spokes of one hub do not reach each other through it.

### Application security groups

An ASG in a rule matches the addresses of its member network interfaces. Membership is read from the collected NICs
(each IP configuration lists its ASGs and its private address). An ASG whose members cannot all be known (no collected
NIC names it, a member's address is unreadable, or the subscription's NICs were not all read) is uncertain: the rule may
then match any address, and the verdict is \`unknown\` where that could change it, never \`pass\`.

### Uncertainty

Anything that cannot be read (a malformed prefix or port, an unknown tag, an ASG with unknown members, a route table
that was not collected) is resolved both ways: once leaning towards exposure, once towards restriction. A verdict the
two readings agree on stands; otherwise it is \`unknown\` and the evidence names the rules that made it so.
`;
