"""The price book's layers (yours > OpenRouter's fetched list > catalog), how they are kept, OpenRouter's list
read and compared, and the Prices dialog's rows and form, all on CPython."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from switchboard.errors import ProviderError
from switchboard.http import HttpRequest, MockResponse
from switchboard.pricing import USER, Catalog, Price, Source
from switchboard.pricing.book import OPENROUTER_PRICES, USER_PRICES, PriceBook
from switchboard.pricing.openrouter import (
    MAX_BYTES,
    MODELS_URL,
    ListError,
    Listing,
    changes,
    decode_listing,
    encode_listing,
    fetch_models,
    parse_models,
)
from switchboard.pricing.table import read_price, rows, tiers_note, usd, window
from switchboard.run import Target
from switchboard.settings import MemoryStore, Settings

D = Decimal
NOON = datetime(2026, 11, 30, 12, tzinfo=UTC)
DOCUMENT = {
    "format": "switchboard-prices",
    "version": 1,
    "source": {"package": "genai-prices", "version": "0.2.3", "as_of": "2026-11-30"},
    "providers": {
        "openai": [{"id": "gpt-4o-mini", "match": {"prefix": "gpt-4o-mini"}, "context": 128000,
                    "prices": [{"input": "0.15", "output": "0.6", "cached": "0.075"}]}],
        "openrouter": [{"id": "openai/gpt-4o-mini", "context": 128000, "prices": [{"input": "0.15", "output": "0.6"}]},
                       {"id": "anthropic/claude-sonnet-4.5", "prices": [{"input": "3", "output": "15"}]}],
    },
}
CATALOG = Source("catalog", "genai-prices", "0.2.3", "2026-11-30")


def entry(model: str, prompt: Any, completion: Any, **extra: Any) -> dict[str, Any]:
    """A model as OpenRouter's /api/v1/models lists it (fields as of 2026, abridged descriptions)."""
    return {"id": model, "canonical_slug": model, "name": model.title(), "created": 1_750_000_000,
            "description": "A model.", "context_length": extra.pop("context_length", 128000),
            "architecture": {"modality": "text->text", "input_modalities": ["text"], "output_modalities": ["text"],
                             "tokenizer": "Other", "instruct_type": None},
            "pricing": {"prompt": prompt, "completion": completion, "request": "0", "image": "0",
                        "web_search": "0", "internal_reasoning": "0", **extra},
            "top_provider": {"context_length": 128000, "max_completion_tokens": 16384, "is_moderated": True},
            "per_request_limits": None, "supported_parameters": ["max_tokens", "temperature"]}


PAYLOAD = {"data": [
    entry("openai/gpt-4o-mini", "0.0000002", "0.0000008", input_cache_read="0.0000001"),  # moved from 0.15 / 0.6
    entry("anthropic/claude-sonnet-4.5", "0.000003", "0.000015", context_length=1000000),  # as the catalog says
    entry("openrouter/auto", "-1", "-1"),  # a router: no fixed price
    entry("deepseek/deepseek-r1", "0.0000004", "0.000002", internal_reasoning="0.000003"),
    entry("meta-llama/llama-3.3-70b-instruct:free", "0", "0"),
    entry("bad/float", 0.000001, 0.000002),  # a float is no price
    entry("bad/nan", "NaN", "0.1"),
    entry("bad/words", "cheap", "0.1"),
    {"id": "bad/no-pricing"},
    {"id": 42, "pricing": {"prompt": "0", "completion": "0"}},
    "not a model",
    entry("has space/x", "0", "0"),
    entry("openai/gpt-4o-mini", "0.000009", "0.000009"),  # a duplicate: the first one counts
]}


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def warnings() -> list[str]:
    return []


@pytest.fixture
def book(store: MemoryStore, warnings: list[str]) -> PriceBook:
    return PriceBook(Settings(store, warnings.append), load=lambda: Catalog(DOCUMENT), now=lambda: NOON)


def listing() -> Listing:
    return parse_models(json.dumps(PAYLOAD).encode(), "2026-11-30")


# --- the user's prices ----------------------------------------------------------------------------------


