"""Every remembered setting: its key, its default and what a valid value is.

Settings are not secrets (keys live in the vault) and persist in a small key-value store
(localStorage in the browser). A stored value may have been tampered with, written by an older
version or cut short: reading it must never stop the app, so an unreadable value is reported through
`warn` and the default is used instead. Writing validates too, so the app never stores what it could
not read back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from .routing import RULES

T = TypeVar("T")

MAX_RAW_CHARS = 16_384  # no setting needs more; a huge value is garbage, not a preference


class KeyValueStore(Protocol):
    """Where settings persist: text values under text keys. Implementations never raise on I/O."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def remove(self, key: str) -> None: ...


class MemoryStore:
    """A KeyValueStore in a dict: for tests, and for browsers that refuse localStorage."""

    def __init__(self, values: dict[str, str] | None = None) -> None:
        self.values = dict(values or {})

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def set(self, key: str, value: str) -> None:
        self.values[key] = value

    def remove(self, key: str) -> None:
        self.values.pop(key, None)


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    """One remembered value: `decode` turns stored text into a valid T or raises ValueError."""

    key: str
    default: T
    decode: Callable[[str], T]
    encode: Callable[[T], str] = json.dumps
    max_chars: int = MAX_RAW_CHARS


# --- codecs: each raises ValueError with the reason a stored text is not acceptable ---------------


def integer_in(allowed: tuple[int, ...]) -> Callable[[str], int]:
    def decode(raw: str) -> int:
        value = json.loads(raw)
        if type(value) is not int or value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(map(str, allowed))}")
        return value

    return decode


def text_in(allowed: tuple[str, ...]) -> Callable[[str], str]:
    def decode(raw: str) -> str:
        value = json.loads(raw)
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return str(value)

    return decode


def boolean(raw: str) -> bool:
    value = json.loads(raw)
    if type(value) is not bool:
        raise ValueError(f"{value!r} is not true or false")
    return value


def seconds_between(low: float, high: float) -> Callable[[str], float]:
    def decode(raw: str) -> float:
        value = json.loads(raw)
        if type(value) not in (int, float) or not low <= value <= high:  # also refuses NaN; no float() of 10**400
            raise ValueError(f"{value!r} is not a number of seconds from {low:g} to {high:g}")
        return float(value)

    return decode


_MODEL_ID = re.compile(r"[^\s\x00-\x1f\x7f]{1,200}")  # ids hold "/", ":", "@", "." but never spaces


def model_id(raw: str) -> str:
    # Stored as plain text by earlier versions, so this codec reads the raw value, not JSON.
    if not _MODEL_ID.fullmatch(raw):
        raise ValueError("not a model id (1 to 200 characters, no spaces or control characters)")
    return raw


_SLOT = re.compile(r"(?:[a-z0-9-]{1,40}|endpoint:[A-Za-z0-9._-]{1,64})")


def slot_list(raw: str) -> list[str]:
    value = json.loads(raw)
    if not isinstance(value, list) or len(value) > 200:
        raise ValueError("not a list of at most 200 provider names")
    if not all(isinstance(item, str) and _SLOT.fullmatch(item) for item in value):
        raise ValueError("holds something that is not a provider or endpoint name")
    return sorted(set(value))


def _identity(value: str) -> str:
    return value


def _listed_model_id(item: object) -> str:
    if not isinstance(item, str):
        raise ValueError("holds something that is not a model id")
    return model_id(item)


def model_ids(raw: str) -> list[str]:
    value = json.loads(raw)
    if not isinstance(value, list) or len(value) > 50:
        raise ValueError("not a list of at most 50 model ids")
    return [_listed_model_id(item) for item in value]


@dataclass(frozen=True, slots=True)
class ModelList:
    """A provider's model ids as last fetched, and when (seconds since the epoch)."""

    fetched_at: float
    ids: tuple[str, ...]


LAST_MOMENT = 253402300800  # 10000-01-01 in Unix seconds: a later fetch time is no date a clock can show


def model_list(raw: str) -> ModelList:
    value = json.loads(raw)
    if not isinstance(value, dict) or not isinstance(value.get("ids"), list) or len(value["ids"]) > 5000:
        raise ValueError("not a model list")
    fetched_at = value.get("fetched_at")
    if isinstance(fetched_at, bool) or not isinstance(fetched_at, int | float) or not 0 <= fetched_at < LAST_MOMENT:
        raise ValueError("the list has no valid fetch time")
    ids = tuple(_listed_model_id(item) for item in value["ids"])
    return ModelList(float(fetched_at), ids)


def _dump_model_list(value: ModelList) -> str:
    return json.dumps({"fetched_at": value.fetched_at, "ids": list(value.ids)})


_SET_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,60}")


