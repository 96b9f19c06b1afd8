// A ResourceSource over snapshot files: every row of every file goes to the sink, tagged with its file and index.
import { stat } from "node:fs/promises";
import type { CollectionOutcome, ResourceSource, RowSink, SourceDescription } from "../audit/resource-source";
import { readSnapshotFile, type SnapshotContent } from "./snapshot-reader";
import { streamSnapshotRows } from "./snapshot-stream";

/**
 * Files larger than this are read row by row (snapshot-stream.ts) instead of parsed whole: a whole-file parse needs
 * the file as one string (V8 allows about 512 MB) and every parsed row at once.
 */
export const STREAM_SNAPSHOTS_FROM_BYTES = 64 * 1024 * 1024;

export interface SnapshotSourceOptions {
  /** Default STREAM_SNAPSHOTS_FROM_BYTES; tests lower it. */
  streamFromBytes?: number;
  /** Bytes read at a time by the row-by-row reader. */
  chunkBytes?: number;
}

export class SnapshotSource implements ResourceSource {
  constructor(
    private readonly files: string[],
    private readonly options: SnapshotSourceOptions = {},
  ) {}

  describe(): SourceDescription {
    return { kind: "snapshot", files: [...this.files] };
  }

  async collect(sink: RowSink): Promise<CollectionOutcome> {
    const started = Date.now();
    const rowsByFile: Record<string, number> = {};
    const streamFrom = this.options.streamFromBytes ?? STREAM_SNAPSHOTS_FROM_BYTES;
    // Small files are read (and checked) before any row is added, so a bad one fails the audit before any work is
    // done. Large ones are read row by row in their turn; a bad row or a truncated end then fails the audit part way.
    const plans = await Promise.all(
      this.files.map(async (file) => {
        const size = await stat(file).then(
          (s) => s.size,
          () => undefined,
        );
        return size !== undefined && size >= streamFrom
          ? { file, stream: true as const }
          : { file, stream: false as const, content: await readSnapshotFile(file) };
      }),
    );
    for (const plan of plans) {
      if (plan.stream) {
        const { rows } = await streamSnapshotRows(
          plan.file,
          (row, index) => sink.add(row, `${plan.file} row ${index}`),
          this.options.chunkBytes === undefined ? {} : { chunkBytes: this.options.chunkBytes },
        );
        rowsByFile[plan.file] = rows;
      } else {
        const content: SnapshotContent = plan.content;
        content.rows.forEach((row, index) => sink.add(row, `${plan.file} row ${index}`));
        rowsByFile[plan.file] = content.rows.length;
      }
    }
    return { stats: { rowsByFile, durationMs: Date.now() - started }, gaps: [] };
  }
}
