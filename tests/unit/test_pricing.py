"""Costs: recorded usages priced from the catalog, the provider's own figure, the user's prices, USD in words."""

from __future__ import annotations

import pkgutil
import re
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scripts.buildlib import price_catalog

from switchboard import Usage
from switchboard.pricing import USER, Catalog, Cost, Price, Source, Tier, answer_cost, cost, format_usd, load_catalog
from tests.unit.test_recordings import body_of, decode, load

NOON = datetime(2026, 11, 30, 12, tzinfo=UTC)  # the catalog's as-of day, outside DeepSeek's daily windows
D = Decimal


@pytest.fixture(scope="module")
def catalog(price_data_wheel: Path) -> Catalog:
    return Catalog.from_json(price_catalog.from_pinned(price_data_wheel))


def recorded_usage(name: str) -> Usage:
    rec = load(name)
    return decode(rec, [body_of(rec)]).usage


# (recording, provider, model asked, model served, expected USD). The expectations are worked by hand from
# genai-prices 0.2.3's prices, per million tokens; a new version of the data may move them.
RECORDED_COSTS = [
    # 14 in × $0.5 + 13 out × $1.5
    ("openai/stream-obfuscation-include-usage.json", "openai", "gpt-3.5-turbo", "gpt-3.5-turbo-0125", D("0.0000265")),
    # 92 × $0.15 + 17 × $0.6
    ("openai/nonstream-tool-call.json", "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", D("0.000024")),
    # 17 × $3 + 10 × $15
    ("anthropic/stream-text-usage.json", "anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929",
     D("0.000201")),
    # Thinking is billed as output: 46 × $1 + 133 × $5
    ("anthropic/stream-thinking.json", "anthropic", "claude-haiku-4-5-20251001", "claude-haiku-4-5-20251001",
     D("0.000711")),
    # Thoughts are billed as output: 13 × $0.3 + 208 × $2.5
    ("gemini/sse-stream-thoughts-usage.json", "gemini", "gemini-2.5-flash", "gemini-2.5-flash", D("0.0005239")),
    # 31 × $0.15 + 66 × $0.6
    ("mistral/stream-thinking.json", "mistral", "mistral-small-latest", "mistral-small-latest", D("0.00004425")),
    # 52 × $0.59 + 21 × $0.79
    ("groq/stream-chat-x_groq-usage.json", "groq", "llama-3.3-70b-versatile", "llama-3.3-70b-versatile",
     D("0.00004727")),
    # deepseek-chat is served by deepseek-v4-flash: 11 × $0.15 + 8 × $0.6 (outside the peak windows)
    ("deepseek/stream-basic-usage.json", "deepseek", "deepseek-chat", "deepseek-v4-flash", D("0.00000645")),
    # Billed units: 7 × $2.5 + 21 × $10
    ("cohere/v2-chat-stream-sse.json", "cohere", "command-a-03-2025", None, D("0.0002275")),
    ("ollama/api-chat-stream-ndjson.json", "ollama", "gemma3:1b", "gemma3:1b", D("0")),
]


@pytest.mark.parametrize(("name", "provider", "model", "served", "usd"), RECORDED_COSTS)
def test_recorded_usage_costs_what_the_catalog_says(catalog: Catalog, name: str, provider: str, model: str,
                                                     served: str | None, usd: Decimal) -> None:
    usage = recorded_usage(name)
    assert usage.cost_usd is None
    price = catalog.price(provider, model, served=served, at=NOON)
    assert price is not None
    assert cost(usage, price) == usd
    figure = answer_cost(usage, price)
    assert figure.usd == usd and figure.price == price
    expected = "free (runs on your machine)" if provider == "ollama" else (
        "from the catalog (genai-prices 0.2.3, as of 2026-11-30)")
    assert figure.label == expected


@pytest.mark.parametrize(("name", "provider", "model", "served"), [
    # 9 fresh input × $1.25 + 128 cached × $0.2 + 133 output (126 of them reasoning) × $2.5
    ("xai/stream-chat-reasoning-usage.json", "xai", "grok-4.3", "grok-4.3"),
    ("openrouter/stream-processing-comments-usage.json", "openrouter", "anthropic/claude-haiku-4.5",
     "anthropic/claude-4.5-haiku-20251001"),
    ("openrouter/nonstream-leading-whitespace.json", "openrouter", "anthropic/claude-haiku-4.5",
     "anthropic/claude-4.5-haiku-20251001"),
])
def test_a_reported_cost_wins_and_the_catalog_agrees_with_it(catalog: Catalog, name: str, provider: str,
                                                             model: str, served: str) -> None:
    usage = recorded_usage(name)
    assert usage.cost_usd is not None
    price = catalog.price(provider, model, served=served, at=NOON)
    assert price is not None
    assert cost(usage, price) == usage.cost_usd  # cached and reasoning tokens priced as the provider billed them
    mine = catalog.with_price(provider, model, Price(D(100), D(100)))
    figure = answer_cost(usage, mine.price(provider, model, served=served, at=NOON))
    assert figure.usd == usage.cost_usd and figure.label == "reported by the provider"


