"""The Spend dialog: what history recorded, totalled by provider, model, day and month, and its CSV.

"This month" comes from the budget checks' own month ledger (no extra read); "All time" reads every
saved run once. Answers with no known price are counted and named, never shown as $0.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from switchboard.escaping import Markup
from switchboard.history.service import History
from switchboard.history.store import StoreError
from switchboard.pricing.cost import format_usd
from switchboard.spend import Key, Ledger, SpendTracker, Summary, Tally, csv_text, local_day, month_start, summarize
from switchboard.spend.report import in_days, unknown_note
from switchboard.web.budget_gate import provider_name
from switchboard.web.dom import by_id, download, on, set_html, spawn

TABLE = Markup("""
<table>
  <caption>{caption}</caption>
  <thead><tr><th scope="col">{what}</th><th scope="col">Answers</th><th scope="col">No known price</th>
    <th scope="col">Input tokens</th><th scope="col">Output tokens</th><th scope="col">USD</th></tr></thead>
  <tbody>{rows}</tbody>
</table>""")
ROW = Markup("""<tr><th scope="row">{name}</th><td>{answers}</td><td>{unknown}</td><td>{input}</td><td>{output}</td>
<td>{usd}</td></tr>""")


class SpendView:
    """Owns #spend-dialog."""

    def __init__(self, history: History, tracker: SpendTracker, now: Callable[[], float] = time.time) -> None:
        self._history = history
        self._tracker = tracker
        self._now = now
        self._dialog = by_id("spend-dialog")
        self._buckets: Mapping[Key, Tally] = {}
        on(by_id("open-spend"), "click", self.open)
        on(by_id("spend-period"), "change", lambda _e: spawn(self._draw()))
        on(by_id("spend-export"), "click", lambda _e: self._export())
        by_id("open-spend").disabled = False

    async def open(self, _event: Any = None) -> None:
        if not self._dialog.open:
            self._dialog.showModal()
        await self._draw()

    async def _draw(self) -> None:
        period = str(by_id("spend-period").value)
        tables = by_id("spend-tables")
        tables.setAttribute("aria-busy", "true")
        self._say("")
        try:
            buckets, unreadable = await self._read(period)
        except StoreError as exc:
            self._say(f"Could not read history: {exc}")
            tables.setAttribute("aria-busy", "false")
            return
        if str(by_id("spend-period").value) != period:
            return  # the user chose another period meanwhile: its draw is on its way
        self._buckets = buckets
        summary = summarize(buckets)
        set_html(tables, _tables(summary))
        tables.setAttribute("aria-busy", "false")
        when = "this month" if period == "month" else "in all saved history"
        total = summary.total
        words = [f"Total {when}: {format_usd(total.usd)} over {total.answers} answer{'s' * (total.answers != 1)}."
                 if total.answers else f"Nothing was spent {when}."]
        words.append(unknown_note(total.unknown))
        if unreadable:
            words.append(f"{unreadable} saved run{'s are' if unreadable > 1 else ' is'} unreadable and not counted.")
        by_id("spend-summary").textContent = " ".join(filter(None, words))
        by_id("spend-export").disabled = not buckets

    async def _read(self, period: str) -> tuple[Mapping[Key, Tally], int]:
        zone = self._tracker.zone
        if period == "month":
            ledger = await self._tracker.ledger()
            return in_days(ledger.buckets, month_start(local_day(self._now(), zone))), self._tracker.unreadable
        records, unreadable = await self._history.everything()
        return Ledger.of(records, zone).buckets, unreadable

    def _export(self) -> None:
        if not self._buckets:
            self._say("Nothing to export.")
            return
        period = str(by_id("spend-period").value)
        stamp = f"{local_day(self._now(), self._tracker.zone):%Y-%m-%d}"
        download(csv_text(self._buckets).encode(), f"switchboard-spend-{period}-{stamp}.csv", "text/csv")
        self._say(f"Exported {len(self._buckets)} row{'s' * (len(self._buckets) != 1)} (one per day, provider and "
                  "model).")

    def _say(self, text: str) -> None:
        by_id("spend-message").textContent = text


def _tables(summary: Summary) -> Markup:
    return Markup.concat([
        _table("Spend by provider", "Provider", [(provider_name(p), t) for p, t in summary.by_provider]),
        _table("Spend by model", "Model", [(f"{m} ({provider_name(p)})", t) for (p, m), t in summary.by_model]),
        _table("Spend by day", "Day", [(day.isoformat(), t) for day, t in summary.by_day]),
        _table("Spend by month", "Month", summary.by_month),
    ])


def _table(caption: str, what: str, rows: list[tuple[str, Tally]]) -> Markup:
    return TABLE.fill(caption=caption, what=what, rows=Markup.concat(
        ROW.fill(name=name, answers=f"{t.answers:,}", unknown=f"{t.unknown:,}", input=f"{t.input_tokens:,}",
                 output=f"{t.output_tokens:,}", usd=format_usd(t.usd)) for name, t in rows))
