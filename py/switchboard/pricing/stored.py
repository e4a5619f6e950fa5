"""Prices as kept in settings: JSON lists of {provider, model, input, output, …}, rates as decimal strings.

Settings are read back from a store anyone can edit, so decoding checks every field and raises
ValueError with the reason; no binary float ever touches money.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .price import Price, Source

RATES = ("input", "output", "cached_input", "reasoning")
MAX_WINDOW = 100_000_000  # tokens; no model comes near, so a bigger figure is garbage
MAX_RATE = Decimal(1_000_000)  # USD per million tokens: far above any model's, so a larger figure is a typo


def decimal_rate(value: Any, name: str, *, required: bool) -> Decimal | None:
    """A stored rate: a short decimal string of a number from 0 to MAX_RATE (a larger one, e.g. 1E+999999
    from an edited store, would overflow the cost of an answer)."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError(f"{name} is not a decimal string")
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{name} {value!r} is not a number") from None
    if not rate.is_finite() or rate < 0 or rate > MAX_RATE:
        raise ValueError(f"{name} {value!r} is not a price")
    return rate


def decode_prices(value: Any, source: Source, limit: int) -> dict[tuple[str, str], Price]:
    """Prices by (provider, model) from a decoded JSON list of at most ``limit`` items."""
    if not isinstance(value, list) or len(value) > limit:
        raise ValueError(f"not a list of at most {limit} prices")
    prices: dict[tuple[str, str], Price] = {}
    for item in value:
        if not isinstance(item, dict):
            raise ValueError("holds something that is not a price")
        provider, model = item.get("provider"), item.get("model")
        if not (isinstance(provider, str) and isinstance(model, str) and 0 < len(provider) <= 80
                and 0 < len(model) <= 200):
            raise ValueError("holds a price without a provider and model")
        window = item.get("context_window")
        if window is not None and (type(window) is not int or not 0 < window < MAX_WINDOW):
            raise ValueError(f"the context window of {model!r} is not a positive whole number")
        rates = {name: decimal_rate(item.get(name), name, required=name in ("input", "output")) for name in RATES}
        prices[(provider, model)] = Price(context_window=window, source=source, **rates)  # type: ignore[arg-type]
    return prices


def encode_prices(prices: Mapping[tuple[str, str], Price]) -> list[dict[str, Any]]:
    """The JSON-ready list `decode_prices` reads back, sorted by provider and model."""
    items = []
    for (provider, model), price in sorted(prices.items()):
        item: dict[str, Any] = {"provider": provider, "model": model}
        for name in RATES:
            rate = getattr(price, name)
            if rate is not None:
                item[name] = str(rate)
        if price.context_window is not None:
            item["context_window"] = price.context_window
        items.append(item)
    return items