def test_a_users_price_is_kept_as_decimal_strings_and_read_back_as_theirs(book: PriceBook, store: MemoryStore,
                                                                          warnings: list[str]) -> None:
    mine = Price(D("0.1"), D("0.30"), D("0.025"), context_window=64000)
    book.set_price("openai", "gpt-4o-mini", mine)
    book.set_price("ollama", "llama3", Price(D(0), D("0.0000001")))
    kept = json.loads(store.values[USER_PRICES.key])
    assert kept[1] == {"provider": "openai", "model": "gpt-4o-mini", "input": "0.1", "output": "0.30",
                       "cached_input": "0.025", "context_window": 64000}
    again = PriceBook(Settings(store, warnings.append), load=lambda: Catalog(DOCUMENT), now=lambda: NOON)
    price = again.price(Target("openai", "gpt-4o-mini"))
    assert price == Price(D("0.1"), D("0.3"), D("0.025"), context_window=64000, source=USER)
    assert price is not None and price.source.describe() == "your price"
    assert again.user_price("ollama", "llama3") == Price(D(0), D("0.0000001"))
    assert warnings == []


def test_forgetting_an_endpoint_drops_its_prices_and_keeps_the_others(book: PriceBook, store: MemoryStore) -> None:
    # Forget vault left the prices of a forgotten endpoint, under its name, for whatever next took that name.
    heard: list[None] = []
    book.subscribe(lambda: heard.append(None))
    book.set_price("endpoint:lab", "m1", Price(D(1), D(2)))
    book.set_price("endpoint:lab", "m2", Price(D(1), D(2)))
    book.set_price("endpoint:labs", "m1", Price(D(3), D(4)))
    book.set_price("openai", "gpt-4o-mini", Price(D(5), D(6)))
    heard.clear()
    book.forget("endpoint:lab")
    assert {(p["provider"], p["model"]) for p in json.loads(store.values[USER_PRICES.key])} == {
        ("endpoint:labs", "m1"), ("openai", "gpt-4o-mini")}
    assert book.user_price("endpoint:lab", "m1") is None and heard  # the open views redraw
    assert book.user_price("endpoint:labs", "m1") == Price(D(3), D(4))
    heard.clear()
    book.forget("endpoint:lab")  # nothing left of it: nothing written, nobody told
    assert heard == []


@pytest.mark.parametrize("raw", [
    "garbage", "{}", '"text"', "null", "[1, 2]", '[{"provider": "openai"}]',
    '[{"provider": "openai", "model": "m", "input": 1.5, "output": "1"}]',  # a float
    '[{"provider": "openai", "model": "m", "input": "-1", "output": "1"}]',
    '[{"provider": "openai", "model": "m", "input": "NaN", "output": "1"}]',
    '[{"provider": "openai", "model": "m", "input": "Infinity", "output": "1"}]',
    '[{"provider": "openai", "model": "m", "input": "1", "output": "1", "context_window": -5}]',
    '[{"provider": "openai", "model": "m", "input": "1", "output": "1", "context_window": true}]',
    '[{"provider": "openai", "model": "m", "input": "' + "9" * 41 + '", "output": "1"}]',
    '[{"provider": "", "model": "m", "input": "1", "output": "1"}]',
    json.dumps([{"provider": "openai", "model": f"m{i}", "input": "1", "output": "1"} for i in range(501)]),
    "[" * 100_000,
    "x" * 300_000,
])
def test_a_hostile_stored_value_gives_the_catalog_with_a_warning(store: MemoryStore, book: PriceBook,
                                                                 warnings: list[str], raw: str) -> None:
    store.values[USER_PRICES.key] = raw
    store.values[OPENROUTER_PRICES.key] = raw
    price = book.price(Target("openai", "gpt-4o-mini"))
    assert price is not None and price.source == CATALOG and price.input == D("0.15")
    assert book.price(Target("openrouter", "openai/gpt-4o-mini")) is not None
    assert len(warnings) == (1 if raw == "null" else 2)  # null is "never fetched" for OpenRouter's list
    assert all("using the default" in w for w in warnings)


