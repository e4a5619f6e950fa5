#!/usr/bin/env python3
"""The budget check at send time with 10,000 runs of this month in history, measured in Chromium.

    .venv/bin/python scripts/bench_budget.py [--runs 10000] [--sends 7]

Writes --runs priced runs dated within the last days into the page's IndexedDB (as scripts/bench_history.py
does), sets a daily limit so small that every send is held back (nothing leaves, no key is needed),
reloads, and prints: the month's one read at start-up (marks `switchboard:budget-read` to
`switchboard:budget-ready`, set by web/budget_gate.py), then for each Send click the time from
`switchboard:send` to `switchboard:budget-checked` (the verdict is known). Figures only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "py"))

from scripts import chromium  # noqa: E402
from scripts.bench_fanout import serving  # noqa: E402
from scripts.bench_history import MACHINE, READY, fill  # noqa: E402
from switchboard.chat import Usage  # noqa: E402
from switchboard.history.record import AnswerRecord, RunRecord, SavedCost  # noqa: E402
from switchboard.history.service import to_row  # noqa: E402

SPAN = """([start, end]) => {
  const s = performance.getEntriesByName(start), e = performance.getEntriesByName(end);
  if (!s.length || !e.length) return null;
  const t = s[s.length - 1].startTime, after = e.find((x) => x.startTime >= t);
  return after ? after.startTime - t : null;
}"""


def runs(n: int, now: float) -> list[RunRecord]:
    """n two-answer runs, spread over the last 5 days."""
    out = []
    usage = Usage(input_tokens=40, output_tokens=200)
    cost = SavedCost(Decimal("0.000126"), "catalog", "genai-prices", "0.2.3", "2026-11-30")
    for i in range(n):
        answers = tuple(AnswerRecord(slot, model, "done", "an answer " * 20, usage=usage, cost=cost)
                        for slot, model in (("openai", "gpt-4o-mini"), ("anthropic", "claude-haiku-4-5")))
        out.append(RunRecord(id=f"bench{i:06d}", created=now - i * 5 * 86_400 / n, prompt=f"question {i}",
                             answers=answers))
    return out


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--sends", type=int, default=7)
    args = parser.parse_args(argv)
    rows = [to_row(r) for r in runs(args.runs, time.time() - 60)]
    print(f"budget check with {args.runs:,} runs of the last 5 days in history")
    print(MACHINE)
    with serving() as url, sync_playwright() as pw, tempfile.TemporaryDirectory(prefix="bench-budget-") as profile:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=chromium.EXECUTABLE, service_workers="block",
            args=[*chromium.BASE_ARGS, chromium.host_rules({})])
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(url)
            page.wait_for_function(READY, timeout=120_000)
            took = fill(page, rows)
            limits = {"daily": "0.000001", "monthly": None, "providers": {}}
            page.evaluate("(v) => localStorage.setItem('switchboard.budgets', v)", json.dumps(limits))
            page.reload()
            page.wait_for_function(READY, timeout=120_000)
            print(f"  wrote {len(rows):,} rows in {took:.1f} s, set a daily limit of $0.000001, reloaded")
            page.wait_for_function("() => performance.getEntriesByName('switchboard:budget-ready').length > 0",
                                   timeout=300_000)
            read = page.evaluate(SPAN, ["switchboard:budget-read", "switchboard:budget-ready"])
            print(f"1. the month's one read at start-up: {read:.0f} ms")
            page.locator('#provider-list input[value="openai"]').check()
            row = page.locator('.model-row[data-slot="openai"]')
            if not row.locator(".model-chips li").count():
                row.locator(".model-input").fill("gpt-4o-mini")
                row.get_by_role("button", name="Add model").click()
            spans = []
            for i in range(args.sends):
                page.evaluate("() => performance.clearMarks()")
                page.get_by_role("textbox", name="Prompt", exact=True).fill(f"over budget {i}")
                page.get_by_role("button", name="Send", exact=True).click()
                page.get_by_role("alert").filter(has_text="daily limit").wait_for()
                page.wait_for_function("() => performance.getEntriesByName('switchboard:budget-checked').length > 0")
                spans.append(page.evaluate(SPAN, ["switchboard:send", "switchboard:budget-checked"]))
            print(f"2. Send click -> verdict known ({args.sends} sends, each held back): median "
                  f"{statistics.median(spans):.1f} ms; all {', '.join(f'{s:.1f}' for s in spans)} ms")
            print("   the first includes loading the price catalog for the estimate")
        finally:
            context.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
