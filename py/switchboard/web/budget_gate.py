"""The budget check in front of Send: a warning near Send at 80 % of a limit, and a send that would pass a
limit held back (nothing leaves) until the user chooses "Send anyway".

`allow(run)` is the one call the compose view makes before a round is sent, and `allow_retry(run, index)`
the answers view's before one answer is asked again; each answers at once when no limit is set or the
check passes, and otherwise waits for the user's choice. A newer send or retry supersedes one still
waiting: that one is not sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import js

from switchboard.budget import BUDGETS, Verdict, check, reach, worst_case
from switchboard.history.service import History
from switchboard.history.store import StoreError, row_key
from switchboard.pricing.book import PriceBook
from switchboard.pricing.estimate import estimate_run
from switchboard.run import Run, Target
from switchboard.settings import Settings
from switchboard.spend import SpendTracker, local_day
from switchboard.web.dom import by_id, mark, on, spawn

CHANNEL = "switchboard-spend"  # tells other tabs that this tab's runs changed


def provider_name(provider: str) -> str:
    """A provider id's display name ("OpenAI"), or the id when this build does not know it."""
    return Target(provider, "-").source


class BudgetGate:
    """Owns #budget-status and #budget-block (its alert and "Send anyway")."""

    def __init__(self, settings: Settings, history: History, tracker: SpendTracker, prices: PriceBook,
                 now: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self._tracker = tracker
        self._prices = prices
        self._now = now
        self._waiting: asyncio.Future[bool] | None = None  # a held-back round's choice
        on(by_id("budget-send-anyway"), "click", lambda _e: self._decide(True))
        # Another tab's runs are spend too: each tab tells the others when its runs change. A save names its
        # run, which the others read alone; any other change ("changed") makes them read the month again. A
        # channel of its own: the history view's also carries this tab's changes (every BroadcastChannel
        # object but the sender hears a message), which would make every send re-read the month.
        self._channel = js.BroadcastChannel.new(CHANNEL)
        on(self._channel, "message", self._heard)
        history.watch(lambda saved: self._channel.postMessage(
            "changed" if saved is None else row_key(saved.created, saved.id)))
        self.warm()

    def _heard(self, event: Any) -> None:
        said = str(event.data)
        if said == "changed":
            self._tracker.stale()
        else:
            spawn(self._tracker.saved_elsewhere(said))

    def warm(self) -> None:
        """Read this month's spend now, off the send path, when limits are set."""
        if self._settings.get(BUDGETS).any:
            spawn(self._warm())

    async def _warm(self) -> None:
        mark("switchboard:budget-read")  # scripts/bench_budget.py: the month's one read
        with contextlib.suppress(StoreError):  # the first check says so, in words
            await self._tracker.ledger()
        mark("switchboard:budget-ready")

    async def allow(self, run: Run) -> bool:
        """True when run may be sent now: within every limit, or the user chose "Send anyway"."""
        return await self._check(run, None)

    async def allow_retry(self, run: Run, index: int) -> bool:
        """True when answer `index` of run may be asked again: the same check, for that answer alone."""
        return await self._check(run, index)

    async def _check(self, run: Run, only: int | None) -> bool:
        self._decide(False)  # a round still waiting is superseded by this one
        self._say("")
        budgets = self._settings.get(BUDGETS)
        if not budgets.any:
            return True
        try:
            ledger = await self._tracker.ledger()
        except StoreError as exc:
            return await self._hold(f"Your spend so far could not be read from history ({exc}), so this send "
                                    "cannot be checked against your budgets.")
        answers = run.answers if only is None else [run.answers[only]]
        worst = worst_case(estimate_run(run, self._prices.price, answers), reach(run, answers))
        verdict = check(budgets, ledger, local_day(self._now(), self._tracker.zone), worst, provider_name)
        mark("switchboard:budget-checked")  # scripts/bench_budget.py: from switchboard:send
        if verdict.level == "block":
            return await self._hold(verdict.text)
        self._say(_status(verdict))
        return True

    async def _hold(self, reason: str) -> bool:
        block = by_id("budget-block")
        block.hidden = False
        by_id("budget-alert").textContent = f"{reason} Nothing was sent."
        waiting: asyncio.Future[bool] = asyncio.get_event_loop().create_future()
        self._waiting = waiting
        try:
            return await waiting
        finally:
            if self._waiting is waiting:
                self._waiting = None
                block.hidden = True
                by_id("budget-alert").textContent = ""

    def _decide(self, send: bool) -> None:
        waiting = self._waiting
        if waiting is not None and not waiting.done():
            waiting.set_result(send)
        self._waiting = None
        by_id("budget-block").hidden = True
        by_id("budget-alert").textContent = ""

    def _say(self, text: str) -> None:
        by_id("budget-status").textContent = text


def _status(verdict: Verdict) -> str:
    if verdict.level == "warn":
        return "Budget warning: " + verdict.text
    return verdict.text  # notes on what the check could not count, or nothing