def test_cached_input_is_billed_at_the_cached_price() -> None:
    price = Price(D("2.5"), D(10), cached_input=D("1.25"))
    assert cost(Usage(1000, 400, 0), price) == D("0.002")  # 600 × 2.5 + 400 × 1.25 per million
    assert cost(Usage(1000, None, 0), price) == D("0.0025")
    # Without a cached price, cached input is input (genai-prices' rule for a price it does not list).
    assert cost(Usage(1000, 400, 0), Price(D("2.5"), D(10))) == D("0.0025")


def test_reasoning_is_billed_at_its_own_price_only_where_it_has_one(catalog: Catalog) -> None:
    usage = Usage(1000, 0, 500, 200)
    assert cost(usage, Price(D(1), D(8))) == D("0.005")  # reasoning is output
    # The one model in the data whose reasoning has its own price: 1000 × 2 + 300 × 8 + 200 × 3.
    price = catalog.price("openrouter", "perplexity/sonar-deep-research", at=NOON)
    assert price is not None and price.reasoning == D(3)
    assert cost(usage, price) == D("0.005")
    assert cost(Usage(1000, 0, 500, 0), price) == D("0.006")


def test_counts_beyond_their_totals_cannot_make_a_cost_negative() -> None:
    price = Price(D(1), D(2), cached_input=D("0.5"), reasoning=D(1))
    assert cost(Usage(10, 50, 10, 50), price) == cost(Usage(10, 10, 10, 10), price) == D("0.000015")


def test_a_tier_bills_every_token_once_the_prompt_passes_it(catalog: Catalog) -> None:
    price = catalog.price("gemini", "gemini-2.5-pro", at=NOON)
    assert price is not None and price.tiers == (Tier(200000, D("2.5"), D(15), D("0.25")),)
    at_limit, past_it = Usage(200_000, 0, 1000), Usage(200_001, 0, 1000)
    assert cost(at_limit, price) == D("0.26")  # 200,000 × 1.25 + 1,000 × 10
    assert cost(past_it, price) == D("0.5150025")  # 200,001 × 2.5 + 1,000 × 15


def test_dated_and_daily_prices_follow_the_time_asked(catalog: Catalog) -> None:
    def rate(provider: str, model: str, at: datetime) -> Decimal:
        price = catalog.price(provider, model, at=at)
        assert price is not None
        return price.input

    # DeepSeek's peak windows are in UTC; any time zone asks the same instant.
    assert rate("deepseek", "deepseek-v4-flash", NOON) == D("0.15")
    assert rate("deepseek", "deepseek-v4-flash", datetime(2026, 12, 1, 2, tzinfo=UTC)) == D("0.3")
    assert rate("deepseek", "deepseek-v4-flash", datetime.fromisoformat("2026-12-01T11:30:00+09:30")) == D("0.3")
    assert rate("deepseek", "deepseek-v4-flash", datetime(2026, 12, 1, 4, tzinfo=UTC)) == D("0.15")
    # Gemini 3.6 Flash's introductory price ends with 2026.
    assert rate("gemini", "gemini-3.6-flash", NOON) == D("0.75")
    assert rate("gemini", "gemini-3.6-flash", datetime(2027, 1, 1, tzinfo=UTC)) == D("1.5")


def test_the_served_model_is_priced_before_the_one_asked(catalog: Catalog) -> None:
    alone = catalog.price("deepseek", "deepseek-chat", at=NOON)
    served = catalog.price("deepseek", "deepseek-chat", served="deepseek-v4-flash", at=NOON)
    assert alone is not None and served is not None and alone.input != served.input
    gpt_4o = catalog.price("openai", "gpt-4o", at=NOON)
    assert catalog.price("openai", "gpt-4o", served="no-such-model", at=NOON) == gpt_4o
    assert catalog.price("openai", "gpt-4o", served="whisper-1", at=NOON) == gpt_4o  # listed, not token-priced


