"""One Send is one round: a second click while the first still reads history (the Fastest rule's first use,
a budget check over a stale month) used to send the prompt twice, and both rounds could be billed."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from scripts.mock_providers import MockProviders

from tests.browser.test_ask_many import TIMEOUT, chats, last_seq, pick
from tests.browser.vault_helpers import add_session_keys

DOUBLE_CLICK = "() => { const send = document.getElementById('send'); send.click(); send.click(); }"


def sent_once(app: Page, mock: MockProviders, since: int) -> None:
    expect(app.locator("#answers .round .answer-status")).to_have_text(["Done"], timeout=TIMEOUT)
    app.wait_for_timeout(500)  # a second request would have left by now: the mock is loopback and unpaced
    assert len(chats(mock, since)) == 1
    expect(app.locator("#answers .round")).to_have_count(1)


def test_a_double_click_with_the_fastest_rule_sends_once(shared_page: Page, mock: MockProviders) -> None:
    app = shared_page
    add_session_keys(app, {"openai": "OpenAI"}, "1111")
    mock.configure(pace=0.0, scenario="ok")
    pick(app, {"openai": ["gpt-4o-mini"]})
    app.get_by_label("Route", exact=True).select_option("Fastest")
    app.get_by_role("textbox", name="Prompt", exact=True).fill("Only once please words-3")
    since = last_seq(mock)
    app.evaluate(DOUBLE_CLICK)  # the first click is still reading history when the second comes
    sent_once(app, mock, since)


def test_a_double_click_while_the_budget_check_reads_history_sends_once(shared_page: Page,
                                                                        mock: MockProviders) -> None:
    app = shared_page
    pick(app, {"openai": ["gpt-4o-mini"]})  # a new conversation
    app.get_by_label("Route", exact=True).select_option("Side by side")
    app.get_by_role("button", name="Budgets").click()
    app.locator("#budget-all-monthly").fill("100")  # far above any spend: the check passes, after a read
    app.locator("#budgets-form button[type=submit]").click()
    expect(app.locator("#budgets-message")).to_contain_text("Saved.")
    app.keyboard.press("Escape")
    app.get_by_role("textbox", name="Prompt", exact=True).fill("Budgeted once words-3")
    since = last_seq(mock)
    app.evaluate("() => new BroadcastChannel('switchboard-spend').postMessage('changed')")  # another tab
    app.wait_for_timeout(200)
    app.evaluate(DOUBLE_CLICK)
    sent_once(app, mock, since)
