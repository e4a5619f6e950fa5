"""Spend, worked out from history alone: the user's calendar, per-answer tallies, the month kept in memory, reports.

    calendar ── days and months in the user's time zone (a Zone passed in: the browser's at the edge)
    ledger ──── per-run tallies by local day, provider and model; totals over any days
    tracker ─── this month's ledger, read once from history and kept current by its saves
    report ──── the Spend dialog's tables and the CSV export
"""

from .calendar import Zone, local_day, month_start, zone_of
from .ledger import Key, Ledger, Tally, spent, tally
from .report import Summary, csv_text, earlier_note, summarize, unknown_note
from .tracker import SpendTracker

__all__ = ["Key", "Ledger", "SpendTracker", "Summary", "Tally", "Zone", "csv_text", "earlier_note", "local_day",
           "month_start", "spent", "summarize", "tally", "unknown_note", "zone_of"]
