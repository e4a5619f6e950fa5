// Switchboard's offline service worker (docs/deploy.md, "Offline").
//
// - Precaches every file the app needs, named with its sha256 by the build (scripts/buildlib/precache.py
//   fills in BUILD, FILES and their digest), into one cache per build; a file whose bytes differ from the build's is
//   refused, so a stale copy on a CDN can never mix two versions. Unchanged files are copied from the
//   previous build's cache instead of downloaded again.
// - Keeps each file's type and security headers (CSP, X-Frame-Options, ...): the host's, or where it sent
//   none (GitHub Pages, python -m http.server) the ones nginx.conf sends, which the build fills in from
//   scripts/buildlib/csp.py. A page this worker serves is never less protected than one from the network.
// - Answers those files cache-first. Every other request, above all the ones to the LLM providers
//   (other origins), goes to the network untouched: no respondWith, so no copy, no cache, no change.
// - A new build waits until the page asks it to take over ({type: "SKIP_WAITING"}, sent by
//   sw-register.js when the user presses "Reload"), then deletes the older builds' caches.
"use strict";

const BUILD = "{{SW_BUILD}}";
const FILES = {{SW_FILES}}; // [[path relative to this script, sha256 hex], ...]
const SECURITY_HEADERS = {{SW_HEADERS}}; // {name: value}, as nginx.conf sends them
const CONTENTS = "{{SW_CONTENTS}}"; // a digest of FILES and SECURITY_HEADERS

const ROOT = new URL("./", self.location.href).href;
const PREFIX = `switchboard ${new URL(ROOT).pathname} `; // one app per path: never touch a neighbour's caches
const CACHE = `${PREFIX}${BUILD} ${CONTENTS}`; // what it holds names it: no two different builds share one
const EXPECTED = new Map(FILES.map(([path, sha256]) => [new URL(path, ROOT).href, sha256]));
const INDEX = new URL("index.html", ROOT).href;
const PARALLEL = 4;

self.addEventListener("install", (event) => {
  event.waitUntil(precache());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim(); // the first visit's page works offline without a reload
  })());
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || request.headers.has("range")) return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return; // providers and every other origin: the network's business
  url.search = "";
  url.hash = "";
  const key = request.mode === "navigate" && url.href === ROOT ? INDEX : url.href;
  if (!EXPECTED.has(key)) return; // not part of this build (the saved copy, build.json...): network
  event.respondWith(fromCache(key, request));
});

async function fromCache(key, request) {
  const hit = await caches.match(key, { cacheName: CACHE, ignoreVary: true });
  return hit || fetch(request); // evicted by the browser: the network still answers when online
}

async function precache() {
  const cache = await caches.open(CACHE);
  const queue = [...EXPECTED];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) await store(cache, item[0], item[1]);
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
}

async function store(cache, url, sha256) {
  if (await verified(await cache.match(url), sha256)) return; // an interrupted install got this far
  // The page's headers (its CSP, frame-ancestors...) are the host's of today, not an older build's copy.
  for (const name of url === INDEX ? [] : await caches.keys()) {
    if (!name.startsWith(PREFIX) || name === CACHE) continue;
    const body = await verified(await (await caches.open(name)).match(url), sha256);
    if (body) return cache.put(url, copy(body.response, body.bytes));
  }
  const response = await fetch(url, { cache: "no-cache", credentials: "same-origin" });
  if (!response.ok) throw new Error(`offline copy: ${url} answered ${response.status}`);
  const body = await verified(response, sha256);
  if (!body) throw new Error(`offline copy: ${url} is not the file build ${BUILD} lists`);
  await cache.put(url, copy(response, body.bytes));
}

/** The response's bytes and itself when they hash to `sha256`, else null. */
async function verified(response, sha256) {
  if (!response) return null;
  const bytes = await response.clone().arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  return hex === sha256 ? { response, bytes } : null;
}

/** A plain 200 response with the bytes, their type and the security headers (the host's, else the build's):
 * no redirect flag, and none of the transfer headers (length, encoding) that no longer apply. */
function copy(response, bytes) {
  const headers = new Headers();
  const type = response.headers.get("Content-Type");
  if (type) headers.set("Content-Type", type);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers.set(name, response.headers.get(name) ?? value);
  return new Response(bytes, { status: 200, headers });
}
