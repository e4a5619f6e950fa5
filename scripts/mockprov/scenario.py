"""Scenarios: how a request asks the mock to misbehave.

A scenario is named by a magic word `mock-<name>` in the model name or the last user message, by the
`x-mock-scenario` request header or `mock` query parameter (handy for SDKs), or by the server-wide
default. Precedence: header, query, model, prompt, default. `mock-words-N` is a modifier, not a
scenario: it sets the reply length and combines with any scenario.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAGIC = re.compile(r"(?<![A-Za-z0-9_])mock-([a-z0-9]+(?:[-.][a-z0-9]+)*)", re.IGNORECASE)

# name -> short description (printed by the CLI and used to validate names)
SCENARIOS = {
    "ok": "normal answer",
    "error-401": "bad key before streaming (also: any key containing 'bad', or the key 'sk-mock-invalid')",
    "error-429": "rate limited before streaming, with Retry-After (error-429-N: N seconds, default 1)",
    "error-500": "internal server error before streaming",
    "error-503": "overloaded before streaming: Anthropic answers 529, every other provider 503",
    "error-529": "same as error-503",
    "overloaded": "same as error-503",
    "midstream-error": "200, some chunks, then the provider's own mid-stream error shape",
    "drop": "200, some chunks, then the TCP connection is cut (no stream terminator)",
    "slow": "headers at once, first chunk after a delay (slow-S: S seconds, default: server setting)",
    "stall": "200, some chunks, then silence with the connection open (idle-timeout tests)",
}
ALIASES = {"error-529": "error-503", "overloaded": "error-503"}
MAX_DELAY = 120.0  # bound any delay a request can ask for


@dataclass(frozen=True)
class Scenario:
    name: str = "ok"
    arg: float | None = None  # seconds for error-429-N / slow-S
    words: int | None = None  # reply length from `mock-words-N`


def parse_name(text: str) -> tuple[str, float | None] | None:
    """`error-429-30` -> ("error-429", 30.0); unknown names -> None (ignored, so prompts stay free)."""
    text = text.strip().lower()
    if text.startswith("mock-"):
        text = text[5:]
    for name in sorted(SCENARIOS, key=len, reverse=True):
        if text == name:
            return ALIASES.get(name, name), None
        if text.startswith(name + "-"):
            try:
                value = float(text[len(name) + 1 :])
            except ValueError:
                return None
            return ALIASES.get(name, name), min(max(value, 0.0), MAX_DELAY)
    return None


def _scan(text: str) -> tuple[tuple[str, float | None] | None, int | None]:
    found, words = None, None
    for m in MAGIC.finditer(text or ""):
        token = m.group(1).lower()
        if token.startswith("words-") and token[6:].isdigit():
            words = int(token[6:])
        elif found is None:
            found = parse_name(token)
    return found, words


def resolve(header: str | None, query: str | None, model: str, prompt: str, default: str) -> Scenario:
    model_pick, model_words = _scan(model)
    prompt_pick, prompt_words = _scan(prompt)
    words = model_words if model_words is not None else prompt_words
    for candidate in (header, query):
        if candidate and (pick := parse_name(candidate)):
            return Scenario(pick[0], pick[1], words)
    pick = model_pick or prompt_pick or parse_name(default) or ("ok", None)
    return Scenario(pick[0], pick[1], words)