def test_clearing_the_users_price_brings_back_the_layer_below(book: PriceBook) -> None:
    heard: list[str] = []
    book.subscribe(lambda: heard.append("changed"))
    book.set_price("openai", "gpt-4o-mini", Price(D(1), D(2)))
    book.clear_price("openai", "gpt-4o-mini")
    assert book.price(Target("openai", "gpt-4o-mini")) == Price(D("0.15"), D("0.6"), D("0.075"), None, 128000,
                                                                CATALOG)
    assert book.user_price("openai", "gpt-4o-mini") is None
    assert heard == ["changed", "changed"]


def test_more_prices_than_the_limit_are_refused_and_nothing_changes(book: PriceBook, store: MemoryStore) -> None:
    for i in range(500):
        book._catalog = book.catalog.with_price("openai", f"m{i}", Price(D(1), D(1)))
    with pytest.raises(ValueError, match="at most 500"):
        book.set_price("openai", "one-more", Price(D(1), D(1)))
    assert USER_PRICES.key not in store.values and book.user_price("openai", "one-more") is None


# --- layers -----------------------------------------------------------------------------------------------


def test_layers_go_yours_then_openrouters_list_then_the_catalog(book: PriceBook) -> None:
    target = Target("openrouter", "openai/gpt-4o-mini")
    assert book.price(target) == Price(D("0.15"), D("0.6"), context_window=128000, source=CATALOG)
    book.keep_listing(listing())
    fetched = book.price(target)
    assert fetched == Price(D("0.2"), D("0.8"), D("0.1"), None, 128000, Source("openrouter", as_of="2026-11-30"))
    assert fetched is not None and fetched.source.describe() == "from OpenRouter's list, fetched 2026-11-30"
    book.set_price("openrouter", "openai/gpt-4o-mini", Price(D(5), D(6)))
    mine = book.price(target)
    assert mine is not None and (mine.input, mine.source) == (D(5), USER)
    assert book.below_user("openrouter", "openai/gpt-4o-mini") == fetched
    # Only OpenRouter's models take OpenRouter's prices.
    assert book.price(Target("openai", "gpt-4o-mini")) == Price(D("0.15"), D("0.6"), D("0.075"), None, 128000,
                                                                CATALOG)


def test_a_price_with_the_catalogs_rates_keeps_its_higher_rates_for_long_prompts(store: MemoryStore) -> None:
    # "Set price" on a catalog price, or a refresh from OpenRouter, priced a 300k-token prompt at the low rate.
    tiers = [{"above": 200000, "input": "6", "output": "22.5"}]
    document = {**DOCUMENT, "providers": {**DOCUMENT["providers"], "openrouter": [
        {"id": "anthropic/claude-sonnet-4.5", "prices": [{"input": "3", "output": "15", "tiers": tiers}]}]}}
    book = PriceBook(Settings(store), load=lambda: Catalog(document), now=lambda: NOON)
    target = Target("openrouter", "anthropic/claude-sonnet-4.5")

    def long_prompt_input() -> Decimal | None:
        price = book.price(target)
        return None if price is None else price.rates_for(300_000).input

    assert long_prompt_input() == D(6)
    book.keep_listing(listing())  # OpenRouter lists it at the catalog's base rates, and a 1M window
    fetched = book.price(target)
    assert fetched is not None and fetched.source.kind == "openrouter" and fetched.context_window == 1000000
    assert long_prompt_input() == D(6) and book.below_user(target.slot, target.model) == fetched
    # The window changed, not the rates: the tiers stay.
    book.set_price(target.slot, target.model, Price(D(3), D(15), context_window=500000))
    assert long_prompt_input() == D(6)
    book.set_price(target.slot, target.model, Price(D(2), D(10)))  # a deal of the user's own: one rate
    assert long_prompt_input() == D(2)
    assert tiers_note(book.below_user(target.slot, target.model)).startswith(
        "The listed price charges more for prompts over 200,000 input tokens.")
    assert tiers_note(book.price(target)) == tiers_note(None) == ""


def test_the_served_model_is_tried_first_in_the_fetched_list(book: PriceBook) -> None:
    book.keep_listing(listing())
    price = book.price(Target("openrouter", "openrouter/auto"), served="deepseek/deepseek-r1")
    assert price is not None and price.input == D("0.4")
    assert book.price(Target("openrouter", "openrouter/auto")) is None  # a router alone has no price


