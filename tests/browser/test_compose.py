"""One prompt, several providers: answers stream side by side through the real provider URLs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from scripts.mock_providers import MockProviders

FAILED = re.compile(r"\bfailed\b")


@pytest.fixture(scope="module")
def compose(shared_page: Any) -> Iterator[Any]:
    """The shared app with session-only keys for OpenAI and Anthropic (no vault needed)."""
    page = shared_page
    page.get_by_role("button", name="API keys").click()
    for pid, name in (("openai", "OpenAI"), ("anthropic", "Anthropic")):
        row = page.locator(f'form[data-provider="{pid}"]')
        page.get_by_label(f"{name} API key", exact=True).fill(f"sk-{pid}-compose-test-5678")
        row.get_by_label("This session only").check()
        row.get_by_role("button", name="Save key").click()
        expect(row.locator(".key-status")).to_have_text("•••• 5678 (this session only)")
    page.keyboard.press("Escape")
    yield page


def _choose(page: Any, providers: list[str]) -> None:
    """Tick exactly `providers` (checkbox values), whatever earlier tests left ticked."""
    boxes = page.locator('#provider-list input[name="provider"]').all()
    values = [box.get_attribute("value") for box in boxes]
    assert set(providers) <= set(values), f"{providers} not all offered in {values}"
    for value, box in zip(values, boxes, strict=True):
        box.set_checked(value in providers)
    expect(page.locator('#provider-list input[name="provider"]:checked')).to_have_count(len(providers))


def _send(page: Any, prompt: str, names: list[str]) -> list[Any]:
    """Send `prompt` to the ticked providers and return this round's answer cards, one per provider.

    Earlier rounds (from other tests) stay on the page, so the round is told apart by counting: it adds
    exactly len(names) cards, on top, in the order the providers are listed.
    """
    cards = page.locator("#answers > article")
    before = cards.count()
    page.get_by_role("textbox", name="Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Send").click()
    expect(cards).to_have_count(before + len(names))
    mine = [cards.nth(i) for i in range(len(names))]
    for card, name in zip(mine, names, strict=True):
        expect(card).to_have_accessible_name(f"{name} answer")
    return mine


def _sent_prompt(mock: MockProviders, provider: str | None = None) -> Any:
    return mock.last(provider)["body"]["messages"]


def _open_time_limits(page: Any) -> None:
    """Open the "Time limits" section; clicking its summary when already open would close it."""
    details = page.locator("details.options")
    if details.get_attribute("open") is None:
        page.get_by_text("Time limits").click()
    expect(page.get_by_label("Seconds of silence before a stream is called stalled")).to_be_visible()


def test_prompt_goes_to_each_chosen_provider_and_answers_stream_side_by_side(
    compose: Any, mock: MockProviders
) -> None:
    mock.configure(pace=0.0, scenario="ok")
    prompt = "compare switchboards side-by-side"
    _choose(compose, ["openai", "anthropic"])
    cards = _send(compose, prompt, ["OpenAI", "Anthropic"])
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


def test_missing_key_and_provider_errors_are_told_in_words(compose: Any, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    _choose(compose, ["openai", "mistral"])
    openai, mistral = _send(compose, "hello errors-in-words mock-error-429", ["OpenAI", "Mistral"])
    expect(openai.locator(".answer-meta")).to_contain_text("rate", ignore_case=True, timeout=30_000)
    expect(openai).to_have_class(FAILED)
    assert _sent_prompt(mock, "openai") == [{"role": "user", "content": "hello errors-in-words mock-error-429"}]
    expect(mistral.locator(".answer-meta")).to_have_text("No Mistral key yet: add one under API keys.")
    expect(mistral).to_have_class(FAILED)


def test_stop_cancels_a_streaming_answer_and_keeps_its_text(compose: Any, mock: MockProviders) -> None:
    mock.configure(pace=0.4, scenario="ok")
    try:
        _choose(compose, ["openai"])
        prompt = "a long answer please stop-me mock-words-60"
        (card,) = _send(compose, prompt, ["OpenAI"])
        expect(card.locator(".answer-text")).not_to_be_empty(timeout=30_000)
        card.get_by_role("button", name="Stop").click()
        expect(card.locator(".answer-meta")).to_contain_text("Stopped")
        expect(card.get_by_role("button", name="Stop")).to_have_count(0)
        kept = card.locator(".answer-text").inner_text()
        assert _sent_prompt(mock, "openai") == [{"role": "user", "content": prompt}]
        reply = mock.last("openai")["reply"]
        assert reply["output_tokens"] == 60
        assert kept and reply["text"].startswith(kept) and 0 < len(kept.split()) < 60
    finally:
        mock.configure(pace=0.0)


def test_user_set_idle_limit_ends_a_stalled_stream_keeping_its_text(compose: Any, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    _open_time_limits(compose)
    idle = compose.get_by_label("Seconds of silence before a stream is called stalled")
    idle.fill("1")
    idle.dispatch_event("change")
    try:
        _choose(compose, ["openai"])
        prompt = "tell me idle-limit mock-stall mock-words-8"
        (card,) = _send(compose, prompt, ["OpenAI"])
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


def test_a_custom_endpoint_joins_the_providers_and_answers(compose: Any, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    compose.get_by_role("button", name="API keys").click()
    compose.get_by_label("Endpoint name").fill("local-llm")
    compose.get_by_label("Base URL").fill(f"{mock.http_url}/v1")
    compose.get_by_label("Endpoint API key").fill("sk-local-endpoint-4321")
    compose.locator("#endpoint-session").check()
    compose.get_by_role("button", name="Save endpoint").click()
    expect(compose.locator('li[data-endpoint="local-llm"]')).to_contain_text("•••• 4321")
    compose.keyboard.press("Escape")
    expect(compose.get_by_role("checkbox", name="local-llm")).to_be_visible()
    _choose(compose, ["endpoint:local-llm"])
    compose.get_by_label("local-llm model").fill("my-local-model")
    (card,) = _send(compose, "hello custom-endpoint", ["local-llm"])
    expect(card.locator(".answer-meta")).to_contain_text("out tokens", timeout=30_000)
    request = mock.last()
    assert (request["port"], request["path"]) == ("http", "/v1/chat/completions")
    assert request["body"]["messages"] == [{"role": "user", "content": "hello custom-endpoint"}]
    assert request["body"]["model"] == "my-local-model"
    assert request["headers"]["authorization"] == "Bearer sk-local-endpoint-4321"
    assert request["reply"]["text"].endswith(" reply to: hello custom-endpoint")
    expect(card.locator(".answer-text")).to_have_text(request["reply"]["text"])
