#!/usr/bin/env python3
"""History at 10,000 saved runs, measured in Chromium: opening the list, answering a search, bytes per run.

    python3 scripts/bench.py history [--runs 10000] [--opens 7] [--repeats 5] [--seed 1]

Generates --runs realistic runs on CPython (seeded: the same seed gives the same runs, dated back from
now), turns each into the app's stored row (`switchboard.history.service.to_row`, the object layout of
`web/history_store.py`), and writes them in batches straight into the page's IndexedDB once the app
has created its database. Then it reloads the page, waits until the app is ready, and prints:

1. open: click "History" to its first page drawn, from the performance mark `switchboard:history-open`
   to the next `switchboard:history-drawn` (both set by `web/history_view.py`); the dialog is closed
   with its "Close" button and opened again, --opens times.
2. search: a query typed into "Search history", from `switchboard:history-search` (set when the search
   starts, after the typing pause) to the next `switchboard:history-drawn`; a rare word, a common
   word, two words, the common word's first letters, the short prefix of the most words, and the
   common word under a provider filter, each --repeats times. The queries are chosen from the
   generated data, so their match counts are known: the app's own count ("Showing 25 of N runs") is
   checked against them.
3. bytes per run: `navigator.storage.estimate().usage` before and after the runs were written, over
   --runs, beside the mean size of a row's document (its JSON text) and of its index words.

The browser keeps a real profile on disk (a temporary directory), as a user's does; service workers
are blocked (their precache would count in the storage figures). Figures only: the exit status is 0
unless something failed (the app did not start, a search found other runs than expected).
"""

from __future__ import annotations

import argparse
import bisect
import math
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "py"))

from switchboard.chat import Message, Usage  # noqa: E402
from switchboard.history.record import AnswerRecord, RunRecord, SavedError  # noqa: E402
from switchboard.history.service import PAGE_SIZE, to_row  # noqa: E402
from switchboard.history.store import Row, stored  # noqa: E402
from switchboard.run import Params, Status  # noqa: E402

DIST = ROOT / "dist"
OPEN_TARGET_MS = 150.0
SEARCH_TARGET_MS = 50.0
TYPING_PAUSE_MS = 150  # web/history_view.py SEARCH_PAUSE: the search mark is set after it
BATCH = 500  # rows per IndexedDB transaction while filling
TIMEOUT_MS = 120_000
MACHINE = ("machine: 2 cores, shared with other work and noisy: compare figures from one run, and read a "
           "single slow sample as noise, not as the app")
DAY = 86_400.0

# Providers and the model ids their users pick, the usual one first (picked most often).
MODELS: dict[str, tuple[str, ...]] = {
    "openai": ("gpt-4o-mini", "gpt-4.1", "gpt-4o", "gpt-4.1-mini", "o4-mini"),
    "anthropic": ("claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-1"),
    "gemini": ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite"),
    "mistral": ("mistral-small-latest", "mistral-large-latest", "mistral-medium-latest"),
}
PROVIDER_WEIGHTS = {"openai": 0.35, "anthropic": 0.30, "gemini": 0.20, "mistral": 0.15}
# The model the API says served the answer, where it differs from the id asked for.
SERVED = {"gpt-4o-mini": "gpt-4o-mini-2024-07-18", "gpt-4.1": "gpt-4.1-2025-04-14", "gpt-4o": "gpt-4o-2024-08-06",
          "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14", "o4-mini": "o4-mini-2025-04-16",
          "mistral-small-latest": "mistral-small-2506", "mistral-large-latest": "mistral-large-2411",
          "mistral-medium-latest": "mistral-medium-2505"}
REASONING = frozenset(("o4-mini", "claude-sonnet-4-5", "claude-opus-4-1", "gemini-2.5-pro", "gemini-2.5-flash"))
FAILURES = (("rate_limit", 429, "Rate limited: too many requests; try again in a minute."),
            ("overloaded", 529, "The provider is overloaded right now; try again shortly."),
            ("timeout", None, "No answer within 60 seconds."),
            ("context_length", 400, "The prompt and history are longer than this model's context window."))

