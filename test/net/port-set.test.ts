import { describe, expect, it } from "vitest";
import { PortSet, parsePortList, parsePortSpec } from "../../src/net/port-set";

describe("parsePortSpec", () => {
  it.each([
    ["*", "*"],
    ["Any", "*"],
    ["any", "*"],
    ["80", "80"],
    ["0", "0"],
    ["65535", "65535"],
    ["3300-3400", "3300-3400"],
    [" 3300 - 3400 ", "3300-3400"],
    ["80,443", "80,443"],
    ["443,80,81", "80-81,443"],
    ["1433,11000-11999", "1433,11000-11999"],
    ["0-65535", "*"],
    ["5-5", "5"],
  ])("reads %j as %s", (text, expected) => {
    const parsed = parsePortSpec(text);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.ports.toString()).toBe(expected);
  });

  it.each([
    ["70000", "not a port number"],
    ["65536", "not a port number"],
    ["10-5", "runs backwards"],
    ["abc", "not a port number"],
    ["", "empty"],
    ["80,", "empty list entry"],
    ["-5", "not a port number"],
    ["5-", "not a port number"],
    ["1-2-3", "more than one"],
    ["+80", "not a port number"],
    ["8.0", "not a port number"],
    ["123456", "not a port number"],
  ])("rejects %j with a reason", (text, why) => {
    const parsed = parsePortSpec(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(why);
  });
});

describe("parsePortList", () => {
  it("merges the plural field", () => {
    expect(parsePortList(["1433", "3342", "11000-11999"])).toEqual({
      ports: PortSet.single(1433).union(PortSet.single(3342)).union(PortSet.range(11000, 11999)),
      problems: [],
    });
  });

  it("keeps readable entries and reports the rest", () => {
    const parsed = parsePortList(["3342", "70000"]);
    expect(parsed.ports.toString()).toBe("3342");
    expect(parsed.problems).toEqual(["'70000' is not a valid port range: '70000' is not a port number 0-65535"]);
  });

  it("calls an empty field a problem", () => {
    expect(parsePortList([]).problems).toEqual(["no port ranges"]);
  });

  it("reports a non-text entry instead of throwing", () => {
    expect(parsePortList([null as unknown as string]).problems).toHaveLength(1);
  });
});

describe("PortSet", () => {
  const a = PortSet.range(11000, 11999);
  it.each([
    ["union", a.union(PortSet.range(12000, 12005)).toString(), "11000-12005"],
    ["intersect", a.intersect(PortSet.range(11500, 13000)).toString(), "11500-11999"],
    ["subtract middle", a.subtract(PortSet.range(11100, 11200)).toString(), "11000-11099,11201-11999"],
    ["subtract all", a.subtract(PortSet.ALL).toString(), "(none)"],
  ])("%s", (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it("answers membership, subset and overlap", () => {
    expect(a.has(11000)).toBe(true);
    expect(a.has(10999)).toBe(false);
    expect(a.containsAll(PortSet.range(11000, 11999))).toBe(true);
    expect(a.containsAll(PortSet.range(11000, 12000))).toBe(false);
    expect(a.overlaps(PortSet.range(11999, 12000))).toBe(true);
    expect(a.overlaps(PortSet.single(12000))).toBe(false);
    expect(PortSet.EMPTY.isEmpty()).toBe(true);
    expect(a.first()).toBe(11000);
    expect(PortSet.EMPTY.first()).toBeUndefined();
  });

  it("refuses impossible ranges", () => {
    expect(() => PortSet.range(10, 5)).toThrow(RangeError);
    expect(() => PortSet.range(0, 65536)).toThrow(RangeError);
  });
});
