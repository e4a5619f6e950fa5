// Our boot module: starts Pyodide as soon as the page runs, before PyScript has loaded its own chunks.
// PyScript's "interpreter" setting points here, so PyScript receives the interpreter already booting.
import { loadPyodide as load, version } from "./pyodide.mjs";

export { version };

let booting = null;

async function boot() {
  const pyodide = await load({ indexURL: new URL("./", import.meta.url).href });
  // loadPackage only logs a failed download or integrity check; the app must not start half-loaded.
  const problems = [];
  await pyodide.loadPackage(["switchboard"], { errorCallback: (m) => problems.push(m), messageCallback: () => {} });
  if (!pyodide.loadedPackages.switchboard) {
    throw new Error(`the Switchboard package did not load: ${problems.join("; ") || "unknown reason"}`);
  }
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