# Word-like text: syllables make the words, their count grows with a word's rank (rarer words are longer).
_ONSETS = ("", "", "", "b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "b", "c", "d",
           "l", "m", "n", "p", "r", "s", "t", "br", "ch", "cl", "dr", "fl", "gr", "pl", "pr", "qu", "sh", "sp", "st",
           "str", "th", "tr")
_NUCLEI = ("a", "e", "i", "o", "u", "a", "e", "i", "o", "a", "e", "ai", "ea", "ee", "io", "ou", "oo", "y")
_CODAS = ("", "", "", "", "", "", "n", "r", "s", "t", "l", "m", "n", "r", "s", "t", "nd", "st", "ng", "ck", "x", "rt")
_ACCENTED = {"e": "é", "a": "à", "o": "ö", "u": "ü", "i": "ï"}


# --- the generator (tests/unit/test_bench_history.py) -----------------------------------------------------

def _syllable(rng: random.Random, simple: bool = False) -> str:
    if simple:  # the most frequent words: one short syllable ("to", "the", "set")
        return rng.choice(_ONSETS[:19]) + rng.choice(_NUCLEI[:5]) + rng.choice(_CODAS[:16])
    return rng.choice(_ONSETS) + rng.choice(_NUCLEI) + rng.choice(_CODAS)


def vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    """`size` distinct word-like words, most frequent first: short ones first, a few with an accent."""
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < size:
        rank = len(words)
        syllables = 1 if rank < 150 else 2 if rank < 1500 else 3
        syllables += rank >= 150 and rng.random() < 0.2
        word = "".join(_syllable(rng, simple=rank < 150) for _ in range(syllables))
        if len(word) < 2 or len(word) > 14:
            continue
        if rank > 200 and rng.random() < 0.01:
            vowel = next((c for c in word if c in _ACCENTED), None)
            if vowel:
                word = word.replace(vowel, _ACCENTED[vowel], 1)
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _log_uniform(rng: random.Random, low: int, high: int) -> int:
    return round(math.exp(rng.uniform(math.log(low), math.log(high))))


