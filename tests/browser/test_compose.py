"""One prompt, several providers: answers stream side by side through the real provider URLs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from scripts.mock_providers import MockProviders


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


def _send(page: Any, prompt: str, providers: list[str]) -> None:
    for box in page.locator('#provider-list input[name="provider"]').all():
        box.set_checked(box.get_attribute("value") in providers)
    page.get_by_role("textbox", name="Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Send").click()


def test_prompt_goes_to_each_chosen_provider_and_answers_stream_side_by_side(
    compose: Any, mock: MockProviders
) -> None:
    mock.configure(pace=0.0, scenario="ok")
    _send(compose, "compare switchboards words-6", ["openai", "anthropic"])
    for name, provider in (("OpenAI", "openai"), ("Anthropic", "anthropic")):
        card = compose.get_by_role("article", name=f"{name} answer").first
        expect(card.locator(".answer-meta")).to_contain_text("out tokens", timeout=30_000)
        reply = mock.last(provider)["reply"]
        expect(card.locator(".answer-text")).to_have_text(reply["text"])
        expect(card.locator(".answer-meta")).to_contain_text(
            f"{reply['input_tokens']} in / {reply['output_tokens']} out tokens")
        expect(card.locator(".answer-meta")).to_contain_text("first token")


def test_missing_key_and_provider_errors_are_told_in_words(compose: Any, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    _send(compose, "hello mock-error-429", ["openai", "mistral"])
    openai = compose.get_by_role("article", name="OpenAI answer").first
    expect(openai.locator(".answer-meta")).to_contain_text("rate", ignore_case=True, timeout=30_000)
    mistral = compose.get_by_role("article", name="Mistral answer").first
    expect(mistral.locator(".answer-meta")).to_have_text("No Mistral key yet: add one under API keys.")


def test_stop_cancels_a_streaming_answer_and_keeps_its_text(compose: Any, mock: MockProviders) -> None:
    mock.configure(pace=0.4, scenario="ok")
    try:
        _send(compose, "a long answer please words-60", ["openai"])
        card = compose.get_by_role("article", name="OpenAI answer").first
        expect(card.locator(".answer-text")).not_to_be_empty(timeout=30_000)
        card.get_by_role("button", name="Stop").click()
        expect(card.locator(".answer-meta")).to_contain_text("Stopped")
        kept = card.locator(".answer-text").inner_text()
        assert 0 < len(kept.split()) < 60
    finally:
        mock.configure(pace=0.0)


def test_user_set_idle_limit_ends_a_stalled_stream_keeping_its_text(compose: Any, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    compose.get_by_text("Time limits").click()
    idle = compose.get_by_label("Seconds of silence before a stream is called stalled")
    idle.fill("1")
    idle.dispatch_event("change")
    try:
        _send(compose, "tell me mock-stall words-8", ["openai"])
        card = compose.get_by_role("article", name="OpenAI answer").first
        expect(card.locator(".answer-meta")).to_contain_text(
            "OpenAI stopped sending for 1 s; the answer so far is kept", timeout=30_000)
        expect(card.locator(".answer-text")).not_to_be_empty()
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
    for box in compose.locator('#provider-list input[name="provider"]').all():
        box.set_checked(box.get_attribute("value") == "endpoint:local-llm")
    compose.get_by_label("local-llm model").fill("my-local-model")
    compose.get_by_role("textbox", name="Prompt", exact=True).fill("hello endpoint words-5")
    compose.get_by_role("button", name="Send").click()
    card = compose.get_by_role("article", name="local-llm answer").first
    expect(card.locator(".answer-meta")).to_contain_text("out tokens", timeout=30_000)
    request = mock.last()
    assert (request["port"], request["path"]) == ("http", "/v1/chat/completions")
    assert request["body"]["model"] == "my-local-model"
    assert request["headers"]["authorization"] == "Bearer sk-local-endpoint-4321"
    expect(card.locator(".answer-text")).to_have_text(request["reply"]["text"])
