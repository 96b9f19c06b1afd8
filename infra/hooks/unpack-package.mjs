// azd's prepackage hook (azure.yaml): unpacks the zip `npm run package` wrote (dist/package/mi-exposure-auditor.zip)
// into dist/package/app, the folder azd zips and deploys. azd takes a Node service's package from a folder, never
// from a ready zip, so the one zip the project builds and tests is what reaches Azure, file for file.
import { createWriteStream, mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";

const zipPath = resolve("dist", "package", "mi-exposure-auditor.zip");
const outDir = resolve("dist", "package", "app");

function open(path) {
  return new Promise((done, fail) =>
    yauzl.open(path, { lazyEntries: true }, (error, zip) => (error ? fail(error) : done(zip))),
  );
}

function readStream(zip, entry) {
  return new Promise((done, fail) =>
    zip.openReadStream(entry, (error, stream) => (error ? fail(error) : done(stream))),
  );
}

rmSync(outDir, { recursive: true, force: true });
const zip = await open(zipPath);
let files = 0;
await new Promise((done, fail) => {
  zip.on("entry", (entry) => {
    const target = join(outDir, entry.fileName);
    // yauzl refuses absolute and ../ names already; this keeps a bad entry from writing outside the folder anyway.
    if (!target.startsWith(outDir + sep)) return fail(new Error(`zip entry outside the package: ${entry.fileName}`));
    if (entry.fileName.endsWith("/")) {
      mkdirSync(target, { recursive: true });
      return zip.readEntry();
    }
    mkdirSync(dirname(target), { recursive: true });
    readStream(zip, entry)
      .then((stream) => pipeline(stream, createWriteStream(target)))
      .then(() => {
        files += 1;
        zip.readEntry();
      }, fail);
  });
  zip.on("end", done);
  zip.on("error", fail);
  zip.readEntry();
});
console.log(`unpacked ${files} files of ${zipPath} into ${outDir}`);
