// The start-up snapshot's download, check and inflating, off the page's thread (pyodide/snapshot.mjs).
// The worker fetches the file itself: a response body handed over from the page would arrive only as
// fast as the page's thread, busy instantiating Pyodide's wasm meanwhile, passes it on. It checks the
// file's Subresource Integrity ("sha256-<base64>") and sends the heap back (a transferred copy). Once
// the page says Python restored from it ({keep: true}), it keeps the inflated bytes in Cache Storage, so
// that the next start needs neither the download nor the inflating, and says whether that worked; bytes
// that did not restore are never kept.
"use strict";

async function sha256(stream) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await new Response(stream).arrayBuffer()));
  return "sha256-" + btoa(String.fromCharCode(...digest));
}

async function keep(heap, { cache, key }) {
  const heaps = await caches.open(cache);
  // One build's heap at a time: an older build's is 16 MB nobody will restore again.
  for (const old of await heaps.keys()) if (old.url !== key) await heaps.delete(old);
  await heaps.put(key, new Response(heap, { headers: { "Content-Type": "application/octet-stream" } }));
}

/** Whether this worker can keep the heap: reading `caches` itself throws where storage is refused. */
function canKeep(store) {
  try {
    return Boolean(store && self.caches);
  } catch {
    return false;
  }
}

/** The page's word on the restore: resolves with whether to keep the heap. */
function restored() {
  return new Promise((resolve) => {
    self.onmessage = ({ data }) => resolve(data.keep === true);
  });
}

self.onmessage = async ({ data: { url, integrity, store } }) => {
  const keeping = canKeep(store);
  const verdict = restored();
  let heap;
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
    const [forHash, forHeap] = response.body.tee();
    const hash = sha256(forHash);
    hash.catch(() => {}); // awaited below, unless inflating failed first
    heap = await new Response(forHeap.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
    // Nothing of the heap is used before its file's hash is known to be the build's.
    if ((await hash) !== integrity) throw new Error("the snapshot is not the file this build made (sha256)");
    const copy = keeping ? heap.slice(0) : heap;
    self.postMessage({ heap: copy }, [copy]);
  } catch (e) {
    self.postMessage({ error: String(e?.message || e) });
    return;
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
