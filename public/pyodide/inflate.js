// The start-up snapshot's bytes, found off the page's thread (pyodide/snapshot.mjs), which is busy
// instantiating Pyodide's wasm meanwhile: every step below done there would wait behind that.
//
// 1. The inflated bytes an earlier start kept in Cache Storage, if they are there and their sha256 is the
//    build's (a read that stalls is given up after `keptReadMs`).
// 2. Else the file, fetched here (a response body handed over from the page would arrive only as fast as
//    the page's thread passes it on), checked against its Subresource Integrity and inflated as it
//    arrives. Once the page says Python restored from it ({keep: true}), the inflated bytes are kept for
//    the next start; bytes that did not restore never are.
//
// Messages to the page: {heap, from: "kept" | "downloaded"} (transferred), {note} for its console,
// {error}, and after a download {kept: true} or {kept: false, why}.
"use strict";

async function sri(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return "sha256-" + btoa(String.fromCharCode(...digest));
}

/** Whether this worker can use Cache Storage: reading `caches` itself throws where storage is refused. */
function canKeep(store) {
  try {
    return Boolean(store && self.caches);
  } catch {
    return false;
  }
}

async function readKept({ cache, key }, integrity) {
  try {
    const hit = await (await caches.open(cache)).match(key);
    if (!hit) return null;
    const heap = await hit.arrayBuffer();
    if ((await sri(heap)) === integrity) return heap;
    self.postMessage({ note: "the kept start-up snapshot is not this build's; downloading it again." });
  } catch (e) {
    self.postMessage({ note: `the kept start-up snapshot could not be read (${e?.message || e}).` });
  }
  return null;
}

/** `readKept`, or null once it has taken `ms`: storage that never answers must not stall the start. */
function readKeptWithin(store, integrity, ms) {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => {
      self.postMessage({ note: `the kept start-up snapshot took over ${ms} ms to read; downloading it instead.` });
      resolve(null);
    }, ms);
  });
  return Promise.race([readKept(store, integrity), late]).finally(() => clearTimeout(timer));
}

async function download(url, integrity) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  const [forHash, forHeap] = response.body.tee();
  const hash = new Response(forHash).arrayBuffer().then(sri);
  hash.catch(() => {}); // awaited below, unless inflating failed first
  const heap = await new Response(forHeap.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
  // Nothing of the heap is used before its file's hash is known to be the build's.
  if ((await hash) !== integrity) throw new Error("the snapshot is not the file this build made (sha256)");
  return heap;
}

async function keep(heap, { cache, key }) {
  const heaps = await caches.open(cache);
  // One build's heap at a time: an older build's is 16 MB nobody will restore again.
  for (const old of await heaps.keys()) if (old.url !== key) await heaps.delete(old);
  await heaps.put(key, new Response(heap, { headers: { "Content-Type": "application/octet-stream" } }));
}

/** The page's word on the restore: resolves with whether to keep the heap. */
function restored() {
  return new Promise((resolve) => {
    self.onmessage = ({ data }) => resolve(data.keep === true);
  });
}

self.onmessage = async ({ data: { url, integrity, inflatedIntegrity, store, keptReadMs } }) => {
  const keeping = canKeep(store);
  const verdict = restored();
  let heap;
  try {
    const kept = keeping ? await readKeptWithin(store, inflatedIntegrity, keptReadMs) : null;
    if (kept) return self.postMessage({ heap: kept, from: "kept" }, [kept]);
    heap = await download(url, integrity);
    const copy = keeping ? heap.slice(0) : heap;
    self.postMessage({ heap: copy, from: "downloaded" }, [copy]);
  } catch (e) {
    return self.postMessage({ error: String(e?.message || e) });
  }
  try {
    if (!keeping) throw new Error("this page has no Cache Storage");
    if (!(await verdict)) throw new Error("Python did not restore from it");
    await keep(heap, store);
    self.postMessage({ kept: true });
  } catch (e) {
    // No Cache Storage, full storage, a private mode that refuses it: the next start downloads and inflates again.
    self.postMessage({ kept: false, why: String(e?.message || e) });
  }
};
