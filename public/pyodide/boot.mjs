// Our boot module: starts Pyodide as soon as the page runs, before PyScript has loaded its own chunks.
// PyScript's "interpreter" setting points here, so PyScript receives the interpreter already booting.
import { loadPyodide as load, version } from "./pyodide.mjs";

export { version };

let booting = null;

// Filled in by the build: our package (a wheel with bytecode compiled at build time) and its hash.
const APP_WHEEL = new URL("./{{APP_WHEEL}}", import.meta.url).href;
const APP_WHEEL_INTEGRITY = "{{APP_WHEEL_INTEGRITY}}";
const APP_ZIP = "{{APP_ZIP}}";

async function boot() {
  // The package downloads while the interpreter starts; the browser checks its sha256 (SRI).
  const wheel = fetch(APP_WHEEL, { integrity: APP_WHEEL_INTEGRITY }).then((response) => {
    if (!response.ok) throw new Error(`HTTP ${response.status} for ${APP_WHEEL}`);
    return response.arrayBuffer();
  });
  wheel.catch(() => {});  // reported below, once the interpreter is up
  const pyodide = await load({ indexURL: new URL("./", import.meta.url).href });
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
  performance.mark("switchboard:package");
  return pyodide;
}

/** Start the interpreter (once) with the app's package; later callers share the same promise. */
export function start() {
  booting ??= boot();
  return booting;
}

/** What PyScript calls: hand over the early interpreter and route its output to PyScript's streams. */
export async function loadPyodide(options = {}) {
  const pyodide = await start();
  if (options.stdout) pyodide.setStdout({ batched: options.stdout });
  if (options.stderr) pyodide.setStderr({ batched: options.stderr });
  return pyodide;
}