def model_sets(raw: str) -> dict[str, list[list[str]]]:
    """Named model sets: {name: [[slot, model], ...]}."""
    value = json.loads(raw)
    if not isinstance(value, dict) or len(value) > 100:
        raise ValueError("not a set of at most 100 named model sets")
    for name, pairs in value.items():
        if not _SET_NAME.fullmatch(name) or not isinstance(pairs, list) or not 0 < len(pairs) <= 50:
            raise ValueError("holds a model set without a valid name or models")
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
                    and _SLOT.fullmatch(pair[0])):
                raise ValueError(f"the model set {name!r} holds something that is not a provider and model")
            model_id(pair[1])
    return dict(sorted(value.items()))


# --- the settings themselves ------------------------------------------------------------------------

AUTO_LOCK_CHOICES = (5, 15, 30, 60, 240, 0)  # minutes; 0 = never
AUTO_LOCK_MINUTES = Setting("switchboard.autoLockMinutes", 15, integer_in(AUTO_LOCK_CHOICES))
CHOSEN_PROVIDERS: Setting[list[str]] = Setting("switchboard.providers", [], slot_list)
CONNECT_TIMEOUT = Setting("switchboard.timeout.connect", 30.0, seconds_between(1, 600))
IDLE_TIMEOUT = Setting("switchboard.timeout.idle", 120.0, seconds_between(1, 3600))
KEEP_HISTORY = Setting("switchboard.history.keep", True, boolean)
GUIDE_CLOSED = Setting("switchboard.guide.closed", False, boolean)  # skipped, or finished and hidden
ROUTE = Setting("switchboard.route", "side-by-side", text_in(RULES))
THEMES = ("system", "light", "dark")
THEME = Setting("switchboard.theme", "system", text_in(THEMES))  # public/boot.js reads it too, before paint
SINGLE_KEY_SHORTCUTS = Setting("switchboard.shortcuts.singleKey", True, boolean)  # "/" (WCAG 2.1.4: can be off)


MODEL_SETS: Setting[dict[str, list[list[str]]]] = Setting("switchboard.modelSets", {}, model_sets,
                                                          max_chars=65_536)


def last_model(slot: str) -> Setting[str]:
    """The model last used with a provider or endpoint ("" = its default)."""
    return Setting(f"switchboard.model.{slot}", "", model_id, _identity)


def chosen_models(slot: str) -> Setting[list[str] | None]:
    """The models picked for a provider or endpoint, in the order they were added (None: never picked)."""
    return Setting(f"switchboard.models.{slot}", None, model_ids)  # type: ignore[arg-type]


def cached_models(slot: str) -> Setting[ModelList | None]:
    """A provider's model list as last fetched (None: never fetched)."""
    return Setting(f"switchboard.modelList.{slot}", None, model_list, _dump_model_list,  # type: ignore[arg-type]
                   max_chars=400_000)


def forget_slot(settings: Settings, slot: str) -> None:
    """Drop what settings keep of a provider or endpoint: its models picked, last used and listed, its
    tick, and its models in the named model sets (a set left with none goes)."""
    for setting in (last_model(slot), chosen_models(slot), cached_models(slot)):
        settings.reset(setting)
    chosen = settings.get(CHOSEN_PROVIDERS)
    if slot in chosen:
        settings.set(CHOSEN_PROVIDERS, [s for s in chosen if s != slot])
    sets = settings.get(MODEL_SETS)
    pruned = {name: kept for name, pairs in sets.items() if (kept := [p for p in pairs if p[0] != slot])}
    if pruned != sets:
        settings.set(MODEL_SETS, pruned)


class Settings:
    """Reads and writes settings through a KeyValueStore, validating both ways."""

    def __init__(self, store: KeyValueStore, warn: Callable[[str], None] = lambda _message: None) -> None:
        self._store = store
        self._warn = warn

    def get(self, setting: Setting[T]) -> T:
        raw = self._store.get(setting.key)
        if raw is None:
            return setting.default
        try:
            if len(raw) > setting.max_chars:
                raise ValueError(f"{len(raw)} characters long")
            return setting.decode(raw)
        except (ValueError, ArithmeticError, RecursionError) as exc:  # json.JSONDecodeError is a ValueError
            self._warn(f"Ignored the stored setting {setting.key} ({_reason(exc)}); using the default.")
            return setting.default

    def set(self, setting: Setting[T], value: T) -> None:
        """Store value; raises ValueError if it would not read back as itself."""
        raw = setting.encode(value)
        if len(raw) > setting.max_chars or setting.decode(raw) != value:
            raise ValueError(f"{value!r} is not a valid value for {setting.key}")
        self._store.set(setting.key, raw)

    def reset(self, setting: Setting[Any]) -> None:
        self._store.remove(setting.key)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return "not valid JSON"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc)