def test_a_kept_list_survives_a_restart_and_reload_reads_another_tabs(book: PriceBook, store: MemoryStore) -> None:
    book.keep_listing(listing())
    again = PriceBook(Settings(store), load=lambda: Catalog(DOCUMENT), now=lambda: NOON)
    assert again.listing == listing()
    assert again.user_price("openai", "gpt-4o-mini") is None  # read now, before the other tab writes
    book.set_price("openai", "gpt-4o-mini", Price(D(9), D(9)))  # "another tab"
    assert again.user_price("openai", "gpt-4o-mini") is None
    heard: list[int] = []
    again.subscribe(lambda: heard.append(1))
    again.reload()
    assert again.user_price("openai", "gpt-4o-mini") == Price(D(9), D(9)) and heard == [1]


def test_a_missing_catalog_leaves_every_price_unknown_but_yours(store: MemoryStore, warnings: list[str]) -> None:
    def missing() -> Catalog:
        raise FileNotFoundError("no prices.json")

    book = PriceBook(Settings(store), load=missing, warn=warnings.append, now=lambda: NOON)
    assert book.price(Target("openai", "gpt-4o-mini")) is None
    book.set_price("openai", "gpt-4o-mini", Price(D(1), D(2)))
    assert book.price(Target("openai", "gpt-4o-mini")) == Price(D(1), D(2))
    assert warnings == ["No price catalog: no prices.json"]


# --- OpenRouter's list -------------------------------------------------------------------------------------


def test_openrouters_list_becomes_prices_per_million_tokens() -> None:
    got = listing()
    assert sorted(got.prices) == ["anthropic/claude-sonnet-4.5", "deepseek/deepseek-r1",
                                  "meta-llama/llama-3.3-70b-instruct:free", "openai/gpt-4o-mini"]
    assert got.skipped == 9
    source = Source("openrouter", as_of="2026-11-30")
    assert got.prices["openai/gpt-4o-mini"] == Price(D("0.2"), D("0.8"), D("0.1"), None, 128000, source)
    assert got.prices["anthropic/claude-sonnet-4.5"].context_window == 1000000
    assert got.prices["deepseek/deepseek-r1"].reasoning == D(3)  # billed apart only where it has a rate
    assert got.prices["meta-llama/llama-3.3-70b-instruct:free"] == Price(D(0), D(0), None, None, 128000, source)
    for price in got.prices.values():
        assert all(isinstance(r, Decimal) for r in (price.input, price.output))


def test_the_mocks_list_reads_as_the_mock_bills() -> None:
    from scripts.mockprov.proto_openai import OpenRouter

    mock = OpenRouter()
    body = json.dumps({"data": [mock.model_entry(m) for m in mock.models]}).encode()
    price = parse_models(body, "2026-11-30").prices["openai/gpt-4o-mini"]
    assert (price.input, price.output) == (D(1), D(2))  # $0.000001 and $0.000002 a token


@pytest.mark.parametrize(("body", "says"), [
    (b"<html>Bad gateway</html>", "not JSON"),
    (b"\xff\xfe", "not JSON"),
    (b'{"data": {}}', "not a model list"),
    (b"[]", "not a model list"),
    (b'{"data": [{"id": "openrouter/auto", "pricing": {"prompt": "-1", "completion": "-1"}}]}', "held no prices"),
    (b"[" * 100_000, "not JSON"),
    (b" " * (MAX_BYTES + 1), "larger than 16 MB"),
    (json.dumps({"data": [entry(f"m/{i}", "0", "0") for i in range(5001)]}).encode(), "more than 5000"),
])
def test_a_list_that_is_not_one_says_so(body: bytes, says: str) -> None:
    with pytest.raises(ListError, match=says):
        parse_models(body, "2026-11-30")


def test_a_kept_list_round_trips_and_a_tampered_one_is_refused() -> None:
    got = listing()
    assert decode_listing(encode_listing(got)) == got
    assert decode_listing("null") is None
    for raw in ('{"fetched_on": "yesterday", "prices": []}', '{"prices": []}',
                '{"fetched_on": "2026-11-30", "prices": [{"provider": "openai", "model": "m", "input": "1", '
                '"output": "1"}]}'):
        with pytest.raises(ValueError):
            decode_listing(raw)


