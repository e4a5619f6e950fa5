"""The user's spending limits, kept in settings as decimal strings (never binary floats), and read back checked.

A stored value is untrusted like every setting: anything that is not exactly this shape (amounts as
decimal text from 0 to a billion, known keys only, provider ids as the app spells them) is refused, and
Settings falls back to no limits with a warning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ..settings import Setting

MAX_LIMIT = Decimal(10**9)
MAX_PROVIDERS = 100
_PROVIDER = re.compile(r"[a-z0-9-]{1,40}")
_AMOUNT = re.compile(r"[0-9]{1,10}(?:\.[0-9]{1,12})?")  # what the dialog accepts and the setting holds


@dataclass(frozen=True, slots=True)
class Limit:
    """A daily and a monthly limit in USD; None: no limit."""

    daily: Decimal | None = None
    monthly: Decimal | None = None

    @property
    def empty(self) -> bool:
        return self.daily is None and self.monthly is None


@dataclass(frozen=True, slots=True)
class Budgets:
    """The overall limits and each provider's (by provider id); providers without limits are left out."""

    overall: Limit = Limit()
    providers: Mapping[str, Limit] = field(default_factory=dict)

    @classmethod
    def of(cls, overall: Limit, providers: Mapping[str, Limit]) -> Budgets:
        """Budgets as the setting keeps them: providers without a limit left out, in id order."""
        return cls(overall, {p: limit for p, limit in sorted(providers.items()) if not limit.empty})

    def for_provider(self, provider: str) -> Limit:
        return self.providers.get(provider, Limit())

    @property
    def any(self) -> bool:
        return not self.overall.empty or bool(self.providers)


def parse_amount(text: str) -> Decimal | None:
    """A limit as typed: "" for none, else dollars like 5, 0.50 or $12 (raises ValueError in words)."""
    cleaned = text.strip().removeprefix("$").strip()
    if not cleaned:
        return None
    if "," in cleaned:
        raise ValueError("write the amount without commas, with a point before the cents, e.g. 1000.50")
    if not _AMOUNT.fullmatch(cleaned):
        raise ValueError("is not an amount in dollars, e.g. 5 or 0.50 (up to 12 decimal places)")
    amount = Decimal(cleaned)
    if amount > MAX_LIMIT:
        raise ValueError("is more than a billion dollars")
    return amount


def _amount(value: Any, where: str) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _AMOUNT.fullmatch(value):
        raise ValueError(f"{where} is not an amount as decimal text")
    try:
        amount = Decimal(value)
    except InvalidOperation:  # the pattern admits none, but a setting must never raise anything else
        raise ValueError(f"{where} is not an amount") from None
    if amount > MAX_LIMIT:
        raise ValueError(f"{where} is more than a billion dollars")
    return amount


def _limit(value: Any, where: str) -> Limit:
    if not isinstance(value, dict) or not set(value) <= {"daily", "monthly"}:
        raise ValueError(f"{where} is not a daily and monthly limit")
    return Limit(_amount(value.get("daily"), f"{where} daily"), _amount(value.get("monthly"), f"{where} monthly"))


def decode_budgets(raw: str) -> Budgets:
    """{"daily": "1.00", "monthly": null, "providers": {"openai": {"daily": "0.50"}}}"""
    value = json.loads(raw)
    if not isinstance(value, dict) or not set(value) <= {"daily", "monthly", "providers"}:
        raise ValueError("not a set of limits")
    overall = _limit({k: v for k, v in value.items() if k != "providers"}, "the overall limit")
    providers = value.get("providers", {})
    if not isinstance(providers, dict) or len(providers) > MAX_PROVIDERS:
        raise ValueError(f"the provider limits are not a table of at most {MAX_PROVIDERS}")
    limits = {}
    for provider, limit in providers.items():
        if not _PROVIDER.fullmatch(provider):
            raise ValueError("holds a limit for something that is not a provider id")
        decoded = _limit(limit, f"the {provider} limit")
        if not decoded.empty:
            limits[provider] = decoded
    return Budgets.of(overall, limits)


def _text(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:f}"


def encode_budgets(budgets: Budgets) -> str:
    value: dict[str, Any] = {"daily": _text(budgets.overall.daily), "monthly": _text(budgets.overall.monthly)}
    value["providers"] = {provider: {"daily": _text(limit.daily), "monthly": _text(limit.monthly)}
                          for provider, limit in sorted(budgets.providers.items()) if not limit.empty}
    return json.dumps(value)


BUDGETS: Setting[Budgets] = Setting("switchboard.budgets", Budgets(), decode_budgets, encode_budgets, max_chars=16_384)
