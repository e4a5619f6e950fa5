"""Budgets and spend (issue 11) in Chromium: a send whose worst case would pass a limit is held back before
any request leaves, "Send anyway" sends that same round, the Spend dialog shows what the answer cost and
exports it as CSV, a send that would reach 80 % of a limit is warned about, and another tab's spend counts.

One started page for the module; the tests run in order and share its history (today's spend), so each
sets the limits it needs. gpt-4o-mini has a catalog price, and "Maximum output tokens" bounds the worst case.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from scripts.mock_providers import MockProviders

from switchboard.pricing.cost import format_usd
from tests.browser.conftest import app_errors
from tests.browser.test_ask_many import chats, last_seq, pane, pick
from tests.browser.test_history import fresh
from tests.browser.vault_helpers import add_session_keys

TIMEOUT = 30_000
KEYED = {"openai": "OpenAI", "anthropic": "Anthropic"}
MINI = "gpt-4o-mini (OpenAI)"


@pytest.fixture(scope="module")
def app(shared_page: Page) -> Iterator[Page]:
    add_session_keys(shared_page, KEYED, "2468")
    errors = app_errors(shared_page)
    shared_page.get_by_text("Temperature and output limit").click()
    shared_page.get_by_label("Maximum output tokens").fill("1000")  # the worst case: 1000 tokens out
    yield shared_page
    assert errors == [], errors


def set_limits(page: Page, limits: dict[str, str]) -> Locator:
    """Open Budgets, empty every field, fill `limits` (field name -> text), Save; returns the dialog."""
    page.get_by_role("button", name="Budgets", exact=True).click()
    dialog = page.get_by_role("dialog", name="Budgets")
    expect(dialog).to_be_visible()
    for field in dialog.locator("input[data-period]").all():
        field.fill("")
    for name, value in limits.items():
        dialog.get_by_role("textbox", name=name, exact=True).fill(value)
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(dialog.locator("#budgets-message")).to_contain_text("Saved.")
    return dialog


def close(dialog: Locator) -> None:
    dialog.get_by_role("button", name="Close", exact=True).click()
    expect(dialog).to_be_hidden()


def send(page: Page, prompt: str) -> None:
    page.get_by_role("textbox", name="Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Send", exact=True).click()


def test_a_send_past_the_daily_limit_is_held_back_then_sent_anyway_and_its_cost_is_in_spend(
        app: Page, mock: MockProviders, tmp_path: Path) -> None:
    mock.configure(pace=0.0, scenario="ok")
    dialog = set_limits(app, {"Daily limit (USD)": "0.0001"})
    expect(dialog.locator("#budget-all-daily-spent")).to_have_text("Spent today: $0.00 (0% of the limit).")
    close(dialog)
    pick(app, {"openai": ["gpt-4o-mini"]})
    since = last_seq(mock)
    rounds = app.locator("#answers .round").count()
    send(app, "Over budget words-5")

    alert = app.get_by_role("alert").filter(has_text="daily limit")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text(re.compile(
        r"This send could cost up to \$0\.000\d+, which would pass your daily limit of \$0\.0001 "
        r"\(spent today: \$0\.00\)\. Nothing was sent\."))
    app.wait_for_timeout(500)  # a request would have left at the click, long before the alert
    assert chats(mock, since) == []
    expect(app.locator("#answers .round")).to_have_count(rounds)
    expect(app.get_by_role("textbox", name="Prompt", exact=True)).to_have_value("Over budget words-5")

    app.get_by_role("button", name="Send anyway").click()
    expect(alert).to_be_hidden()
    answer = pane(app, MINI)
    expect(answer.locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    sent = chats(mock, since)
    assert [e["body"]["model"] for e in sent] == ["gpt-4o-mini"]
    assert sent[0]["body"]["messages"][-1]["content"] == "Over budget words-5"
    meta = answer.locator(".answer-meta")
    expect(meta).to_contain_text("from the catalog")
    cost = re.search(r"(\$[0-9.,]+) from the catalog", meta.inner_text())
    assert cost is not None
    shown = cost.group(1)

    app.get_by_role("button", name="Spend", exact=True).click()
    spend = app.get_by_role("dialog", name="Spend")
    expect(spend).to_be_visible()
    by_model = spend.get_by_role("table", name="Spend by model")
    expect(by_model.get_by_role("row", name=MINI)).to_contain_text(shown)
    expect(spend.get_by_role("table", name="Spend by provider").get_by_role("row", name="OpenAI")).to_contain_text(
        shown)
    for caption in ("Spend by day", "Spend by month"):
        expect(spend.get_by_role("table", name=caption).locator("tbody tr")).to_have_count(1)
    expect(spend.locator("#spend-summary")).to_contain_text(f"Total this month: {shown} over 1 answer.")
    with app.expect_download() as download:
        spend.get_by_role("button", name="Export CSV").click()
    path = tmp_path / "spend.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert len(rows) == 1
    row = rows[0]
    assert (row["provider"], row["model"], row["answers"], row["answers with no known price"]) == (
        "openai", "gpt-4o-mini", "1", "0")
    assert row["month"] == row["date"][:7] and int(row["input tokens"]) == sent[0]["reply"]["input_tokens"]
    assert int(row["output tokens"]) == sent[0]["reply"]["output_tokens"]
    assert format_usd(Decimal(row["usd"])) == shown
    close(spend)

    dialog = set_limits(app, {"Daily limit (USD)": "1"})
    expect(dialog.locator("#budget-all-daily-spent")).to_have_text(f"Spent today: {shown} (0% of the limit).")
    close(dialog)


def test_a_send_reaching_80_percent_is_warned_about_and_sent(app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    # Worst case about $0.0006 (1000 output tokens at $0.60 per million) on some $0.00001 spent: ~87 %.
    close(set_limits(app, {"Daily limit (USD)": "0.0007"}))
    pick(app, {"openai": ["gpt-4o-mini"]})
    since = last_seq(mock)
    send(app, "Nearly over budget words-3")
    status = app.get_by_role("status").filter(has_text="Budget warning")
    expect(status).to_contain_text(re.compile(r"This send could bring you to (8\d|9\d)% of your daily limit of "
                                              r"\$0\.0007 \(spent today: \$0\.0000\d+\)"))
    expect(pane(app, MINI).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    assert [e["body"]["model"] for e in chats(mock, since)] == ["gpt-4o-mini"]
    expect(app.get_by_role("alert").filter(has_text="daily limit")).to_have_count(0)


def test_a_provider_limit_holds_back_only_sends_to_that_provider(app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    dialog = set_limits(app, {"OpenAI daily limit (USD)": "0.0001"})
    expect(dialog.locator("#budget-openai-daily-spent")).to_contain_text("Spent today: $0.0")
    dialog.get_by_role("textbox", name="Anthropic monthly limit (USD)").fill("1,000")
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(dialog.locator("#budgets-message")).to_have_text(
        "Anthropic monthly limit (USD): “1,000” write the amount without commas, with a point before the cents, "
        "e.g. 1000.50. Nothing was saved.")
    expect(dialog.get_by_role("textbox", name="Anthropic monthly limit (USD)")).to_be_focused()
    close(dialog)
    pick(app, {"openai": ["gpt-4o-mini"]})
    since = last_seq(mock)
    send(app, "Provider budget words-2")
    alert = app.get_by_role("alert").filter(has_text="OpenAI daily limit")
    expect(alert).to_contain_text(re.compile(r"on OpenAI, which would pass your OpenAI daily limit of \$0\.0001 "
                                             r"\(spent on OpenAI today: \$0\.0000\d+\)"))
    app.wait_for_timeout(300)
    assert chats(mock, since) == []
    # Another round instead: it supersedes the held one, which is never sent.
    pick(app, {"anthropic": ["claude-haiku-4-5"]})
    send(app, "Provider budget words-2")
    expect(pane(app, "claude-haiku-4-5 (Anthropic)").locator(".answer-status")).to_have_text("Done",
                                                                                           timeout=TIMEOUT)
    expect(alert).to_be_hidden()
    assert [e["body"]["model"] for e in chats(mock, since)] == ["claude-haiku-4-5"]
    close(set_limits(app, {}))


def test_another_tabs_spend_counts_against_the_limit(context: Any, app_url: str, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    first, second = fresh(context, app_url), fresh(context, app_url)
    for page in (first, second):
        add_session_keys(page, {"openai": "OpenAI"}, "1357")
        pick(page, {"openai": ["gpt-4o-mini"]})
    first.get_by_text("Temperature and output limit").click()
    first.get_by_label("Maximum output tokens").fill("1000")  # worst case about $0.0006
    close(set_limits(first, {"Daily limit (USD)": "0.002"}))
    send(first, "Within budget words-3")  # 30 %: sent, and this tab now holds the month's spend
    expect(pane(first, MINI).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    expect(first.get_by_role("status").filter(has_text="Budget warning")).to_have_count(0)

    send(second, "A long one mock-words-3000")  # about $0.0018 of output, spent in the other tab
    second.get_by_role("button", name="Send anyway").click()  # no output cap there: the worst case is $0.08
    expect(pane(second, MINI).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)

    since = last_seq(mock)
    send(first, "Within budget words-3")
    alert = first.get_by_role("alert").filter(has_text="daily limit")
    expect(alert).to_contain_text(re.compile(r"which would pass your daily limit of \$0\.002 \(spent today: "
                                             r"\$0\.00(1[89]|2)\d*\)"))
    first.wait_for_timeout(300)
    assert chats(mock, since) == []


def test_run_again_from_history_and_a_held_back_send_leave_what_runs_alone(app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    set_limits(app, {})
    close(app.get_by_role("dialog", name="Budgets"))
    pick(app, {"openai": ["gpt-4o-mini"]})
    send(app, "Slow one mock-slow-4 words-3")
    running = pane(app, MINI)
    expect(running.locator(".answer-status")).to_have_text("Sending…")
    close(set_limits(app, {"Daily limit (USD)": "0.0001"}))
    since = last_seq(mock)
    send(app, "Held back while another streams words-3")
    expect(app.get_by_role("alert").filter(has_text="daily limit")).to_be_visible()
    expect(running.locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)  # not stopped by it
    app.get_by_role("button", name="History", exact=True).click()
    history = app.get_by_role("dialog", name="History")
    item = history.locator(".history-item").filter(has_text="Slow one").first
    item.get_by_role("button", name="Run again").click()
    expect(app.get_by_role("alert").filter(has_text="daily limit")).to_be_visible()
    app.wait_for_timeout(500)
    assert chats(mock, since) == []  # neither the held-back send nor Run again sent anything
    app.get_by_role("button", name="Send anyway").click()
    expect(app.get_by_role("alert").filter(has_text="daily limit")).to_be_hidden()
    for _ in range(100):  # bounded: 10 s for Run again's request to reach the mock
        if chats(mock, since):
            break
        app.wait_for_timeout(100)
    assert [e["body"]["messages"][-1]["content"] for e in chats(mock, since)] == ["Slow one mock-slow-4 words-3"]
    close(set_limits(app, {}))


def test_a_follow_up_held_back_while_its_answer_streamed_carries_that_answer_whole(
        app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    close(set_limits(app, {}))
    if app.get_by_role("button", name="New conversation").is_visible():
        app.get_by_role("button", name="New conversation").click()
    pick(app, {"openai": ["gpt-4o-mini"]})
    mock.configure(pace=0.1)
    try:
        send(app, "First question mock-words-30")
        first = pane(app, MINI)
        expect(first.locator(".answer-text")).not_to_be_empty(timeout=TIMEOUT)
        close(set_limits(app, {"Daily limit (USD)": "0.0001"}))
        send(app, "Second question")  # held back while the first answer still streams
        expect(app.get_by_role("button", name="Send anyway")).to_be_visible()
        expect(first.locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
        whole = first.locator(".answer-text").inner_text()
        since = last_seq(mock)
        app.get_by_role("button", name="Send anyway").click()
        expect(app.locator("#answers .round")).to_have_count(2)
        expect(pane(app, MINI).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
        (sent,) = chats(mock, since)
        # Drafted at the click, the follow-up carried the first answer cut off where it then stood.
        assert sent["body"]["messages"][1] == {"role": "assistant", "content": whole}
        assert len(whole.split()) == 30
    finally:
        mock.configure(pace=0.0)
        close(set_limits(app, {}))


def test_a_held_follow_up_is_not_sent_into_a_conversation_changed_meanwhile(app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    close(set_limits(app, {}))
    pick(app, {"openai": ["gpt-4o-mini"]})
    send(app, "A first round mock-words-3")
    expect(pane(app, MINI).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    close(set_limits(app, {"Daily limit (USD)": "0.0001"}))
    try:
        send(app, "A follow-up, held back")
        expect(app.get_by_role("button", name="Send anyway")).to_be_visible()
        since = last_seq(mock)
        app.get_by_role("button", name="New conversation").click()  # the conversation it followed is gone
        app.get_by_role("button", name="Send anyway").click()
        expect(app.locator("#compose-message")).to_have_text(
            "Not sent: the conversation changed while this send waited. Send again to ask it.")
        app.wait_for_timeout(300)
        assert chats(mock, since) == []  # it went on as round 2 of the cleared conversation, unchecked as that
        expect(app.get_by_role("textbox", name="Prompt", exact=True)).to_have_value("A follow-up, held back")
    finally:
        close(set_limits(app, {}))


def spent_answers(page: Page) -> int:
    """How many answers the Spend dialog counts this month."""
    page.get_by_role("button", name="Spend", exact=True).click()
    spend = page.get_by_role("dialog", name="Spend")
    summary = spend.locator("#spend-summary")
    expect(summary).to_contain_text("this month")
    found = re.search(r"over (\d+) answers?\.", summary.inner_text())
    close(spend)
    return int(found.group(1)) if found else 0


def test_a_retry_is_checked_like_a_send_and_what_it_replaced_is_still_spent(app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    close(set_limits(app, {}))
    before = spent_answers(app)
    pick(app, {"openai": ["gpt-4o-mini"]})
    send(app, "Retried words-4")
    answer = pane(app, MINI)
    status, meta = answer.locator(".answer-status"), answer.locator(".answer-meta")
    expect(status).to_have_text("Done", timeout=TIMEOUT)
    first = re.search(r"(\$[0-9.,]+) from the catalog", meta.inner_text())
    assert first is not None

    close(set_limits(app, {"Daily limit (USD)": "0.0001"}))
    since = last_seq(mock)
    answer.get_by_role("button", name="Retry", exact=True).click()
    alert = app.get_by_role("alert").filter(has_text="daily limit")
    expect(alert).to_contain_text(re.compile(r"This send could cost up to \$0\.000\d+, which would pass your daily "
                                             r"limit of \$0\.0001 \(spent today: \$0\.0\d+\)\. .*Nothing was sent\."))
    app.wait_for_timeout(500)  # a request would have left at the click, long before the alert
    assert chats(mock, since) == []
    expect(status).to_have_text("Done")  # the answer is left as it was

    app.get_by_role("button", name="Send anyway").click()
    expect(alert).to_be_hidden()
    expect(meta).to_contain_text(f"1 earlier attempt: {first.group(1)}", timeout=TIMEOUT)
    expect(status).to_have_text("Done", timeout=TIMEOUT)
    assert [e["body"]["messages"][-1]["content"] for e in chats(mock, since)] == ["Retried words-4"]
    close(set_limits(app, {}))
    assert spent_answers(app) == before + 2  # the provider billed both
