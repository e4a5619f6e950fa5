"""The app's price catalog, made from genai-prices' data: read without running it, kept to what we bill.

genai-prices ships its prices as a Python module (`genai_prices/data.py`) of constructor calls. The build
reads that module with `ast` and never imports it, so no code from the download runs and no dependency of
genai-prices is needed. Every construct is checked: a release that adds a kind of match rule, condition
or token price fails the build rather than pricing answers wrongly.

What the catalog keeps, per provider we support (genai-prices' order, which decides matches):

- a model's id, its match rule (equal ids, prefixes, suffixes, substrings, regexes, and/or: genai-prices'
  rules, lower-cased as it compares them; omitted when it is the id itself) and context window;
- input, cached input (cache reads), output and reasoning per million tokens, as decimal strings;
- tiers (a prompt of more than N input tokens bills every token at other rates), merged across the
  four rates, so each tier states all of them;
- prices that start on a date or hold for a daily UTC window, minus those that can no longer apply on or
  after the catalog's as-of date.

What it leaves out: prices for other modalities (audio, images, video, documents), per-search and
per-request fees, cache writes (a Usage does not count them: they are billed as input), price variants
(batch and service tiers, which Switchboard does not request), and genai-prices' fall-back from one
provider to another's models (Google's to Anthropic's, for Claude on Vertex, which the Gemini API does not
serve).
"""

from __future__ import annotations

import ast
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import artifacts

FORMAT, VERSION = "switchboard-prices", 1
PACKAGE = "genai-prices"
WHEEL_PATH = "switchboard/pricing/prices.json"  # where the app wheel carries it; switchboard.pricing reads it
# genai-prices' provider id -> ours. Ollama and custom endpoints have no catalog: free / the user's price.
PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "google": "gemini", "mistral": "mistral", "groq": "groq",
             "openrouter": "openrouter", "deepseek": "deepseek", "x-ai": "xai", "together": "together",
             "cohere": "cohere"}
KEPT = {"input_mtok": "input", "cache_read_mtok": "cached", "output_mtok": "output",
        "output_reasoning_mtok": "reasoning"}
# Prices of what a chat Usage does not count. Any other key fails the build until it is placed here or in KEPT.
IGNORED = re.compile(r"audio|image|video|document|mchars|hours|kcount|kpages|^cache_write|^cache_text_write")
DATA_MODULE = "genai_prices/data.py"


class CatalogError(ValueError):
    """genai-prices' data has a shape this generator does not know."""


@dataclass(frozen=True)
class Call:
    """One constructor call of the data module, e.g. ClauseEquals(equals='gpt-4o')."""

    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.kwargs.get(key, default)


# ----------------------------------------------------------------------------------------------- reading


def _literal(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values, strict=True) if k is not None}
    if isinstance(node, ast.Attribute) and ast.unparse(node) in ("datetime.UTC", "datetime.timezone.utc"):
        return "UTC"
    if isinstance(node, ast.Call):
        name = ast.unparse(node.func)
        args = tuple(_literal(a) for a in node.args)
        kwargs = {k.arg: _literal(k.value) for k in node.keywords if k.arg is not None}
        if name == "Decimal":
            return Decimal(args[0])
        if name == "datetime.date":
            return date(*args)
        if name == "datetime.time":
            if kwargs.pop("tzinfo", "UTC") != "UTC":
                raise CatalogError(f"a daily window outside UTC: {ast.unparse(node)}")
            return time(*args, **kwargs)
        return Call(name, args, kwargs)
    raise CatalogError(f"unexpected construct in {DATA_MODULE}: {ast.unparse(node)[:200]}")


