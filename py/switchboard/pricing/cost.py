"""What an answer cost: the arithmetic over a Usage and a Price, where the figure came from, and USD in words."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from ..chat import Usage
from .price import REPORTED, Price, Source

# Enough digits that no product of a token count and a price is ever rounded.
_EXACT = 60


def cost(usage: Usage, price: Price) -> Decimal:
    """USD for ``usage`` at ``price``, exact and unrounded; a count the provider did not report counts as 0.

    Cached input is billed at the cached price and the rest of the input at the input price; reasoning at
    its own price where there is one, else as output. Tiers go by all input tokens, as providers bill them.
    """
    input_tokens = max(usage.input_tokens or 0, 0)
    output_tokens = max(usage.output_tokens or 0, 0)
    # Both are parts of the totals; a provider reporting more than the total must not make a cost negative.
    cached = min(max(usage.cached_input_tokens or 0, 0), input_tokens)
    reasoning = min(max(usage.reasoning_tokens or 0, 0), output_tokens)
    rates = price.rates_for(input_tokens)
    with localcontext(prec=_EXACT):
        if rates.cached_input is None:
            total = input_tokens * rates.input
        else:
            total = (input_tokens - cached) * rates.input + cached * rates.cached_input
        if rates.reasoning is None:
            total += output_tokens * rates.output
        else:
            total += (output_tokens - reasoning) * rates.output + reasoning * rates.reasoning
        return total.scaleb(-6)  # prices are per million tokens


@dataclass(frozen=True, slots=True)
class Cost:
    """An answer's cost in USD (None when unknown), where it came from, and the price it was computed with."""

    usd: Decimal | None
    source: Source | None = None  # None: no price is known for the model
    price: Price | None = None  # kept with a run, so its total never moves when prices do

    @property
    def label(self) -> str:
        """Where the figure came from, in words: "reported by the provider", "your price", "price unknown"…"""
        if self.source is None:
            return "price unknown"
        if self.usd is None:
            return "tokens not reported"
        return self.source.describe()

    def text(self) -> str:
        """The figure and its source, e.g. "$0.001234 from the catalog (genai-prices 0.2.3, as of 2026-11-30)"."""
        return self.label if self.usd is None else f"{format_usd(self.usd)} {self.label}"


def answer_cost(usage: Usage, price: Price | None) -> Cost:
    """The cost of one answer: the provider's reported cost wins, else ``usage`` at ``price``."""
    if usage.cost_usd is not None:
        return Cost(usage.cost_usd, REPORTED, price)
    if price is None:
        return Cost(None)
    if usage.input_tokens is None or usage.output_tokens is None:
        # A partial count would pass for the whole cost (a stream stopped before its usage arrived).
        return Cost(None, price.source, price)
    return Cost(cost(usage, price), price.source, price)


def format_usd(amount: Decimal) -> str:
    """USD to four significant figures, never fewer than cents: $0.001234, $12.35, $1,234.56, $0.00."""
    if not amount.is_finite():
        raise ValueError(f"not an amount: {amount}")
    if amount.is_zero():
        return "$0.00"
    # adjusted() is the exponent of the first significant digit: 4 figures need 3 - adjusted() decimals.
    places = max(2, 3 - amount.adjusted())
    with localcontext(prec=_EXACT):
        rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,.{places}f}"
    whole, _, fraction = text.partition(".")
    fraction = fraction[:2] + fraction[2:].rstrip("0")  # 0.0012 rather than 0.001200
    return f"{'-' if rounded < 0 else ''}${whole}.{fraction}"
