// The start-up snapshot's checking and inflating, off the page's thread: pyodide/snapshot.mjs hands over
// the response body as it downloads, with its Subresource Integrity ("sha256-<base64>"), and gets the
// heap back (transferred, not copied). Meanwhile the page's thread evaluates Pyodide's JavaScript and
// instantiates its wasm, which takes about as long.
"use strict";

async function sha256(stream) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await new Response(stream).arrayBuffer()));
  return "sha256-" + btoa(String.fromCharCode(...digest));
}

self.onmessage = async ({ data: { body, integrity } }) => {
  try {
    const stream = body instanceof ArrayBuffer ? new Blob([body]).stream() : body;
    const [forHash, forHeap] = stream.tee();
    const hash = sha256(forHash);
    hash.catch(() => {}); // awaited below, unless inflating failed first
    const heap = await new Response(forHeap.pipeThrough(new DecompressionStream("gzip"))).arrayBuffer();
    // Nothing of the heap is used before its file's hash is known to be the build's.
    if ((await hash) !== integrity) throw new Error("the snapshot is not the file this build made (sha256)");
    self.postMessage({ heap }, [heap]);
  } catch (e) {
    self.postMessage({ error: String(e?.message || e) });
  }
};
