// Row sizes per query family: how many bytes one row of each family weighs in a Resource Graph response, whole (as
// the `resources` table holds it) and as the collector's query projects it, on a generated estate. Resource Graph
// refuses any response over 16 MiB, so the heaviest rows decide how many fit a page. The projection runs through the
// emulator's KQL subset, as the collector's queries do against the emulator.
//
//   npm run bench -- --only row-sizes [--resources N] [--seed K]
import { QUERY_FAMILIES } from "../../src/collect/queries";
import { generateEstateRows } from "../generate/estate-generator";
import { parseQuery, runQuery } from "../emulator/kql-subset";
import { RESOURCE_GRAPH_MAX_RESPONSE_BYTES } from "../emulator/resource-graph-endpoint";
import { benchOptions, positiveWhole, type Benchmark, type BenchmarkContext, type BenchmarkReport } from "./benchmark";

interface Sizes {
  rows: number;
  averageBytes: number;
  p99Bytes: number;
  maxBytes: number;
}

interface FamilySizes {
  family: string;
  whole: Sizes;
  projected: Sizes;
  /** Projected bytes per property path, averaged over the family's rows: what the projection still carries. */
  pathAverageBytes: Record<string, number>;
  /** Rows of the heaviest kind that fit one 16 MiB response. */
  rowsPerResponseAtMax: number;
}

function sizesOf(bytes: number[]): Sizes {
  const sorted = [...bytes].sort((a, b) => a - b);
  const total = sorted.reduce((sum, n) => sum + n, 0);
  return {
    rows: sorted.length,
    averageBytes: sorted.length === 0 ? 0 : Math.round(total / sorted.length),
    p99Bytes: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0,
    maxBytes: sorted[sorted.length - 1] ?? 0,
  };
}

/** Bytes of `value` as one element of a response's `data` array (its JSON, plus the comma between rows). */
const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value)) + 1;

export function measureRowSizes(rows: readonly Record<string, unknown>[]): FamilySizes[] {
  return QUERY_FAMILIES.map((family) => {
    const types = new Set(family.types);
    const own = rows.filter((row) => types.has(String(row["type"]).toLowerCase()));
    const projected = runQuery(parseQuery(family.query), own).rows;
    const pathAverageBytes: Record<string, number> = {};
    for (const path of family.propertyPaths) {
      const column = path.replace(/\./g, "_");
      const total = projected.reduce((sum, row) => sum + (row[column] === null ? 0 : bytesOf(row[column])), 0);
      pathAverageBytes[path] = projected.length === 0 ? 0 : Math.round(total / projected.length);
    }
    const projectedSizes = sizesOf(projected.map(bytesOf));
    return {
      family: family.name,
      whole: sizesOf(own.map(bytesOf)),
      projected: projectedSizes,
      pathAverageBytes,
      rowsPerResponseAtMax:
        projectedSizes.maxBytes === 0 ? 0 : Math.floor(RESOURCE_GRAPH_MAX_RESPONSE_BYTES / projectedSizes.maxBytes),
    };
  });
}

export const rowSizesBenchmark: Benchmark = {
  name: "row-sizes",
  description:
    "bytes per row of each query family, whole and projected, on a generated estate (Resource Graph's 16 MiB response limit)",
  async run(context: BenchmarkContext): Promise<BenchmarkReport> {
    const values = benchOptions(context.args, ["resources", "seed"]);
    const resources = positiveWhole(values["resources"] ?? "100000", "--resources");
    const seed = values["seed"] === undefined ? 1 : positiveWhole(values["seed"], "--seed");
    context.log(`row-sizes: generating ${resources} rows …`);
    const rows: Record<string, unknown>[] = [];
    for (const row of generateEstateRows({ resources, seed })) rows.push(row);
    const families = measureRowSizes(rows);
    const kib = (bytes: number) => (bytes / 1024).toFixed(2);
    const columns = [
      "family",
      "rows",
      "whole avg KiB",
      "whole max KiB",
      "projected avg KiB",
      "projected p99 KiB",
      "projected max KiB",
      "1,000 rows at avg MiB",
      "rows per 16 MiB at max",
      "heaviest path",
    ];
    const table = families.map((f) => {
      const heaviest = Object.entries(f.pathAverageBytes).sort((a, b) => b[1] - a[1])[0];
      return [
        f.family,
        f.projected.rows,
        kib(f.whole.averageBytes),
        kib(f.whole.maxBytes),
        kib(f.projected.averageBytes),
        kib(f.projected.p99Bytes),
        kib(f.projected.maxBytes),
        ((f.projected.averageBytes * 1000) / 1048576).toFixed(2),
        f.rowsPerResponseAtMax,
        heaviest === undefined ? "" : `${heaviest[0]} (${kib(heaviest[1])} KiB avg)`,
      ];
    });
    return {
      name: "row-sizes",
      table: { columns, rows: table },
      figures: { resources, seed, families },
      notes: [
        "whole: the row as the resources table holds it; projected: as the collector's query returns it (emulator KQL subset)",
      ],
    };
  },
};
