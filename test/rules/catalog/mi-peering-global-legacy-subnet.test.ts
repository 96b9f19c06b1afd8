// mi.peering.global-legacy-subnet, from Microsoft's pages: global VNet peering works for managed instances except in
// subnets created before September 2020 (connect-application-instance and the FAQ: 22 September 2020, the date the
// rule uses; the connectivity architecture page: 9 September). Subnets have no creation time in ARM, so the rule
// reads the MI's and its VNet's (`createdTime`, from ARM's resources list): a VNet created on or after the date holds
// only newer subnets (pass); an instance created before it sits in an older subnet (fail); anything else is unknown.
import { SUB2, ids, miRow, vnetRow, type PeeringSpec, type Row } from "../../support/rows";
import { describe, expect, it } from "vitest";
import { findingsFor, verdict } from "../../support/evaluate";
import { verdictTable } from "./verdict-table";
import { miSubnet } from "./mi-estates";

const RULE = "mi.peering.global-legacy-subnet";
const OLD = "2019-05-01T10:00:00.1234567Z";
const NEW = "2021-03-01T08:30:00.0000000Z";
const CREATED_TIME_GAP = "microsoft.resources/resources/createdtime";

interface Times {
  mi?: unknown;
  vnet?: unknown;
}

function withTime(row: Row, createdTime: unknown): Row {
  return createdTime === undefined ? row : { ...row, createdTime };
}

/** The MI's VNet in westeurope, peered to `remote` (a VNet in `remoteLocation`, or absent from the estate). */
function estate(times: Times, remoteLocation: string | null = "northeurope", peerings?: PeeringSpec[] | null): Row[] {
  return [
    withTime(
      vnetRow(
        "vnet-mi",
        ["10.1.0.0/24"],
        [{ name: "snet-mi", prefix: "10.1.0.0/24" }],
        peerings === undefined ? [{ name: "to-remote", remote: ids.vnet("remote").toUpperCase() }] : peerings,
      ),
      times.vnet,
    ),
    ...(remoteLocation === null
      ? []
      : [
          vnetRow("remote", ["10.2.0.0/16"], [], [{ remote: ids.vnet("vnet-mi") }], {
            location: remoteLocation,
          }),
        ]),
    withTime(miRow("mi1", miSubnet.toUpperCase()), times.mi),
  ];
}

