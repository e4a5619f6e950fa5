#!/usr/bin/env python3
"""Why the app's transport is async fetch and not pyodide-http's synchronous XMLHttpRequest, measured.

    python3 scripts/bench.py pyodide-http [--runs 5] [--words 100] [--pace 0.02]

pyodide-http patches `requests` and `urllib` to go through a synchronous XMLHttpRequest when Python runs
on the page's main thread (`xhr.open(method, url, false)`, binary through `overrideMimeType`). This runs
the pinned Pyodide from dist/ in headless Chromium and, from Python in the page, asks the loopback mock
for one streamed OpenAI-style answer (`words` words, one every `pace` seconds) two ways:

- fetch + ReadableStream reader, as `switchboard.web.fetch` does;
- a synchronous XMLHttpRequest made exactly as pyodide-http makes one (pyodide-http itself is not
  installed: it is not among the pinned artifacts, and its patch is only this call behind requests'
  API, so the call is what is timed).

For each it prints the time to the first body bytes Python can read, the time to the whole body, and the
longest gap of a 10 ms `setInterval` heartbeat on the page during the request (how long the page could
not run anything: paint, input, other answers). Figures only; the exit status is 0 unless a request failed.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import chromium  # noqa: E402
from scripts.mock_providers import MockProviders  # noqa: E402
from scripts.serve import Handler, Server  # noqa: E402

DIST = ROOT / "dist"
PAGE = """<!doctype html><meta charset="utf-8"><title>bench</title>
<script type="module">
import { loadPyodide } from "./pyodide/pyodide.mjs";
window.py = await loadPyodide();
window.gaps = { last: performance.now(), max: 0 };
setInterval(() => {
  const now = performance.now();
  gaps.max = Math.max(gaps.max, now - gaps.last);
  gaps.last = now;
}, 10);
window.READY = true;
</script>"""

# Run in the page's Pyodide, on the main thread as the app's Python is. Both return
# (ms to first readable bytes, ms to the whole body, body bytes).
PYTHON = r"""
import json, js
from pyodide.ffi import to_js

def _body(words):
    return json.dumps({"model": "gpt-4o-mini", "stream": True,
                       "messages": [{"role": "user", "content": f"bench mock-words-{words}"}]})

HEADERS = {"authorization": "Bearer sk-bench-pyodide-http-0000", "content-type": "application/json"}

async def with_fetch(url, words):
    start = js.performance.now()
    init = to_js({"method": "POST", "headers": HEADERS, "body": _body(words), "cache": "no-store"},
                 dict_converter=js.Object.fromEntries)
    response = await js.fetch(url, init)
    reader = response.body.getReader()
    first, size = None, 0
    while True:
        chunk = await reader.read()
        if chunk.done:
            break
        if first is None:
            first = js.performance.now() - start
        size += chunk.value.length
    return first, js.performance.now() - start, size

def with_sync_xhr(url, words):
    # As pyodide_http._core.send does on the main thread.
    start = js.performance.now()
    xhr = js.XMLHttpRequest.new()
    xhr.open("POST", url, False)
    for name, value in HEADERS.items():
        xhr.setRequestHeader(name, value)
    xhr.overrideMimeType("text/plain; charset=ISO-8859-15")
    xhr.send(_body(words))
    whole = js.performance.now() - start
    size = len(xhr.response.encode("ISO-8859-15"))
    return whole, whole, size
"""

RUN = """async ([how, url, words]) => {
  const py = window.py;
  gaps.last = performance.now(); gaps.max = 0;
  // Let the heartbeat tick once so the gap measures the request, not the call into Python.
  await new Promise((r) => setTimeout(r, 30));
  gaps.last = performance.now(); gaps.max = 0;
  const result = how === "fetch"
    ? await py.globals.get("with_fetch")(url, words)
    : py.globals.get("with_sync_xhr")(url, words);
  const out = result.toJs();
  await new Promise((r) => setTimeout(r, 30));  // the heartbeat's first tick after the request
  return { first: out[0], whole: out[1], bytes: out[2], gap: gaps.max };
}"""


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--words", type=int, default=100)
    parser.add_argument("--pace", type=float, default=0.02)
    args = parser.parse_args(argv)
    if not (DIST / "pyodide" / "pyodide.mjs").exists():
        print("build first: python3 scripts/build.py", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp, MockProviders(pace=args.pace, tls_port=None) as mock, \
            sync_playwright() as pw:
        site = Path(tmp)
        (site / "pyodide").symlink_to(DIST / "pyodide")
        (site / "bench.html").write_text(PAGE)
        httpd = Server(("127.0.0.1", 0), functools.partial(Handler, directory=tmp))
        httpd.verbose = False  # type: ignore[attr-defined]
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        browser = pw.chromium.launch(executable_path=chromium.EXECUTABLE, args=chromium.BASE_ARGS)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/bench.html")
        page.wait_for_function("() => window.READY === true", timeout=120_000)
        page.evaluate("(code) => window.py.runPython(code)", PYTHON)
        url = mock.base_url("openai") + "/chat/completions"
        results: dict[str, list[dict[str, Any]]] = {"fetch": [], "sync XHR (pyodide-http)": []}
        for i in range(args.runs):
            order = ["fetch", "xhr"] if i % 2 == 0 else ["xhr", "fetch"]  # interleaved: load drift hits both
            for how in order:
                got = page.evaluate(RUN, [how, url, args.words])
                if got["bytes"] < args.words:
                    raise RuntimeError(f"{how}: a body of {got['bytes']} bytes for {args.words} words")
                results["fetch" if how == "fetch" else "sync XHR (pyodide-http)"].append(got)
        browser.close()
        httpd.shutdown()
    print(f"one streamed answer from the loopback mock, {args.words} words at {args.pace:g} s per chunk, "
          f"medians of {args.runs} runs (Pyodide in headless Chromium, main thread):")
    print(f"  {'':26} {'first bytes':>12} {'whole body':>12} {'longest page stall':>19}")
    for name, rows in results.items():
        med = {k: statistics.median(r[k] for r in rows) for k in ("first", "whole", "gap")}
        print(f"  {name:26} {med['first']:9.0f} ms {med['whole']:9.0f} ms {med['gap']:16.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
