// Our boot module: starts Pyodide as soon as the page runs, before PyScript has loaded its own chunks.
// PyScript's "interpreter" setting points here, so PyScript receives the interpreter already booting.
import { loadPyodide as load, version } from "./pyodide.mjs";

export { version };

let booting = null;

/** Start the interpreter (once) with the app's packages; later callers share the same promise. */
export function start() {
  booting ??= load({
    indexURL: new URL("./", import.meta.url).href,
    packages: ["switchboard"],
  });
  return booting;
}

/** What PyScript calls: hand over the early interpreter and route its output to PyScript's streams. */
export async function loadPyodide(options = {}) {
  const pyodide = await start();
  if (options.stdout) pyodide.setStdout({ batched: options.stdout });
  if (options.stderr) pyodide.setStderr({ batched: options.stderr });
  return pyodide;
}
