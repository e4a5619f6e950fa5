// Start-up of the saved copy (dist/switchboard.html): plain Pyodide from bytes embedded in this very file.
//
// A file:// page may not fetch or import its sibling files, so scripts/buildlib/single.py puts every
// runtime file in a <script type="application/octet-stream" data-path=...> block (base64, gzipped when
// that helps). fetch() answers a virtual folder from those blocks (checking the `integrity` Pyodide asks
// for, as the browser would), and Pyodide's two JavaScript modules are imported from blob: URLs. Then the
// same package and the same `switchboard.web.main.start()` as the served app run (without its start-up
// snapshot: docs/deploy.md, "Saved copy", says why).
const text = document.getElementById("boot-text");
const box = document.getElementById("boot-error");
const reason = document.getElementById("boot-error-reason");

function fail(message) {
  // Later errors belong to the features that raised them; the first start-up failure is the reason.
  if (window.SWITCHBOARD_READY || window.SWITCHBOARD_BOOT_ERROR !== undefined) return;
  window.SWITCHBOARD_BOOT_ERROR = String(message);
  reason.textContent = String(message);
  box.hidden = false;
  document.getElementById("boot").hidden = true;
}

window.addEventListener("error", (e) => fail(e.message || e.error || "a script failed to load"));
window.addEventListener("unhandledrejection", (e) => fail(e.reason?.message || e.reason || "start-up failed"));

const VIRTUAL = new URL("./__embedded__/", location.href).href; // answered from the blocks, never read from disk
const blocks = new Map();
for (const block of document.querySelectorAll('script[type="application/octet-stream"][data-path]')) {
  blocks.set(block.dataset.path, block);
}
const decoding = new Map();

/** The bytes of an embedded file, decoded once; `take` forgets them so memory is freed after use. */
function embedded(path, take = false) {
  let bytes = decoding.get(path);
  if (!bytes) {
    const block = blocks.get(path);
    if (!block) return Promise.reject(new Error(`${path} is not in this saved copy`));
    bytes = decode(block);
    decoding.set(path, bytes);
    bytes.catch(() => {}); // reported by whoever awaits it
  }
  if (take) decoding.delete(path);
  return bytes;
}

async function decode(block) {
  const base64 = block.textContent;
  const raw = Uint8Array.fromBase64 ? Uint8Array.fromBase64(base64)
    : Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  if (block.dataset.encoding !== "gzip") return raw;
  const stream = new Blob([raw]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** What fetch() does with `integrity`: refuse bytes whose digest is none of the listed ones. */
async function checkIntegrity(bytes, integrity, url) {
  const algorithms = { sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" };
  const wanted = integrity.trim().split(/\s+/).map((token) => token.split("?")[0].split("-"));
  for (const [name, expected] of wanted) {
    if (!algorithms[name]) continue;
    const digest = new Uint8Array(await crypto.subtle.digest(algorithms[name], bytes));
    if (btoa(String.fromCharCode(...digest)) === expected) return;
  }
  throw new TypeError(`Failed to fetch ${url}: its integrity check failed`);
}

const networkFetch = globalThis.fetch.bind(globalThis);
globalThis.fetch = async function fetch(input, init) {
  const url = input instanceof Request ? input.url : String(input);
  if (!url.startsWith(VIRTUAL)) return networkFetch(input, init); // providers: the real fetch, untouched
  const path = decodeURIComponent(new URL(url).pathname.slice(new URL(VIRTUAL).pathname.length));
  const block = blocks.get(path);
  if (!block) return new Response(`${path} is not in this saved copy`, { status: 404 });
  const bytes = await embedded(path, true);
  const integrity = init?.integrity || (input instanceof Request ? input.integrity : "");
  if (integrity) await checkIntegrity(bytes, integrity, path);
  return new Response(bytes, { status: 200, headers: { "Content-Type": block.dataset.type } });
};

/** An embedded module, imported from a blob: URL that is revoked once imported: the module is
 * instantiated by then, and a live URL would keep its bytes in memory and readable by any script. */
async function importEmbedded(path) {
  const url = URL.createObjectURL(new Blob([await embedded(path, true)], { type: "text/javascript" }));
  try {
    return await import(url);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The same start as pyodide/boot.mjs: Pyodide, then our package, which must really have loaded. */
async function startPython() {
  embedded("pyodide/pyodide.asm.wasm"); // the biggest file: decode it while the modules load
  const [{ loadPyodide }, asm] = await Promise.all([
    importEmbedded("pyodide/pyodide.mjs"),
    importEmbedded("pyodide/pyodide.asm.mjs"),
  ]);
  const pyodide = await loadPyodide({ indexURL: VIRTUAL + "pyodide/", createPyodideModule: asm.default });
  // As in pyodide/boot.mjs: the wheel, checked against its hash, imported in place with its bytecode.
  try {
    const response = await fetch(VIRTUAL + "pyodide/{{APP_WHEEL}}", { integrity: "{{APP_WHEEL_INTEGRITY}}" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    pyodide.FS.writeFile("{{APP_ZIP}}", new Uint8Array(await response.arrayBuffer()));
  } catch (e) {
    throw new Error(`the Switchboard package did not load: ${e.message || e}`);
  }
  pyodide.runPython(`import sys; sys.path.insert(0, "{{APP_ZIP}}")`);
  return pyodide;
}

try {
  const pyodide = await startPython();
  text.textContent = "Starting Switchboard…";
  await pyodide.runPythonAsync("from switchboard.web.main import start\nawait start()");
} catch (e) {
  console.error(e);
  fail(`The Python runtime could not start (${e.message || e}).`);
}
