// Build step, run by Node (scripts/buildlib/snapshot.py): boot the very Pyodide files dist/ ships, import
// what the first screen imports from the app's wheel, and write Pyodide's memory snapshot of that heap.
//
//   node snapshot_make.mjs PYODIDE_DIR APP_WHEEL APP_ZIP OUT
//
// The snapshot must be byte-for-byte reproducible, so everything that would put this run's chance or
// time into the heap is fixed here: the entropy Python and its allocator draw (the str hash secret,
// random's seed, mimalloc's keys), the clocks, the program name (Node would use this script's path) and
// the runtime string sys._emscripten_info keeps (Node would put its own version there). The browser
// renews what matters after each restore (switchboard.web.snapshot.restored), and the rest is listed
// in docs/architecture.md ("Start-up from a memory snapshot").
import { createHash } from "node:crypto";
import nodeCrypto from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";

const [pyodideDir, wheelPath, appZip, out] = process.argv.slice(2);

let block = 0;
function fixedEntropy(view) {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  for (let i = 0; i < bytes.length; i += 32) {
    const digest = createHash("sha256").update(`switchboard snapshot entropy ${block++}`).digest();
    bytes.set(digest.subarray(0, Math.min(32, bytes.length - i)), i);
  }
  return view;
}
nodeCrypto.randomFillSync = fixedEntropy; // what Emscripten's getentropy() calls under Node
globalThis.crypto.getRandomValues = fixedEntropy;
const EPOCH = Date.UTC(2026, 0, 1);
Date.now = () => EPOCH;
performance.now = () => 0;
Object.defineProperty(process, "version", { value: "(build-time snapshot)" });
// Node 21 and later have a `navigator`, whose userAgent and language Emscripten would put in the heap
// (sys._emscripten_info, LANG) in place of the two values above and below: hide it, as Node 20 has none.
if ("navigator" in globalThis) Object.defineProperty(globalThis, "navigator", { value: undefined, configurable: true });

const { loadPyodide } = await import(`${pyodideDir}/pyodide.mjs`);
const pyodide = await loadPyodide({
  indexURL: `${pyodideDir}/`,
  _makeSnapshot: true,
  _sysExecutable: "./this.program", // the browser's default program name
  env: { LANG: "C.UTF-8" }, // whatever the machine's locale
});
// As pyodide/boot.mjs does in the browser: the wheel as a zip on sys.path, imported in place.
pyodide.FS.writeFile(appZip, readFileSync(wheelPath));
pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(appZip)})`);
const modules = pyodide.runPython("import switchboard.web.snapshot as s; s.prepare()").toJs();
const libraries = Object.keys(pyodide._module.LDSO.loadedLibsByName).filter((name) => name !== "__main__");
if (libraries.length) {
  // A shared library's code and table slots are not in the heap copy: the restore would crash later.
  throw new Error(`the snapshot would hold shared libraries it cannot restore: ${libraries.join(", ")}`);
}
const snapshot = pyodide.makeMemorySnapshot();
writeFileSync(out, snapshot);
console.log(JSON.stringify({ bytes: snapshot.length, modules }));