def test_model_ids_match_as_genai_prices_matches_them(catalog: Catalog) -> None:
    assert catalog.listed_as("openai", "gpt-4o-2024-08-06") == "gpt-4o"
    assert catalog.listed_as("openai", "GPT-4o-2024-08-06") == "gpt-4o"  # case does not matter
    assert catalog.listed_as("openai", "gpt-4o-20240806") == "gpt-4o"  # a compact date, tried again dashed
    assert catalog.listed_as("anthropic", "claude-sonnet-4-5-20250929") == "claude-sonnet-4-5"  # a prefix
    assert catalog.listed_as("gemini", "models/gemini-2.5-flash") == catalog.listed_as("gemini", "gemini-2.5-flash")
    assert catalog.listed_as("openai", "claude-sonnet-4-5") is None  # only the provider's own models
    assert "gpt-4o" in catalog.models("openai")


def test_an_unknown_model_has_no_price_and_says_so(catalog: Catalog) -> None:
    assert catalog.price("openai", "gpt-nonexistent", at=NOON) is None
    assert catalog.price("openai-compatible", "my-model", at=NOON) is None
    assert catalog.price("openrouter", "openrouter/auto", at=NOON) is None  # its model varies per request
    unknown = answer_cost(Usage(10, 0, 10), None)
    assert unknown == Cost(None) and unknown.label == "price unknown" and unknown.text() == "price unknown"
    # Listed, but priced for audio only: a chat cannot be priced from it.
    assert catalog.listed_as("openai", "whisper-1") == "whisper-1"
    assert catalog.price("openai", "whisper-1", at=NOON) is None


def test_a_missing_count_makes_the_cost_unknown_not_zero() -> None:
    price = Price(D(1), D(2))
    figure = answer_cost(Usage(input_tokens=100), price)
    assert figure.usd is None and figure.label == "tokens not reported" and figure.price == price
    assert answer_cost(Usage(cost_usd=D("0.01")), None).text() == "$0.01 reported by the provider"


def test_the_users_price_beats_the_catalog_and_is_marked_as_theirs(catalog: Catalog) -> None:
    mine = Price(D(1), D(2), source=Source("catalog", "x", "y", "z"))
    layered = catalog.with_price("openai", "gpt-4o", mine)
    price = layered.price("openai", "gpt-4o", served="gpt-4o-2024-08-06", at=NOON)
    assert price is not None and price.source == USER and (price.input, price.output) == (D(1), D(2))
    assert price.context_window == 128000  # the catalog's context window stays
    assert answer_cost(Usage(1_000_000, 0, 1_000_000), price).text() == "$3.00 your price"
    assert layered.overrides == {("openai", "gpt-4o"): Price(D(1), D(2))}
    # The catalog itself is unchanged, and dropping the user's price brings the catalog's back.
    assert catalog.price("openai", "gpt-4o", at=NOON) == layered.without_price("openai", "gpt-4o").price(
        "openai", "gpt-4o", at=NOON)
    # Prices kept from an earlier session are the user's too.
    restored = Catalog(overrides={("openai", "gpt-4o"): mine})
    assert restored.overrides == layered.overrides
    # A price for a model the catalog does not know, and for a custom endpoint.
    custom = Catalog().with_price("openai-compatible", "my-model", Price(D("0.5"), D("0.5")))
    assert custom.source is None
    assert custom.price("openai-compatible", "my-model", at=NOON) == Price(D("0.5"), D("0.5"), source=USER)
    # Ollama is free unless the user says otherwise (e.g. a paid remote host).
    assert Catalog().with_price("ollama", "big", Price(D(1), D(1))).price("ollama", "big", at=NOON) == Price(
        D(1), D(1))


def test_money_is_exact() -> None:
    price = Price(D("0.1"), D("0.2"), cached_input=D("0.01"))
    once = cost(Usage(1, 0, 1), price)
    assert once == D("0.0000003") and isinstance(once, Decimal)
    assert sum([once] * 10, D(0)) == D("0.000003")  # no float drift
    big = cost(Usage(123_456_789, 987_654, 55_555_555, 1), Price(D("1.23456789"), D("9.87654321"), D("0.1")))
    worked = (Fraction(123_456_789 - 987_654) * Fraction("1.23456789") + 987_654 * Fraction("0.1")
              + 55_555_555 * Fraction("9.87654321")) / 1_000_000
    assert Fraction(big) == worked


