"""What the Spend dialog shows and exports: totals by provider, model, day and month, and the CSV.

Rows come from a Ledger's buckets, so the dialog, the CSV and a budget check all add up the same
tallies. The CSV has one row per local day, provider and model, with the USD as an exact decimal (no
currency sign, no thousands separator) so a spreadsheet can sum it against a provider's invoice.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from ..pricing.cost import format_usd
from .ledger import NOTHING, Key, Tally

K = TypeVar("K", bound=Hashable)

CSV_COLUMNS = ("date", "month", "provider", "model", "answers", "answers with no known price", "input tokens",
               "output tokens", "usd")


@dataclass(frozen=True, slots=True)
class Summary:
    """Totals over some days, each table sorted by what it is grouped by (days and months newest first)."""

    total: Tally
    by_provider: list[tuple[str, Tally]]
    by_model: list[tuple[tuple[str, str], Tally]]
    by_day: list[tuple[date, Tally]]
    by_month: list[tuple[str, Tally]]  # "2026-11"


def _group(buckets: Mapping[Key, Tally], by: Callable[[Key], K]) -> dict[K, Tally]:
    out: dict[K, Tally] = {}
    for key, amount in buckets.items():
        at = by(key)
        out[at] = out.get(at, NOTHING) + amount
    return out


def in_days(buckets: Mapping[Key, Tally], first: date | None = None, last: date | None = None) -> dict[Key, Tally]:
    """The buckets from day first to day last (either end open when None)."""
    return {key: amount for key, amount in buckets.items()
            if (first is None or key[0] >= first) and (last is None or key[0] <= last)}


def summarize(buckets: Mapping[Key, Tally]) -> Summary:
    return Summary(
        total=sum(buckets.values(), NOTHING),
        by_provider=sorted(_group(buckets, lambda k: k[1]).items()),
        by_model=sorted(_group(buckets, lambda k: (k[1], k[2])).items()),
        by_day=sorted(_group(buckets, lambda k: k[0]).items(), reverse=True),
        by_month=sorted(_group(buckets, lambda k: f"{k[0]:%Y-%m}").items(), reverse=True),
    )


def unknown_note(count: int) -> str:
    """E.g. "2 answers with no known price are not in these totals." ("" for none)."""
    if not count:
        return ""
    if count == 1:
        return "1 answer with no known price is not in these totals."
    return f"{count} answers with no known price are not in these totals."


def earlier_note(amount: Tally) -> str:
    """What the attempts a Retry or a fallback's takeover replaced in one pane cost, e.g. "2 earlier
    attempts: $0.0012"."""
    if not amount:
        return ""
    attempts = "1 earlier attempt" if amount.answers == 1 else f"{amount.answers} earlier attempts"
    if amount.unknown == amount.answers:
        return f"{attempts}: cost unknown"
    unknown = f", {amount.unknown} with no known price" if amount.unknown else ""
    return f"{attempts}: {format_usd(amount.usd)}{unknown}"


def csv_text(buckets: Mapping[Key, Tally]) -> str:
    """One row per day, provider and model, newest day first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for (day, provider, model), amount in sorted(buckets.items(), key=lambda item: (-item[0][0].toordinal(),
                                                                                   item[0][1], item[0][2])):
        writer.writerow((day.isoformat(), f"{day:%Y-%m}", _cell(provider), _cell(model), amount.answers,
                         amount.unknown, amount.input_tokens, amount.output_tokens, _plain(amount)))
    return out.getvalue()


def _plain(amount: Tally) -> str:
    """The exact USD without exponent, e.g. 0.000012345."""
    text = f"{amount.usd:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cell(text: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula: model ids come from history, which an
    # import can fill with anything.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