def read_providers(wheel: Path) -> list[Call]:
    """genai-prices' `providers` list, read from the wheel's data module as values."""
    with zipfile.ZipFile(wheel) as z:
        tree = ast.parse(z.read(DATA_MODULE).decode("utf-8"))
    for stmt in tree.body:
        target: ast.expr
        if isinstance(stmt, ast.AnnAssign):
            target, value = stmt.target, stmt.value
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "providers" and value is not None:
            providers = _literal(value)
            if isinstance(providers, list) and all(isinstance(p, Call) for p in providers):
                return providers
    raise CatalogError(f"{DATA_MODULE} has no providers list")


# ------------------------------------------------------------------------------------------- compacting


def _rule(clause: Call) -> Any:
    """genai-prices' match clause in the catalog's compact form (see switchboard.pricing.catalog)."""
    kind = clause.name
    value: Any = next(iter(clause.kwargs.values()), None)
    if kind == "ClauseEquals":
        return value.lower()
    if kind == "ClauseOr":
        rules: list[Any] = []
        for sub in value:
            rule = _rule(sub)
            rules += rule if isinstance(rule, list) else [rule]  # an or within an or is one or
        return rules[0] if len(rules) == 1 else rules
    if kind == "ClauseAnd":
        return {"and": [_rule(sub) for sub in value]}
    if kind == "ClauseRegex":
        return {"regex": value}
    simple = {"ClauseStartsWith": "prefix", "ClauseEndsWith": "suffix", "ClauseContains": "contains"}
    if kind in simple:
        return {simple[kind]: value.lower()}
    raise CatalogError(f"unknown match clause {kind}")


def _number(value: Decimal) -> str:
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise CatalogError(f"not a price: {value!r}")
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _price_set(model_price: Call) -> dict[str, Any] | None:
    """One ModelPrice as {input, cached, output, reasoning, tiers}; None when it prices only what we do not count.

    An empty ModelPrice is a free model (genai-prices prices its tokens at 0).
    """
    if model_price.name != "ModelPrice":
        raise CatalogError(f"expected ModelPrice, found {model_price.name}")
    rates: dict[str, Any] = {}
    for key, value in model_price.kwargs.items():
        if key in KEPT:
            rates[KEPT[key]] = value
        elif not IGNORED.search(key):
            raise CatalogError(f"unknown price key {key}: keep it (KEPT) or say why not (IGNORED)")
    if not model_price.kwargs:
        return {"input": "0", "output": "0"}
    if "input" not in rates and "output" not in rates:
        return None
    tiered = {k: v for k, v in rates.items() if isinstance(v, Call)}
    for v in tiered.values():
        if v.name != "TieredPrices":
            raise CatalogError(f"expected a Decimal or TieredPrices, found {v.name}")
    flat = {k: v.get("base") if isinstance(v, Call) else v for k, v in rates.items()}
    out: dict[str, Any] = {k: _number(flat[k]) for k in ("input", "cached", "output", "reasoning") if k in flat}
    starts = sorted({tier.get("start") for v in tiered.values() for tier in v.get("tiers")})
    if starts:
        out["tiers"] = []
        for start in starts:
            tier: dict[str, Any] = {"above": start}
            for key in ("input", "cached", "output", "reasoning"):
                if key in flat:
                    tier[key] = _number(_rate_above(rates[key], start))
            out["tiers"].append(tier)
    return out


def _rate_above(rate: Decimal | Call, start: int) -> Decimal:
    """The rate genai-prices applies past ``start``: that of the last tier starting at or before it."""
    if not isinstance(rate, Call):
        return rate
    applicable = rate.get("base")
    for tier in sorted(rate.get("tiers"), key=lambda t: t.get("start")):
        if tier.get("start") <= start:
            applicable = tier.get("price")
    return applicable  # type: ignore[no-any-return]