def test_what_a_refresh_changed_is_said_in_words(book: PriceBook) -> None:
    first = book.keep_listing(listing())
    assert [m for m, _old, _new in first.moved] == ["openai/gpt-4o-mini"]  # catalog 0.15 / 0.6 → 0.2 / 0.8
    assert first.added == ["deepseek/deepseek-r1", "meta-llama/llama-3.3-70b-instruct:free"]
    assert first.unchanged == 1  # claude-sonnet-4.5: the catalog's rates (a new context window is no price)
    assert first.text() == "1 price changed, 2 models newly priced, 1 unchanged."
    again = book.keep_listing(listing())
    assert (again.moved, again.added, again.unchanged) == ([], [], 4)
    assert again.text() == "0 prices changed, 0 models newly priced, 4 unchanged."


def test_a_list_too_large_to_keep_is_refused_and_nothing_changes(book: PriceBook, store: MemoryStore) -> None:
    source = Source("openrouter", as_of="2026-11-30")
    huge = Listing("2026-11-30", {f"vendor/model-{i:05d}-{'x' * 150}": Price(D(1), D(2), source=source)
                                  for i in range(5000)})
    with pytest.raises(ListError, match="too large to keep"):
        book.keep_listing(huge)
    assert OPENROUTER_PRICES.key not in store.values and book.listing is None


def test_changes_compare_by_value_not_by_spelling() -> None:
    old = Price(D("0.150"), D("0.6"))
    found = changes(lambda _m: old, {"m": Price(D("0.15"), D("0.60"), source=Source("openrouter", as_of="x"))})
    assert (found.moved, found.unchanged) == ([], 1)


class Sent:
    def __init__(self, response: MockResponse | Exception) -> None:
        self.requests: list[HttpRequest] = []
        self.response = response

    async def send(self, request: HttpRequest) -> MockResponse:
        self.requests.append(request)
        if isinstance(self.response, Exception):
            raise self.response
        return self.response


def test_fetching_sends_one_plain_get_and_reads_the_list() -> None:
    transport = Sent(MockResponse(200, {"content-type": "application/json"}, [json.dumps(PAYLOAD).encode()]))
    got = asyncio.run(fetch_models(transport, "2026-12-01"))
    assert [(r.method, r.url, dict(r.headers), r.body) for r in transport.requests] == [("GET", MODELS_URL, {}, b"")]
    assert got.fetched_on == "2026-12-01" and len(got.prices) == 4


def chunks(n: int) -> Iterator[bytes]:
    for _ in range(n):
        yield b" " * 2**20


@pytest.mark.parametrize(("response", "says"), [
    (ProviderError("network", "Failed to fetch"), "Could not reach OpenRouter: Failed to fetch"),
    (MockResponse(503, {}, b"busy"), "HTTP 503"),
    (MockResponse(200, {}, b"{oops"), "not JSON"),
    (MockResponse(200, {}, chunks(10_000)), "larger than 16 MB"),
])
def test_a_failed_fetch_says_so_and_keeps_what_was_there(book: PriceBook, store: MemoryStore,
                                                         response: MockResponse | Exception, says: str) -> None:
    book.keep_listing(listing())
    kept = dict(store.values)
    with pytest.raises(ListError, match=says) as caught:
        asyncio.run(fetch_models(Sent(response), "2026-12-01"))
    assert "nothing was changed" in str(caught.value).lower()
    assert store.values == kept and book.listing == listing()
    if isinstance(response, MockResponse):
        assert response.closed


# --- the dialog's rows and form ----------------------------------------------------------------------------


def test_rows_list_the_models_in_use_then_the_ones_you_priced(book: PriceBook) -> None:
    book.set_price("mistral", "my-fine-tune", Price(D(1), D(2)))
    book.keep_listing(listing())
    found = rows(book, [("openai", "gpt-4o-mini-2024-07-18"), ("openrouter", "deepseek/deepseek-r1"),
                        ("openai", "gpt-4o-mini-2024-07-18"), ("groq", "unknown-model")])
    assert [(r.provider, r.model, r.listed_as, r.yours) for r in found] == [
        ("openai", "gpt-4o-mini-2024-07-18", "gpt-4o-mini", False),
        ("openrouter", "deepseek/deepseek-r1", "deepseek/deepseek-r1", False),
        ("groq", "unknown-model", None, False),
        ("mistral", "my-fine-tune", None, True),
    ]
    assert found[2].price is None and found[3].price == Price(D(1), D(2))


