// Start Python from the build's memory snapshot (scripts/buildlib/snapshot.py): the heap of a Pyodide
// that has already started and imported the app's first screen, copied back into a fresh instance of
// the same pyodide.asm.wasm. That skips Python's start-up and the imports, most of a normal start.
// The file holds only the heap's non-zero pages, gzipped. A worker (inflate.js) finds the bytes while
// this thread evaluates Pyodide's JavaScript and instantiates its wasm: on a first start it downloads,
// checks and inflates the file, and once Python has restored from it keeps the inflated bytes in Cache
// Storage; later starts read those (checked against their own sha256), several times faster than
// inflating them again.
//
// It uses Pyodide's private `_loadSnapshot` option, so everything that can go wrong makes `restore`
// reject, and pyodide/boot.mjs then starts Python the normal way: a missing or changed file (its sha256
// is checked), a file that is not gzip, Pyodide's "Snapshot build id mismatch", an error while
// restoring, or a heap without the app in it.
import { loadPyodide } from "./pyodide.mjs";

const STAND_IN = new Uint8Array(8);
const PAGE = 4096; // scripts/buildlib/snapshot.py's PAGE

const WORKER = new URL("./inflate.js", import.meta.url).href;
// How long the worker may take to read the kept snapshot before it downloads the file instead: a read
// takes tens of milliseconds, and storage that never answers must not leave the page starting forever.
const KEPT_READ_MS = 3000;

/** inflate.js's URL, as the page's Trusted Types policy (require-trusted-types-for 'script') wants it. */
function workerURL() {
  if (!globalThis.trustedTypes) return WORKER;
  const policy = globalThis.trustedTypes.createPolicy("switchboard-inflate", {
    createScriptURL(url) {
      if (url !== WORKER) throw new TypeError(`switchboard-inflate makes only ${WORKER}, not ${url}`);
      return url;
    },
  });
  return policy.createScriptURL(WORKER);
}

/** Where the inflated snapshot is kept: one cache per copy of the app (its path), keyed by the file. */
function kept(indexURL, config) {
  const key = new URL(`${config.file}.inflated`, indexURL).href;
  return { cache: `switchboard-snapshot ${new URL(indexURL).pathname}`, key };
}

/** Drop the kept snapshot (a restore from it failed: the next start should not read it again). */
async function forget({ cache, key }) {
  try {
    await (await caches.open(cache)).delete(key);
  } catch {
    // Nothing kept, or no storage: nothing to forget.
  }
}

/**
 * The snapshot `config` describes, found by a worker (inflate.js): `heap` resolves with it, and <html
 * data-snapshot> then says where it came from ("kept", "downloaded"); `keep(restored)` tells the worker
 * whether Python restored from downloaded bytes, and so whether to keep them as `store` says.
 */
function find(indexURL, config, store) {
  const worker = new Worker(workerURL(), { name: "switchboard-inflate" });
  const keep = (restored) => worker.postMessage({ keep: restored });  // a worker that has ended ignores it
  const heap = new Promise((resolve, reject) => {
    const fail = (message) => {
      worker.terminate();
      reject(new Error(message));
    };
    worker.onmessage = ({ data }) => {
      if (data.note) return console.warn(`Switchboard: ${data.note}`);
      if (data.heap) {
        document.documentElement.dataset.snapshot = data.from;
        if (data.from === "kept") worker.terminate();
        return resolve(new Uint8Array(data.heap));
      }
      if (data.error) return fail(data.error);
      worker.terminate();
      if (data.kept) performance.mark("switchboard:snapshot-kept");  // the next start reads it (tests wait for this)
      else console.info(`Switchboard: the start-up snapshot was not kept for the next start (${data.why}).`);
    };
    worker.onerror = (e) => fail(e.message || "the snapshot's worker failed");
    worker.onmessageerror = () => fail("the snapshot's worker sent what this page cannot read");
  });
  worker.postMessage({
    url: new URL(config.file, indexURL).href, integrity: config.integrity,
    inflatedIntegrity: config.inflatedIntegrity, store, keptReadMs: KEPT_READ_MS,
  });
  return { heap, keep };
}

/**
 * Write the heap into `heap` from the snapshot's page table and pages (scripts/buildlib/snapshot.py has
 * the layout). Pages between runs are zeroed: the fresh instance may have written to them already.
 */
function copyPages(snapshot, offset, heap, heapBytes) {
  const view = new DataView(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength);
  const runs = view.getUint32(offset, true);
  let at = offset + 4 + 8 * runs;
  let end = 0; // of the last run written
  for (let i = 0; i < runs; i++) {
    const start = view.getUint32(offset + 4 + 8 * i, true) * PAGE;
    const length = view.getUint32(offset + 8 + 8 * i, true) * PAGE;
    if (start < end || start + length > heapBytes || at + length > snapshot.byteLength) {
      throw new Error("the snapshot's page table is corrupt");
    }
    heap.fill(0, end, start);
    heap.set(snapshot.subarray(at, at + length), start);
    at += length;
    end = start + length;
  }
  if (at !== snapshot.byteLength) throw new Error("the snapshot's page table does not match its pages");
  heap.fill(0, end, heapBytes);
}

/**
 * Pyodide restored from the snapshot `config` ({file, integrity, heapBytes, inflatedIntegrity}) under
 * `indexURL`, with our package (`wheel`, a promise of its bytes) written back to `appZip`, where the
 * snapshot's imports were made from.
 */
export async function restore(indexURL, config, appZip, wheel) {
  const store = kept(indexURL, config);
  const { heap, keep } = find(indexURL, config, store);
  const bytes = heap.then((bytes) => {
    performance.mark("switchboard:snapshot-bytes");  // phases for scripts/bench.py
    return bytes;
  });
  try {
    const pyodide = await restoreFrom(bytes, indexURL, config, appZip, wheel);
    keep(true);
    return pyodide;
  } catch (e) {
    keep(false);
    // A kept copy that no longer restores (a browser update, say): the next start downloads it again.
    // Not awaited: storage that never answers must not hold back the normal boot.
    if (document.documentElement.dataset.snapshot === "kept") forget(store);
    throw e;
  }
}

async function restoreFrom(bytes, indexURL, config, appZip, wheel) {
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
      // This build of Pyodide starts with 30 MiB of memory whatever INITIAL_MEMORY says, and copying
      // a bigger heap in would fail ("offset is out of bounds").
      if (module.HEAP8.length < config.heapBytes) module.growMemory(config.heapBytes);
      const restoreSnapshot = module.API.restoreSnapshot;
      module.API.restoreSnapshot = (standIn) => {
        if (standIn !== STAND_IN) throw new Error("Pyodide restored something other than our snapshot");
        // Pyodide checks the header (magic, BUILD_ID) and reads its JSON; the heap is ours to copy.
        const offset = new DataView(snapshot.buffer, snapshot.byteOffset).getUint32(4, true);
        const state = restoreSnapshot(snapshot.subarray(0, offset));
        copyPages(snapshot, offset, module.HEAP8, config.heapBytes);
        return state;
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