def _options(prices: Call | list[Call], as_of: date) -> list[dict[str, Any]]:
    """A model's prices with their conditions, dropping any that cannot apply on or after ``as_of``.

    genai-prices tries conditional prices last to first, takes the first that applies, else the first.
    A price is dead once a later one applies at every time from ``as_of`` on (no condition, or a start
    date on or before it); such a start date is then always met and is dropped too.
    """
    entries = [(None, prices)] if isinstance(prices, Call) else [(c.get("constraint"), c.get("prices")) for c in prices]
    if isinstance(prices, list) and any(c.name != "ConditionalPrice" for c in prices):
        raise CatalogError("expected ConditionalPrice entries")

    def always(constraint: Call | None) -> bool:
        return constraint is None or (constraint.name == "StartDateConstraint"
                                      and constraint.get("start_date") <= as_of)

    alive = [(c, p) for i, (c, p) in enumerate(entries) if not any(always(later) for later, _ in entries[i + 1:])]
    options = [(constraint, _price_set(model_price)) for constraint, model_price in alive]
    if all(option is None for _, option in options):
        return []  # priced only for what we do not count (speech, images): its price is unknown to us
    result = []
    for constraint, option in options:
        if option is None:
            raise CatalogError("a model priced by tokens at some times only: not representable")
        if constraint is None or always(constraint):
            pass
        elif constraint.name == "StartDateConstraint":
            option["from"] = constraint.get("start_date").isoformat()
        elif constraint.name == "TimeOfDateConstraint":
            option["daily"] = [constraint.get(k).isoformat("minutes") for k in ("start_time", "end_time")]
        else:
            raise CatalogError(f"unknown price condition {constraint.name}")
        result.append(option)
    return result


def _model(model: Call, as_of: date) -> dict[str, Any]:
    """One model's entry; its prices are empty when it has none for the tokens a chat counts."""
    model_id = model.get("id")
    entry: dict[str, Any] = {"id": model_id}
    rule = _rule(model.get("match"))
    if rule != model_id.lower():
        entry["match"] = rule  # kept even for a model we cannot price: its rule decides which entry matches
    if model.get("context_window") is not None:
        entry["context"] = int(model.get("context_window"))
    entry["prices"] = _options(model.get("prices"), as_of)
    return entry


def build(wheel: Path, package: str, version: str, as_of: date, license_line: str) -> dict[str, Any]:
    """The catalog document for our providers, from genai-prices' wheel."""
    by_id = {p.get("id"): p for p in read_providers(wheel)}
    missing = sorted(set(PROVIDERS) - set(by_id))
    if missing:
        raise CatalogError(f"genai-prices {version} has no provider {', '.join(missing)}")
    providers: dict[str, list[dict[str, Any]]] = {}
    for theirs, ours in sorted(PROVIDERS.items(), key=lambda kv: kv[1]):
        providers[ours] = [_model(m, as_of) for m in by_id[theirs].get("models", [])]
    return {"format": FORMAT, "version": VERSION,
            "source": {"package": package, "version": version, "as_of": as_of.isoformat(), "license": license_line},
            "providers": providers}


def from_pinned(wheel: Path) -> bytes:
    """The catalog's bytes from the pinned genai-prices wheel, with the as-of date pinned beside it."""
    pinned = dict(artifacts.DATA)[PACKAGE]
    with zipfile.ZipFile(wheel) as z:
        metadata = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        found = re.search(r"^Version: (\S+)$", z.read(metadata).decode("utf-8"), re.MULTILINE)
    if found is None or found.group(1) != pinned:
        raise CatalogError(f"{wheel.name} is not {PACKAGE} {pinned}")
    return encode(build(wheel, PACKAGE, pinned, date.fromisoformat(artifacts.PRICES_AS_OF), license_line(wheel)))


def encode(document: dict[str, Any]) -> bytes:
    """Compact, deterministic JSON: the same wheel always gives the same bytes."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def license_line(wheel: Path) -> str:
    """The licence and copyright line of genai-prices, which travels with data derived from it."""
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.endswith(".dist-info/licenses/LICENSE"))
        text = z.read(name).decode("utf-8")
    kind = text.splitlines()[0].strip()
    copyright_line = next(line.strip() for line in text.splitlines() if line.strip().startswith("Copyright"))
    return f"{kind}; {copyright_line}"
