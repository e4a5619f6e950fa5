"""A model's price: USD per million tokens, its tiers, its context window, and where it came from."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypeAlias

SourceKind: TypeAlias = Literal["provider", "catalog", "user", "local", "openrouter"]


@dataclass(frozen=True, slots=True)
class Source:
    """Where a price or a cost comes from; a catalog names its package, version and as-of date.

    ``openrouter``: OpenRouter's public model list, fetched on the user's say-so on the date ``as_of``.
    """

    kind: SourceKind
    package: str = ""
    version: str = ""
    as_of: str = ""  # ISO date

    def describe(self) -> str:
        """The source in words, as the cost line shows it."""
        if self.kind == "provider":
            return "reported by the provider"
        if self.kind == "user":
            return "your price"
        if self.kind == "local":
            return "free (runs on your machine)"
        if self.kind == "openrouter":
            return f"from OpenRouter's list, fetched {self.as_of}"
        return f"from the catalog ({self.package} {self.version}, as of {self.as_of})"


REPORTED = Source("provider")
USER = Source("user")
LOCAL = Source("local")


@dataclass(frozen=True, slots=True)
class Tier:
    """Rates for a prompt of more than ``above`` input tokens: they apply to every token (a cliff, not a step)."""

    above: int
    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    reasoning: Decimal | None = None

    def __post_init__(self) -> None:
        if self.above < 0:
            raise ValueError(f"a tier starts at 0 input tokens or more, not {self.above}")
        _check_rates(self.input, self.output, self.cached_input, self.reasoning)


@dataclass(frozen=True, slots=True)
class Price:
    """USD per million tokens for one model.

    ``cached_input`` None bills cached input as input; ``reasoning`` None bills reasoning as output (what
    genai-prices does for a price it does not list). ``tiers`` ascend by ``above``.
    """

    input: Decimal
    output: Decimal
    cached_input: Decimal | None = None
    reasoning: Decimal | None = None
    context_window: int | None = None
    source: Source = USER
    tiers: tuple[Tier, ...] = ()

    def __post_init__(self) -> None:
        _check_rates(self.input, self.output, self.cached_input, self.reasoning)
        starts = [t.above for t in self.tiers]
        if starts != sorted(set(starts)):
            raise ValueError(f"tiers must ascend by their start, not {starts}")
        # A tier that dropped the cached or reasoning rate would bill those tokens at another rate entirely.
        stated = (self.cached_input is None, self.reasoning is None)
        if any((t.cached_input is None, t.reasoning is None) != stated for t in self.tiers):
            raise ValueError("each tier states a cached and a reasoning rate exactly when the base price does")
        if self.context_window is not None and self.context_window <= 0:
            raise ValueError(f"a context window is positive, not {self.context_window}")

    def rates_for(self, input_tokens: int) -> Price:
        """The flat price that applies to a prompt of ``input_tokens`` (all input, cached included)."""
        tier = next((t for t in reversed(self.tiers) if input_tokens > t.above), None)
        if tier is None:
            return dataclasses.replace(self, tiers=()) if self.tiers else self
        return dataclasses.replace(self, input=tier.input, output=tier.output, cached_input=tier.cached_input,
                                   reasoning=tier.reasoning, tiers=())


def inherit(own: Price, listed: Price) -> Price:
    """``own`` (a user's price, or OpenRouter's) with what it cannot state taken from the catalog's
    ``listed`` price: the context window when it has none, and the higher rates for long prompts when its
    own rates are the listed ones (with other rates, the listed tiers would price another deal)."""
    window = own.context_window if own.context_window is not None else listed.context_window
    same = (own.input, own.output, own.cached_input, own.reasoning) == (
        listed.input, listed.output, listed.cached_input, listed.reasoning)
    tiers = listed.tiers if same and not own.tiers else own.tiers
    if (window, tiers) == (own.context_window, own.tiers):
        return own
    return dataclasses.replace(own, context_window=window, tiers=tiers)


def _check_rates(*rates: Decimal | None) -> None:
    for rate in rates:
        if rate is not None and (not isinstance(rate, Decimal) or not rate.is_finite() or rate < 0):
            raise ValueError(f"a price is a finite, non-negative Decimal, not {rate!r}")
