"""OpenRouter's public model list as a layer of prices: fetched only when the user asks, parsed, kept, compared.

`GET https://openrouter.ai/api/v1/models` needs no key and gives each model's USD per token as a decimal
string ("0.00000015") and its context length. Routers whose price depends on where they route
(``openrouter/auto``) say "-1"; those, and entries that are not prices, are left out rather than guessed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import ProviderError
from ..http import HttpRequest, Transport
from ..netlog import cause
from .price import Price, Source
from .stored import MAX_RATE, MAX_WINDOW, decode_prices, encode_prices

PROVIDER = "openrouter"
MODELS_URL = "https://openrouter.ai/api/v1/models"
MAX_BYTES = 16 * 2**20  # the list was about 1.5 MB in 2026: far more is not a model list
MAX_MODELS = 5000
TIMEOUT = 60.0  # seconds for the whole list


class ListError(ValueError):
    """The list could not be had or read; the message says why, in words."""


@dataclass(frozen=True, slots=True)
class Listing:
    """OpenRouter's prices by model id, as fetched on ``fetched_on`` (ISO date)."""

    fetched_on: str
    prices: dict[str, Price] = field(default_factory=dict)
    skipped: int = field(default=0, compare=False)  # entries without a fixed price (routers), or unreadable

    @property
    def source(self) -> Source:
        return Source("openrouter", as_of=self.fetched_on)


def _per_million(value: Any) -> Decimal | None:
    """USD per token as OpenRouter writes it → USD per million tokens; None when it is no fixed price."""
    if isinstance(value, bool) or not isinstance(value, str | int) or len(str(value)) > 40:
        return None  # a float would already have lost digits: money never passes through one
    try:
        rate = Decimal(value)
    except InvalidOperation:
        return None
    if not rate.is_finite() or rate < 0:  # "-1": priced per request by where a router sends it
        return None
    if rate > MAX_RATE.scaleb(-6):  # garbled: more than any model costs (and 1E+999999 would overflow)
        return None
    return rate.scaleb(6).normalize()


def _entry(item: Any, source: Source) -> tuple[str, Price] | None:
    if not isinstance(item, dict):
        return None
    model, pricing = item.get("id"), item.get("pricing")
    if not isinstance(model, str) or not 0 < len(model) <= 200 or any(c.isspace() for c in model):
        return None
    if not isinstance(pricing, dict):
        return None
    prompt, completion = _per_million(pricing.get("prompt")), _per_million(pricing.get("completion"))
    if prompt is None or completion is None:
        return None
    cached = _per_million(pricing["input_cache_read"]) if "input_cache_read" in pricing else None
    # "internal_reasoning" is "0" for models that bill reasoning as output: only a real rate is one.
    reasoning = _per_million(pricing.get("internal_reasoning"))
    window = item.get("context_length")
    if type(window) is not int or not 0 < window < MAX_WINDOW:
        window = None
    return model, Price(prompt, completion, cached, reasoning or None, window, source)


def parse_models(data: bytes, fetched_on: str) -> Listing:
    """The prices in a models response body; ListError when it is not OpenRouter's model list."""
    if len(data) > MAX_BYTES:
        raise ListError(f"OpenRouter's list is larger than {MAX_BYTES // 2**20} MB; nothing was changed.")
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ListError("OpenRouter's answer was not JSON; nothing was changed.") from None
    entries = document.get("data") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise ListError("OpenRouter's answer was not a model list; nothing was changed.")
    if len(entries) > MAX_MODELS:
        raise ListError(f"OpenRouter's list has more than {MAX_MODELS} models; nothing was changed.")
    source = Source("openrouter", as_of=fetched_on)
    prices: dict[str, Price] = {}
    skipped = 0
    for item in entries:
        found = _entry(item, source)
        if found is None or found[0] in prices:
            skipped += 1
            continue
        prices[found[0]] = found[1]
    if not prices:
        raise ListError("OpenRouter's list held no prices; nothing was changed.")
    return Listing(fetched_on, prices, skipped)


async def fetch_models(transport: Transport, fetched_on: str) -> Listing:
    """Ask OpenRouter for its model list (no key, no header) and parse it; ListError says what went wrong."""
    try:
        async with asyncio.timeout(TIMEOUT):
            with cause("price refresh"):  # the network ledger says what made the request
                response = await transport.send(HttpRequest("GET", MODELS_URL))
            try:
                if response.status != 200:
                    raise ListError(f"OpenRouter answered with HTTP {response.status}; nothing was changed.")
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_BYTES:  # stop reading: the rest would only be thrown away
                        break
            finally:
                await response.aclose()
    except TimeoutError:
        raise ListError(f"OpenRouter did not send its list within {TIMEOUT:.0f} s; nothing was changed.") from None
    except ProviderError as exc:
        raise ListError(f"Could not reach OpenRouter: {exc.message} Nothing was changed.") from None
    return parse_models(bytes(body), fetched_on)


# --- kept in settings ------------------------------------------------------------------------------------


def decode_listing(raw: str) -> Listing | None:
    """A kept listing: {"fetched_on": ISO date, "prices": [{provider, model, input, …}]}."""
    value = json.loads(raw)
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("fetched_on"), str):
        raise ValueError("not a fetched price list")
    fetched_on = value["fetched_on"]
    try:
        date.fromisoformat(fetched_on)
    except ValueError:
        raise ValueError(f"the fetch date {fetched_on[:40]!r} is not a date") from None
    prices = decode_prices(value.get("prices"), Source("openrouter", as_of=fetched_on), MAX_MODELS)
    if any(provider != PROVIDER for provider, _model in prices):
        raise ValueError("holds a price of another provider than OpenRouter")
    return Listing(fetched_on, {model: price for (_provider, model), price in prices.items()})


def encode_listing(listing: Listing | None) -> str:
    if listing is None:
        return "null"
    prices = encode_prices({(PROVIDER, model): price for model, price in listing.prices.items()})
    return json.dumps({"fetched_on": listing.fetched_on, "prices": prices}, separators=(",", ":"))


# --- what a refresh changed -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Changes:
    """What a fetched list changes against the prices that applied before it."""

    moved: list[tuple[str, Price, Price]]  # model, before, after
    added: list[str]  # models that had no price before
    unchanged: int

    def text(self) -> str:
        """A summary in words, e.g. "2 prices changed, 5 models newly priced, 310 unchanged."."""
        parts = [_count(len(self.moved), "price changed", "prices changed"),
                 _count(len(self.added), "model newly priced", "models newly priced"),
                 f"{self.unchanged} unchanged"]
        return ", ".join(parts) + "."


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _rates(price: Price) -> tuple[Decimal | None, ...]:
    return price.input, price.output, price.cached_input, price.reasoning


def changes(before: Callable[[str], Price | None], after: Mapping[str, Price]) -> Changes:
    """Compare each fetched price with ``before(model)``, the price that applied to it until now."""
    moved, added, unchanged = [], [], 0
    for model, price in sorted(after.items()):
        old = before(model)
        if old is None:
            added.append(model)
        elif _rates(old) != _rates(price):  # Decimal equality: 0.15 == 0.150
            moved.append((model, old, price))
        else:
            unchanged += 1
    return Changes(moved, added, unchanged)
