"""The first-run guide: the steps from nothing to a first compared answer, and which are done.

Whether a step is done is read from the app's state (the vault, history), never from the page, so the
guide follows the user whatever way they took: the guide's own buttons, the panels, or another tab.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .history.record import RunRecord


@dataclass(frozen=True, slots=True)
class Facts:
    """What the guide needs to know about the app's state."""

    vault: bool = False  # a vault exists, or keys are kept for this session only
    keys: bool = False  # at least one key (or endpoint) is ready to use
    compared: bool = False  # a run had two or more answers with text
    priced: bool = False  # an answer's cost is known


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    title: str
    how: str


STEPS: tuple[Step, ...] = (
    Step("vault", "Create your key vault",
         "Choose a master password under Key vault: your API keys are encrypted with it and never leave this "
         "browser. (Or skip the vault and keep keys for this session only.)"),
    Step("keys", "Add a first key",
         "Open API keys and paste a key from a provider's console (docs/keys.md says where). No key yet? "
         "Run a local model with Ollama, or try Switchboard with no key at all: run python3 "
         "scripts/mock_providers.py and add an OpenAI-compatible endpoint with base URL "
         "http://127.0.0.1:8787/v1 and any key."),
    Step("compare", "Ask two models at once",
         "Tick a provider, add a second model (of the same provider or another), write a prompt and press "
         "Send (Ctrl+Enter): the answers stream side by side."),
    Step("cost", "See what it cost",
         "Each answer ends with its tokens, timing and cost. Estimated cost next to Send shows the range "
         "before you send; Budgets and Spend keep you within limits."),
)


def facts_from(records: Iterable[RunRecord], *, vault: bool, keys: bool) -> Facts:
    """The facts, reading the runs history returned (newest first is enough: any run may count). An answer
    with text proves a working key too, which a locked vault cannot show."""
    compared = priced = answered = False
    for record in records:
        compared = compared or sum(bool(answer.text) for answer in record.answers) >= 2
        priced = priced or any(answer.cost is not None and answer.cost.usd is not None for answer in record.answers)
        answered = answered or any(answer.text for answer in record.answers)
    return Facts(vault, keys or answered, compared, priced)


def progress(facts: Facts) -> list[tuple[Step, bool]]:
    """Each step and whether it is done."""
    done = {"vault": facts.vault, "keys": facts.keys, "compare": facts.compared, "cost": facts.priced}
    return [(step, done[step.key]) for step in STEPS]


def current(facts: Facts) -> Step | None:
    """The first step not done yet; None once the guide is complete."""
    return next((step for step, done in progress(facts) if not done), None)
