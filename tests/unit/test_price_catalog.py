"""The catalog generator: genai-prices' data read without running it, kept faithfully, refused when unknown."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from scripts.buildlib import price_catalog
from scripts.buildlib.price_catalog import Call, CatalogError

from switchboard import Usage
from switchboard.pricing import Catalog, cost

AS_OF = date(2026, 11, 30)

# genai-prices itself, from the pinned wheel: its price for each case, to hold ours against.
GENAI_PRICES = textwrap.dedent("""
    import json, sys, types
    sys.modules["httpx2"] = types.ModuleType("httpx2")  # only its price updater imports it; never used here
    sys.path.insert(0, sys.argv[1])
    from datetime import datetime
    from genai_prices import Usage, calc_price
    out = []
    for provider, ref, at, usage in json.load(sys.stdin):
        try:
            r = calc_price(Usage(**usage), ref, provider_id=provider,
                           genai_request_timestamp=datetime.fromisoformat(at))
        except LookupError:
            out.append(None)
        else:
            out.append([r.model.id, str(r.total_price)])
    print(json.dumps(out))
""")
TIMES = ["2026-11-30T12:00:00+00:00", "2026-12-01T02:00:00+00:00", "2027-01-02T07:00:00+00:00"]
USAGES = [
    {"input_tokens": 1000, "cache_read_tokens": 100, "output_tokens": 500, "output_reasoning_tokens": 50},
    {"input_tokens": 300_000, "cache_read_tokens": 10_000, "output_tokens": 2000, "output_reasoning_tokens": 100},
]


def _equal_ids(clause: Call) -> list[str]:
    """Every id a match rule names outright (its equals clauses), to look each one up."""
    if clause.name == "ClauseEquals":
        return [clause.get("equals")]
    subs = clause.get("or_") or clause.get("and_") or []
    return [i for sub in subs for i in _equal_ids(sub)]


def test_every_id_in_the_data_is_priced_as_genai_prices_prices_it(price_data_wheel: Path, tmp_path: Path) -> None:
    catalog = Catalog.from_json(price_catalog.from_pinned(price_data_wheel))
    cases = []
    for provider in price_catalog.read_providers(price_data_wheel):
        if provider.get("id") not in price_catalog.PROVIDERS:
            continue
        for model in provider.get("models"):
            for ref in dict.fromkeys([model.get("id"), *_equal_ids(model.get("match"))]):
                cases += [[provider.get("id"), ref, at, usage] for at in TIMES for usage in USAGES]
    with zipfile.ZipFile(price_data_wheel) as z:
        z.extractall(tmp_path)
    result = subprocess.run([sys.executable, "-c", GENAI_PRICES, str(tmp_path)], input=json.dumps(cases),
                            capture_output=True, text=True, check=True, timeout=240)
    theirs = json.loads(result.stdout)
    assert len(theirs) == len(cases) > 10_000
    differ = []
    for (provider, ref, at, usage), their in zip(cases, theirs, strict=True):
        ours = price_catalog.PROVIDERS[provider]
        listed = catalog.listed_as(ours, ref)
        price = catalog.price(ours, ref, at=datetime.fromisoformat(at))
        mine: tuple[str | None, Decimal] | None = None
        if price is not None:
            mine = listed, cost(Usage(usage["input_tokens"], usage["cache_read_tokens"], usage["output_tokens"],
                                      usage["output_reasoning_tokens"]), price)
        elif listed is not None:
            mine = listed, Decimal(0)  # priced for audio or images only: its tokens cost nothing there either
        if mine != (None if their is None else (their[0], Decimal(their[1]))):
            differ.append((provider, ref, at, usage["input_tokens"], mine, their))
    assert differ == []


def _wheel(tmp_path: Path, providers: str, version: str = "9.9.9") -> Path:
    path = tmp_path / f"genai_prices-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("genai_prices/data.py", "import datetime\nfrom decimal import Decimal\n"
                   f"__all__ = ('providers',)\nproviders: list[Provider] = [{providers}]\n")
        z.writestr(f"genai_prices-{version}.dist-info/METADATA", f"Name: genai-prices\nVersion: {version}\n")
        z.writestr(f"genai_prices-{version}.dist-info/licenses/LICENSE", "The MIT License (MIT)\n\nCopyright (c) X\n")
    return path


def _all(models: dict[str, str]) -> str:
    """A data module with every provider we need; ``models`` gives some their models."""
    return ",".join(f"Provider(id={p!r}, name='n', api_pattern='x', models=[{models.get(p, '')}])"
                    for p in price_catalog.PROVIDERS)


def _build(tmp_path: Path, models: dict[str, str]) -> dict[str, Any]:
    wheel = _wheel(tmp_path, _all(models))
    return price_catalog.build(wheel, "genai-prices", "9.9.9", AS_OF, price_catalog.license_line(wheel))


def test_a_model_keeps_its_rule_context_and_the_prices_that_can_still_apply(tmp_path: Path) -> None:
    doc = _build(tmp_path, {"openai": """
        ModelInfo(id='a', match=ClauseEquals(equals='a'), context_window=1000,
                  prices=ModelPrice(input_mtok=Decimal('1.50'), output_mtok=Decimal('2'),
                                    web_searches_kcount=Decimal('10'))),
        ModelInfo(id='B-1', match=ClauseOr(or_=[ClauseStartsWith(starts_with='B-1'),
                  ClauseOr(or_=[ClauseEquals(equals='b-one'), ClauseRegex(regex='^b-\\\\d')])]),
                  prices=[ConditionalPrice(prices=ModelPrice(input_mtok=Decimal('9'), output_mtok=Decimal('9'))),
                          ConditionalPrice(constraint=StartDateConstraint(start_date=datetime.date(2026, 1, 1)),
                                           prices=ModelPrice(input_mtok=Decimal('1'), output_mtok=Decimal('2'))),
                          ConditionalPrice(constraint=StartDateConstraint(start_date=datetime.date(2027, 1, 1)),
                                           prices=ModelPrice(input_mtok=Decimal('3'), output_mtok=Decimal('4')))]),
        ModelInfo(id='free', match=ClauseAnd(and_=[ClauseContains(contains='fr'), ClauseEndsWith(ends_with='ee')]),
                  prices=ModelPrice()),
        ModelInfo(id='voice', match=ClauseEquals(equals='voice'), prices=ModelPrice(audio_hours=Decimal('1'))),
    """})
    assert doc["source"] == {"package": "genai-prices", "version": "9.9.9", "as_of": "2026-11-30",
                             "license": "The MIT License (MIT); Copyright (c) X"}
    assert set(doc["providers"]) == set(price_catalog.PROVIDERS.values())
    assert doc["providers"]["openai"] == [
        {"id": "a", "context": 1000, "prices": [{"input": "1.5", "output": "2"}]},
        {"id": "B-1", "match": [{"prefix": "b-1"}, "b-one", {"regex": "^b-\\d"}],
         "prices": [{"input": "1", "output": "2"}, {"input": "3", "output": "4", "from": "2027-01-01"}]},
        {"id": "free", "match": {"and": [{"contains": "fr"}, {"suffix": "ee"}]},
         "prices": [{"input": "0", "output": "0"}]},
        {"id": "voice", "prices": []},
    ]
    catalog = Catalog(doc)
    assert catalog.listed_as("openai", "b-2") == "B-1"
    price = catalog.price("openai", "B-1", at=datetime(2026, 12, 1, tzinfo=UTC))
    assert price is not None and price.input == Decimal(1)


def test_tiers_are_merged_so_each_states_every_rate(tmp_path: Path) -> None:
    doc = _build(tmp_path, {"anthropic": """
        ModelInfo(id='t', match=ClauseEquals(equals='t'), prices=ModelPrice(
            input_mtok=TieredPrices(base=Decimal('1'), tiers=[Tier(start=100, price=Decimal('2')),
                                                               Tier(start=500, price=Decimal('3'))]),
            cache_read_mtok=Decimal('0.1'),
            output_mtok=TieredPrices(base=Decimal('10'), tiers=[Tier(start=200, price=Decimal('20'))]))),
    """})
    [entry] = doc["providers"]["anthropic"]
    assert entry["prices"] == [{"input": "1", "cached": "0.1", "output": "10", "tiers": [
        {"above": 100, "input": "2", "cached": "0.1", "output": "10"},
        {"above": 200, "input": "2", "cached": "0.1", "output": "20"},
        {"above": 500, "input": "3", "cached": "0.1", "output": "20"},
    ]}]
    price = Catalog(doc).price("anthropic", "t", at=datetime(2026, 12, 1, tzinfo=UTC))
    assert price is not None
    assert [cost(Usage(n, 0, 1_000_000), price) for n in (100, 101, 201, 501)] == [
        Decimal("10.0001"), Decimal("10.000202"), Decimal("20.000402"), Decimal("20.001503")]


def test_daily_windows_are_kept_in_utc(tmp_path: Path) -> None:
    doc = _build(tmp_path, {"deepseek": """
        ModelInfo(id='d', match=ClauseEquals(equals='d'), prices=[
            ConditionalPrice(prices=ModelPrice(input_mtok=Decimal('1'), output_mtok=Decimal('1'))),
            ConditionalPrice(constraint=TimeOfDateConstraint(start_time=datetime.time(16, 30, tzinfo=datetime.UTC),
                                                             end_time=datetime.time(0, 30, tzinfo=datetime.UTC)),
                             prices=ModelPrice(input_mtok=Decimal('0.5'), output_mtok=Decimal('0.5')))]),
    """})
    [entry] = doc["providers"]["deepseek"]
    assert entry["prices"][1]["daily"] == ["16:30", "00:30"]
    catalog = Catalog(doc)
    rates = [catalog.price("deepseek", "d", at=datetime(2026, 12, 1, h, m, tzinfo=UTC)) for h, m in
             ((16, 29), (16, 30), (23, 59), (0, 29), (0, 30))]
    assert [p.input for p in rates if p] == [Decimal(1), Decimal("0.5"), Decimal("0.5"), Decimal("0.5"), Decimal(1)]


@pytest.mark.parametrize(("model", "message"), [
    ("ModelInfo(id='x', match=ClauseEquals(equals='x'), prices=ModelPrice(input_text_mtok=Decimal('1')))",
     "unknown price key input_text_mtok"),
    ("ModelInfo(id='x', match=ClauseFuzzy(near='x'), prices=ModelPrice(input_mtok=Decimal('1')))",
     "unknown match clause ClauseFuzzy"),
    ("ModelInfo(id='x', match=ClauseEquals(equals='x'), prices=[ConditionalPrice(prices=ModelPrice("
     "input_mtok=Decimal('1'))), ConditionalPrice(constraint=WeekdayConstraint(day=1), prices=ModelPrice("
     "input_mtok=Decimal('2')))])", "unknown price condition WeekdayConstraint"),
    ("ModelInfo(id='x', match=ClauseEquals(equals='x'), prices=ModelPrice(input_mtok=Decimal('-1')))",
     "not a price"),
    ("ModelInfo(id='x', match=ClauseEquals(equals=f'{x}'), prices=ModelPrice())", "unexpected construct"),
])
def test_data_of_an_unknown_shape_fails_the_build(tmp_path: Path, model: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        _build(tmp_path, {"openai": model})


def test_a_provider_missing_from_the_data_fails_the_build(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path, "Provider(id='openai', name='n', api_pattern='x', models=[])")
    with pytest.raises(CatalogError, match="no provider"):
        price_catalog.build(wheel, "genai-prices", "9.9.9", AS_OF, "")


def test_the_pinned_catalog_is_reproducible_and_refuses_another_version(price_data_wheel: Path,
                                                                        tmp_path: Path) -> None:
    assert price_catalog.from_pinned(price_data_wheel) == price_catalog.from_pinned(price_data_wheel)
    with pytest.raises(CatalogError, match="is not genai-prices"):
        price_catalog.from_pinned(_wheel(tmp_path, _all({})))
