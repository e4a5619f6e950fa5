"""One prompt, several providers: answers stream side by side through the real provider URLs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from scripts.mock_providers import MockProviders

from tests.browser.conftest import wait_ready
from tests.browser.vault_helpers import add_session_keys

FAILED = re.compile(r"\bfailed\b")
BOTH_BOOTS = True  # conftest: every test here runs with the snapshot boot and with the normal boot


@pytest.fixture(scope="module")
def compose(shared_page: Any) -> Iterator[Any]:
    """The shared app with session-only keys for OpenAI and Anthropic (no vault needed)."""
    add_session_keys(shared_page, {"openai": "OpenAI", "anthropic": "Anthropic"}, "5678")
    yield shared_page


@pytest.fixture
def app(compose: Any) -> Any:
    """The shared app in a new conversation: an earlier test's rounds would otherwise be on the page
    and its prompts sent along as this test's history (a second Send is a follow-up)."""
    note = compose.locator("#conversation-note")
    if note.is_visible():
        note.get_by_role("button", name="New conversation").click()
    expect(note).to_be_hidden()
    expect(compose.locator("#answers")).to_be_empty()
    return compose


def _choose(page: Any, providers: list[str]) -> None:
    """Tick exactly `providers` (checkbox values), whatever earlier tests left ticked."""
    boxes = page.locator('#provider-list input[name="provider"]').all()
    values = [box.get_attribute("value") for box in boxes]
    assert set(providers) <= set(values), f"{providers} not all offered in {values}"
    for value, box in zip(values, boxes, strict=True):
        box.set_checked(value in providers)
    expect(page.locator('#provider-list input[name="provider"]:checked')).to_have_count(len(providers))


def _send(page: Any, prompt: str, names: list[str]) -> list[Any]:
    """Send `prompt` to the ticked providers; return the round's answer panes, one per provider.

    The `app` fixture started a new conversation, so this is its first and only round, shown with
    its prompt, its panes in the order the providers are listed.
    """
    page.get_by_role("textbox", name="Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Send").click()
    rounds = page.locator("#answers > .round")
    expect(rounds).to_have_count(1)
    expect(rounds).to_have_accessible_name("Round 1")
    expect(rounds.locator(".round-prompt")).to_have_text(f"You asked: {prompt}")
    cards = rounds.locator("article")
    expect(cards).to_have_count(len(names))
    mine = [cards.nth(i) for i in range(len(names))]
    for card, name in zip(mine, names, strict=True):
        expect(card).to_have_accessible_name(f"{name} answer")
    return mine


def _sent_prompt(mock: MockProviders, provider: str | None = None) -> Any:
    return mock.last(provider)["body"]["messages"]


def _open_time_limits(page: Any) -> None:
    """Open the "Time limits" section; clicking its summary when already open would close it."""
    details = page.locator("details", has=page.locator("summary", has_text="Time limits"))
    if details.get_attribute("open") is None:
        page.get_by_text("Time limits").click()
    expect(page.get_by_label("Seconds of silence before a stream is called stalled")).to_be_visible()


