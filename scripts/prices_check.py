"""Hold the price catalog against LiteLLM's price table: which prices and context windows disagree.

LiteLLM ships its table (`model_prices_and_context_window_backup.json`) inside its wheel; `check`
downloads that wheel into a temporary folder with pip and reads the one file. LiteLLM is not a dependency
and nothing of it is kept. Its prices are USD per token as JSON floats; they are read through their
shortest text, so 1.25e-06 is exactly 1.25 per million.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from switchboard.pricing import Catalog, Price

# Our provider id -> the litellm_provider values of its models in LiteLLM's table.
LITELLM_PROVIDERS = {"openai": {"openai"}, "anthropic": {"anthropic"}, "gemini": {"gemini"},
                     "mistral": {"mistral"}, "groq": {"groq"}, "openrouter": {"openrouter"},
                     "deepseek": {"deepseek"}, "xai": {"xai"}, "together": {"together_ai"},
                     "cohere": {"cohere_chat", "cohere"}}
MODES = {"chat", "responses"}  # models one asks for text; LiteLLM also lists embeddings, images, speech
TABLE = "model_prices_and_context_window"
PER_MILLION = Decimal(1_000_000)
NOISE = Decimal("0.000001")  # per million: float noise, not a different price


@dataclass(frozen=True)
class Disagreement:
    provider: str
    model: str  # LiteLLM's key
    field: str
    ours: str
    theirs: str


@dataclass
class Tally:
    compared: int = 0
    agree: int = 0
    unknown_to_us: list[str] = field(default_factory=list)


def download_table(version: str | None, into: Path) -> tuple[str, dict[str, Any]]:
    """LiteLLM's version and price table, from its wheel, downloaded with pip into ``into``."""
    spec = f"litellm=={version}" if version else "litellm"
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
                    "-d", str(into), spec], check=True)
    (wheel,) = into.glob("litellm-*.whl")
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.startswith(f"litellm/{TABLE}") and n.endswith(".json"))
        return wheel.name.split("-")[1], json.loads(z.read(name))


def _per_million(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return (Decimal(repr(value)) * PER_MILLION).normalize()


def _text(value: Decimal | int | None) -> str:
    if value is None:
        return "-"
    return f"{value:,}" if isinstance(value, int) else format(Decimal(value).normalize(), "f")


def _litellm_models(table: dict[str, Any], provider: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(LiteLLM key, model id as one asks the provider, entry) for the provider's text models."""
    names = LITELLM_PROVIDERS[provider]
    for key, entry in table.items():
        if isinstance(entry, dict) and entry.get("litellm_provider") in names and entry.get("mode") in MODES:
            head, _, rest = key.partition("/")
            yield key, rest if rest and head in names | {"together_ai", "cohere_chat"} else key, entry


def _fields(price: Price, entry: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(field, ours, LiteLLM's) for each figure both state; ours in brackets is what applies unlisted."""
    pairs: list[tuple[str, Decimal | None, str, object]] = [
        ("input", price.input, "", entry.get("input_cost_per_token")),
        ("output", price.output, "", entry.get("output_cost_per_token")),
        ("cached", price.cached_input, "input", entry.get("cache_read_input_token_cost")),
        ("reasoning", price.reasoning, "output", entry.get("output_cost_per_reasoning_token")),
    ]
    above = price.rates_for(200_001)
    pairs += [("input >200k", above.input, "", entry.get("input_cost_per_token_above_200k_tokens")),
              ("output >200k", above.output, "", entry.get("output_cost_per_token_above_200k_tokens"))]
    for name, ours, fallback, raw in pairs:
        theirs = _per_million(raw)
        if theirs is None:
            continue
        applies = ours if ours is not None else (price.input if fallback == "input" else price.output)
        if abs(applies - theirs) > NOISE:
            shown = _text(ours) if ours is not None else f"({_text(applies)}, as {fallback})"
            yield name, shown, _text(theirs)
    context = entry.get("max_input_tokens")
    if isinstance(context, int) and price.context_window is not None and context != price.context_window:
        yield "context", _text(price.context_window), _text(context)


def compare(catalog: Catalog, table: dict[str, Any], at: datetime) -> tuple[dict[str, Tally], list[Disagreement]]:
    """Every LiteLLM text model of our providers, priced by both at ``at``."""
    tallies: dict[str, Tally] = {}
    found: list[Disagreement] = []
    for provider in LITELLM_PROVIDERS:
        tally = tallies[provider] = Tally()
        for key, model, entry in _litellm_models(table, provider):
            price = catalog.price(provider, model, at=at)
            if price is None:
                tally.unknown_to_us.append(key)
                continue
            tally.compared += 1
            differ = [Disagreement(provider, key, *f) for f in _fields(price, entry)]
            tally.agree += not differ
            found += differ
    return tallies, found


def side_by_side(catalog: Catalog, table: dict[str, Any], models: dict[str, str], at: datetime) -> list[str]:
    """One line per (provider, model): our input / cached / output beside LiteLLM's."""
    lines = []
    for provider, model in models.items():
        if provider not in LITELLM_PROVIDERS:
            continue
        price = catalog.price(provider, model, at=at)
        ours = "unknown" if price is None else " / ".join(
            _text(v) for v in (price.input, price.cached_input, price.output))
        theirs = next((" / ".join(_text(_per_million(e.get(k))) for k in (
            "input_cost_per_token", "cache_read_input_token_cost", "output_cost_per_token"))
            for _, m, e in _litellm_models(table, provider) if m == model), "not listed")
        lines.append(f"  {provider:10} {model:42} ours {ours:24} LiteLLM {theirs}")
    return lines


def run(catalog: Catalog, version: str | None, at: datetime, defaults: dict[str, str], limit: int) -> int:
    """Download LiteLLM's table, print the defaults side by side, a summary and the disagreements."""
    with tempfile.TemporaryDirectory() as tmp:
        litellm_version, table = download_table(version, Path(tmp))
    source = catalog.source
    assert source is not None
    print(f"{source.package} {source.version} (as of {source.as_of}) against LiteLLM {litellm_version}, "
          f"prices at {at.isoformat(timespec='minutes')}, USD per million tokens (input / cached / output)")
    print("Default models:")
    print("\n".join(side_by_side(catalog, table, defaults, at)))
    tallies, found = compare(catalog, table, at)
    print("By provider (LiteLLM's text models):")
    for provider, t in tallies.items():
        print(f"  {provider:10} {t.compared + len(t.unknown_to_us):4} listed by LiteLLM, {t.compared:4} priced by "
              f"both, {t.agree:4} agree, {t.compared - t.agree:3} disagree, {len(t.unknown_to_us):3} not in ours")
    print(f"Disagreements ({len(found)}):")
    for d in found[:limit]:
        print(f"  {d.provider:10} {d.model:52} {d.field:12} ours {d.ours:>14}  LiteLLM {d.theirs:>12}")
    if len(found) > limit:
        print(f"  … and {len(found) - limit} more (--limit)")
    return 0
