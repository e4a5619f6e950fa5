"""The budget check before a send: the spend so far against each limit the send touches, with its worst case.

The worst case is the estimate's high end per provider. An answer with no upper bound (no output cap
and no known context window) counts with its low end, what is known, and the verdict says so; an
answer with no known price counts as nothing and is named. Exactly reaching a limit is allowed; a
warning starts at 80 %. Days and months are the user's (the Ledger's zone).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Literal, TypeAlias

from ..pricing.cost import format_usd
from ..pricing.estimate import Estimate
from ..run import Answer, Run
from ..spend.calendar import month_start
from ..spend.ledger import Ledger
from .limits import Budgets

Level: TypeAlias = Literal["ok", "warn", "block"]
WARN_AT = Decimal("0.8")


@dataclass(frozen=True, slots=True)
class Worst:
    """A send's most possible cost per provider id (and overall), and what that figure leaves out."""

    usd: dict[str, Decimal] = field(default_factory=dict)
    unbounded: dict[str, int] = field(default_factory=dict)  # answers counted with their input alone
    unpriced: dict[str, int] = field(default_factory=dict)  # answers with no known price
    overall: Decimal | None = None  # None: the providers' sum (no answer may be billed by more than one)

    @property
    def total(self) -> Decimal:
        return sum(self.usd.values(), Decimal(0)) if self.overall is None else self.overall

    def may_spend(self, provider: str | None) -> bool:
        """Whether the send could cost anything there (None: anywhere)."""
        scopes = self.usd.keys() | self.unpriced.keys() if provider is None else {provider}
        return any(self.usd.get(p, 0) > 0 or self.unpriced.get(p, 0) or self.unbounded.get(p, 0) for p in scopes)


def reach(run: Run, answers: Sequence[Answer] | None = None) -> list[list[str]]:
    """Per answer of run (or of ``answers``), the providers that may bill it: its own, and in a fallback
    chain those of the models still to come (as `estimate_run` reads the chain)."""
    return [[target.provider_id for target in run.candidates(answer)]
            for answer in (run.answers if answers is None else answers)]


def worst_case(estimate: Estimate, providers: Sequence[Sequence[str]]) -> Worst:
    """The Worst of an estimate given, per answer, the providers that may answer it: its own, and in a
    fallback chain those of the models still to come. Such an answer counts once overall, and at its
    dearest against each provider it may reach (a bound that errs high, never low)."""
    worst = Worst(overall=Decimal(0))
    overall = Decimal(0)
    for answer, reach in zip(estimate.answers, providers, strict=True):
        cost = Decimal(0)
        if answer.priced:
            cost = answer.high if answer.high is not None else answer.low or Decimal(0)
        overall += cost
        for provider in dict.fromkeys(reach):
            worst.usd[provider] = worst.usd.get(provider, Decimal(0)) + cost
            tally = worst.unpriced if not answer.priced else worst.unbounded if answer.high is None else None
            if tally is not None:
                tally[provider] = tally.get(provider, 0) + 1
    return replace(worst, overall=overall)


@dataclass(frozen=True, slots=True)
class Verdict:
    """ok, warn or block, with the reasons (the limits reached or passed) and notes on what was not counted."""

    level: Level = "ok"
    reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(self.reasons + self.notes)


def check(budgets: Budgets, ledger: Ledger, today: date, worst: Worst,
          name: Callable[[str], str] = lambda provider: provider) -> Verdict:
    """The verdict on a send with this worst case, given the spend so far in `ledger`; `name` gives a
    provider's display name."""
    blocks: list[str] = []
    warns: list[str] = []
    unknown_days: dict[str, int] = {}
    scopes: list[tuple[str | None, Decimal | None, Decimal | None]] = [
        (None, budgets.overall.daily, budgets.overall.monthly)]
    scopes += [(p, budgets.for_provider(p).daily, budgets.for_provider(p).monthly) for p in worst.usd]
    for provider, daily, monthly in scopes:
        if daily is None and monthly is None:
            continue
        cost = worst.total if provider is None else worst.usd[provider]
        where = "" if provider is None else f"{name(provider)} "
        on = "" if provider is None else f" on {name(provider)}"
        for limit, first, period, when in ((daily, today, "daily", "today"),
                                           (monthly, month_start(today), "monthly", "this month")):
            if limit is None:
                continue
            so_far = ledger.total(first, today, provider)
            if so_far.unknown:
                unknown_days[f"{when}{on}"] = so_far.unknown
            spent, after = so_far.usd, so_far.usd + cost
            facts = f"your {where}{period} limit of {format_usd(limit)} (spent{on} {when}: {format_usd(spent)})"
            if after > limit and worst.may_spend(provider):
                blocks.append(f"This send could cost up to {format_usd(cost)}{on}, which would pass {facts}.")
            elif limit > 0 and after >= WARN_AT * limit and worst.may_spend(provider):
                share = int(after * 100 / limit)
                warns.append(f"This send could bring you to {share}% of {facts}; it could cost up to "
                             f"{format_usd(cost)}{on}.")
    notes = _notes(worst, unknown_days, name) if budgets.any else []
    if blocks:
        return Verdict("block", tuple(blocks), tuple(notes))
    if warns:
        return Verdict("warn", tuple(warns), tuple(notes))
    return Verdict("ok", (), tuple(notes))


def _notes(worst: Worst, unknown: dict[str, int], name: Callable[[str], str]) -> list[str]:
    notes = []
    unbounded = sum(worst.unbounded.values())
    if unbounded:
        notes.append(f"{_answers(unbounded)} {'has' if unbounded == 1 else 'have'} no upper bound on cost (set "
                     "Maximum output tokens): only the input is counted.")
    unpriced = worst.unpriced
    if unpriced:
        which = ", ".join(name(p) for p in sorted(unpriced))
        count = sum(unpriced.values())
        notes.append(f"{_answers(count)} ({which}) {'has' if count == 1 else 'have'} no known price: not counted.")
    for when, count in unknown.items():
        notes.append(f"{_answers(count)} {when} with no known price {'is' if count == 1 else 'are'} not in the "
                     "spend so far.")
    return notes


def _answers(count: int) -> str:
    return "1 answer" if count == 1 else f"{count} answers"
