"""What the Prices dialog shows, kept pure: its rows, rates in words, and a price the user typed, read back."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .book import PriceBook
from .price import USER, Price
from .stored import MAX_RATE, MAX_WINDOW


@dataclass(frozen=True, slots=True)
class Row:
    """One model's line: what it is listed as and the price that applies to it now."""

    provider: str
    model: str
    listed_as: str | None  # the catalog entry (or OpenRouter's id) it matched; None: unlisted
    price: Price | None
    yours: bool


def rows(book: PriceBook, in_use: Iterable[tuple[str, str]]) -> list[Row]:
    """The models in use (in their order), then every other model the user has priced."""
    keys = list(dict.fromkeys(in_use))
    keys += sorted(key for key in book.catalog.overrides if key not in keys)
    listing = book.listing
    result = []
    for provider, model in keys:
        listed = book.catalog.listed_as(provider, model)
        if listed is None and provider == "openrouter" and listing is not None and model in listing.prices:
            listed = model
        result.append(Row(provider, model, listed, book.lookup(provider, model),
                          book.user_price(provider, model) is not None))
    return result


def usd(rate: Decimal) -> str:
    """A rate exactly as given, at least to the cent: $2.50, $0.075, $0.00."""
    text = format(rate.normalize(), "f")
    whole, _, fraction = text.partition(".")
    return f"${whole}.{fraction.ljust(2, '0')}"


def window(tokens: int | None) -> str:
    return "unknown" if tokens is None else f"{tokens:,}"


def _rate(text: str, name: str, *, required: bool) -> Decimal | str | None:
    text = text.strip()
    if not text:
        return f"Enter the {name} price in USD per million tokens." if required else None
    try:
        rate = Decimal(text) if len(text) <= 30 else Decimal("NaN")
    except InvalidOperation:
        rate = Decimal("NaN")
    if not rate.is_finite():
        return f"The {name} price is not a number: write it like 2.50."
    if rate < 0:
        return f"The {name} price cannot be below 0."
    if rate > MAX_RATE:
        return f"The {name} price is over {usd(MAX_RATE)} per million tokens: check the figure."
    return rate


def read_price(input_: str, output: str, cached: str = "", context_window: str = "",
               reasoning: str = "") -> Price | str:
    """The price typed in the dialog's fields, or what is wrong with it in words."""
    rates = []
    for text, name, required in ((input_, "input", True), (output, "output", True), (cached, "cached input", False),
                                 (reasoning, "reasoning", False)):
        rate = _rate(text, name, required=required)
        if isinstance(rate, str):
            return rate
        rates.append(rate)
    tokens: int | None = None
    if context_window.strip():
        text = context_window.strip().replace(",", "")
        if not (text.isascii() and text.isdigit() and len(text) <= 12 and 0 < int(text) < MAX_WINDOW):
            return f"The context window is a whole number of tokens from 1 to {MAX_WINDOW - 1:,}."
        tokens = int(text)
    input_rate, output_rate, cached_rate, reasoning_rate = rates
    assert input_rate is not None and output_rate is not None
    return Price(input_rate, output_rate, cached_rate, reasoning_rate, context_window=tokens, source=USER)


def tiers_note(price: Price | None) -> str:
    """What the form says of a listed price's higher rates for long prompts ("" when it has none)."""
    if price is None or not price.tiers:
        return ""
    return (f"The listed price charges more for prompts over {price.tiers[0].above:,} input tokens. Your price "
            "keeps those rates while its own rates are the listed ones; with other rates, it is one price for "
            "every prompt length.")
