"""The price catalog: genai-prices' prices for our providers, built into the app, with the user's prices on top.

`scripts/prices.py build` writes the document (`prices.json` in this package, in the app wheel only) and
says what it keeps. Matching follows genai-prices: a model id is lower-cased, a provider's models are
tried in order and the first whose rule matches wins, and an id with a compact date (``-20251211``) is
tried again with a dashed one. A model may have prices that start on a date or hold for a daily window
(UTC): the last that applies at the time asked wins, else the first. Nothing reads the document until
the first lookup, and then only the asked provider's rules are compiled.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from .price import LOCAL, USER, Price, Source, Tier, inherit

FORMAT = "switchboard-prices"
VERSION = 1
_Match = Callable[[str], bool]
_COMPACT_DATE = re.compile(r"(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)")
_FREE_PROVIDERS = frozenset({"ollama"})  # runs on the user's machine


@dataclass(frozen=True, slots=True)
class _When:
    """When a conditional price applies: from a date on, or each day between two UTC times."""

    since: date | None = None
    daily: tuple[time, time] | None = None

    def holds(self, at: datetime) -> bool:
        at = at.astimezone(UTC) if at.tzinfo is not None else at  # naive times are UTC, as in genai-prices
        if self.since is not None:
            return at.date() >= self.since
        assert self.daily is not None
        start, end = self.daily
        now = at.time()
        return (now >= start or now < end) if end < start else start <= now < end


@dataclass(slots=True)
class _Model:
    id: str
    matches: _Match
    raw: dict[str, Any]
    options: list[tuple[_When | None, Price]] | None = None  # parsed on first use


class _Table:
    """The parsed document, shared by every layer of overrides; compiles a provider's rules on first use."""

    def __init__(self, document: Mapping[str, Any] | None) -> None:
        self.source: Source | None = None
        self._raw: dict[str, list[Any]] = {}
        self._models: dict[str, list[_Model]] = {}
        self._found: dict[tuple[str, str], _Model | None] = {}
        if document is None:
            return
        if document.get("format") != FORMAT or document.get("version") != VERSION:
            raise ValueError(f"not a {FORMAT} document of version {VERSION}")
        src = document["source"]
        self.source = Source("catalog", str(src["package"]), str(src["version"]), str(src["as_of"]))
        self._raw = {str(k): list(v) for k, v in document["providers"].items()}

    def models(self, provider: str) -> list[_Model]:
        if provider not in self._models:
            self._models[provider] = [
                _Model(str(e["id"]), _compile(e.get("match", e["id"])), e) for e in self._raw.get(provider, ())
            ]
        return self._models[provider]

    def find(self, provider: str, model: str) -> _Model | None:
        ref = model.lower()
        if provider == "gemini":
            ref = ref.removeprefix("models/")  # the name Gemini's model list gives
        key = (provider, ref)
        if key not in self._found:
            found = self._first(provider, ref)
            dashed = _COMPACT_DATE.sub(_dashed, ref)
            if found is None and dashed != ref:
                found = self._first(provider, dashed)
            self._found[key] = found
        return self._found[key]

    def _first(self, provider: str, ref: str) -> _Model | None:
        return next((m for m in self.models(provider) if m.matches(ref)), None)

    def price(self, model: _Model, at: datetime) -> Price | None:
        if model.options is None:
            assert self.source is not None
            context = model.raw.get("context")
            model.options = [_option(p, context, self.source) for p in model.raw["prices"]]
        if not model.options:
            return None  # listed, but priced only for what a chat does not count (speech, images)
        for when, price in reversed(model.options):
            if when is None or when.holds(at):
                return price
        return model.options[0][1]


