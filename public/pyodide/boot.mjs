// Our boot module: starts Pyodide with the app's package, from the build's memory snapshot when it can
// (pyodide/snapshot.mjs), else the normal way. boot.js then runs the app; tests share the interpreter
// through start().
import { loadPyodide as load, version } from "./pyodide.mjs";
import { restore } from "./snapshot.mjs";

export { version };

let booting = null;

// Filled in by the build: our package (a wheel with bytecode compiled at build time) and its hash.
const APP_WHEEL = new URL("./{{APP_WHEEL}}", import.meta.url).href;
const APP_WHEEL_INTEGRITY = "{{APP_WHEEL_INTEGRITY}}";
const APP_ZIP = "{{APP_ZIP}}";
// The start-up snapshot the build made: {file, integrity, heapBytes, inflatedIntegrity}.
const SNAPSHOT = {{SNAPSHOT}};
const INDEX_URL = new URL("./", import.meta.url).href;

/** How this page boots: "snapshot", or "normal" where the page asks for it (?boot=normal, which the
 * tests and scripts/bench.py use to cover both ways; it only makes the start slower). */
function mode() {
  return new URLSearchParams(location.search).get("boot") === "normal" ? "normal" : "snapshot";
}

async function normal(wheel) {
  const pyodide = await load({ indexURL: INDEX_URL });
  performance.mark("switchboard:python");  // phases for scripts/bench.py
  let bytes;
  try {
    bytes = new Uint8Array(await wheel);
  } catch (e) {
    throw new Error(`the Switchboard package did not load: ${e.message || e}`);
  }
  // Imported in place from the zip (zipimport): no unpacking, and no compiling thanks to the bytecode.
  pyodide.FS.writeFile(APP_ZIP, bytes);
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(APP_ZIP)})`);
  return pyodide;
}

async function boot() {
  // The package downloads while the interpreter starts; the browser checks its sha256 (SRI).
  const wheel = fetch(APP_WHEEL, { integrity: APP_WHEEL_INTEGRITY }).then((response) => {
    if (!response.ok) throw new Error(`HTTP ${response.status} for ${APP_WHEEL}`);
    return response.arrayBuffer();
  });
  wheel.catch(() => {});  // reported below, once the interpreter is up
  let pyodide = null;
  if (mode() === "snapshot") {
    try {
      pyodide = await restore(INDEX_URL, SNAPSHOT, APP_ZIP, wheel);
      performance.mark("switchboard:python");
    } catch (e) {
      // The user only waits longer: Python starts the normal way, and the console says why.
      console.warn(`Switchboard: starting Python without its start-up snapshot (${e.message || e}).`, e);
      document.documentElement.dataset.boot = "snapshot failed";
    }
  }
  pyodide ??= await normal(wheel);
  document.documentElement.dataset.boot ??= mode();
  performance.mark("switchboard:package");
  return pyodide;
}

/** Start the interpreter (once) with the app's package; later callers share the same promise. */
export function start() {
  booting ??= boot();
  return booting;
}
