"""Strict JSON reading for untrusted records and files: no duplicate keys, no NaN, truncation told apart."""

from __future__ import annotations

import json
from typing import NoReturn


class JsonTruncated(ValueError):
    """The text ends before the JSON value does."""


class JsonInvalid(ValueError):
    """The text is not valid JSON (or repeats a key, or uses NaN/Infinity)."""


def _reject_constant(name: str) -> NoReturn:
    raise JsonInvalid(f"{name} is not allowed")


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # A repeated key would let two readers disagree about a record's content; refuse it outright.
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise JsonInvalid(f"duplicate key {key!r}")
        out[key] = value
    return out


def loads(text: str) -> object:
    """Parse JSON strictly, raising JsonTruncated or JsonInvalid with the position of the problem."""
    if not text.strip():
        raise JsonInvalid("empty input")
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        # The parser stops at the end of the text exactly when the input was cut off mid-value.
        cut = e.pos >= len(text.rstrip()) or e.msg.startswith("Unterminated string")
        if cut:
            raise JsonTruncated(f"text ends early (after {len(text)} characters)") from None
        raise JsonInvalid(f"{e.msg} at character {e.pos}") from None
    except RecursionError:
        raise JsonInvalid("nested too deeply") from None
    except ValueError as e:  # e.g. an integer with more digits than CPython will convert
        raise JsonInvalid(str(e)) from None


def dumps(value: object) -> str:
    """Serialize compactly with ASCII output: the byte-exact form documented in docs/security.md."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
