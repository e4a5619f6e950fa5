#!/usr/bin/env python3
"""Ask many, measured in Chromium against the loopback mock under the real provider hosts.

    python3 scripts/bench.py fanout [--runs 5] [--stream-runs 2] [--words 100] [--pace 0.02]
                                    [--stream-words 2000] [--stream-pace 0.005]

Serves dist/ on loopback, starts the mock (TLS for the real hosts, mapped by Chromium's resolver), adds
session-only keys in the "API keys" dialog, then prints:

1. wall time: five answers at once (five providers, same pacing) from the Send click to all five
   "Done", over the slowest of the same five asked one at a time; medians of interleaved runs.
2. click → first request: the click's `event.timeStamp` (a capturing listener on #send) to the first
   provider request's resource-timing `startTime`, both on the page's clock.
3. keep-up: four panes streaming at once at 1/stream-pace chunks/s each: each pane's lag behind the
   mock at a quarter, half, three quarters and all of its words (a backlog grows along the row; the
   end should be about one render interval), main-thread busy time (Chrome's own TaskDuration
   counter, which long tasks alone would miss: a chunk costs about a millisecond) per chunk received,
   and long tasks; then four OpenAI streams of the same length and pace read by a bare JavaScript
   loop: the browser's own share (the floor).

If the app sets `performance.mark("switchboard:send")` when its Send handler starts, the click line
also says how much of the time is before that (event loop) and after it (our Python, then fetch).

Figures only: the exit status is 0 unless something failed (no answer, a failed answer, a timeout).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import statistics
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "py"))

from scripts import chromium  # noqa: E402
from scripts.mock_providers import TLS_HOSTS, MockProviders  # noqa: E402
from scripts.serve import Handler, Server  # noqa: E402
from switchboard.answer import DEFAULT_MODELS, STATUS  # noqa: E402
from switchboard.providers import get  # noqa: E402

DIST = ROOT / "dist"
FANOUT = ("openai", "anthropic", "gemini", "mistral", "groq")  # wall time: five answers at once
STREAMS = ("openai", "anthropic", "mistral", "groq")  # keep-up: four panes
READY = "() => window.SWITCHBOARD_READY === true || window.SWITCHBOARD_BOOT_ERROR !== undefined"
WALL_TARGET = 1.05
CLICK_TARGET_MS = 15.0
RENDER_INTERVAL_S = 0.1  # the lag a keeping-up pane shows: about one redraw interval
TIMEOUT_MS = 120_000

# In the page, before any click: the click's timestamp (capturing, so before the app's own listener),
# every pane's word count each time the DOM under #answers changes, when it first says "Done", and
# long tasks. Function form: the page's CSP forbids the eval Playwright uses for a bare expression.
INSTRUMENT = """(done) => {
  if (window.__fanout) return;
  const S = window.__fanout = { click: null, panes: {}, longtasks: [] };
  performance.setResourceTimingBufferSize(100000);
  document.getElementById("send").addEventListener("click", (e) => { S.click = e.timeStamp; }, true);
  const words = (s) => { const t = s.trim(); return t ? t.split(/\\s+/).length : 0; };
  new MutationObserver((records) => {
    const now = performance.now();
    const panes = new Set();
    for (const r of records) {
      const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      const pane = el && el.closest(".answer-pane");
      if (pane) panes.add(pane);
    }
    for (const pane of panes) {
      const key = pane.closest("article").dataset.run + " " + pane.getAttribute("aria-label");
      const p = S.panes[key] ??= { label: pane.getAttribute("aria-label"), shown: [], done: null, status: "" };
      const n = words(pane.querySelector(".answer-text").textContent);
      if (!p.shown.length || p.shown[p.shown.length - 1][1] !== n) p.shown.push([now, n]);
      p.status = pane.querySelector(".answer-status").textContent;
      if (p.done === null && p.status === done) p.done = now;
    }
  }).observe(document.getElementById("answers"), { subtree: true, childList: true, characterData: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) S.longtasks.push([e.startTime, e.duration]);
  }).observe({ type: "longtask" });
}"""
RESET = "() => { window.__fanout.click = null; window.__fanout.panes = {}; window.__fanout.longtasks = [];" \
        " performance.clearResourceTimings(); performance.clearMarks('switchboard:send'); }"
# The newest round's panes have all ended (whatever the outcome).
ENDED = """([n, running]) => {
  const panes = [...document.querySelectorAll("#answers .round:first-child .answer-status")];
  return panes.length === n && panes.every((s) => !running.includes(s.textContent));
}"""
RESULT = """(hosts) => {
  const S = window.__fanout;
  const requests = performance.getEntriesByType("resource")
    .filter((e) => e.initiatorType === "fetch" && hosts.includes(new URL(e.name).hostname) && e.startTime >= S.click)
    .map((e) => ({ host: new URL(e.name).hostname, start: e.startTime, end: e.responseEnd }));
  const send = performance.getEntriesByName("switchboard:send").map((e) => e.startTime).filter((t) => t >= S.click);
  return { click: S.click, panes: Object.values(S.panes), requests, longtasks: S.longtasks,
           handler: send.length ? Math.min(...send) : null };
}"""
# The browser's own cost of delivering the same streams: a JavaScript reader that does nothing else.
FLOOR = """async ([words, n]) => {
  const one = async (i) => {
    const response = await fetch("https://api.openai.com/v1/chat/completions", {
      method: "POST", cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer",
      signal: AbortSignal.timeout(120000),
      headers: { "authorization": "Bearer sk-floor-bench-0000", "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-4o-mini", stream: true,
                             messages: [{ role: "user", content: `floor ${i} mock-words-${words}` }] }) });
    const reader = response.body.getReader();
    let reads = 0;
    while (!(await reader.read()).done) reads++;
    return reads;
  };
  return await Promise.all([...Array(n).keys()].map(one));
}"""


# --- pure helpers (tests/unit/test_bench_fanout.py) ---------------------------------------------------

def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("no values")
    return float(statistics.median(values))


def against(value: float, target: float, unit: str = "", digits: int = 2) -> str:
    """E.g. "1.02 (target <= 1.05, met)"."""
    verdict = "met" if value <= target else "MISSED"
    return f"{value:.{digits}f}{unit} (target <= {target:g}{unit}, {verdict})"


def first_at(shown: Sequence[Sequence[float]], words: int) -> float | None:
    """The first time (ms) a pane showed at least `words` words; shown is [(time, words), ...] in order."""
    return next((t for t, n in shown if n >= words), None)


def lags(shown: Sequence[Sequence[float]], start: float, end: float, total: int,
         fractions: Sequence[float] = (0.25, 0.5, 0.75, 1.0)) -> list[float | None]:
    """Seconds each fraction of the words was shown after it arrived. The mock paces its chunks evenly,
    so word k arrives at start + (end - start) * k / total (ms on the page's clock); None: never shown."""
    out: list[float | None] = []
    for fraction in fractions:
        k = max(1, round(total * fraction))
        seen = first_at(shown, k)
        out.append(None if seen is None else (seen - (start + (end - start) * k / total)) / 1000)
    return out


# --- the browser session --------------------------------------------------------------------------------

def label(pid: str) -> str:
    """The answer region's name, e.g. "gpt-4o-mini (OpenAI)"."""
    return f"{DEFAULT_MODELS[pid]} ({get(pid).display_name})"


@contextlib.contextmanager
def serving() -> Iterator[str]:
    handler = functools.partial(Handler, directory=str(DIST))
    httpd = Server(("127.0.0.1", 0), handler)
    httpd.verbose = False  # type: ignore[attr-defined]
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


class Session:
    """One started app with a session-only key per provider; asks and reads the page's own timings."""

    def __init__(self, page: Any, mock: MockProviders) -> None:
        self.page = page
        self.mock = mock
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Performance.enable")

    def add_keys(self, providers: Sequence[str]) -> None:
        page = self.page
        page.get_by_role("button", name="API keys").click()
        for pid in providers:
            row = page.locator(f'form[data-provider="{pid}"]')
            page.get_by_label(f"{get(pid).display_name} API key", exact=True).fill(f"sk-{pid}-bench-fanout-0000")
            row.get_by_label("This session only").check()
            row.get_by_role("button", name="Save key").click()
            row.locator(".key-status").filter(has_text="this session only").wait_for(timeout=TIMEOUT_MS)
        page.keyboard.press("Escape")
        page.evaluate(INSTRUMENT, STATUS["done"])

    def pick(self, providers: Sequence[str]) -> None:
        """A new conversation with these providers ticked, each with its default model."""
        page = self.page
        new = page.get_by_role("button", name="New conversation")
        if new.is_visible():
            new.click()
        for box in page.locator('#provider-list input[name="provider"]').all():
            box.set_checked(box.get_attribute("value") in providers)
        for pid in providers:
            chips = page.locator(f'.model-row[data-slot="{pid}"] .model-chips li')
            if chips.count() != 1 or chips.first.get_attribute("data-model") != DEFAULT_MODELS[pid]:
                raise RuntimeError(f"{pid}: expected the one default model {DEFAULT_MODELS[pid]}")

    def metrics(self) -> dict[str, float]:
        return {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}

    def page_clock(self) -> tuple[float, float]:
        """(time.time(), performance.now() in ms) at the same instant, within half a round trip."""
        before = time.time()
        now = float(self.page.evaluate("() => performance.now()"))
        after = time.time()
        return (before + after) / 2, now

    def ask(self, providers: Sequence[str], prompt: str) -> dict[str, Any]:
        """Send prompt to providers and wait for every answer to end; the page's timings, in ms."""
        page = self.page
        self.pick(providers)
        page.evaluate(RESET)
        page.get_by_role("textbox", name="Prompt", exact=True).fill(prompt)
        since = max((e["seq"] for e in self.mock.requests), default=0)
        clock = self.page_clock()
        before, started = self.metrics(), time.monotonic()
        page.locator("#send").click()
        running = [STATUS["waiting"], STATUS["streaming"]]
        page.wait_for_function(ENDED, arg=[len(providers), running], timeout=TIMEOUT_MS, polling=50)
        after, span = self.metrics(), time.monotonic() - started
        result: dict[str, Any] = page.evaluate(RESULT, list(TLS_HOSTS))
        panes = {p["label"]: p for p in result["panes"]}
        for pid in providers:
            pane = panes.get(label(pid))
            if pane is None or pane["done"] is None:
                raise RuntimeError(f"{label(pid)} did not finish: {pane and pane['status']!r}")
        if result["click"] is None or not result["requests"]:
            raise RuntimeError("no click or no provider request was recorded")
        result["panes"] = panes
        result["busy"] = {k: (after[k] - before[k]) * 1000 for k in
                          ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")}
        deadline = time.monotonic() + 5  # the mock logs a stream's end just after writing it
        while True:
            result["chats"] = [e for e in self.mock.requests
                               if e["seq"] > since and e["method"] == "POST" and not e["preflight"]]
            if all("finished" in e for e in result["chats"]) or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        result["clock"] = clock
        result["span"] = span * 1000  # ms over which "busy" was counted: the click to all ended
        return result


def first_request_ms(result: dict[str, Any]) -> float:
    return float(min(r["start"] for r in result["requests"]) - result["click"])


def handler_ms(result: dict[str, Any]) -> float | None:
    """Click to the app's "switchboard:send" mark, when the app sets one."""
    return None if result["handler"] is None else float(result["handler"] - result["click"])


def wall_ms(result: dict[str, Any]) -> float:
    return float(max(p["done"] for p in result["panes"].values()) - result["click"])


def to_page(clock: tuple[float, float], epoch: float) -> float:
    """Epoch seconds (the mock's log) as ms on the page's clock, given one (epoch, page ms) pair."""
    return clock[1] + (epoch - clock[0]) * 1000


def listing(values: Sequence[float], digits: int = 0) -> str:
    return "[" + " ".join(f"{v:.{digits}f}" for v in values) + "]"


# --- the three measurements -----------------------------------------------------------------------------

def wall_time(session: Session, runs: int, words: int, pace: float) -> None:
    """Five at once vs the slowest of the five alone, and click -> first request on every Send."""
    session.mock.configure(pace=pace, scenario="ok")
    prompt = f"fan-out wall time mock-words-{words}"
    together: list[float] = []
    alone: list[float] = []
    slowest: list[str] = []
    clicks: list[dict[str, Any]] = []
    single_clicks: list[dict[str, Any]] = []
    for i in range(runs):
        singles: dict[str, float] = {}
        for step in ("fan", "alone") if i % 2 == 0 else ("alone", "fan"):  # interleaved against drift
            if step == "fan":
                result = session.ask(FANOUT, prompt)
                together.append(wall_ms(result))
                clicks.append(result)
                continue
            for pid in FANOUT if i % 2 == 0 else reversed(FANOUT):
                result = session.ask([pid], prompt)
                singles[pid] = wall_ms(result)
                single_clicks.append(result)
        worst = max(singles, key=lambda pid: singles[pid])
        alone.append(singles[worst])
        slowest.append(worst)
    ratios = [t / a for t, a in zip(together, alone, strict=True)]
    print(f"wall time, {len(FANOUT)} answers at once ({', '.join(FANOUT)}), {words} words each at {pace:g} s per "
          f"chunk, {runs} runs (ms from the click):")
    print(f"  all five done   {median(together):6.0f}  {listing(together)}")
    print(f"  slowest alone   {median(alone):6.0f}  {listing(alone)}  (the slowest: {', '.join(sorted(set(slowest)))})")
    print(f"  ratio           {against(median(ratios), WALL_TARGET)}  {listing(ratios, 3)}")
    print("click -> first provider request leaves (click event.timeStamp to the fetch's resource startTime, "
          "page clock):")
    for name, results in (("five targets", clicks), ("one target", single_clicks)):
        times = [first_request_ms(r) for r in results]
        if name == "five targets":
            print(f"  {name:14}  {against(median(times), CLICK_TARGET_MS, ' ms', 1)}  {listing(times, 1)}")
        else:
            print(f"  {name:14}  {median(times):.1f} ms  (median of {len(times)}, {min(times):.1f}-{max(times):.1f})")
        handlers = [h for h in map(handler_ms, results) if h is not None]
        if handlers:
            print(f"  {'':14}  of which click -> Send handler starts {median(handlers):.1f} ms, "
                  f"then {median(times) - median(handlers):.1f} ms to the fetch")


def floor(session: Session, words: int) -> tuple[float, float]:
    """Busy ms per chunk and busy fraction when a bare JavaScript loop reads the same streams."""
    before, started = session.metrics(), time.monotonic()
    session.page.evaluate(FLOOR, [words, len(STREAMS)])
    elapsed = (time.monotonic() - started) * 1000
    busy = (session.metrics()["TaskDuration"] - before["TaskDuration"]) * 1000
    return busy / (words * len(STREAMS)), busy / elapsed


def keep_up(session: Session, runs: int, words: int, pace: float) -> None:
    session.mock.configure(pace=pace, scenario="ok")
    # Main-thread work of the idle app, to tell the stream's cost from the page's background.
    before = session.metrics()
    time.sleep(1.0)
    idle = session.metrics()["TaskDuration"] - before["TaskDuration"]  # busy seconds in one second: a fraction
    chunks = words * len(STREAMS)
    print(f"keep-up, {len(STREAMS)} panes at once ({', '.join(STREAMS)}), {words} words each at {pace:g} s per "
          f"chunk (= {1 / pace:.0f} chunks/s), {runs} runs:")
    verdicts = []
    for run in range(runs):
        result = session.ask(STREAMS, f"keep up mock-words-{words}")
        by_pane = {label(e["provider"]): e for e in result["chats"]}
        rows = []
        worst_end = growth = 0.0
        for name in map(label, STREAMS):
            entry, pane = by_pane[name], result["panes"][name]
            if "finished" not in entry:
                raise RuntimeError(f"the mock did not log when {name}'s stream ended")
            start, end = to_page(result["clock"], entry["time"]), to_page(result["clock"], entry["finished"])
            lag = lags(pane["shown"], start, end, words)
            if any(x is None for x in lag):
                raise RuntimeError(f"{name} never showed all {words} words")
            quarter, last = lag[0] or 0.0, lag[-1] or 0.0
            worst_end = max(worst_end, last)
            growth = max(growth, last - quarter)
            rows.append(f"    {name:32} {words / (end - start) * 1000:4.0f} chunks/s arrived; shown after "
                        "1/4 1/2 3/4 all of them: " + " ".join(f"{x:.2f}" for x in lag if x is not None) + " s")
        busy = result["busy"]
        keeps = worst_end <= 2.5 * RENDER_INTERVAL_S and growth <= RENDER_INTERVAL_S
        verdicts.append(keeps)
        print(f"  run {run + 1}: keeps up: {'yes' if keeps else 'no'} (last words shown {worst_end:.2f} s after they "
              f"arrived, backlog growth {growth:+.2f} s; a keeping-up pane: about {RENDER_INTERVAL_S:g} s and none)")
        print("\n".join(rows))
        print(f"    render cost: main thread busy {busy['TaskDuration']:.0f} ms in {result['span'] / 1000:.1f} s "
              f"({busy['TaskDuration'] / result['span']:.0%}; the idle app {idle:.1%}) = "
              f"{busy['TaskDuration'] / chunks:.2f} ms per chunk received ({chunks}); style and layout "
              f"{busy['RecalcStyleDuration'] + busy['LayoutDuration']:.0f} ms")
        print(f"    long tasks (> 50 ms): {len(result['longtasks'])}, "
              f"{sum(d for _s, d in result['longtasks']):.0f} ms in all")
    per_chunk, fraction = floor(session, words)
    print(f"  floor: a bare JavaScript reader of {len(STREAMS)} OpenAI streams like these: {per_chunk:.2f} ms "
          f"per chunk ({fraction:.0%} busy)")
    print(f"  keeps up: {'yes' if all(verdicts) else 'no'} ({sum(verdicts)} of {len(verdicts)} runs)")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench fanout", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="wall-time runs, each five at once and one by one")
    parser.add_argument("--words", type=int, default=100, help="words per answer for the wall time (100)")
    parser.add_argument("--pace", type=float, default=0.02, help="seconds between chunks for the wall time")
    parser.add_argument("--stream-runs", type=int, default=2, help="keep-up runs (2)")
    parser.add_argument("--stream-words", type=int, default=2000, help="words per pane for keep-up (2000)")
    parser.add_argument("--stream-pace", type=float, default=0.005, help="seconds between chunks for keep-up")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 50 or not 1 <= args.stream_runs <= 20 or not 1 <= args.words <= 5000 \
            or not 8 <= args.stream_words <= 5000:
        parser.error("runs 1-50, stream runs 1-20, words 1-5000, stream words 8-5000")
    if not (DIST / "index.html").exists():
        print("build first: python3 scripts/build.py", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    with MockProviders(pace=args.pace) as mock, serving() as url, sync_playwright() as pw:
        assert mock.https_port
        rules = chromium.host_rules({host: mock.https_port for host in TLS_HOSTS})
        browser = pw.chromium.launch(executable_path=chromium.EXECUTABLE,
                                     args=[*chromium.BASE_ARGS, rules, "--ignore-certificate-errors"])
        try:
            # No service worker: it would precache 16 MB in the background while we measure.
            context = browser.new_context(service_workers="block")
            page = context.new_page()
            page.goto(url)
            page.wait_for_function(READY, timeout=TIMEOUT_MS)
            error = page.evaluate("() => window.SWITCHBOARD_BOOT_ERROR ?? null")
            if error:
                raise RuntimeError(f"the app failed to start: {error}")
            session = Session(page, mock)
            session.add_keys(sorted(set(FANOUT) | set(STREAMS)))
            session.ask(FANOUT, "warm up mock-words-5")  # first connections, first imports
            wall_time(session, args.runs, args.words, args.pace)
            keep_up(session, args.stream_runs, args.stream_words, args.stream_pace)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
