"""The prices the app uses: the built catalog, read on first use, with the user's own prices kept in settings.

Views subscribe to hear when the user changes a price; a run is priced through `PriceBook.price`, the
`run.Prices` port. The user's prices are a setting (not a secret), stored as decimal strings so no
binary float ever touches money.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from ..settings import Setting, Settings
from .catalog import Catalog, load_catalog
from .price import USER, Price

if TYPE_CHECKING:
    from ..run import Target

MAX_USER_PRICES = 500
_RATES = ("input", "output", "cached_input", "reasoning")


def _rate(value: Any, name: str, *, required: bool) -> Decimal | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError(f"{name} is not a decimal string")
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{name} {value!r} is not a number") from None
    if not rate.is_finite() or rate < 0:
        raise ValueError(f"{name} {value!r} is not a price")
    return rate


def decode_user_prices(raw: str) -> dict[tuple[str, str], Price]:
    """The user's prices: a JSON list of {provider, model, input, output, …}, rates as decimal strings."""
    value = json.loads(raw)
    if not isinstance(value, list) or len(value) > MAX_USER_PRICES:
        raise ValueError(f"not a list of at most {MAX_USER_PRICES} prices")
    prices: dict[tuple[str, str], Price] = {}
    for item in value:
        if not isinstance(item, dict):
            raise ValueError("holds something that is not a price")
        provider, model = item.get("provider"), item.get("model")
        if not (isinstance(provider, str) and isinstance(model, str) and 0 < len(provider) <= 80
                and 0 < len(model) <= 200):
            raise ValueError("holds a price without a provider and model")
        window = item.get("context_window")
        if window is not None and (type(window) is not int or not 0 < window < 100_000_000):
            raise ValueError(f"the context window of {model!r} is not a positive whole number")
        rates = {name: _rate(item.get(name), name, required=name in ("input", "output")) for name in _RATES}
        prices[(provider, model)] = Price(context_window=window, source=USER, **rates)  # type: ignore[arg-type]
    return prices


def encode_user_prices(prices: dict[tuple[str, str], Price]) -> str:
    items = []
    for (provider, model), price in sorted(prices.items()):
        item: dict[str, Any] = {"provider": provider, "model": model}
        for name in _RATES:
            rate = getattr(price, name)
            if rate is not None:
                item[name] = str(rate)
        if price.context_window is not None:
            item["context_window"] = price.context_window
        items.append(item)
    return json.dumps(items)


USER_PRICES: Setting[dict[tuple[str, str], Price]] = Setting(
    "switchboard.prices.user", {}, decode_user_prices, encode_user_prices, max_chars=200_000)


class PriceBook:
    """The catalog with the user's prices on top; `price(target, served)` is what a run is priced with."""

    def __init__(self, settings: Settings, load: Callable[[], Catalog] = load_catalog,
                 warn: Callable[[str], None] = lambda _message: None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._settings = settings
        self._load = load
        self._warn = warn
        self._now = now
        self._catalog: Catalog | None = None
        self._listeners: list[Callable[[], None]] = []

    @property
    def catalog(self) -> Catalog:
        """The catalog with the user's prices, read from the app on first use."""
        if self._catalog is None:
            try:
                base = self._load()
            except (OSError, ValueError) as exc:  # a build without prices: every cost says "price unknown"
                self._warn(f"No price catalog: {exc}")
                base = Catalog()
            for (provider, model), price in self._settings.get(USER_PRICES).items():
                base = base.with_price(provider, model, price)
            self._catalog = base
        return self._catalog

    def price(self, target: Target, served: str | None = None) -> Price | None:
        return self.catalog.price(target.provider_id, target.model, served=served, at=self._now())

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call listener() after the user's prices change; returns the unsubscriber."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def set_price(self, provider: str, model: str, price: Price) -> None:
        """Keep ``price`` as the user's for ``model``; raises ValueError when there is no room for it."""
        self._keep(self.catalog.with_price(provider, model, price))

    def clear_price(self, provider: str, model: str) -> None:
        """Drop the user's price for ``model``: the catalog's applies again."""
        self._keep(self.catalog.without_price(provider, model))

    def _keep(self, catalog: Catalog) -> None:
        overrides = catalog.overrides
        if len(overrides) > MAX_USER_PRICES:
            raise ValueError(f"at most {MAX_USER_PRICES} prices of your own")
        self._settings.set(USER_PRICES, overrides)
        self._catalog = catalog
        for listener in list(self._listeners):
            listener()

    def reload(self) -> None:
        """Read the user's prices again (another tab changed them)."""
        self._catalog = None
        for listener in list(self._listeners):
            listener()
