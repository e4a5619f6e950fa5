"""The prices the app uses, in layers: the user's own, then OpenRouter's list as last fetched, then the catalog.

The catalog is built into the app and read on first use; the other two are settings (not secrets),
stored as decimal strings so no binary float ever touches money. Views subscribe to hear when a price
changes; a run is priced through `PriceBook.price`, the `run.Prices` port, and keeps the prices it used.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from ..run import ENDPOINT, Target
from ..settings import Setting, Settings
from .catalog import Catalog, load_catalog
from .openrouter import PROVIDER as OPENROUTER
from .openrouter import Changes, ListError, Listing, changes, decode_listing, encode_listing
from .price import USER, Price, inherit
from .stored import decode_prices, encode_prices

MAX_USER_PRICES = 500


def decode_user_prices(raw: str) -> dict[tuple[str, str], Price]:
    """The user's prices: a JSON list of {provider, model, input, output, …}, rates as decimal strings."""
    return decode_prices(json.loads(raw), USER, MAX_USER_PRICES)


def encode_user_prices(prices: dict[tuple[str, str], Price]) -> str:
    return json.dumps(encode_prices(prices))


USER_PRICES: Setting[dict[tuple[str, str], Price]] = Setting(
    "switchboard.prices.user", {}, decode_user_prices, encode_user_prices, max_chars=200_000)
# OpenRouter's list as last fetched on the user's say-so (None: never): under the user's prices, over the catalog.
OPENROUTER_PRICES: Setting[Listing | None] = Setting(
    "switchboard.prices.openrouter", None, decode_listing, encode_listing, max_chars=1_000_000)
KEYS = frozenset((USER_PRICES.key, OPENROUTER_PRICES.key))  # another tab changing these calls for reload()


def _over(fetched: Price | None, listed: Price | None) -> Price | None:
    """OpenRouter's price where it has one, with what only the catalog states (see `inherit`)."""
    if fetched is None or listed is None:
        return fetched or listed
    return inherit(fetched, listed)


class PriceBook:
    """The user's prices over OpenRouter's fetched list over the catalog; `price(target, served)` prices a run."""

    def __init__(self, settings: Settings, load: Callable[[], Catalog] = load_catalog,
                 warn: Callable[[str], None] = lambda _message: None,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._settings = settings
        self._load = load
        self._warn = warn
        self._now = now
        self._catalog: Catalog | None = None
        self._listing: Listing | None = None
        self._listing_read = False
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

    @property
    def listing(self) -> Listing | None:
        """OpenRouter's prices as last fetched; None when never fetched."""
        if not self._listing_read:
            self._listing = self._settings.get(OPENROUTER_PRICES)
            self._listing_read = True
        return self._listing

    def price(self, target: Target, served: str | None = None) -> Price | None:
        # By slot: each custom endpoint ("endpoint:<name>") has prices of its own, since two may serve one
        # model id at different prices; a built-in provider's slot is its id.
        return self.lookup(target.slot, target.model, served)

    def lookup(self, provider: str, model: str, served: str | None = None) -> Price | None:
        """The price that applies to ``model`` (``served``, the model that answered, tried first); for a custom
        endpoint, its own, else one kept for every endpoint (as they were before each had its own)."""
        price = self.catalog.price(provider, model, served=served, at=self._now())
        if price is not None and price.source.kind == "user":
            return price
        if provider.startswith(ENDPOINT):
            return self.lookup(Target(provider, model).provider_id, model, served)
        return _over(self._fetched(provider, model, served), price)

    def below_user(self, provider: str, model: str) -> Price | None:
        """The price that applies when the user has none of their own: OpenRouter's fetched, else the catalog's."""
        return _over(self._fetched(provider, model, None),
                     self.catalog.without_price(provider, model).price(provider, model, at=self._now()))

    def user_price(self, provider: str, model: str) -> Price | None:
        return self.catalog.overrides.get((provider, model))

    def _fetched(self, provider: str, model: str, served: str | None) -> Price | None:
        listing = self.listing if provider == OPENROUTER else None
        if listing is None:
            return None
        return next((listing.prices[m] for m in (served, model) if m and m in listing.prices), None)

    def keep_listing(self, listing: Listing) -> Changes:
        """Use ``listing`` as OpenRouter's prices from now on; returns what it changed."""
        changed = changes(lambda model: self.below_user(OPENROUTER, model), listing.prices)
        try:
            self._settings.set(OPENROUTER_PRICES, listing)
        except ValueError:  # its message would quote the whole list
            raise ListError("OpenRouter's list is too large to keep; nothing was changed.") from None
        self._listing, self._listing_read = listing, True
        self._changed()
        return changed

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

    def forget(self, provider: str) -> None:
        """Drop the user's prices for every model of ``provider`` (an endpoint that Forget vault removed)."""
        kept = self._settings.get(USER_PRICES)
        if any(where == provider for where, _model in kept):
            self._settings.set(USER_PRICES, {at: price for at, price in kept.items() if at[0] != provider})
            self.reload()

    def _keep(self, catalog: Catalog) -> None:
        overrides = catalog.overrides
        if len(overrides) > MAX_USER_PRICES:
            raise ValueError(f"at most {MAX_USER_PRICES} prices of your own")
        self._settings.set(USER_PRICES, overrides)
        self._catalog = catalog
        self._changed()

    def reload(self) -> None:
        """Read the kept prices again (another tab changed them)."""
        self._catalog = None
        self._listing_read = False
        self._changed()

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()
