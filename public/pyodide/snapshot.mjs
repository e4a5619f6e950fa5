// Start Python from the build's memory snapshot (scripts/buildlib/snapshot.py): the heap of a Pyodide
// that has already started and imported the app's first screen, copied back into a fresh instance of
// the same pyodide.asm.wasm. That skips Python's start-up and the imports, most of a normal start.
//
// It uses Pyodide's private `_loadSnapshot` option, so everything that can go wrong makes `restore`
// reject, and pyodide/boot.mjs then starts Python the normal way: a missing or changed file (its sha256
// is checked), a file that is not gzip, Pyodide's "Snapshot build id mismatch", an error while
// restoring, or a heap without the app in it.
import { loadPyodide } from "./pyodide.mjs";

const STAND_IN = new Uint8Array(8);

/** The snapshot's bytes, checked against their sha256 and inflated. */
async function download(url, integrity) {
  const response = await fetch(url, { integrity });
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  const inflated = response.body.pipeThrough(new DecompressionStream("gzip"));
  const bytes = new Uint8Array(await new Response(inflated).arrayBuffer());
  performance.mark("switchboard:snapshot-bytes");  // phases for scripts/bench.py
  return bytes;
}

/**
 * Pyodide restored from the snapshot `config` ({file, integrity, heapBytes}) under `indexURL`, with
 * our package (`wheel`, a promise of its bytes) written back to `appZip`, where the snapshot's imports
 * were made from.
 */
export async function restore(indexURL, config, appZip, wheel) {
  const bytes = download(new URL(config.file, indexURL).href, config.integrity);
  bytes.catch(() => {}); // reported by loadPyodide, which awaits it
  const asm = import("./pyodide.asm.mjs");
  const pyodide = await loadPyodide({
    indexURL,
    // Pyodide awaits this before it even instantiates the wasm, and restores what it resolves to. So
    // it gets a stand-in at once, and the real bytes replace it in restoreSnapshot below: the download
    // and the inflating run while the wasm compiles and the standard library is installed.
    _loadSnapshot: STAND_IN,
    async createPyodideModule(settings) {
      const [module, snapshot] = await Promise.all([(await asm).default(settings), bytes]);
      performance.mark("switchboard:snapshot-wasm");
      // Pyodide asks for INITIAL_MEMORY = the snapshot's size, but this build starts with 30 MiB
      // whatever it is told, and copying a bigger heap in fails ("offset is out of bounds").
      if (module.HEAP8.length < config.heapBytes) module.growMemory(config.heapBytes);
      const restoreSnapshot = module.API.restoreSnapshot;
      module.API.restoreSnapshot = (standIn) => {
        if (standIn !== STAND_IN) throw new Error("Pyodide restored something other than our snapshot");
        return restoreSnapshot(snapshot);
      };
      return module;
    },
  });
  // The file system is not in the snapshot: put our package back where its imports were made from
  // (the same bytes, so zipimport's cached directory of the zip still holds), for what loads later.
  pyodide.FS.writeFile(appZip, new Uint8Array(await wheel));
  pyodide.runPython("import switchboard.web.snapshot as s; s.restored()");
  return pyodide;
}
