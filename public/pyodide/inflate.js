// The start-up snapshot's inflating, off the page's thread (pyodide/snapshot.mjs sends the gzipped
// bytes and gets the heap back, both transferred, not copied): the page's thread meanwhile evaluates
// Pyodide's JavaScript and instantiates its wasm, and the two take about as long.
"use strict";

self.onmessage = async (event) => {
  try {
    const inflated = new Blob([event.data]).stream().pipeThrough(new DecompressionStream("gzip"));
    const heap = await new Response(inflated).arrayBuffer();
    self.postMessage({ heap }, [heap]);
  } catch (e) {
    self.postMessage({ error: String(e?.message || e) });
  }
};
