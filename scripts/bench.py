#!/usr/bin/env python3
"""Benchmarks that print figures (machines are shared and noisy: compare ratios from one run).

    python3 scripts/bench.py startup [--runs N] [--paints N]
                                                  app start (snapshot boot and normal boot) vs bare
                                                  Pyodide start, cold and warm; first paints
    python3 scripts/bench.py decode               SSE decode MB/s, ours vs the anthropic SDK's
    python3 scripts/bench.py fanout [--runs N]    Ask many: five answers at once vs the slowest alone,
                                                  click -> first request, four panes at 200 chunks/s
                                                  (options: scripts/bench_fanout.py --help)
    python3 scripts/bench.py history [--runs N]   History with N saved runs (10000): open -> first page,
                                                  search -> results, bytes stored per run
                                                  (options: scripts/bench_history.py --help)
    python3 scripts/bench.py pyodide-http         one streamed answer by fetch vs pyodide-http's synchronous
                                                  XHR: first bytes, whole body, page stall
                                                  (options: scripts/bench_pyodide_http.py --help)
"""

from __future__ import annotations

import functools
import gzip
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import chromium  # noqa: E402
from scripts.serve import Handler, Server  # noqa: E402

DIST = ROOT / "dist"
BARE_PAGE = """<!doctype html><meta charset="utf-8"><title>bare</title>
<script type="module">
import { loadPyodide } from "./pyodide/pyodide.mjs";
const py = await loadPyodide();
py.runPython("print(1)");
window.READY_AT = performance.now();
</script>"""
# The browser's own floor for a first paint: a page of one line of text.
ONE_LINE_PAGE = '<!doctype html><meta charset="utf-8"><title>one line</title><p>Switchboard'
APP_READY = "window.SWITCHBOARD_READY_AT"
BARE_READY = "window.READY_AT"
CONTROLLED = "() => navigator.serviceWorker.controller !== null"
KEPT = "() => performance.getEntriesByName('switchboard:snapshot-kept').length > 0"
METRICS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  const bytes = [nav, ...performance.getEntriesByType("resource")].reduce((n, e) => n + e.transferSize, 0);
  const mark = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
  return { paint: fcp ? fcp.startTime : null, bytes, python: mark("switchboard:python"),
           package: mark("switchboard:package"), main: mark("switchboard:main"),
           inflated: mark("switchboard:snapshot-bytes"), wasm: mark("switchboard:snapshot-wasm"),
           heap: document.documentElement.dataset.snapshot ?? "none" };
}"""


def _site() -> tempfile.TemporaryDirectory[str]:
    """The app at /app/ and a bare Pyodide page built from the same artifacts at /bare.html."""
    tmp = tempfile.TemporaryDirectory()
    root = Path(tmp.name)
    (root / "app").symlink_to(DIST)
    (root / "pyodide").symlink_to(DIST / "pyodide")
    (root / "bare.html").write_text(BARE_PAGE)
    (root / "shell.html").write_text(_shell_only((DIST / "index.html").read_text()))
    (root / "line.html").write_text(ONE_LINE_PAGE)
    return tmp


def _shell_only(index_html: str) -> str:
    """index.html without its scripts and preloads, its icon read from app/: the floor for the shell's
    first paint on this machine (what its HTML and inline styles alone take in a fresh context)."""
    page = re.sub(r'<template id="preloads">.*?</template>\n|<script type="module"[^>]*></script>\n', "",
                  index_html, flags=re.DOTALL)
    return page.replace('href="./icon.svg"', 'href="./app/icon.svg"')


def _paint(browser: Any, url: str) -> float:
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    page.wait_for_function("() => performance.getEntriesByName('first-contentful-paint').length > 0")
    painted = float(page.evaluate("performance.getEntriesByName('first-contentful-paint')[0].startTime"))
    context.close()
    return painted


def _measure(page: Any, url: str, ready: str, reload: bool) -> dict[str, Any]:
    if reload:
        page.reload()
    else:
        page.goto(url)
    # Function form: the page's CSP forbids the eval Playwright uses for a bare expression.
    page.wait_for_function(f"() => {ready} !== undefined || window.SWITCHBOARD_BOOT_ERROR !== undefined",
                           timeout=120_000)
    error = page.evaluate("window.SWITCHBOARD_BOOT_ERROR")
    if error:
        raise RuntimeError(f"app failed to start: {error}")
    metrics = {"ready": page.evaluate(ready), **page.evaluate(METRICS)}
    if metrics["heap"] == "downloaded":  # by the worker (pyodide/inflate.js): not in the page's Resource Timing
        metrics["bytes"] += sum(path.stat().st_size for path in (DIST / "pyodide").glob("snapshot-*.bin"))
    return metrics


CASES = {  # name -> (path under the site, ready expression)
    "bare": ("bare.html", BARE_READY),
    "snapshot": ("app/", APP_READY),  # the app as users get it: Python restored from the build's snapshot
    "normal": ("app/?boot=normal", APP_READY),  # the app's fallback: Python started and the app imported
}
TARGETS = {"snapshot": (0.40, 0.35), "normal": (1.30, 1.20)}  # app/bare, cold and warm
# A first paint is cheap to take and varies by tens of ms from one load to the next: many fresh loads,
# interleaved, so that the machine's drift hits each page alike.
PAINTS = {"snapshot": "app/", "normal": "app/?boot=normal", "shell": "shell.html", "line": "line.html"}


def _run_case(browser: Any, url: str, ready: str, app: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """One cold load in a fresh context, then a warm reload in the same context."""
    context = browser.new_context()
    page = context.new_page()
    cold = _measure(page, url, ready, reload=False)
    if app:
        # A returning user's reload: the service worker has finished installing and serves the files.
        # Reloading while it still precaches would race its download.
        page.wait_for_function(CONTROLLED, timeout=120_000)
        if cold["heap"] == "downloaded":  # and the inflated snapshot kept for the next start, if it can be
            from playwright.sync_api import TimeoutError as PlaywrightTimeout

            try:
                page.wait_for_function(KEPT, timeout=30_000)
            except PlaywrightTimeout:
                print("  (the snapshot was not kept: this warm start downloads it)", file=sys.stderr)
    warm = _measure(page, url, ready, reload=True)
    if app:
        cold["boot"] = warm["boot"] = page.evaluate("document.documentElement.dataset.boot")
    context.close()
    return cold, warm


def startup(runs: int, paints: int) -> int:
    from playwright.sync_api import sync_playwright

    if not (DIST / "index.html").exists():
        print("build first: python3 scripts/build.py", file=sys.stderr)
        return 1
    with _site() as site, sync_playwright() as pw:
        handler = functools.partial(Handler, directory=site)
        httpd = Server(("127.0.0.1", 0), handler)
        httpd.verbose = False  # type: ignore[attr-defined]
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        browser = pw.chromium.launch(executable_path=chromium.EXECUTABLE, args=chromium.BASE_ARGS)
        results: dict[str, list[dict[str, Any]]] = {f"{c}_{t}": [] for c in CASES for t in ("cold", "warm")}
        # Rotate the order so that drift in machine load hits every case alike.
        for name in _rotations(list(CASES), runs):
            path, ready = CASES[name]
            cold, warm = _run_case(browser, f"{base}/{path}", ready, app=name != "bare")
            results[f"{name}_cold"].append(cold)
            results[f"{name}_warm"].append(warm)
        painted: dict[str, list[float]] = {name: [] for name in PAINTS}
        for name in _rotations(list(PAINTS), paints):
            painted[name].append(_paint(browser, f"{base}/{PAINTS[name]}"))
        browser.close()
        httpd.shutdown()
    _report(results, runs)
    _report_paints(painted)
    return 0


def _rotations(names: list[str], rounds: int) -> list[str]:
    """Every name once a round, each round starting one further along."""
    return [name for i in range(rounds) for name in names[i % len(names):] + names[:i % len(names)]]


def _report_paints(painted: dict[str, list[float]]) -> None:
    print(f"first contentful paint, {len(painted['snapshot'])} fresh contexts each, interleaved "
          "(median ms from navigation, [10th-90th percentile]):")
    for name, label in (("snapshot", "app, snapshot boot (target <= 150)"), ("normal", "app, normal boot"),
                        ("shell", "the shell's HTML and styles alone (no scripts, no preloads)"),
                        ("line", "a page of one line of text (this browser's floor)")):
        deciles = statistics.quantiles(painted[name], n=10)
        print(f"  {statistics.median(painted[name]):4.0f} [{deciles[0]:.0f}-{deciles[-1]:.0f}]  {label}")


def _report(results: dict[str, list[dict[str, Any]]], runs: int) -> None:
    med: Callable[[str, str], float] = lambda case, key: statistics.median(r[key] for r in results[case])  # noqa: E731
    print(f"start-up, {runs} fresh contexts per case (median ms from navigation):")
    for case in results:
        runs_ms = " ".join(f"{r['ready']:.0f}" for r in results[case])
        print(f"  {case:14} ready {med(case, 'ready'):7.0f}   [{runs_ms}]")
    for name, (cold_target, warm_target) in TARGETS.items():
        cold = med(f"{name}_cold", "ready") / med("bare_cold", "ready")
        warm = med(f"{name}_warm", "ready") / med("bare_warm", "ready")
        booted = sorted({r["boot"] for r in results[f"{name}_cold"] + results[f"{name}_warm"]})
        heaps = "; ".join(f"{t}: " + ", ".join(sorted({r["heap"] for r in results[f"{name}_{t}"]}))
                          for t in ("cold", "warm"))
        print(f"  {name} boot / bare: cold {cold:.2f} (target <= {cold_target:.2f}), "
              f"warm {warm:.2f} (target <= {warm_target:.2f})  [booted: {', '.join(booted)}; snapshot {heaps}]")
    print("  [warm = reload in the same context, the app's once its service worker controls the page]")
    print(f"  app shell painted (first contentful paint) in these cold loads: snapshot "
          f"{med('snapshot_cold', 'paint'):.0f} ms, normal {med('normal_cold', 'paint'):.0f} ms")
    for case in ("snapshot_cold", "snapshot_warm", "normal_cold", "normal_warm"):
        python, package, main, ready = (med(case, k) for k in ("python", "package", "main", "ready"))
        restore = ""
        if case.startswith("snapshot"):
            restore = (f" (snapshot bytes ready at {med(case, 'inflated'):.0f}, "
                       f"wasm instantiated at {med(case, 'wasm'):.0f})")
        print(f"  {case} phases (ms): Python up {python:.0f}{restore}, our package in place +{package - python:.0f}, "
              f"app imported +{main - package:.0f}, first screen +{ready - main:.0f}")
    print(f"  bytes transferred, cold: snapshot boot {med('snapshot_cold', 'bytes') / 1e6:.2f} MB, "
          f"normal boot {med('normal_cold', 'bytes') / 1e6:.2f} MB, bare {med('bare_cold', 'bytes') / 1e6:.2f} MB; "
          f"warm {med('snapshot_warm', 'bytes') / 1e3:.0f} kB")
    for path in sorted((DIST / "pyodide").glob("snapshot-*.bin")):
        heap = len(gzip.decompress(path.read_bytes()))
        print(f"  the snapshot adds {path.stat().st_size / 1e6:.2f} MB to download and precache "
              f"({heap / 1e6:.1f} MB inflated): {path.name}")


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("startup", "decode", "fanout", "history", "pyodide-http"):
        print(__doc__)
        return 2
    if argv[0] == "decode":
        from scripts import bench_decode

        return bench_decode.main(argv[1:])
    if argv[0] == "fanout":
        from scripts import bench_fanout

        return bench_fanout.main(argv[1:])
    if argv[0] == "history":
        from scripts import bench_history

        return bench_history.main(argv[1:])
    if argv[0] == "pyodide-http":
        from scripts import bench_pyodide_http

        return bench_pyodide_http.main(argv[1:])
    runs = int(argv[argv.index("--runs") + 1]) if "--runs" in argv else 5
    paints = int(argv[argv.index("--paints") + 1]) if "--paints" in argv else 25
    return startup(runs, paints)


if __name__ == "__main__":
    if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        # `python3 scripts/bench.py` as the README says it, outside the venv (which has Playwright): set
        # up and build as the test command does, then run again in the venv.
        from scripts import devsetup

        python = devsetup.ensure(test=True)
        subprocess.run([str(python), str(ROOT / "scripts" / "build.py")], check=True)
        os.execv(python, [str(python), __file__, *sys.argv[1:]])
    sys.exit(main(sys.argv[1:]))
