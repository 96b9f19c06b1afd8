// Reads a zip with yauzl (a reader independent of the writer, yazl): its entry names, or its files extracted into a
// folder. Entry names are checked before anything is written, so a name leaving the folder fails instead.
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname, isAbsolute, join, normalize } from "node:path";
import { pipeline } from "node:stream/promises";
import { open, type Entry, type ZipFile } from "yauzl";

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) =>
    open(path, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (error, zip) =>
      error ? reject(error) : resolve(zip),
    ),
  );
}

/** Calls `onEntry` for each entry in order, waiting for it before reading the next. */
async function eachEntry(path: string, onEntry: (zip: ZipFile, entry: Entry) => Promise<void>): Promise<void> {
  const zip = await openZip(path);
  await new Promise<void>((resolve, reject) => {
    zip.on("error", reject);
    zip.on("end", resolve);
    zip.on("entry", (entry: Entry) => {
      onEntry(zip, entry).then(
        () => zip.readEntry(),
        (error: unknown) => {
          zip.close();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
    zip.readEntry();
  });
}

/** The names of the zip's entries, in the order they are stored. */
export async function zipEntries(path: string): Promise<string[]> {
  const names: string[] = [];
  await eachEntry(path, (_zip, entry) => {
    names.push(entry.fileName);
    return Promise.resolve();
  });
  return names;
}

/** Extracts the files whose names pass `keep` (all by default) into `dir`. */
export async function extractZip(
  path: string,
  dir: string,
  keep: (name: string) => boolean = () => true,
): Promise<void> {
  await eachEntry(path, async (zip, entry) => {
    const name = entry.fileName;
    if (isAbsolute(name) || normalize(name).startsWith(".."))
      throw new Error(`zip entry ${name} would land outside ${dir}`);
    if (name.endsWith("/") || !keep(name)) return;
    const target = join(dir, name);
    mkdirSync(dirname(target), { recursive: true });
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      zip.openReadStream(entry, (error, read) => (error ? reject(error) : resolve(read))),
    );
    await pipeline(stream, createWriteStream(target, { mode: (entry.externalFileAttributes >>> 16) & 0o777 || 0o644 }));
  });
}