@pytest.mark.parametrize(("rate", "text"), [("2.5", "$2.50"), ("0.075", "$0.075"), ("0", "$0.00"), ("1E+2", "$100.00"),
                                            ("0.000001", "$0.000001")])
def test_rates_show_exactly_and_at_least_to_the_cent(rate: str, text: str) -> None:
    assert usd(D(rate)) == text


def test_a_typed_price_is_read_as_decimal_or_refused_in_words() -> None:
    assert read_price(" 0.1 ", "0.4", "", "") == Price(D("0.1"), D("0.4"))
    assert read_price("3", "15", "0.3", "200,000") == Price(D(3), D(15), D("0.3"), context_window=200000)
    assert read_price("0.55", "2.19", "", "", "2.5") == Price(D("0.55"), D("2.19"), reasoning=D("2.5"))
    assert read_price("1", "1", "", "", "-1") == "The reasoning price cannot be below 0."
    assert read_price("", "1") == "Enter the input price in USD per million tokens."
    assert read_price("1", "") == "Enter the output price in USD per million tokens."
    assert read_price("abc", "1") == "The input price is not a number: write it like 2.50."
    assert read_price("1", "NaN") == "The output price is not a number: write it like 2.50."
    assert read_price("1", "1", "-0.5") == "The cached input price cannot be below 0."
    assert read_price("1", "2000000") == "The output price is over $1000000.00 per million tokens: check the figure."
    assert read_price("1", "1", "", "1.5").startswith("The context window is a whole number")
    assert read_price("1", "1", "", "0").startswith("The context window is a whole number")
    assert read_price("1", "1", "", "²").startswith("The context window is a whole number")
    assert window(None) == "unknown" and window(128000) == "128,000"


def test_a_rate_too_large_to_be_a_price_is_refused_not_left_to_overflow_a_cost() -> None:
    store = MemoryStore({USER_PRICES.key: json.dumps(
        [{"provider": "openai", "model": "gpt-4o", "input": "1E+999999", "output": "1"}])})  # an edited store
    warnings: list[str] = []
    read = PriceBook(Settings(store, warnings.append), load=lambda: Catalog(DOCUMENT), now=lambda: NOON)
    assert read.user_price("openai", "gpt-4o") is None and warnings
    garbled = json.dumps({"data": [{"id": "a/b", "pricing": {"prompt": "1E+999999", "completion": "0"}},
                                   {"id": "c/d", "pricing": {"prompt": "0.000001", "completion": "0.000002"}}]})
    listing = parse_models(garbled.encode(), "2026-11-30")
    assert "a/b" not in listing.prices and listing.prices["c/d"].input == Decimal(1)


def test_each_custom_endpoint_has_its_own_price_and_one_kept_for_all_still_applies() -> None:
    store = MemoryStore({USER_PRICES.key: json.dumps(  # saved when one price stood for every endpoint
        [{"provider": "openai-compatible", "model": "llama-3.1-70b", "input": "0.5", "output": "0.5"}])})
    prices = PriceBook(Settings(store), load=lambda: Catalog(DOCUMENT), now=lambda: NOON)
    paid, home = Target("endpoint:paid-gateway", "llama-3.1-70b"), Target("endpoint:home-vllm", "llama-3.1-70b")
    prices.set_price(paid.slot, paid.model, Price(Decimal("0.9"), Decimal("0.9")))
    own, shared = prices.price(paid), prices.price(home)
    assert own is not None and own.input == Decimal("0.9") and own.source == USER
    assert shared is not None and shared.input == Decimal("0.5")
    prices.clear_price("openai-compatible", "llama-3.1-70b")
    assert prices.price(home) is None and prices.price(paid) == own
    assert [row.provider for row in rows(prices, [(paid.slot, paid.model)])] == ["endpoint:paid-gateway"]
