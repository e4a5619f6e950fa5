"""Ask many (issue 9) in Chromium against the loopback mock under the real provider hosts: several models
at once, two of one provider side by side, a dropped stream, Stop all, follow-ups per pane, and merge.

One started page for the module (a Python start costs seconds); every test picks its own models, starts
a new conversation and finds its panes by model, so none depends on another's leftovers or order.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from scripts.mock_providers import MockProviders

from tests.browser.conftest import wait_ready
from tests.browser.vault_helpers import add_session_keys, create_vault

KEYED = {"openai": "OpenAI", "anthropic": "Anthropic", "mistral": "Mistral", "groq": "Groq"}
TIMEOUT = 30_000


@pytest.fixture(scope="module")
def app(shared_page: Page) -> Iterator[Page]:
    """The shared app with a session-only key for each provider the tests use (no vault needed)."""
    add_session_keys(shared_page, KEYED, "9876")
    yield shared_page


def pick(page: Page, models: dict[str, list[str]]) -> None:
    """Start a new conversation with exactly these models ticked, in this order per provider."""
    new = page.get_by_role("button", name="New conversation")
    if new.is_visible():
        new.click()
    for box in page.locator('#provider-list input[name="provider"]').all():
        box.set_checked(box.get_attribute("value") in models)
    for slot, wanted in models.items():
        row = page.locator(f'.model-row[data-slot="{slot}"]')
        chips = row.locator(".model-chips li")
        for left in range(chips.count() - 1, -1, -1):
            chips.first.get_by_role("button").click()
            expect(chips).to_have_count(left)
        for model in wanted:
            row.locator(".model-input").fill(model)
            row.get_by_role("button", name="Add model").click()
        expect(row.locator(".model-chips li")).to_have_count(len(wanted))


def ask(page: Page, prompt: str) -> None:
    """Send prompt and wait until its round is on the page (so panes found next are this round's)."""
    rounds = page.locator("#answers .round").count()
    page.get_by_role("textbox", name="Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#answers .round")).to_have_count(rounds + 1)


def pane(page: Page, label: str) -> Any:
    """The newest answer region named by its model, e.g. "gpt-4o-mini (OpenAI)"."""
    return page.get_by_role("region", name=label, exact=True).first


def chats(mock: MockProviders, since: int) -> list[dict[str, Any]]:
    return [e for e in mock.requests if e["seq"] > since and not e["preflight"] and e["method"] == "POST"]


def last_seq(mock: MockProviders) -> int:
    return max((e["seq"] for e in mock.requests), default=0)