def test_prices_refuse_what_is_not_money() -> None:
    for bad in (D(-1), D("NaN"), D("Infinity")):
        with pytest.raises(ValueError):
            Price(bad, D(1))
    with pytest.raises(ValueError):
        Price(D(1), D(1), tiers=(Tier(5, D(1), D(1)), Tier(5, D(2), D(2))))
    with pytest.raises(ValueError, match="each tier"):
        Price(D(1), D(1), reasoning=D(3), tiers=(Tier(5, D(2), D(2)),))
    with pytest.raises(ValueError, match="switchboard-prices"):
        Catalog.from_json(b'{"format": "other", "version": 1}')


@pytest.mark.parametrize(("amount", "text"), [
    ("0", "$0.00"), ("0.00", "$0.00"), ("0.001234", "$0.001234"), ("0.0012345", "$0.001235"),
    ("0.0012", "$0.0012"), ("0.00000645", "$0.00000645"), ("0.000024", "$0.000024"), ("0.1", "$0.10"),
    ("0.12345", "$0.1235"), ("1.5", "$1.50"), ("1.23456", "$1.235"), ("12.345", "$12.35"), ("123.456", "$123.46"),
    ("1234.5678", "$1,234.57"), ("9.9995", "$10.00"), ("0.0099995", "$0.01"), ("-0.5", "-$0.50"),
])
def test_usd_shows_four_significant_figures_and_never_fewer_than_cents(amount: str, text: str) -> None:
    assert format_usd(D(amount)) == text


def test_without_the_built_package_data_loading_says_what_makes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(package: str, name: str) -> bytes | None:
        assert (package, name) == ("switchboard.pricing", "prices.json")
        raise FileNotFoundError(name)  # what a source checkout's loader does; a zip's returns None or raises

    monkeypatch.setattr(pkgutil, "get_data", missing)
    with pytest.raises(FileNotFoundError, match=re.escape("scripts/build.py")):
        load_catalog()
    monkeypatch.setattr(pkgutil, "get_data", lambda package, name: None)
    with pytest.raises(FileNotFoundError, match=re.escape("scripts/build.py")):
        load_catalog()


# ------------------------------------------------------------------------------------------- properties

counts = st.integers(0, 5_000_000)
rates = st.decimals(0, 1000, places=6, allow_nan=False, allow_infinity=False)


@st.composite
def prices(draw: st.DrawFn) -> Price:
    base_in, base_out = draw(rates), draw(rates)
    cached = draw(st.none() | rates.filter(lambda r: r <= base_in))
    reasoning = draw(st.none() | rates)
    tiers: tuple[Tier, ...] = ()
    if draw(st.booleans()):  # a dearer tier, as every tier in the data is
        bump = draw(rates)
        tiers = (Tier(draw(st.integers(0, 1_000_000)), base_in + bump, base_out + bump,
                      None if cached is None else cached + bump, None if reasoning is None else reasoning + bump),)
    return Price(base_in, base_out, cached, reasoning, tiers=tiers)


@given(prices(), counts, counts, counts, counts, st.integers(1, 1000))
def test_cost_grows_with_input_and_output(price: Price, inp: int, cached: int, out: int, reasoning: int,
                                          more: int) -> None:
    base = cost(Usage(inp, cached, out, reasoning), price)
    assert base >= 0
    assert cost(Usage(inp + more, cached, out, reasoning), price) >= base
    assert cost(Usage(inp, cached, out + more, reasoning), price) >= base


@given(prices(), counts, counts, counts)
def test_cached_input_never_costs_more_than_uncached(price: Price, inp: int, cached: int, out: int) -> None:
    assert cost(Usage(inp, cached, out), price) <= cost(Usage(inp, 0, out), price)


@given(prices(), counts, counts, counts)
def test_reasoning_at_its_own_price_moves_the_cost_only_by_the_difference(price: Price, inp: int, out: int,
                                                                            reasoning: int) -> None:
    reasoning = min(reasoning, out)
    flat = price.rates_for(inp)
    difference = 0 if flat.reasoning is None else reasoning * (flat.reasoning - flat.output) / 1_000_000
    assert cost(Usage(inp, 0, out, reasoning), price) - cost(Usage(inp, 0, out, 0), price) == difference


@given(st.decimals(0, 10**9, places=12, allow_nan=False, allow_infinity=False))
def test_usd_text_is_the_amount_to_four_figures_or_cents(amount: Decimal) -> None:
    shown = D(format_usd(amount).removeprefix("$").replace(",", ""))
    places = max(2, 3 - amount.adjusted()) if amount else 2
    assert abs(shown - amount) <= D("0.5").scaleb(-places)
