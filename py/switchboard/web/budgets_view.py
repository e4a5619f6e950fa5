"""The Budgets dialog: daily and monthly limits overall and per provider, each beside the spend so far.

Fields are drawn from the setting and this month's ledger each time the dialog opens; Save checks
every field and names each one it refuses, and stores nothing until all are right. Empty is no limit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from switchboard.budget import BUDGETS, Budgets, Limit, parse_amount
from switchboard.escaping import Markup
from switchboard.history.service import History
from switchboard.history.store import StoreError
from switchboard.pricing.cost import format_usd
from switchboard.providers import ids
from switchboard.settings import Settings
from switchboard.spend import Ledger, SpendTracker, local_day, month_start
from switchboard.web.budget_gate import provider_name
from switchboard.web.dom import by_id, on, set_html

GROUP = Markup("""
<fieldset class="budget-group" data-provider="{provider}">
  <legend>{legend}</legend>
  {fields}
</fieldset>""")
FIELD = Markup("""
<div class="field">
  <label for="{id}">{label}</label>
  <input id="{id}" name="{id}" inputmode="decimal" autocomplete="off" value="{value}" aria-describedby="{id}-spent"
    data-provider="{provider}" data-period="{period}">
  <span id="{id}-spent" class="muted">{spent}</span>
</div>""")
OVERALL = ""  # the data-provider of the overall group


class BudgetsView:
    """Owns #budgets-dialog."""

    def __init__(self, settings: Settings, tracker: SpendTracker, history: History,
                 now: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._tracker = tracker
        self._history = history
        self._now = now
        self._dialog = by_id("budgets-dialog")
        on(by_id("open-budgets"), "click", self.open)
        on(by_id("budgets-form"), "submit", self._save)
        by_id("open-budgets").disabled = False

    async def open(self, _event: Any = None) -> None:
        if not self._dialog.open:
            self._dialog.showModal()
        self._say("")
        by_id("budgets-history-off").hidden = self._history.enabled
        await self._draw(self._settings.get(BUDGETS))

    async def _draw(self, budgets: Budgets) -> None:
        try:
            ledger: Ledger | None = await self._tracker.ledger()
        except StoreError as exc:
            ledger = None
            self._say(f"Spend so far is unknown: {exc}")
        groups = [self._group(OVERALL, "All providers", budgets.overall, ledger)]
        groups += [self._group(p, provider_name(p), budgets.for_provider(p), ledger) for p in ids()]
        set_html(by_id("budgets-fields"), Markup.concat(groups))

    def _group(self, provider: str, legend: str, limit: Limit, ledger: Ledger | None) -> Markup:
        today = local_day(self._now(), self._tracker.zone)
        fields = []
        for period, amount, first, when in (("daily", limit.daily, today, "today"),
                                            ("monthly", limit.monthly, month_start(today), "this month")):
            label = f"{period.capitalize()} limit (USD)" if provider == OVERALL else f"{legend} {period} limit (USD)"
            spent = "" if ledger is None else _spent(ledger, first, today, provider or None, when, amount)
            fields.append(FIELD.fill(id=f"budget-{provider or 'all'}-{period}", label=label, period=period,
                                     provider=provider, value="" if amount is None else f"{amount:f}", spent=spent))
        return GROUP.fill(provider=provider, legend=legend, fields=Markup.concat(fields))

    async def _save(self, _event: Any) -> None:
        overall: dict[str, Decimal | None] = {}
        providers: dict[str, dict[str, Decimal | None]] = {}
        problems: list[str] = []
        first_bad: Any = None
        stored = self._settings.get(BUDGETS)  # another tab may have changed limits since these were drawn
        for field in by_id("budgets-fields").querySelectorAll("input[data-period]"):
            label = str(field.labels.item(0).textContent)
            text = str(field.value)
            provider, period = str(field.dataset.provider), str(field.dataset.period)
            try:
                # A field left as drawn keeps what is stored now: only the user's edits are theirs to save.
                amount = (_limit(stored, provider, period) if text == str(field.defaultValue)
                          else parse_amount(text))
            except ValueError as exc:
                field.setAttribute("aria-invalid", "true")
                problems.append(f"{label}: “{text.strip()}” {exc}.")
                first_bad = first_bad or field
                continue
            field.removeAttribute("aria-invalid")
            (overall if provider == OVERALL else providers.setdefault(provider, {}))[period] = amount
        if problems:
            self._say(" ".join(problems) + " Nothing was saved.")
            first_bad.focus()
            return
        budgets = Budgets.of(Limit(overall.get("daily"), overall.get("monthly")),
                             {p: Limit(v.get("daily"), v.get("monthly")) for p, v in providers.items()})
        try:
            self._settings.set(BUDGETS, budgets)
        except ValueError as exc:
            self._say(f"Could not save the limits: {exc}")
            return
        await self._draw(budgets)
        self._say("Saved. " + ("Sends are checked against these limits." if budgets.any else "No limits are set."))

    def _say(self, text: str) -> None:
        by_id("budgets-message").textContent = text


def _limit(budgets: Budgets, provider: str, period: str) -> Decimal | None:
    limit = budgets.overall if provider == OVERALL else budgets.for_provider(provider)
    return limit.daily if period == "daily" else limit.monthly


def _spent(ledger: Ledger, first: date, last: date, provider: str | None, when: str, limit: Decimal | None) -> str:
    """E.g. "Spent today: $0.75 (75% of the limit); 1 answer with no known price not counted."."""
    so_far = ledger.total(first, last, provider)
    words = f"Spent {when}: {format_usd(so_far.usd)}"
    if limit is not None and limit > 0:
        words += f" ({int(so_far.usd * 100 / limit)}% of the limit)"
    if so_far.unknown:
        words += f"; {so_far.unknown} answer{'s' if so_far.unknown > 1 else ''} with no known price not counted"
    return words + "."