class Generator:
    """Deterministic runs: the same seed and `now` give the same records."""

    def __init__(self, seed: int = 1, vocabulary_size: int = 4000) -> None:
        self.rng = random.Random(seed)
        self.words = vocabulary(self.rng, vocabulary_size)
        # Zipf-Mandelbrot: frequency ~ 1 / (rank + 2.7); the few top words carry most of the text.
        total = 0.0
        self._cum: list[float] = []
        for rank in range(len(self.words)):
            total += 1.0 / (rank + 2.7)
            self._cum.append(total)
        self.rare: list[str] = []  # one-off words (names, identifiers), in the order they were made

    # --- text ---------------------------------------------------------------------------------------

    def _draw(self, k: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self._cum, k=k)

    def _rare_word(self) -> str:
        word = "".join(_syllable(self.rng) for _ in range(3)) + self.rng.choice(("", "", "ix", "on", "a"))
        word = word if len(word) >= 6 else word + "ex"
        self.rare.append(word)
        return word.capitalize() if self.rng.random() < 0.5 else word

    def sentence(self, words: int | None = None) -> str:
        rng = self.rng
        n = words or rng.randint(4, 22)
        drawn = self._draw(n)
        if rng.random() < 0.04:
            drawn.insert(rng.randrange(len(drawn) + 1), self._rare_word())
        if rng.random() < 0.08:
            drawn.insert(rng.randrange(len(drawn) + 1), str(rng.choice((2, 3, 10, 16, 64, 100, 256, 1024,
                                                                      rng.randint(0, 9999)))))
        if n > 8 and rng.random() < 0.5:
            i = rng.randrange(2, n - 2)
            drawn[i] += ","
        if rng.random() < 0.06:
            i = rng.randrange(len(drawn))
            drawn[i] = f"`{drawn[i].rstrip(',')}`"
        drawn[0] = drawn[0].capitalize()
        return " ".join(drawn) + rng.choice((".", ".", ".", ".", ".", "?", "!", ":"))

    def _paragraph(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.12:
            return "\n".join(f"{rng.choice(('-', '*', '1.'))} {self.sentence(rng.randint(3, 12))}"
                             for _ in range(rng.randint(3, 6)))
        if roll < 0.16:
            a, b, c = self._draw(3)
            body = f"def {a}_{b}({c}):\n    return {c} * {rng.randint(2, 99)}"
            return f"```python\n{body}\n```"
        if roll < 0.20:
            return f"## {self.sentence(rng.randint(2, 5)).rstrip('.?!:')}"
        return " ".join(self.sentence() for _ in range(rng.randint(2, 6)))

    def text(self, chars: int) -> str:
        """Markdown-ish paragraphs of about `chars` characters (cut at a word's end)."""
        parts: list[str] = []
        size = 0
        while size < chars:
            part = self._paragraph()
            parts.append(part)
            size += len(part) + 2
        text = "\n\n".join(parts)
        cut = text.rfind(" ", 0, chars + 1)
        return text[:cut if cut > chars // 2 else chars].rstrip(" ,\n#-*`") + "."

    # --- runs ---------------------------------------------------------------------------------------

    def _targets(self) -> list[tuple[str, str]]:
        rng = self.rng
        n = rng.choices((1, 2, 3, 4), weights=(0.40, 0.30, 0.18, 0.12))[0]
        providers = list(PROVIDER_WEIGHTS)
        weights = [PROVIDER_WEIGHTS[p] for p in providers]
        chosen: list[str] = []
        while len(chosen) < n:
            pid = rng.choices(providers, weights=weights)[0]
            if pid not in chosen:
                chosen.append(pid)
        out = []
        for pid in chosen:
            models = MODELS[pid]
            out.append((pid, rng.choices(models, weights=[3.0] + [1.0] * (len(models) - 1))[0]))
        return out

    def _answer(self, slot: str, model: str, prompt_chars: int, history: tuple[Message, ...]) -> AnswerRecord:
        rng = self.rng
        roll = rng.random()
        status: Status = "failed" if roll < 0.025 else "stopped" if roll < 0.035 else "done"
        context = prompt_chars + sum(len(m.content) for m in history)
        input_tokens = context // 4 + rng.randint(8, 40)
        ttft = rng.randint(250, 1800)
        if status == "failed":
            kind, code, message = rng.choice(FAILURES)
            return AnswerRecord(slot, model, "failed", error=SavedError(kind, message, code),  # type: ignore[arg-type]
                                history=history, duration_ms=rng.randint(200, 60_000))
        reasoning = ""
        if model in REASONING and rng.random() < 0.25:
            reasoning = self.text(_log_uniform(rng, 300, 3000))
            ttft += len(reasoning) * 3
        chars = _log_uniform(rng, 300, 4000)
        text = self.text(chars if status == "done" else max(300, chars // 3))
        reasoning_tokens = len(reasoning) // 4 if reasoning else (0 if slot in ("openai", "gemini") else None)
        cached = (input_tokens // 2 if history and rng.random() < 0.5 else 0) if slot != "mistral" else None
        usage = Usage(input_tokens=input_tokens, cached_input_tokens=cached,
                      output_tokens=(len(text) + len(reasoning)) // 4 + 1, reasoning_tokens=reasoning_tokens)
        return AnswerRecord(slot, model, status, text=text, reasoning=reasoning, history=history,
                            model_served=SERVED.get(model, model), usage=usage, ttft_ms=ttft,
                            duration_ms=ttft + len(text) * rng.randint(2, 6))

    def _params(self) -> Params:
        rng = self.rng
        system = self.text(_log_uniform(rng, 40, 300)).replace("\n\n", " ") if rng.random() < 0.2 else None
        temperature = rng.choice((0.0, 0.2, 0.7, 1.0)) if rng.random() < 0.3 else None
        max_tokens = rng.choice((1024, 2048, 4096)) if rng.random() < 0.1 else None
        return Params(system, temperature, max_tokens)

    def _prompt(self, chars: int) -> str:
        """A question of about `chars` characters: sentences, the last one cut at a word's end."""
        text = " ".join(self.sentence() for _ in range(chars // 40 + 2))
        cut = text.rfind(" ", 0, chars)
        return text[:cut].rstrip(" ,:.!?`") + "?"

    def run(self, created: float, previous: RunRecord | None = None) -> RunRecord:
        """One run; a follow-up of `previous` (same thread and targets, its exchange as history) if given."""
        rng = self.rng
        prompt = self._prompt(_log_uniform(rng, 50, 800))
        run_id = f"{rng.getrandbits(64):016x}"
        if previous is not None:
            targets = [(a.slot, a.model) for a in previous.answers]
            histories = [(*a.history, Message("user", previous.prompt), Message("assistant", a.text))
                         for a in previous.answers]
            params, thread, round_ = previous.params, previous.thread_id, previous.round + 1
        else:
            targets = self._targets()
            histories = [() for _ in targets]
            params, thread, round_ = self._params(), "", 1
        answers = tuple(self._answer(slot, model, len(prompt) + len(params.system or ""), history)
                        for (slot, model), history in zip(targets, histories, strict=True))
        title = " ".join(self._draw(rng.randint(2, 5))).capitalize() if rng.random() < 0.03 else ""
        return RunRecord(id=run_id, created=round(created * 1000) / 1000, prompt=prompt, answers=answers,
                         params=params, title=title, favorite=rng.random() < 0.05, thread=thread, round=round_)

    def runs(self, n: int, now: float) -> list[RunRecord]:
        """n runs created over the 365 days before `now`, oldest first; about one in ten is a follow-up."""
        times = sorted(now - self.rng.uniform(0.0, 365 * DAY) for _ in range(n))
        out: list[RunRecord] = []
        for created in times:
            last = out[-1] if out else None
            follow = (last is not None and last.round < 3 and self.rng.random() < 0.1
                      and all(a.status == "done" for a in last.answers))
            out.append(self.run(created, last if follow else None))
        return out


def generate(n: int, seed: int = 1, now: float | None = None) -> list[RunRecord]:
    """n runs from `seed`, dated back from `now` (default: this second)."""
    return Generator(seed).runs(n, float(int(time.time())) if now is None else now)


# --- the queries, chosen from the data --------------------------------------------------------------

class WordIndex:
    """Which rows each indexed word (title words too) is in: the in-memory twin of the word indexes."""

    def __init__(self, rows: Sequence[Row]) -> None:
        self.rows = rows
        postings: dict[str, list[int]] = {}
        for i, row in enumerate(rows):
            for word in {*row.words, *row.title_words}:
                postings.setdefault(word, []).append(i)
        self.postings = postings
        self.sorted = sorted(postings)

    def prefix(self, prefix: str) -> set[int]:
        """Rows with a word starting with prefix (what one query word matches)."""
        out: set[int] = set()
        for word in self.extensions(prefix):
            out.update(self.postings[word])
        return out

    def extensions(self, prefix: str) -> list[str]:
        start = bisect.bisect_left(self.sorted, prefix)
        end = bisect.bisect_left(self.sorted, prefix + "\uffff")
        return self.sorted[start:end]

    def matches(self, query: Sequence[str], slot: str | None = None) -> int:
        found: set[int] | None = None
        for word in query:
            rows = self.prefix(word)
            found = rows if found is None else found & rows
        hits = found if found is not None else set(range(len(self.rows)))
        return sum(1 for i in hits if slot is None or slot in self.rows[i].slots)


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    text: str
    slot: str | None
    expected: int  # rows the app should say match


def pick_queries(rows: Sequence[Row], rare_words: Iterable[str], vocabulary_words: Sequence[str]) -> list[Case]:
    """The searches: a one-run word, a word in about 30 % of runs, two words, the common word's first four
    letters (a pause while typing it), the 3-letter prefix of the most indexed words (the worst case: it
    spans the most index values), the common word within one provider's runs."""
    index = WordIndex(rows)
    n = len(rows)
    rare = next((w for w in rare_words if len(index.extensions(w)) == 1 and len(index.postings[w]) == 1), None)
    if rare is None:
        raise RuntimeError("no one-off word in the data: generate more runs")
    counts = {w: len(index.prefix(w)) for w in vocabulary_words[:1500] if len(w) >= 5}
    common = min(counts, key=lambda w: (abs(counts[w] - 0.3 * n), w))
    second = min((w for w in counts if w != common and not w.startswith(common) and not common.startswith(w)),
                 key=lambda w: (abs(counts[w] - 0.25 * n), w))
    # The 3-letter prefix shared by the most distinct indexed words: a key range over many index values.
    spans = Counter(w[:3] for w in index.sorted if len(w) > 3 and w[:3].isalpha())
    short = max(spans, key=lambda p: (spans[p], p))
    return [
        Case("rare word", rare, None, index.matches([rare])),
        Case("common word", common, None, index.matches([common])),
        Case("two words", f"{common} {second}", None, index.matches([common, second])),
        Case("word prefix", common[:4], None, index.matches([common[:4]])),
        Case("short prefix", short, None, index.matches([short])),
        Case("word + provider", common, "mistral", index.matches([common], "mistral")),
    ]


# --- figures ------------------------------------------------------------------------------------------

def verdict(value: float, target: float) -> str:
    """E.g. "42 ms (target <= 50 ms, met)"."""
    return f"{value:.0f} ms (target <= {target:g} ms, {'met' if value <= target else 'not met'})"


def spread(values: Sequence[float]) -> str:
    return f"min {min(values):.0f}, max {max(values):.0f}; all: " + " ".join(f"{v:.0f}" for v in values)


def summary_count(text: str) -> int:
    """Runs the history summary says it shows: "Showing 25 of 3,012 runs." / "Showing 25 matching runs;
    more with …" / "Showing 1 run." / "No saved run…" (a search shows a page, not a total)."""
    words = text.replace(",", "").split()
    if "of" in words[:4]:
        return int(words[words.index("of") + 1])
    if len(words) > 1 and words[0] == "Showing":
        return int(words[1])
    return 0


# --- the browser session -------------------------------------------------------------------------------

READY = "() => window.SWITCHBOARD_READY === true || window.SWITCHBOARD_BOOT_ERROR !== undefined"
OPEN_DB = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("switchboard");
    request.onupgradeneeded = () => request.transaction.abort();  // the app must have created it
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  window.__benchDb = db;
  return { version: db.version, stores: [...db.objectStoreNames] };
}"""
WRITE = """async (rows) => {
  await new Promise((resolve, reject) => {
    const tx = window.__benchDb.transaction("history", "readwrite");
    const runs = tx.objectStore("history");
    for (const row of rows) runs.put(row);
    tx.oncomplete = resolve;
    tx.onabort = () => reject(tx.error);
  });
  return rows.length;
}"""
COUNT = """async () => await new Promise((resolve, reject) => {
  const request = window.__benchDb.transaction("history").objectStore("history").count();
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
})"""
ESTIMATE = "async () => { const e = await navigator.storage.estimate(); " \
           "return { usage: e.usage, idb: e.usageDetails ? e.usageDetails.indexedDB ?? null : null }; }"
# A click's own timestamp, and an approximate "painted": the first task after the frame that follows
# the summary's change (the summary is written just before the drawn mark).
INSTRUMENT = """() => {
  if (window.__hist) return;
  const S = window.__hist = { click: null, painted: [] };
  document.getElementById("open-history").addEventListener("click", (e) => { S.click = e.timeStamp; }, true);
  new MutationObserver(() => requestAnimationFrame(() => setTimeout(() => S.painted.push(performance.now()), 0)))
    .observe(document.getElementById("history-summary"), { childList: true, characterData: true, subtree: true });
}"""
RESET = "() => { performance.clearMarks(); window.__hist.click = null; window.__hist.painted = []; }"
# The first drawn mark at or after the newest `start` mark, as {span, at}; null until there is one.
SPAN = """(start) => {
  const s = performance.getEntriesByName(start);
  if (!s.length) return null;
  const t = s[s.length - 1].startTime;
  const d = performance.getEntriesByName("switchboard:history-drawn").find((e) => e.startTime >= t);
  if (!d) return null;
  const painted = window.__hist.painted.find((p) => p >= d.startTime) ?? null;
  return { span: d.startTime - t, start: t, drawn: d.startTime, click: window.__hist.click, painted,
           summary: document.getElementById("history-summary").textContent,
           busy: document.getElementById("history-list").getAttribute("aria-busy") };
}"""


class Bench:
    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialog = page.get_by_role("dialog", name="History")
        self.box = self.dialog.get_by_role("searchbox", name="Search history")

    def ready(self) -> None:
        self.page.wait_for_function(READY, timeout=TIMEOUT_MS)
        error = self.page.evaluate("() => window.SWITCHBOARD_BOOT_ERROR ?? null")
        if error:
            raise RuntimeError(f"the app failed to start: {error}")

    def _until(self, start: str) -> dict[str, Any]:
        """Wait for the drawn mark after the newest `start` mark, then for the frame after it."""
        self.page.wait_for_function(f"() => {{ const r = ({SPAN})({start!r}); return r && r.busy === 'false'; }}",
                                    timeout=TIMEOUT_MS, polling=10)
        self.page.wait_for_function("() => window.__hist.painted.length > 0", timeout=TIMEOUT_MS, polling=10)
        result: dict[str, Any] = self.page.evaluate(SPAN, start)
        return result

    def open(self) -> dict[str, Any]:
        self.page.evaluate(RESET)
        self.page.get_by_role("button", name="History", exact=True).click()
        result = self._until("switchboard:history-open")
        # The storage line is filled after the first page: let it land before the next step.
        self.page.wait_for_function("() => document.getElementById('history-usage').textContent !== ''",
                                    timeout=TIMEOUT_MS)
        return result

    def close(self) -> None:
        self.dialog.get_by_role("button", name="Close", exact=True).click()
        self.dialog.wait_for(state="hidden", timeout=TIMEOUT_MS)
        self.page.evaluate("() => document.getElementById('history-usage').textContent = ''")

    def search(self, text: str) -> dict[str, Any] | None:
        """The search's timings; None when the box already says text (typing it is no change)."""
        if self.box.input_value() == text:
            return None
        self.page.evaluate(RESET)
        self.box.fill(text)
        return self._until("switchboard:history-search")

    def provider(self, slot: str) -> None:
        self.page.evaluate(RESET)
        self.dialog.get_by_label("Provider", exact=True).select_option(slot)
        self._until("switchboard:history-drawn")  # the filter redraws without a search mark


def fill(page: Any, rows: Sequence[Row]) -> float:
    """Write rows into the app's history store in BATCH-sized transactions; seconds taken."""
    info = page.evaluate(OPEN_DB)
    if info["version"] != 2 or "history" not in info["stores"]:
        raise RuntimeError(f"the app's database is not the expected version 2 with a history store: {info}")
    if page.evaluate(COUNT) != 0:
        raise RuntimeError("the history store is not empty")
    started = time.monotonic()
    for i in range(0, len(rows), BATCH):
        page.evaluate(WRITE, [stored(row) for row in rows[i:i + BATCH]])
    took = time.monotonic() - started
    count = page.evaluate(COUNT)
    if count != len(rows):
        raise RuntimeError(f"{count} rows stored, expected {len(rows)}")
    page.evaluate("() => window.__benchDb.close()")
    return took


def measure(args: argparse.Namespace) -> int:
    from playwright.sync_api import sync_playwright

    from scripts import chromium
    from scripts.bench_fanout import serving

    started = time.monotonic()
    generator = Generator(args.seed)
    records = generator.runs(args.runs, float(int(time.time())))
    rows = [to_row(r) for r in records]
    cases = pick_queries(rows, generator.rare, generator.words)
    doc_bytes = statistics.mean(len(r.doc.encode()) for r in rows)
    word_count = statistics.mean(len(r.words) for r in rows)
    word_bytes = statistics.mean(sum(len(w.encode()) for w in r.words) for r in rows)
    print(f"history with {args.runs:,} runs (seed {args.seed}): generated in {time.monotonic() - started:.1f} s; "
          f"{sum(len(r.answers) for r in records) / len(records):.2f} answers per run, "
          f"{sum(r.favorite for r in records):,} favorites, {sum(r.round > 1 for r in records):,} follow-ups")
    print(MACHINE)

    with serving() as url, sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="bench-history-") as profile:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=chromium.EXECUTABLE, service_workers="block",
            args=[*chromium.BASE_ARGS, chromium.host_rules({})])
        try:
            page = context.pages[0] if context.pages else context.new_page()
            bench = Bench(page)
            page.goto(url)
            bench.ready()
            before = page.evaluate(ESTIMATE)
            took = fill(page, rows)
            page.reload()
            bench.ready()
            after = page.evaluate(ESTIMATE)
            page.evaluate(INSTRUMENT)
            print(f"  wrote {len(rows):,} rows in {took:.1f} s ({BATCH} per transaction), then reloaded the page")

            opens = []
            for _ in range(args.opens):
                opens.append(bench.open())
                bench.close()
                page.wait_for_timeout(200)
            spans = [o["span"] for o in opens]
            print(f"1. open History -> first page drawn (mark to mark), {args.opens} opens:")
            print(f"   median {verdict(statistics.median(spans), OPEN_TARGET_MS)}; {spread(spans)}")
            print(f"   first open after the reload {spans[0]:.0f} ms; the summary said: {opens[0]['summary']!r}")
            clicks = [o["drawn"] - o["click"] for o in opens if o["click"] is not None]
            painted = [o["painted"] - o["click"] for o in opens if o["click"] is not None and o["painted"]]
            if clicks and painted:
                print(f"   from the click: drawn {statistics.median(clicks):.0f} ms, next frame painted about "
                      f"{statistics.median(painted):.0f} ms (medians)")

            bench.open()
            print(f"2. search -> results drawn (mark after the {TYPING_PAUSE_MS} ms typing pause to the drawn mark), "
                  f"{args.repeats} times each:")
            failed = False
            for case in cases:
                if case.slot:
                    bench.search("")  # the filter alone, not on top of the last query
                    bench.provider(case.slot)
                times, said = [], []
                for _ in range(args.repeats):
                    bench.search("")  # an empty box first, so the same text is a new search each time
                    result = bench.search(case.text)
                    assert result is not None
                    times.append(result["span"])
                    said.append(summary_count(result["summary"]))
                if case.slot:
                    bench.provider("")
                ok = all(s == min(case.expected, PAGE_SIZE) for s in said)  # the first page of the matches
                failed |= not ok
                where = f" with provider {case.slot}" if case.slot else ""
                print(f"   {case.name:16} {case.text!r:26}{where:22} matches {case.expected:>5,}"
                      f"{'' if ok else f' (THE APP SAID {sorted(set(said))})'}: "
                      f"median {verdict(statistics.median(times), SEARCH_TARGET_MS)}; {spread(times)}")
            bench.close()
        finally:
            context.close()

    delta = after["usage"] - before["usage"]
    print(f"3. bytes stored per run: {delta / len(rows):,.0f} "
          f"(navigator.storage.estimate().usage {before['usage']:,} -> {after['usage']:,} bytes over {len(rows):,} runs"
          + (f"; IndexedDB alone {(after['idb'] or 0) - (before['idb'] or 0):,}" if after["idb"] is not None else "")
          + ")")
    print(f"   a row's document (JSON text, UTF-8) {doc_bytes:,.0f} bytes on average; its search words: "
          f"{word_count:,.0f} distinct, {word_bytes:,.0f} bytes of text, each also an entry of the word index")
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench history", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10_000, help="runs stored (10000)")
    parser.add_argument("--opens", type=int, default=7, help="times the dialog is opened (7)")
    parser.add_argument("--repeats", type=int, default=5, help="times each search is made (5)")
    parser.add_argument("--seed", type=int, default=1, help="the generator's seed (1)")
    args = parser.parse_args(argv)
    if not 100 <= args.runs <= 100_000 or not 1 <= args.opens <= 50 or not 1 <= args.repeats <= 50:
        parser.error("runs 100-100000, opens 1-50, repeats 1-50")
    if not (DIST / "index.html").exists():
        print("build first: python3 scripts/build.py", file=sys.stderr)
        return 1
    return measure(args)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
