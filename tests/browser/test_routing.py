"""Routing (issue 11) in Chromium against the loopback mock: Cheapest sends only to the cheaper model, a fallback
chain takes over on a 429 and on a 529 and says so, the route is remembered, and the Estimated cost next to
Send follows the prompt while typing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from scripts.mock_providers import MockProviders

from tests.browser.conftest import app_errors
from tests.browser.test_ask_many import TIMEOUT, ask, chats, last_seq, pane, pick
from tests.browser.vault_helpers import add_session_keys

KEYED = {"openai": "OpenAI", "anthropic": "Anthropic"}
USD = re.compile(r"\$([\d,]+\.\d+)")


@pytest.fixture(scope="module")
def app(shared_page: Page) -> Iterator[Page]:
    errors = app_errors(shared_page)
    add_session_keys(shared_page, KEYED, "5432")
    yield shared_page
    shared_page.get_by_label("Route", exact=True).select_option("Side by side")
    assert not errors, f"the app logged errors: {errors}"


def route(page: Page, name: str) -> None:
    page.get_by_label("Route", exact=True).select_option(name)


def test_cheapest_sends_only_to_the_cheaper_model_and_says_why(app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    pick(app, {"openai": ["gpt-4o", "gpt-4o-mini"]})
    route(app, "Cheapest")
    expect(app.locator("#route-help")).to_contain_text("should cost least")
    since = last_seq(mock)
    ask(app, "Which one is cheaper? words-5")
    answer = pane(app, "gpt-4o-mini (OpenAI)")
    expect(answer.locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    assert [e["body"]["model"] for e in chats(mock, since)] == ["gpt-4o-mini"]
    expect(app.get_by_role("region", name="gpt-4o (OpenAI)", exact=True)).to_have_count(0)
    expect(answer.locator(".answer-route")).to_contain_text(
        re.compile(r"^Cheapest: gpt-4o-mini \(OpenAI\), about \$[\d.]+ for this prompt and a 1,000-token answer "
                   r"\(typical\); gpt-4o \(OpenAI\) about \$[\d.]+$"))
    # The route is remembered across a reload of the setting.
    assert app.evaluate("localStorage.getItem('switchboard.route')") == '"cheapest"'


@pytest.mark.parametrize(("chain", "scenario", "words", "backup_label"), [
    ({"openai": ["gpt-4o-mini-mock-error-429"], "anthropic": ["claude-haiku-4-5"]}, "429", "OpenAI: rate limited",
     "claude-haiku-4-5 (Anthropic)"),
    ({"anthropic": ["claude-haiku-4-5-mock-error-529", "claude-haiku-4-5"]}, "529", "Anthropic: overloaded",
     "claude-haiku-4-5 (Anthropic)"),
])
def test_the_fallback_chain_takes_over_visibly(app: Page, mock: MockProviders, chain: dict[str, list[str]],
                                               scenario: str, words: str, backup_label: str) -> None:
    mock.configure(pace=0.0, scenario="ok")
    pick(app, chain)  # the chain is the picked order: providers as listed, each one's models as added
    route(app, "Fallback chain")
    since = last_seq(mock)
    app.evaluate("""() => { const alert = document.getElementById("announce-alert"); window.alerted = [];
      new MutationObserver(() => window.alerted.push(alert.textContent))
        .observe(alert, {childList: true, characterData: true, subtree: true}); }""")
    ask(app, f"Fallback on a {scenario} words-4")
    answer = app.locator("#answers .round").first.locator("section.answer-pane")
    expect(answer).to_have_count(1)
    expect(answer.locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    expect(app.locator("#announce-polite")).to_contain_text(f"{backup_label} answered.")
    assert app.evaluate("() => window.alerted") == []  # a chain that recovered is not announced as a failure
    expect(answer).to_have_attribute("aria-label", backup_label)
    expect(answer.locator(".answer-route")).to_have_text(f"Fallback chain: {words} → {backup_label}")
    sent = chats(mock, since)
    assert [e["status"] for e in sent] == [int(scenario), 200]
    expect(answer.locator(".answer-text")).to_have_text(sent[1]["reply"]["text"])


def test_a_pane_notes_the_attempt_a_retry_replaced_after_another_model_took_it_over(
        app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    pick(app, {"openai": ["gpt-4o-mini"], "anthropic": ["claude-haiku-4-5-mock-ok"]})
    route(app, "Fallback chain")
    ask(app, "Retried, then taken over words-4")
    answer = app.locator("#answers .round").first.locator("section.answer-pane")
    expect(answer.locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    first = USD.search(answer.locator(".answer-meta").inner_text())
    assert first is not None
    mock.configure(scenario="error-429")  # the Retry is refused, and Claude takes the pane over
    try:
        answer.get_by_role("button", name="Retry").click()
        expect(answer).to_have_attribute("aria-label", "claude-haiku-4-5-mock-ok (Anthropic)", timeout=TIMEOUT)
        expect(answer.locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    finally:
        mock.configure(scenario="ok")
    expect(answer.locator(".answer-meta")).to_contain_text(f"1 earlier attempt: ${first.group(1)}")


def test_the_estimate_follows_the_prompt_while_typing(app: Page) -> None:
    pick(app, {"openai": ["gpt-4o-mini"], "anthropic": ["claude-haiku-4-5"]})
    route(app, "Side by side")
    app.get_by_text("Temperature and output limit").click()
    app.get_by_label("Maximum output tokens").fill("100")
    estimate = app.get_by_role("status", name="Estimated cost")
    prompt = app.get_by_role("textbox", name="Prompt", exact=True)
    prompt.fill("")
    expect(estimate).to_have_text("—")
    prompt.press_sequentially("Short question?", delay=20)
    expect(estimate).to_have_text(re.compile(r"^\$[\d.]+ – \$[\d.]+$"))
    short_low, short_high = (float(x.replace(",", "")) for x in USD.findall(estimate.inner_text()))
    assert 0 < short_low < short_high
    prompt.press_sequentially(" And a much longer paragraph " * 20, delay=0)
    expect(estimate).not_to_have_text(estimate.inner_text())
    long_low, long_high = (float(x.replace(",", "")) for x in USD.findall(estimate.inner_text()))
    assert long_low > short_low * 5 and long_high - long_low == pytest.approx(short_high - short_low, rel=0.01)
    # One model answers with a fallback chain: the range is one model's, from the cheapest to the dearest.
    route(app, "Fallback chain")
    expect(estimate).to_contain_text("(one of 2)")
    app.get_by_label("Maximum output tokens").fill("")
    prompt.fill("")


def test_fastest_goes_by_this_users_recorded_first_token_times(app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    pick(app, {"openai": ["gpt-4.1-mock-slow-1", "gpt-4.1-mini"]})
    route(app, "Fastest")
    since = last_seq(mock)
    ask(app, "Untimed yet words-3")  # no recorded times: the first in the user's order answers, and says so
    first = pane(app, "gpt-4.1-mock-slow-1 (OpenAI)")
    expect(first.locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    expect(first.locator(".answer-route")).to_contain_text("first in your order: no model has 3 answers")
    route(app, "Side by side")
    for number in range(3):
        ask(app, f"Timing run {number} words-3")
        for label in ("gpt-4.1-mock-slow-1 (OpenAI)", "gpt-4.1-mini (OpenAI)"):
            expect(pane(app, label).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    route(app, "Fastest")
    before = last_seq(mock)
    ask(app, "Now the fastest words-3")
    chosen = pane(app, "gpt-4.1-mini (OpenAI)")
    expect(chosen.locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    assert [e["body"]["model"] for e in chats(mock, before)] == ["gpt-4.1-mini"]
    expect(chosen.locator(".answer-route")).to_have_text(re.compile(
        r"^Fastest: gpt-4\.1-mini \(OpenAI\), first token in 0\.\d\d s \(median of your last 3 in 30 days\); "
        r"gpt-4\.1-mock-slow-1 \(OpenAI\) 1\.\d\d s$"))
    assert len(chats(mock, since)) == 1 + 6 + 1