verdictTable("mi.peering.global-legacy-subnet", [
  {
    name: "instance from 2019, VNet peered to northeurope",
    resource: "mi1",
    status: "fail",
    rows: estate({ mi: OLD }),
    message: ["mi1", "2019-05-01", "northeurope", "to-remote"],
    evidence: {
      vnet: ids.vnet("vnet-mi"),
      crossRegionPeerings: [{ peering: "to-remote", remoteVnet: ids.vnet("remote"), remoteLocation: "northeurope" }],
      miCreatedTime: OLD,
      supportDate: "2020-09-22",
    },
  },
  {
    name: "instance created one second before the date",
    resource: "mi1",
    status: "fail",
    rows: estate({ mi: "2020-09-21T23:59:59Z", vnet: "2020-09-21T12:00:00Z" }),
  },
  {
    // 9-21 September 2020 is after one page's date and before the other's: the later date decides.
    name: "instance from 15 September 2020, between the pages' two dates",
    resource: "mi1",
    status: "fail",
    rows: estate({ mi: "2020-09-15T09:00:00Z" }),
  },
  {
    name: "creation time without an offset is UTC, as ARM writes it",
    resource: "mi1",
    status: "fail",
    rows: estate({ mi: "2020-09-21T23:00:00" }),
  },
  {
    name: "the remote VNet in another subscription and region",
    resource: "mi1",
    status: "fail",
    rows: [
      withTime(
        vnetRow(
          "vnet-mi",
          ["10.1.0.0/24"],
          [{ name: "snet-mi", prefix: "10.1.0.0/24" }],
          [{ name: "to-sub2", remote: ids.vnet("remote", SUB2) }],
        ),
        OLD,
      ),
      vnetRow("remote", ["10.2.0.0/16"], [], [], { sub: SUB2, location: "eastus" }),
      withTime(miRow("mi1", miSubnet), OLD),
    ],
    message: ["eastus"],
  },
  {
    name: "a disconnected cross-region peering still counts",
    resource: "mi1",
    status: "fail",
    rows: estate({ mi: OLD }, "northeurope", [
      { name: "to-remote", remote: ids.vnet("remote"), state: "Disconnected" },
    ]),
    evidence: { crossRegionPeerings: [{ peeringState: "Disconnected" }] },
  },
  {
    name: "VNet and instance created after the date",
    resource: "mi1",
    status: "pass",
    rows: estate({ mi: NEW, vnet: NEW }),
    message: ["vnet-mi", "2021-03-01"],
  },
  {
    name: "VNet created at midnight UTC on the date",
    resource: "mi1",
    status: "pass",
    rows: estate({ vnet: "2020-09-22T00:00:00Z" }),
  },
  {
    // Its subnet is in a VNet created after the date, so the instance was moved there (a new virtual cluster).
    name: "old instance in a VNet created after the date",
    resource: "mi1",
    status: "pass",
    rows: estate({ mi: OLD, vnet: NEW }),
  },
  {
    name: "new VNet: the remote VNet's region does not matter",
    resource: "mi1",
    status: "pass",
    rows: estate({ vnet: NEW }, null),
  },
  {
    name: "same-region peering only",
    resource: "mi1",
    status: "notApplicable",
    rows: estate({ mi: OLD }, "westeurope"),
  },
  {
    name: "same region written differently (display name vs name)",
    resource: "mi1",
    status: "notApplicable",
    rows: estate({ mi: OLD }, "West Europe"),
  },
  { name: "no peerings", resource: "mi1", status: "notApplicable", rows: estate({ mi: OLD }, null, []) },
  {
    name: "peerings not collected",
    resource: "mi1",
    status: "unknown",
    rows: estate({ mi: OLD }, null, null),
  },
  {
    name: "same region, but the peerings read failed (engine: notApplicable not confirmed)",
    resource: "mi1",
    status: "unknown",
    rows: estate({ mi: OLD }, "westeurope"),
    gaps: [{ types: ["microsoft.network/virtualnetworks/virtualnetworkpeerings"], reason: "HTTP 500" }],
  },
  {
    name: "no creation times",
    resource: "mi1",
    status: "unknown",
    rows: estate({}),
    message: ["creation time of vnet-mi was not collected", "creation time of mi1 was not collected"],
  },
  {
    name: "creation times could not be read from ARM",
    resource: "mi1",
    status: "unknown",
    rows: estate({}),
    gaps: [{ types: [CREATED_TIME_GAP], reason: "HTTP 403 on the resources list" }],
    message: ["could not be read", "HTTP 403"],
  },
  {
    name: "instance after the date, VNet before: the subnet may be older",
    resource: "mi1",
    status: "unknown",
    rows: estate({ mi: NEW, vnet: OLD }),
    message: ["created before 2020-09-22", "subnet"],
  },
  {
    name: "instance after the date, VNet time unknown",
    resource: "mi1",
    status: "unknown",
    rows: estate({ mi: NEW }),
  },
  {
    name: "VNet creation time malformed",
    resource: "mi1",
    status: "unknown",
    rows: estate({ mi: NEW, vnet: "last autumn" }),
    message: ["malformed"],
  },
  {
    name: "the remote VNet is not in the estate, instance from 2019",
    resource: "mi1",
    status: "unknown",
    rows: estate({ mi: OLD }, null),
    message: ["not in the audited estate"],
  },
  {
    name: "the remote VNet's subscription could not be read",
    resource: "mi1",
    status: "unknown",
    rows: [
      withTime(
        vnetRow(
          "vnet-mi",
          ["10.1.0.0/24"],
          [{ name: "snet-mi", prefix: "10.1.0.0/24" }],
          [{ name: "to-sub2", remote: ids.vnet("remote", SUB2) }],
        ),
        OLD,
      ),
      withTime(miRow("mi1", miSubnet), OLD),
    ],
    gaps: [{ types: ["microsoft.network/virtualnetworks"], subscriptionIds: [SUB2], reason: "HTTP 403" }],
    message: ["could not be read (HTTP 403)"],
  },
  {
    name: "new VNet, but creation times could not be read for the subscription (engine: pass not confirmed)",
    resource: "mi1",
    status: "unknown",
    rows: estate({ vnet: NEW }),
    gaps: [{ types: [CREATED_TIME_GAP], reason: "HTTP 500" }],
  },
  {
    name: "the MI's subnet is not in the estate",
    resource: "mi1",
    status: "unknown",
    rows: [withTime(miRow("mi1", ids.subnet("vnet-gone", "snet-mi")), OLD)],
  },
]);

describe(`${RULE}: timestamps without an offset`, () => {
  it("reads them as UTC whatever the machine's time zone (21 Sep 23:00 UTC is before the date)", () => {
    const saved = process.env["TZ"];
    process.env["TZ"] = "America/New_York";
    try {
      // Local time would read this as 22 Sep 03:00 UTC, after the date.
      expect(new Date("2020-09-21T23:00:00").getUTCDate()).toBe(22);
      const finding = verdict(findingsFor(estate({ mi: "2020-09-21T23:00:00" })), RULE, "mi1");
      expect(finding.status, finding.message).toBe("fail");
    } finally {
      if (saved === undefined) delete process.env["TZ"];
      else process.env["TZ"] = saved;
    }
  });
});