def test_prompt_goes_to_each_chosen_provider_and_answers_stream_side_by_side(app: Any, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    prompt = "compare switchboards side-by-side"
    _choose(app, ["openai", "anthropic"])
    cards = _send(app, prompt, ["OpenAI", "Anthropic"])
    for card, provider in zip(cards, ("openai", "anthropic"), strict=True):
        expect(card.locator(".answer-meta")).to_contain_text("out tokens", timeout=30_000)
        assert _sent_prompt(mock, provider) == [{"role": "user", "content": prompt}]
        reply = mock.last(provider)["reply"]
        # The mock echoes the prompt: this round's answer, not an earlier one.
        assert reply["text"] == f"Mock {provider} reply to: {prompt}"
        expect(card.locator(".answer-text")).to_have_text(reply["text"])
        expect(card.locator(".answer-meta")).to_contain_text(
            f"{reply['input_tokens']} in / {reply['output_tokens']} out tokens")
        expect(card.locator(".answer-meta")).to_contain_text("first token")


def test_missing_key_and_provider_errors_are_told_in_words(app: Any, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    _choose(app, ["openai", "mistral"])
    openai, mistral = _send(app, "hello errors-in-words mock-error-429", ["OpenAI", "Mistral"])
    expect(openai.locator(".answer-meta")).to_contain_text("rate", ignore_case=True, timeout=30_000)
    expect(openai).to_have_class(FAILED)
    assert _sent_prompt(mock, "openai") == [{"role": "user", "content": "hello errors-in-words mock-error-429"}]
    expect(mistral.locator(".answer-meta")).to_have_text("No Mistral key yet: add one under API keys.")
    expect(mistral).to_have_class(FAILED)


def test_stop_cancels_a_streaming_answer_and_keeps_its_text(app: Any, mock: MockProviders) -> None:
    mock.configure(pace=0.4, scenario="ok")
    try:
        _choose(app, ["openai"])
        prompt = "a long answer please stop-me mock-words-60"
        (card,) = _send(app, prompt, ["OpenAI"])
        expect(card.locator(".answer-text")).not_to_be_empty(timeout=30_000)
        card.get_by_role("button", name="Stop").click()
        expect(card.locator(".answer-meta")).to_contain_text("Stopped")
        expect(card.get_by_role("button", name="Stop")).to_be_hidden()
        kept = card.locator(".answer-text").inner_text()
        assert _sent_prompt(mock, "openai") == [{"role": "user", "content": prompt}]
        reply = mock.last("openai")["reply"]
        assert reply["output_tokens"] == 60
        assert kept and reply["text"].startswith(kept) and 0 < len(kept.split()) < 60
    finally:
        mock.configure(pace=0.0)


def test_user_set_idle_limit_ends_a_stalled_stream_keeping_its_text(app: Any, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    _open_time_limits(app)
    idle = app.get_by_label("Seconds of silence before a stream is called stalled")
    idle.fill("1")
    idle.dispatch_event("change")
    try:
        _choose(app, ["openai"])
        prompt = "tell me idle-limit mock-stall mock-words-8"
        (card,) = _send(app, prompt, ["OpenAI"])
        expect(card.locator(".answer-meta")).to_contain_text(
            "OpenAI stopped sending for 1 s; the answer so far is kept", timeout=30_000)
        assert _sent_prompt(mock, "openai") == [{"role": "user", "content": prompt}]
        # The mock streams part of the reply, then goes silent: that part is what the card keeps.
        reply = mock.last("openai")["reply"]["text"]
        assert reply == "alpha bravo charlie delta echo foxtrot golf hotel"
        kept = card.locator(".answer-text").inner_text()
        assert kept and reply.startswith(kept) and kept != reply
    finally:
        idle.fill("120")
        idle.dispatch_event("change")


def _add_endpoint(app: Any, mock: MockProviders) -> None:
    """Save the mock as the session-only endpoint "local-llm"."""
    app.get_by_role("button", name="API keys").click()
    app.get_by_label("Endpoint name").fill("local-llm")
    app.get_by_label("Base URL").fill(f"{mock.http_url}/v1")
    app.get_by_label("Endpoint API key").fill("sk-local-endpoint-4321")
    app.locator("#endpoint-session").check()
    app.get_by_role("button", name="Save endpoint").click()
    expect(app.locator('li[data-endpoint="local-llm"]')).to_contain_text("•••• 4321")
    app.keyboard.press("Escape")


def test_a_custom_endpoint_joins_the_providers_and_answers(app: Any, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    _add_endpoint(app, mock)
    expect(app.get_by_role("checkbox", name="local-llm")).to_be_visible()
    _choose(app, ["endpoint:local-llm"])
    app.get_by_label("local-llm model").fill("my-local-model")
    (card,) = _send(app, "hello custom-endpoint", ["local-llm"])
    expect(card.locator(".answer-meta")).to_contain_text("out tokens", timeout=30_000)
    request = mock.last()
    assert (request["port"], request["path"]) == ("http", "/v1/chat/completions")
    assert request["body"]["messages"] == [{"role": "user", "content": "hello custom-endpoint"}]
    assert request["body"]["model"] == "my-local-model"
    assert request["headers"]["authorization"] == "Bearer sk-local-endpoint-4321"
    assert request["reply"]["text"].endswith(" reply to: hello custom-endpoint")
    expect(card.locator(".answer-text")).to_have_text(request["reply"]["text"])
    # Its model has no known price: the pane leads to the endpoint's own price (the Prices dialog offered
    # no endpoint to price it under).
    expect(card.locator(".answer-meta")).to_contain_text("price unknown")
    card.get_by_role("button", name="Set a price").click()
    dialog = app.get_by_role("dialog", name="Prices")
    form = dialog.get_by_role("form", name="Your price for my-local-model")
    expect(form.get_by_label("Provider", exact=True)).to_have_value("endpoint:local-llm")
    expect(form.get_by_label("Provider", exact=True).locator("option:checked")).to_have_text(
        "local-llm (custom endpoint)")
    form.get_by_label("Input, USD per million tokens", exact=True).fill("2")
    form.get_by_label("Output, USD per million tokens", exact=True).fill("4")
    form.get_by_role("button", name="Save price").click()
    line = dialog.get_by_role("row").filter(has=app.get_by_role("rowheader", name="my-local-model", exact=True))
    expect(line).to_contain_text("local-llm")
    expect(line).to_contain_text("your price")
    dialog.get_by_role("button", name="Close", exact=True).click()
    card.get_by_role("button", name="Retry").click()
    expect(card.locator(".answer-meta")).to_contain_text("your price", timeout=30_000)


def test_retry_after_its_endpoint_was_removed_says_so(context: Any, app_url: str, mock: MockProviders) -> None:
    # It blamed the server ("OpenAI-compatible rejected the request... needs a base URL") for a request
    # that never left the browser.
    app = context.new_page()
    app.goto(app_url)
    wait_ready(app)
    mock.configure(pace=0.0, scenario="ok")
    _add_endpoint(app, mock)
    _choose(app, ["endpoint:local-llm"])
    app.get_by_label("local-llm model").fill("my-local-model")
    (card,) = _send(app, "hello", ["local-llm"])
    expect(card.locator(".answer-meta")).to_contain_text("out tokens", timeout=30_000)
    app.get_by_role("button", name="API keys").click()
    app.locator('li[data-endpoint="local-llm"]').get_by_role("button", name="Remove").click()
    expect(app.locator('li[data-endpoint="local-llm"]')).to_have_count(0)
    app.keyboard.press("Escape")
    card.get_by_role("button", name="Retry").click()
    expect(card.locator(".answer-status")).to_have_text("Failed", timeout=30_000)
    expect(card).to_contain_text("The endpoint local-llm is no longer set up: add it again under API keys.")