class Catalog:
    """Prices by provider and model id: the built catalog, with the user's own prices layered over it."""

    def __init__(self, document: Mapping[str, Any] | None = None,
                 overrides: Mapping[tuple[str, str], Price] | None = None) -> None:
        """``document`` as `scripts/prices.py build` writes it; ``overrides``: the user's prices, kept earlier."""
        self._table = _Table(document)
        self._overrides = {key: dataclasses.replace(p, source=USER) for key, p in (overrides or {}).items()}

    @classmethod
    def from_json(cls, data: str | bytes) -> Catalog:
        """The catalog in a document as `scripts/prices.py build` writes it."""
        return cls(json.loads(data))

    @property
    def source(self) -> Source | None:
        """The catalog's package, version and as-of date; None without a catalog."""
        return self._table.source

    @property
    def overrides(self) -> dict[tuple[str, str], Price]:
        """The user's prices by (provider, model id), to be kept."""
        return dict(self._overrides)

    def price(self, provider: str, model: str, *, served: str | None = None, at: datetime) -> Price | None:
        """The price of ``model`` at time ``at``; None when unknown.

        ``served`` is the model the provider says answered (e.g. ``gpt-4o-2024-08-06`` for ``gpt-4o``); it is
        tried first, then the requested id. The user's price for either wins over the catalog's.
        """
        ids = [m for m in (served, model) if m]
        user = next((self._overrides[(provider, m)] for m in ids if (provider, m) in self._overrides), None)
        listed = next((p for m in ids if (p := self._priced(provider, m, at)) is not None), None)
        if user is not None:
            return user if listed is None else inherit(user, listed)
        if listed is None and provider in _FREE_PROVIDERS:
            return Price(Decimal(0), Decimal(0), source=LOCAL)
        return listed

    def _priced(self, provider: str, model: str, at: datetime) -> Price | None:
        found = self._table.find(provider, model)
        return self._table.price(found, at) if found is not None else None

    def with_price(self, provider: str, model: str, price: Price) -> Catalog:
        """A catalog in which ``price`` is the user's price for ``model``."""
        return self._layer({**self._overrides, (provider, model): price})

    def without_price(self, provider: str, model: str) -> Catalog:
        """A catalog without the user's price for ``model``: the catalog's applies again."""
        return self._layer({k: v for k, v in self._overrides.items() if k != (provider, model)})

    def listed_as(self, provider: str, model: str) -> str | None:
        """The catalog entry a model id matches (``gpt-4o`` for ``gpt-4o-2024-08-06``); None when unlisted."""
        found = self._table.find(provider, model)
        return found.id if found is not None else None

    def models(self, provider: str) -> list[str]:
        """The catalog's model ids for ``provider``, in its order."""
        return [m.id for m in self._table.models(provider)]

    def _layer(self, overrides: dict[tuple[str, str], Price]) -> Catalog:
        layered = Catalog(overrides=overrides)
        layered._table = self._table  # parsed once, shared by every layer
        return layered


def load_catalog() -> Catalog:
    """The catalog built into the app; FileNotFoundError in a source checkout, where only the build makes it."""
    import pkgutil  # here: only the first lookup pays for reading the package data

    try:
        data = pkgutil.get_data(__name__.rpartition(".")[0], "prices.json")
    except FileNotFoundError:
        data = None
    if data is None:
        raise FileNotFoundError("switchboard/pricing/prices.json: only scripts/build.py makes it, into the app wheel")
    return Catalog.from_json(data)


# ----------------------------------------------------------------------------------------------- reading


def _compile(rule: Any) -> _Match:
    """A match rule: a string is an equal id, a list any of its rules; else one of and/prefix/suffix/contains/regex."""
    if isinstance(rule, str):
        exact = rule.lower()
        return lambda ref: ref == exact
    if isinstance(rule, list):
        if all(isinstance(r, str) for r in rule):
            names = frozenset(r.lower() for r in rule)
            return names.__contains__
        anyof = [_compile(r) for r in rule]
        return lambda ref: any(m(ref) for m in anyof)
    ((kind, arg),) = rule.items()
    if kind == "and":
        allof = [_compile(r) for r in arg]
        return lambda ref: all(m(ref) for m in allof)
    if kind == "regex":
        pattern = re.compile(arg)
        return lambda ref: pattern.search(ref) is not None
    text = str(arg).lower()
    if kind == "prefix":
        return lambda ref: ref.startswith(text)
    if kind == "suffix":
        return lambda ref: ref.endswith(text)
    if kind == "contains":
        return lambda ref: text in ref
    raise ValueError(f"unknown match rule {kind!r}")


def _rate(raw: Mapping[str, Any], key: str) -> Decimal | None:
    return Decimal(raw[key]) if key in raw else None


def _option(raw: Mapping[str, Any], context: int | None, source: Source) -> tuple[_When | None, Price]:
    # A price genai-prices does not list is not billed: input or output missing is 0.
    tiers = tuple(
        Tier(int(t["above"]), Decimal(t.get("input", "0")), Decimal(t.get("output", "0")), _rate(t, "cached"),
             _rate(t, "reasoning"))
        for t in raw.get("tiers", ())
    )
    price = Price(Decimal(raw.get("input", "0")), Decimal(raw.get("output", "0")), _rate(raw, "cached"),
                  _rate(raw, "reasoning"), context, source, tiers)
    if "from" in raw:
        return _When(since=date.fromisoformat(raw["from"])), price
    if "daily" in raw:
        start, end = (time.fromisoformat(t) for t in raw["daily"])
        return _When(daily=(start, end)), price
    return None, price


def _dashed(match: re.Match[str]) -> str:
    year, month, day = (int(match.group(i)) for i in range(2, 5))
    try:
        date(year, month, day)
    except ValueError:
        return match.group(0)
    return f"-{year:04d}-{month:02d}-{day:02d}"
