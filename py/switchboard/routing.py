"""Rules that choose which of the picked models answer: side by side, cheapest, fastest, fallback chain.

Each rule is a pure function of the picked targets and what is known about them (estimates, recorded
times) that returns a `Route`: the targets to ask, in order, and why, in words. A Run keeps its Route
(saved with it in history) and adds each fallback takeover to it as it happens.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, get_args

from .errors import ErrorKind

if TYPE_CHECKING:
    from .history.record import RunRecord
    from .pricing.estimate import AnswerEstimate
    from .run import Target

Rule: TypeAlias = Literal["side-by-side", "cheapest", "fastest", "fallback"]
RULES: tuple[Rule, ...] = get_args(Rule)
NAMES: dict[Rule, str] = {"side-by-side": "Side by side", "cheapest": "Cheapest", "fastest": "Fastest",
                          "fallback": "Fallback chain"}
# A failure before any text that another model may well not share: the next in the chain takes over.
TAKEOVER: frozenset[ErrorKind] = frozenset({"auth", "insufficient_credit", "rate_limit", "overloaded", "server",
                                            "network", "timeout"})
FAILED_AS: dict[str, str] = {"auth": "key refused", "insufficient_credit": "out of credit",
                             "rate_limit": "rate limited", "overloaded": "overloaded", "server": "server error",
                             "network": "unreachable", "timeout": "timed out"}
FASTEST_DAYS = 30
FASTEST_SAMPLES = 3
TYPICAL_OUTPUT = 1000  # tokens an answer is assumed to write when ranking by cost with no output limit set


@dataclass(frozen=True, slots=True)
class Takeover:
    """One fallback step: the target that failed before any text, and how."""

    slot: str
    model: str
    source: str  # the provider's display name when it failed, kept for words after a rename
    failure: str  # e.g. "rate limited"


@dataclass(frozen=True, slots=True)
class Route:
    """What a rule chose: the targets to ask in order (a fallback chain's rest waits its turn), and why."""

    rule: Rule
    chosen: tuple[tuple[str, str], ...]  # (slot, model): the answer's target first, then the chain's rest
    reason: str
    takeovers: tuple[Takeover, ...] = field(default=())

    def text(self) -> str:
        """What the routed answer says about how it was chosen."""
        if not self.takeovers:
            return f"{NAMES[self.rule]}: {self.reason}"
        steps = " → ".join(f"{t.source}: {t.failure}" for t in self.takeovers)
        return f"{NAMES[self.rule]}: {steps} → {self.current_source}"

    @property
    def current_source(self) -> str:
        from .run import Target

        slot, model = self.chosen[len(self.takeovers)] if len(self.takeovers) < len(self.chosen) else self.chosen[-1]
        return Target(slot, model).label

    def took_over(self, target: Target, kind: str) -> Route:
        return replace(self, takeovers=(*self.takeovers, Takeover(target.slot, target.model, target.source,
                                                                  FAILED_AS.get(kind, kind))))

    def to_doc(self) -> dict[str, Any]:
        return {"rule": self.rule, "chosen": [list(pair) for pair in self.chosen], "reason": self.reason,
                "takeovers": [{"slot": t.slot, "model": t.model, "source": t.source, "failure": t.failure}
                              for t in self.takeovers]}

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Route:
        """The Route a saved run kept; ValueError when the document is not one."""
        try:
            rule = doc["rule"]
            if rule not in RULES:
                raise ValueError(f"unknown rule {rule!r}")
            chosen = tuple((str(s), str(m)) for s, m in doc["chosen"])
            takeovers = tuple(Takeover(str(t["slot"]), str(t["model"]), str(t["source"]), str(t["failure"]))
                              for t in doc.get("takeovers", ()))
            if not chosen or len(set(chosen)) < len(chosen):
                raise ValueError("its targets are empty or repeat one")  # a chain must end (Run.candidates)
            if len(takeovers) >= len(chosen):
                raise ValueError("more takeovers than models to take over")
            return cls(rule, chosen, str(doc["reason"]), takeovers)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a route: {exc}") from None


def _pairs(targets: Iterable[Target]) -> tuple[tuple[str, str], ...]:
    return tuple((t.slot, t.model) for t in targets)


def _usd(amount: Decimal) -> str:
    from .pricing import format_usd

    return format_usd(amount)


def cheapest(targets: Sequence[Target], estimates: Sequence[AnswerEstimate], max_output: int | None) -> Route | str:
    """The target whose answer should cost least for this prompt, among those priced whose window fits.

    Ranked by the estimated input plus ``max_output`` tokens of output (or TYPICAL_OUTPUT when no limit is
    set), so a model cheap to read but dear to write is not chosen for its input price alone; ties keep
    the user's order. A string says why none can be chosen.
    """
    from .chat import Usage
    from .pricing import cost

    output = TYPICAL_OUTPUT if max_output is None else max_output
    ranked: list[tuple[Decimal, int, Target]] = []
    skipped: list[str] = []
    for order, (target, estimate) in enumerate(zip(targets, estimates, strict=True)):
        if estimate.price is None:
            skipped.append(f"{target.label} has no known price")
        elif not estimate.fits:
            skipped.append(f"{target.label}'s context window is too small")
        else:
            usd = cost(Usage(input_tokens=estimate.input_tokens, output_tokens=output), estimate.price)
            ranked.append((usd, order, target))
    if not ranked:
        return "Cheapest needs a model with a known price whose context window fits: " + "; ".join(skipped) + "."
    ranked.sort(key=lambda item: (item[0], item[1]))
    usd, _order, best = ranked[0]
    reason = f"{best.label}, about {_usd(usd)} for {estimate_words(output, max_output)}"
    others = [f"{t.label} about {_usd(u)}" for u, _o, t in ranked[1:]]
    if others:
        reason += f"; {', '.join(others)}"
    if skipped:
        reason += f"; left out: {'; '.join(skipped)}"
    return Route("cheapest", _pairs([best]), reason)


def estimate_words(output: int, max_output: int | None) -> str:
    limit = "your output limit" if max_output is not None else "typical"
    return f"this prompt and a {output:,}-token answer ({limit})"


Timings: TypeAlias = dict[tuple[str, str], list[tuple[float, float]]]  # (slot, model) -> [(when, seconds)]


def first_token_times(records: Iterable[RunRecord]) -> Timings:
    """Seconds to first token of every finished answer, with when it was asked, by (slot, model)."""
    timings: Timings = {}
    for record in records:
        for answer in record.answers:
            if answer.ttft_ms is not None and answer.status == "done":
                asked = answer.asked or record.created  # a Retry's, days after its run perhaps
                timings.setdefault((answer.slot, answer.model), []).append((asked, answer.ttft_ms / 1000))
    return timings


def recent(timings: Timings, moment: float) -> Timings:
    """The timings of the answers asked at ``moment`` or later (a long session drops what aged out)."""
    return {key: kept for key, pairs in timings.items() if (kept := [pair for pair in pairs if pair[0] >= moment])}


def since(timings: Timings, moment: float) -> dict[tuple[str, str], list[float]]:
    """The seconds of the answers asked at ``moment`` (Unix seconds) or later."""
    return {key: [seconds for _when, seconds in pairs] for key, pairs in recent(timings, moment).items()}


def fastest(targets: Sequence[Target], samples: Mapping[tuple[str, str], Sequence[float]]) -> Route:
    """The target with the lowest median time to first token over FASTEST_SAMPLES or more recorded answers;
    without enough for any, the first in the user's order, saying so."""
    timed = [(statistics.median(samples[key]), order, t) for order, t in enumerate(targets)
             if len(samples.get(key := (t.slot, t.model), ())) >= FASTEST_SAMPLES]
    untimed = [t.label for t in targets if len(samples.get((t.slot, t.model), ())) < FASTEST_SAMPLES]
    if not timed:
        return Route("fastest", _pairs(targets[:1]),
                     f"{targets[0].label}, first in your order: no model has {FASTEST_SAMPLES} answers in your "
                     f"history of the last {FASTEST_DAYS} days to time it by")
    timed.sort(key=lambda item: (item[0], item[1]))
    median, _order, best = timed[0]
    count = len(samples[(best.slot, best.model)])
    reason = f"{best.label}, first token in {median:.2f} s (median of your last {count} in {FASTEST_DAYS} days)"
    others = [f"{t.label} {m:.2f} s" for m, _o, t in timed[1:]]
    if others:
        reason += f"; {', '.join(others)}"
    if untimed:
        reason += f"; not timed yet (fewer than {FASTEST_SAMPLES} answers): {', '.join(untimed)}"
    return Route("fastest", _pairs([best]), reason)


def fallback(targets: Sequence[Target]) -> Route:
    """The picked targets in order, each once: the next takes over when one fails before any text."""
    targets = [t for i, t in enumerate(targets) if (t.slot, t.model) not in _pairs(targets[:i])]
    rest = ", then ".join(t.label for t in targets[1:])
    reason = f"{targets[0].label} first" + (f", then {rest} if it fails before answering" if rest else "")
    return Route("fallback", _pairs(targets), reason)