def test_five_models_at_once_two_of_them_from_one_provider(app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    pick(app, {"openai": ["gpt-4o", "gpt-4o-mini"], "anthropic": ["claude-haiku-4-5"],
               "mistral": ["mistral-small-latest"], "groq": ["llama-3.3-70b-versatile"]})
    app.get_by_role("textbox", name="System prompt").fill("Answer in one line.")
    app.get_by_text("Temperature and output limit").click()
    app.get_by_label("Temperature").fill("0.3")
    app.get_by_label("Maximum output tokens").fill("200")
    since = last_seq(mock)
    ask(app, "five at once words-7")
    labels = ["gpt-4o (OpenAI)", "gpt-4o-mini (OpenAI)", "claude-haiku-4-5 (Anthropic)",
              "mistral-small-latest (Mistral)", "llama-3.3-70b-versatile (Groq)"]
    for label in labels:
        expect(pane(app, label).locator(".answer-meta")).to_contain_text("out tokens", timeout=TIMEOUT)
        expect(pane(app, label).locator(".answer-status")).to_have_text("Done")
    sent = chats(mock, since)
    assert sorted(e["body"]["model"] for e in sent) == sorted(label.split(" ")[0] for label in labels)
    for entry in sent:
        model = entry["body"]["model"]
        label = next(lbl for lbl in labels if lbl.startswith(model + " "))
        expect(pane(app, label).locator(".answer-text")).to_have_text(entry["reply"]["text"])
        expect(pane(app, label).locator(".answer-meta")).to_contain_text(
            f"{entry['reply']['input_tokens']} in / {entry['reply']['output_tokens']} out tokens")
    by_model = {e["body"]["model"]: e["body"] for e in sent}
    assert by_model["gpt-4o"]["messages"][0] == {"role": "system", "content": "Answer in one line."}
    assert by_model["gpt-4o"]["temperature"] == 0.3
    assert by_model["claude-haiku-4-5"]["system"] == "Answer in one line." and by_model["claude-haiku-4-5"][
        "max_tokens"] == 200
    app.get_by_role("textbox", name="System prompt").fill("")
    app.get_by_label("Temperature").fill("")
    app.get_by_label("Maximum output tokens").fill("")


def test_a_stream_dropped_mid_answer_keeps_its_text_while_the_others_finish(app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.02, scenario="ok")
    try:
        pick(app, {"openai": ["gpt-4o-mini", "gpt-4o-mock-drop"], "anthropic": ["claude-haiku-4-5"]})
        ask(app, "one of you will drop mock-words-20")
        dropped = pane(app, "gpt-4o-mock-drop (OpenAI)")
        expect(dropped.locator(".answer-status")).to_have_text("Failed", timeout=TIMEOUT)
        expect(dropped.locator(".answer-meta")).to_contain_text("broke mid-answer; the answer so far is kept")
        kept = dropped.locator(".answer-text").inner_text()
        assert 0 < len(kept.split()) < 20, kept
        for label in ("gpt-4o-mini (OpenAI)", "claude-haiku-4-5 (Anthropic)"):
            expect(pane(app, label).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
            assert len(pane(app, label).locator(".answer-text").inner_text().split()) == 20
    finally:
        mock.configure(pace=0.0)


def test_stop_all_and_esc_abort_every_fetch_and_keep_each_text(app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.3, scenario="ok")
    labels = ["gpt-4o-mini (OpenAI)", "gpt-4o (OpenAI)", "claude-haiku-4-5 (Anthropic)"]
    try:
        for stop in ("button", "Esc"):
            pick(app, {"openai": ["gpt-4o-mini", "gpt-4o"], "anthropic": ["claude-haiku-4-5"]})
            since = last_seq(mock)
            app.get_by_role("textbox", name="Prompt", exact=True).fill(f"long answers please {stop} mock-words-60")
            app.get_by_role("textbox", name="Prompt", exact=True).press("Control+Enter")
            expect(app.locator("#answers .round")).to_have_count(1)
            for label in labels:
                expect(pane(app, label).locator(".answer-text")).not_to_be_empty(timeout=TIMEOUT)
            if stop == "button":
                app.get_by_role("button", name="Stop all").click()
            else:
                app.keyboard.press("Escape")
            for label in labels:
                expect(pane(app, label).locator(".answer-meta")).to_contain_text("Stopped")
                kept = pane(app, label).locator(".answer-text").inner_text()
                assert 0 < len(kept.split()) < 60, (label, kept)
            expect(app.get_by_role("button", name="Stop all")).to_be_disabled()
            # The server sees each stream's reader go away: the fetches were aborted, not left running.
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(e.get("outcome") is None for e in chats(mock, since)):
                time.sleep(0.1)
            assert [e.get("outcome") for e in chats(mock, since)] == ["client went away"] * 3
    finally:
        mock.configure(pace=0.0)


def test_a_follow_up_carries_each_panes_own_history_and_new_conversation_starts_afresh(
    app: Page, mock: MockProviders
) -> None:
    mock.configure(pace=0.0, scenario="ok")
    pick(app, {"openai": ["gpt-4o-mini"], "anthropic": ["claude-haiku-4-5"]})
    ask(app, "first question words-4")
    for label in ("gpt-4o-mini (OpenAI)", "claude-haiku-4-5 (Anthropic)"):
        expect(pane(app, label).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    first = {p: mock.last(p)["reply"]["text"] for p in ("openai", "anthropic")}
    expect(app.get_by_text("each model continues its own conversation")).to_be_visible()
    ask(app, "second question words-3")
    for label in ("gpt-4o-mini (OpenAI)", "claude-haiku-4-5 (Anthropic)"):
        expect(pane(app, label).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    openai_messages = mock.last("openai")["body"]["messages"]
    assert openai_messages == [{"role": "user", "content": "first question words-4"},
                               {"role": "assistant", "content": first["openai"]},
                               {"role": "user", "content": "second question words-3"}]
    anthropic_messages = mock.last("anthropic")["body"]["messages"]
    assert [m["role"] for m in anthropic_messages] == ["user", "assistant", "user"]
    assert re.sub(r"\s+", " ", str(anthropic_messages[1]["content"])).find(first["anthropic"]) >= 0
    app.get_by_role("button", name="New conversation").click()
    expect(app.get_by_role("region", name="gpt-4o-mini (OpenAI)")).to_have_count(0)
    ask(app, "fresh start words-2")
    expect(pane(app, "gpt-4o-mini (OpenAI)").locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    assert mock.last("openai")["body"]["messages"] == [{"role": "user", "content": "fresh start words-2"}]


def test_merge_answers_streams_into_the_merged_answer(app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    pick(app, {"openai": ["gpt-4o-mini"], "mistral": ["mistral-small-latest"]})
    ask(app, "what is a switchboard words-5")
    for label in ("gpt-4o-mini (OpenAI)", "mistral-small-latest (Mistral)"):
        expect(pane(app, label).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    answers = [mock.last(p)["reply"]["text"] for p in ("openai", "mistral")]
    app.get_by_role("button", name="Merge answers").click()
    app.get_by_label("Merge with").select_option(label="mistral-small-latest (Mistral)")
    app.get_by_label("Synthesis prompt").fill("Merge these into one answer, briefly.")
    since = last_seq(mock)
    app.get_by_role("button", name="Merge", exact=True).click()
    expect(app.locator("#answers .round")).to_have_count(2)
    merged = app.get_by_role("region", name="Merged answer")
    expect(merged.locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    request = chats(mock, since)
    assert len(request) == 1 and request[0]["provider"] == "mistral"
    expect(merged.locator(".answer-text")).to_have_text(request[0]["reply"]["text"])
    sent = request[0]["body"]["messages"][-1]["content"]
    assert sent.startswith("Merge these into one answer, briefly.")
    assert "what is a switchboard words-5" in sent and all(text in sent for text in answers)


def test_model_sets_are_saved_used_and_deleted(app: Page) -> None:
    pick(app, {"openai": ["gpt-4o", "gpt-4o-mini"], "anthropic": ["claude-haiku-4-5"]})
    app.get_by_label("New set name").fill("my trio")
    app.get_by_role("button", name="Save set").click()
    expect(app.locator("#model-set-message")).to_have_text("Saved the set “my trio” (3 models).")
    pick(app, {"mistral": ["mistral-small-latest"]})
    app.get_by_label("Model set", exact=True).select_option(label="my trio")
    app.get_by_role("button", name="Use set").click()
    expect(app.get_by_role("checkbox", name="OpenAI", exact=True)).to_be_checked()
    expect(app.get_by_role("checkbox", name="Mistral", exact=True)).not_to_be_checked()
    expect(app.locator('.model-row[data-slot="openai"] .model-chips li span')).to_have_text(["gpt-4o", "gpt-4o-mini"])
    expect(app.locator('.model-row[data-slot="anthropic"] .model-chips li span')).to_have_text(["claude-haiku-4-5"])
    app.get_by_role("button", name="Delete set").click()
    expect(app.locator("#model-set-message")).to_have_text("Deleted the set “my trio”.")
    expect(app.get_by_label("Model set", exact=True).locator("option")).to_have_count(1)


def test_retry_asks_again_and_copy_gives_the_markdown_source(app: Page, mock: MockProviders) -> None:
    app.context.grant_permissions(["clipboard-read", "clipboard-write"])
    pick(app, {"openai": ["gpt-4o-mini"], "anthropic": ["claude-haiku-4-5"]})
    mock.configure(pace=0.0, scenario="error-500")
    try:
        ask(app, "try again words-3")
        failed = pane(app, "gpt-4o-mini (OpenAI)")
        expect(failed.locator(".answer-status")).to_have_text("Failed", timeout=TIMEOUT)
    finally:
        mock.configure(scenario="ok")
    failed.get_by_role("button", name="Retry").click()
    expect(failed.locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    expect(failed.locator(".answer-text")).to_have_text(mock.last("openai")["reply"]["text"])
    failed.get_by_role("button", name="Copy").click()
    expect(failed.locator(".answer-status")).to_have_text("Copied the Markdown")
    assert app.evaluate("() => navigator.clipboard.readText()") == mock.last("openai")["reply"]["text"]


OVERFLOW = """() => ({page: document.documentElement.scrollWidth, header: document.querySelector('.topbar').scrollWidth,
                 headerBox: document.querySelector('.topbar').clientWidth})"""


def test_unlocked_vault_is_a_compact_bar_and_nothing_overflows_at_360_px(browser: Any, app_url: str) -> None:
    context = browser.new_context(service_workers="block", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(app_url)
        wait_ready(page)
        panel, prompt = page.locator("#vault-panel"), page.get_by_role("textbox", name="Prompt", exact=True)
        assert panel.bounding_box()["width"] < 0.5 * 1280  # locked: a side panel
        create_vault(page, "violet harbour 93 quietly")
        expect(panel).to_have_class(re.compile(r"\bcompact\b"))
        # Unlocked: a bar above the prompt, and the prompt takes the page's width.
        assert prompt.bounding_box()["width"] > 0.8 * min(1280, 90 * 15)
        assert panel.bounding_box()["y"] < prompt.bounding_box()["y"]
        assert panel.bounding_box()["height"] < 200
        page.set_viewport_size({"width": 360, "height": 740})
        sizes = page.evaluate(OVERFLOW)
        assert sizes["page"] <= 360 and sizes["header"] <= sizes["headerBox"], sizes
    finally:
        context.close()


COUNT_DRAWS = """(label) => {
  const text = [...document.querySelectorAll("section.answer-pane")].find((s) => s.ariaLabel === label)
    .querySelector(".answer-text");
  window.__draws = 0;
  new MutationObserver(() => { window.__draws += 1; }).observe(text, {childList: true, subtree: true,
                                                                   characterData: true});
}"""


def test_a_fast_stream_is_redrawn_at_a_throttled_rate_not_per_token(app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.004, scenario="ok")  # 250 chunks/s
    try:
        pick(app, {"openai": ["gpt-4o-mini"]})
        ask(app, "stream fast mock-words-300")
        label = "gpt-4o-mini (OpenAI)"
        app.evaluate(COUNT_DRAWS, label)
        expect(pane(app, label).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
        assert len(pane(app, label).locator(".answer-text").inner_text().split()) == 300
        draws = app.evaluate("() => window.__draws")
        assert 1 <= draws <= 40, draws  # about 1.2 s of stream at most every 80 ms, not 300 draws
    finally:
        mock.configure(pace=0.0)


def test_merge_goes_to_the_model_picked_even_after_a_retry_took_an_answer_away(app: Page, mock: MockProviders) -> None:
    # The options were positions in the answers with text: a failed Retry shifted them to another model.
    mock.configure(pace=0.0, scenario="ok")
    pick(app, {"openai": ["gpt-4o-mini"], "anthropic": ["claude-haiku-4-5"], "mistral": ["mistral-small-latest"]})
    ask(app, "what is a switchboard words-5")
    for label in ("gpt-4o-mini (OpenAI)", "claude-haiku-4-5 (Anthropic)", "mistral-small-latest (Mistral)"):
        expect(pane(app, label).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    app.get_by_role("button", name="Merge answers").click()
    app.get_by_label("Merge with").select_option(label="claude-haiku-4-5 (Anthropic)")
    # The user retries the OpenAI answer before merging; this time it fails (no text).
    mock.configure(scenario="error-500")
    try:
        gpt = pane(app, "gpt-4o-mini (OpenAI)")
        gpt.get_by_role("button", name="Retry").click()
        expect(gpt.locator(".answer-status")).to_have_text("Failed", timeout=TIMEOUT)
    finally:
        mock.configure(scenario="ok")
    # The form still shows "claude-haiku-4-5 (Anthropic)" selected.
    assert app.get_by_label("Merge with").evaluate("s => s.selectedOptions[0].textContent") == \
        "claude-haiku-4-5 (Anthropic)"
    since = last_seq(mock)
    app.get_by_role("button", name="Merge", exact=True).click()
    merged = app.get_by_role("region", name="Merged answer")
    expect(merged.locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    sent = chats(mock, since)
    assert [e["provider"] for e in sent] == ["anthropic"], [e["provider"] for e in sent]
