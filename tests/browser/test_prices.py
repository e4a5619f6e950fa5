"""Prices (issue 11) in Chromium against the loopback mock: your own price changes the cost of the next
answer and only the next, "Use catalog price" brings the catalog back, "Refresh from OpenRouter" asks
OpenRouter once and only when clicked and says what changed, and a "price unknown" pane leads to its price.

One started page for the module; each test starts a new conversation with its own models.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from scripts.mock_providers import MockProviders
from scripts.mockprov.base import Response
from scripts.mockprov.proto_openai import OpenRouter

from switchboard.pricing.cost import format_usd
from tests.browser.conftest import app_errors, wait_ready
from tests.browser.test_ask_many import ask, chats, last_seq, pane, pick
from tests.browser.vault_helpers import add_session_keys

TIMEOUT = 30_000
KEYED = {"openai": "OpenAI"}
CATALOG = "from the catalog (genai-prices"


@pytest.fixture(scope="module")
def app(shared_page: Page) -> Iterator[Page]:
    add_session_keys(shared_page, KEYED, "2468")
    errors = app_errors(shared_page)
    yield shared_page
    assert errors == [], errors


def open_prices(page: Page) -> Locator:
    page.get_by_role("button", name="Prices", exact=True).click()
    dialog = page.get_by_role("dialog", name="Prices")
    expect(dialog).to_be_visible()
    return dialog


def close(dialog: Locator) -> None:
    dialog.get_by_role("button", name="Close", exact=True).click()
    expect(dialog).to_be_hidden()


def row(dialog: Locator, model: str) -> Locator:
    return dialog.get_by_role("row").filter(has=dialog.page.get_by_role("rowheader", name=model, exact=True))


def answer(page: Page, mock: MockProviders, prompt: str, label: str) -> tuple[Locator, dict[str, Any]]:
    """Ask, wait for the pane to end, and return its cost line and what the mock says it sent."""
    since = last_seq(mock)
    ask(page, prompt)
    found = pane(page, label)
    expect(found.locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    (sent,) = chats(mock, since)
    return found.locator(".answer-meta"), sent["reply"]


def usd(reply: dict[str, Any], per_million_in: str, per_million_out: str) -> str:
    total = (reply["input_tokens"] * Decimal(per_million_in) + reply["output_tokens"] * Decimal(per_million_out))
    return format_usd(total.scaleb(-6))


def cost_of(meta: Locator) -> str:
    return meta.inner_text().split(" · ")[-1]


def test_your_price_prices_the_next_answer_and_use_catalog_price_restores(app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    pick(app, {"openai": ["gpt-4o-mini"]})
    label = "gpt-4o-mini (OpenAI)"
    meta, reply = answer(app, mock, "What does this cost words-9", label)
    expect(meta).to_contain_text(f"{usd(reply, '0.15', '0.6')} {CATALOG}")
    before = cost_of(meta)

    dialog = open_prices(app)
    expect(dialog.locator("#prices-source")).to_contain_text(re.compile(r"Catalog: genai-prices \S+, as of \d{4}-"))
    line = row(dialog, "gpt-4o-mini")
    expect(line).to_contain_text("OpenAI")
    expect(line).to_contain_text("$0.15")  # input, per million tokens
    expect(line).to_contain_text("$0.075")  # cached input
    expect(line).to_contain_text("$0.60")
    expect(line).to_contain_text("128,000")
    expect(line).to_contain_text(CATALOG)
    line.get_by_role("button", name="Set price").click()
    form = dialog.get_by_role("form", name="Your price for gpt-4o-mini")
    expect(form.get_by_label("Input, USD per million tokens", exact=True)).to_have_value("0.15")
    form.get_by_label("Input, USD per million tokens", exact=True).fill("2")
    form.get_by_label("Output, USD per million tokens", exact=True).fill("")
    form.get_by_role("button", name="Save price").click()
    expect(dialog.get_by_role("alert")).to_have_text("Enter the output price in USD per million tokens.")
    form.get_by_label("Output, USD per million tokens", exact=True).fill("8")
    form.get_by_label("Cached input, USD per million tokens (optional)", exact=True).fill("")
    form.get_by_role("button", name="Save price").click()
    expect(form).to_be_hidden()
    expect(line).to_contain_text("your price")
    expect(line).to_contain_text("$2.00")
    expect(line.get_by_role("button", name="Use catalog price")).to_be_visible()
    kept = json.loads(app.evaluate("() => localStorage.getItem('switchboard.prices.user')"))
    assert [k for k in kept if k["model"] == "gpt-4o-mini"] == [
        {"provider": "openai", "model": "gpt-4o-mini", "input": "2", "output": "8", "context_window": 128000}]
    close(dialog)

    meta, reply = answer(app, mock, "And now words-11", label)
    expect(meta).to_contain_text(f"{usd(reply, '2', '8')} your price")
    earlier = app.get_by_role("region", name=label, exact=True).nth(1).locator(".answer-meta")
    expect(earlier).to_contain_text(before)  # an answer already given keeps the cost it had

    dialog = open_prices(app)
    row(dialog, "gpt-4o-mini").get_by_role("button", name="Use catalog price").click()
    expect(row(dialog, "gpt-4o-mini")).to_contain_text(CATALOG)
    expect(row(dialog, "gpt-4o-mini").get_by_role("button", name="Use catalog price")).to_have_count(0)
    close(dialog)
    meta, reply = answer(app, mock, "Back to the catalog words-5", label)
    expect(meta).to_contain_text(f"{usd(reply, '0.15', '0.6')} {CATALOG}")
    kept = json.loads(app.evaluate("() => localStorage.getItem('switchboard.prices.user')"))
    assert [k for k in kept if k["model"] == "gpt-4o-mini"] == []


def test_refresh_from_openrouter_asks_once_only_when_clicked_and_says_what_changed(app: Page,
                                                                                  mock: MockProviders) -> None:
    def model_lists(since: int) -> list[dict[str, Any]]:
        return [e for e in mock.requests if e["seq"] > since and not e["preflight"] and e["path"] == "/api/v1/models"]

    since = last_seq(mock)
    pick(app, {"openrouter": ["openai/gpt-4o-mini"]})
    dialog = open_prices(app)
    line = row(dialog, "openai/gpt-4o-mini")
    expect(line).to_contain_text("OpenRouter")
    expect(dialog.locator("#prices-fetched")).to_contain_text("Not fetched")
    assert model_lists(since) == []  # opening the dialog asks nobody

    dialog.get_by_role("button", name="Refresh from OpenRouter").click()
    changes = dialog.locator("#prices-changes")
    expect(changes).to_contain_text("Fetched OpenRouter's list:", timeout=TIMEOUT)
    (fetched,) = model_lists(since)
    assert fetched["method"] == "GET" and fetched["provider"] == "openrouter"
    assert not any(name.lower() == "authorization" for name in fetched["headers"])  # a public list: no key sent
    # The mock bills $0.000001 and $0.000002 a token: $1 and $2 a million, where the catalog says otherwise.
    expect(changes).to_contain_text(re.compile(r"openai/gpt-4o-mini: \$0\.15 in / \$0\.60 out[^→]* → \$1\.00 in / "
                                               r"\$2\.00 out"))
    expect(changes).to_contain_text(re.compile(r"\d+ prices? changed, \d+ models? newly priced, \d+ unchanged\."))
    expect(dialog.locator("#prices-fetched")).to_contain_text(re.compile(r"fetched \d{4}-\d\d-\d\d: 3 models priced"))
    expect(line).to_contain_text(re.compile(r"from OpenRouter's list, fetched \d{4}-\d\d-\d\d"))
    expect(line).to_contain_text("$1.00")
    kept = json.loads(app.evaluate("() => localStorage.getItem('switchboard.prices.openrouter')"))
    assert len(kept["prices"]) == 3

    dialog.get_by_role("button", name="Refresh from OpenRouter").click()
    expect(changes).to_contain_text("0 prices changed, 0 models newly priced, 3 unchanged.", timeout=TIMEOUT)
    assert len(model_lists(since)) == 2  # one request per click, no more
    close(dialog)


@pytest.mark.parametrize(("answer_with", "says"), [
    (Response(200, b"<html>Bad gateway</html>", "text/html"), "OpenRouter's answer was not JSON; nothing was changed."),
    (Response(503, b'{"error": {"message": "busy"}}'), "OpenRouter answered with HTTP 503; nothing was changed."),
])
def test_a_failed_refresh_says_so_and_changes_nothing(app: Page, mock: MockProviders, monkeypatch: pytest.MonkeyPatch,
                                                      answer_with: Response, says: str) -> None:
    monkeypatch.setattr(OpenRouter, "list_models", lambda _self, _call: answer_with)
    kept = "() => localStorage.getItem('switchboard.prices.openrouter')"
    before = app.evaluate(kept)
    dialog = open_prices(app)
    fetched = dialog.locator("#prices-fetched").inner_text()
    dialog.get_by_role("button", name="Refresh from OpenRouter").click()
    expect(dialog.locator("#prices-changes")).to_have_text(says, timeout=TIMEOUT)
    expect(dialog.get_by_role("button", name="Refresh from OpenRouter")).to_be_enabled()
    assert app.evaluate(kept) == before
    expect(dialog.locator("#prices-fetched")).to_have_text(fetched)
    close(dialog)


def test_a_price_set_in_another_tab_prices_this_tabs_next_answer(app: Page, mock: MockProviders,
                                                                 app_url: str) -> None:
    mock.configure(pace=0.0, scenario="ok")
    model = "zz-other-tab-model"
    pick(app, {"openai": [model]})
    dialog = open_prices(app)
    expect(row(dialog, model)).to_contain_text("price unknown")
    other = app.context.new_page()
    try:
        other.goto(app_url)
        wait_ready(other)
        there = open_prices(other)
        there.get_by_role("button", name="Add a price").click()
        form = there.get_by_role("form", name="Add a price")
        form.get_by_label("Provider", exact=True).select_option("openai")
        form.get_by_label("Model id", exact=True).fill(model)
        form.get_by_label("Input, USD per million tokens", exact=True).fill("4")
        form.get_by_label("Output, USD per million tokens", exact=True).fill("5")
        form.get_by_role("button", name="Save price").click()
        expect(row(there, model)).to_contain_text("your price")
    finally:
        other.close()
    expect(row(dialog, model)).to_contain_text("your price")  # the open dialog redrew from the storage event
    close(dialog)
    meta, reply = answer(app, mock, "Priced elsewhere words-3", f"{model} (OpenAI)")
    expect(meta).to_contain_text(f"{usd(reply, '4', '5')} your price")


def test_a_price_unknown_pane_leads_to_its_models_price(app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    model = "zz-unlisted-model"
    pick(app, {"openai": [model]})
    label = f"{model} (OpenAI)"
    meta, _reply = answer(app, mock, "Nobody lists me words-6", label)
    expect(meta).to_contain_text("price unknown")
    # No longer picked: the pane's button must bring the model into the dialog all the same.
    app.locator('#provider-list input[name="provider"][value="openai"]').set_checked(False)
    set_price = pane(app, label).get_by_role("button", name="Set a price")
    expect(set_price).to_be_visible()
    set_price.click()
    dialog = app.get_by_role("dialog", name="Prices")
    expect(dialog).to_be_visible()
    line = row(dialog, model)
    expect(line).to_contain_text("price unknown")
    expect(line).to_contain_text("not listed")
    expect(line).to_have_class(re.compile(r"\bcurrent\b"))
    form = dialog.get_by_role("form", name=f"Your price for {model}")
    expect(form.get_by_label("Input, USD per million tokens", exact=True)).to_be_focused()
    form.get_by_label("Input, USD per million tokens", exact=True).fill("1.5")
    form.get_by_label("Output, USD per million tokens", exact=True).fill("3")
    form.get_by_role("button", name="Save price").click()
    expect(line).to_contain_text("your price")
    close(dialog)

    pick(app, {"openai": [model]})
    meta, reply = answer(app, mock, "Now I have a price words-4", label)
    expect(meta).to_contain_text(f"{usd(reply, '1.5', '3')} your price")
    expect(pane(app, label).get_by_role("button", name="Set a price")).to_be_hidden()


def test_a_price_for_a_model_not_in_use_is_added_and_refused_in_words(app: Page) -> None:
    dialog = open_prices(app)
    dialog.get_by_role("button", name="Add a price").click()
    form = dialog.get_by_role("form", name="Add a price")
    form.get_by_label("Provider", exact=True).select_option(label="Mistral")
    form.get_by_label("Model id", exact=True).fill("my fine tune")
    form.get_by_label("Input, USD per million tokens", exact=True).fill("1")
    form.get_by_label("Output, USD per million tokens", exact=True).fill("2")
    form.get_by_role("button", name="Save price").click()
    expect(dialog.get_by_role("alert")).to_have_text("Enter the model id as the provider writes it, without spaces.")
    form.get_by_label("Model id", exact=True).fill("ft:mistral-small:mine")
    form.get_by_label("Input, USD per million tokens", exact=True).fill("-1")
    form.get_by_role("button", name="Save price").click()
    expect(dialog.get_by_role("alert")).to_have_text("The input price cannot be below 0.")
    form.get_by_label("Input, USD per million tokens", exact=True).fill("0.25")
    form.get_by_label("Context window, tokens (optional)", exact=True).fill("32000")
    form.get_by_label("Reasoning, USD per million tokens (optional)", exact=True).fill("3.5")
    form.get_by_role("button", name="Save price").click()
    line = row(dialog, "ft:mistral-small:mine")
    expect(line).to_contain_text("Mistral")
    expect(line).to_contain_text("$0.25")
    expect(line).to_contain_text("$3.50")
    expect(line).to_contain_text("32,000")
    expect(line).to_contain_text("your price")
    line.get_by_role("button", name="Edit").click()  # the form shows every rate it keeps
    edit = dialog.get_by_role("form", name="Your price for ft:mistral-small:mine")
    expect(edit.get_by_label("Reasoning, USD per million tokens (optional)", exact=True)).to_have_value("3.5")
    edit.get_by_role("button", name="Cancel").click()
    line.get_by_role("button", name="Use catalog price").click()
    expect(line).to_contain_text("price unknown")  # listed nowhere: it stays in view until the dialog closes
    expect(line.get_by_role("button", name="Set price")).to_be_visible()
    close(dialog)
    expect(row(open_prices(app), "ft:mistral-small:mine")).to_have_count(0)
    close(dialog)
