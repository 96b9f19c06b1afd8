// Serialises rows as a snapshot in the Resource Graph REST shape ({totalRecords, count, data}) piece by piece. A
// million-row estate is gigabytes of JSON, past V8's ~512 MB string limit, so the text is built and handed out in
// chunks of about `chunkSize` characters for the caller to write; no chunk ever holds more than one row beyond it.

export function* snapshotJsonChunks(
  rows: Iterable<unknown>,
  total: number,
  chunkSize = 1 << 20,
): Generator<string, void, undefined> {
  let chunk = `{"totalRecords":${total},"count":${total},"resultTruncated":"false","data":[`;
  let written = 0;
  for (const row of rows) {
    chunk += `${written === 0 ? "\n" : ",\n"}${JSON.stringify(row)}`;
    written += 1;
    if (chunk.length >= chunkSize) {
      yield chunk;
      chunk = "";
    }
  }
  // totalRecords is written first, so a row count that differs would make the file lie about itself.
  if (written !== total) throw new Error(`snapshot declared ${total} rows but ${written} were produced`);
  yield `${chunk}\n]}\n`;
}
