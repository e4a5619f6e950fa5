"""Per-answer tallies of recorded runs, summed by local day, provider and model.

Amounts are kept as whole pico-dollars (10^-12 USD): integer sums are exact and fast, so a ledger kept
up to date run by run always equals one built afresh from the same runs, and a total is never rounded
twice. An answer whose cost is unknown is counted as such, never as $0; only a request that failed with
nothing back (no usage, no text: refused before any work) is left out, as providers bill none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Protocol, TypeAlias, TypeVar

from ..chat import Usage
from ..history.record import RunRecord
from .calendar import Zone, local_day

PICO = 10**12
MAX_ANSWER_USD = Decimal(10**9)  # a larger figure is a corrupt or hostile record, not a real answer

Key: TypeAlias = tuple[date, str, str]  # local day, provider id, model
K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class Tally:
    """Answers counted, how many of them have no known cost, their tokens and the known cost."""

    answers: int = 0
    unknown: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    picos: int = 0

    @property
    def usd(self) -> Decimal:
        return Decimal(self.picos).scaleb(-12)

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.answers + other.answers, self.unknown + other.unknown,
                     self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens,
                     self.picos + other.picos)

    def __sub__(self, other: Tally) -> Tally:
        return Tally(self.answers - other.answers, self.unknown - other.unknown,
                     self.input_tokens - other.input_tokens, self.output_tokens - other.output_tokens,
                     self.picos - other.picos)

    def __bool__(self) -> bool:
        return self.answers != 0


NOTHING = Tally()


def picos(usd: Decimal) -> int | None:
    """USD as whole pico-dollars; None for an amount no answer could cost."""
    if not usd.is_finite() or usd < 0 or usd > MAX_ANSWER_USD:
        return None
    with localcontext(prec=60):
        return int((usd * PICO).to_integral_value(rounding=ROUND_HALF_UP))


class _Priced(Protocol):
    @property
    def usd(self) -> Decimal | None: ...


class Spent(Protocol):
    """An answer as saved (history's AnswerRecord) or live (run's Answer): what a tally reads."""

    @property
    def status(self) -> str: ...
    @property
    def usage(self) -> Usage: ...
    @property
    def text(self) -> str: ...
    @property
    def reasoning(self) -> str: ...
    @property
    def cost(self) -> _Priced | None: ...


def tally(answer: Spent) -> Tally | None:
    """What one answer adds to spend; None when it sent nothing a provider bills."""
    usage = answer.usage
    if (answer.status == "failed" and usage.input_tokens is None and usage.output_tokens is None
            and usage.cost_usd is None and not answer.text and not answer.reasoning):
        return None
    amount = None if answer.cost is None or answer.cost.usd is None else picos(answer.cost.usd)
    return Tally(1, int(amount is None), max(usage.input_tokens or 0, 0), max(usage.output_tokens or 0, 0),
                 amount or 0)


def spent(answers: Iterable[Spent]) -> Tally:
    """The tallies of answers, summed (one that sent nothing a provider bills adds nothing)."""
    return sum(filter(None, map(tally, answers)), NOTHING)


def entries(record: RunRecord, zone: Zone) -> dict[Key, Tally]:
    """A run's tallies by key: each answer on the day it was asked, its run's unless a Retry or a takeover
    asked it later."""
    out: dict[Key, Tally] = {}
    for answer in (*record.answers, *record.replaced):  # an answer a Retry or a takeover replaced was spent too
        counted = tally(answer)
        if counted is not None:
            key = (local_day(answer.asked or record.created, zone), answer.provider_id, answer.model)
            out[key] = out.get(key, NOTHING) + counted
    return out


class Ledger:
    """The tallies of runs created from `since` on, by key, kept run by run: `put` a run again as it changes."""

    def __init__(self, zone: Zone, since: float = 0.0) -> None:
        self.zone = zone
        self.since = since
        self._runs: dict[str, dict[Key, Tally]] = {}
        self._buckets: dict[Key, Tally] = {}
        self._days: dict[tuple[date, str], Tally] = {}  # by day and provider: what a budget check sums

    @classmethod
    def of(cls, records: Iterable[RunRecord], zone: Zone, since: float = 0.0) -> Ledger:
        ledger = cls(zone, since)
        for record in records:
            ledger.put(record)
        return ledger

    def put(self, record: RunRecord) -> None:
        """Count record's answers as they stand now, in place of what was counted for it before."""
        self.drop(record.id)
        if record.created < self.since:
            return  # outside the ledger's window: a fresh read of that window would not see it either
        new = entries(record, self.zone)
        self._runs[record.id] = new
        for key, amount in new.items():
            self._move(key, amount, +1)

    def drop(self, run_id: str) -> None:
        for key, amount in self._runs.pop(run_id, {}).items():
            self._move(key, amount, -1)

    def _move(self, key: Key, amount: Tally, sign: int) -> None:
        _shift(self._buckets, key, amount, sign)
        _shift(self._days, key[:2], amount, sign)

    @property
    def buckets(self) -> Mapping[Key, Tally]:
        """Every non-empty (day, provider, model) tally."""
        return self._buckets

    def __len__(self) -> int:
        return len(self._runs)

    def total(self, first: date, last: date, provider: str | None = None) -> Tally:
        """Everything from day first to day last (both included), for one provider or all."""
        out = NOTHING
        for (day, where), amount in self._days.items():
            if first <= day <= last and (provider is None or where == provider):
                out += amount
        return out


def _shift(table: dict[K, Tally], at: K, amount: Tally, sign: int) -> None:
    now = table.get(at, NOTHING)
    now = now + amount if sign > 0 else now - amount
    if now:
        table[at] = now
    else:
        table.pop(at, None)  # an empty tally is no entry, so an updated ledger equals a fresh one
