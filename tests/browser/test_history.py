"""History (issue 10) in Chromium: runs saved as they stream, found by search, kept across a closed tab,
a reload and two tabs writing at once; favorites, rename, delete with undo, clear, export and import.

Tests that reload or close pages use their own context (a fresh origin storage); the others share
one started page and tell their runs apart by a word of their own.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from scripts.mock_providers import MockProviders

from tests.browser.conftest import app_errors, wait_ready
from tests.browser.test_ask_many import ask, pane, pick
from tests.browser.vault_helpers import add_session_keys, create_vault, unlock, vault_records

TIMEOUT = 30_000
KEYED = {"openai": "OpenAI", "anthropic": "Anthropic"}


@pytest.fixture(scope="module")
def app(shared_page: Page) -> Iterator[Page]:
    add_session_keys(shared_page, KEYED, "4321")
    errors = app_errors(shared_page)
    yield shared_page
    assert errors == [], errors


def fresh(context: Any, app_url: str) -> Page:
    page = context.new_page()
    page.goto(app_url)
    wait_ready(page)
    return page


def word() -> str:
    """A word no other run has: searching for it finds exactly this test's runs."""
    return "zq" + secrets.token_hex(4)


def open_history(page: Page) -> Locator:
    page.get_by_role("button", name="History", exact=True).click()
    dialog = page.get_by_role("dialog", name="History")
    expect(dialog).to_be_visible()
    return dialog


def search(dialog: Locator, text: str) -> Locator:
    """The list's items once it shows the results for text (it is busy until then)."""
    dialog.get_by_role("searchbox", name="Search history").fill(text)
    expect(dialog.locator("#history-list")).to_have_attribute("aria-busy", "false")
    return dialog.locator(".history-item")


def close(dialog: Locator) -> None:
    dialog.get_by_role("button", name="Close", exact=True).click()
    expect(dialog).to_be_hidden()


def answered(page: Page, prompt: str) -> None:
    """Ask gpt-4o-mini alone, in a new conversation, and wait for its answer."""
    pick(page, {"openai": ["gpt-4o-mini"]})
    ask(page, prompt)
    expect(pane(page, "gpt-4o-mini (OpenAI)").locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)


def reopen(page: Page, tag: str, listed: str, label: str) -> Locator:
    """Find the one run with tag, check that its list entry says `listed`, open it: its pane `label`."""
    found = search(open_history(page), tag)
    expect(found).to_have_count(1)
    expect(found).to_contain_text(listed)
    found.get_by_role("button", name="Open").click()
    return pane(page, label)


def item(dialog: Locator, name: str) -> Locator:
    return dialog.locator(".history-item").filter(has=dialog.page.get_by_role("heading", name=name, exact=True))


def test_a_run_is_found_by_a_word_of_its_answer_and_opens_as_it_was(app: Page, mock: MockProviders) -> None:
    tag = word()
    mock.configure(pace=0.0, reply_text=f"The answer mentions Crème {tag} tokens.")
    try:
        pick(app, {"openai": ["gpt-4o-mini"], "anthropic": ["claude-haiku-4-5"]})
        ask(app, "Tell me about history saving")
        for label in ("gpt-4o-mini (OpenAI)", "claude-haiku-4-5 (Anthropic)"):
            expect(pane(app, label).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    finally:
        mock.configure(reply_text=None)
    dialog = open_history(app)
    found = search(dialog, tag.upper())  # case-insensitive, and a word of the answer, not the prompt
    expect(found).to_have_count(1)
    expect(found).to_contain_text("gpt-4o-mini (OpenAI), claude-haiku-4-5 (Anthropic)")
    expect(search(dialog, f"creme {tag[:5]}")).to_have_count(1)  # accents folded, a prefix matches
    expect(search(dialog, f"creme {tag}x")).to_have_count(0)
    search(dialog, tag)
    dialog.get_by_role("button", name="Open").click()
    expect(dialog).to_be_hidden()
    for label in ("gpt-4o-mini (OpenAI)", "claude-haiku-4-5 (Anthropic)"):
        expect(pane(app, label).locator(".answer-text")).to_contain_text(f"Crème {tag} tokens")
        expect(pane(app, label).locator(".answer-meta")).to_contain_text("out tokens")
    expect(app.locator("#answers .round")).to_have_count(1)
    expect(app.locator("#conversation-note")).to_be_visible()  # a Send now continues that conversation


def test_favorite_rename_delete_and_undo(app: Page, mock: MockProviders) -> None:
    tag = word()
    mock.configure(pace=0.0)
    answered(app, f"Keep this one {tag}")
    dialog = open_history(app)
    expect(search(dialog, tag)).to_have_count(1)
    favorite = dialog.get_by_role("button", name="Favorite", exact=True)
    expect(favorite).to_have_attribute("aria-pressed", "false")
    favorite.click()
    expect(favorite).to_have_attribute("aria-pressed", "true")
    dialog.get_by_label("Favorites only").check()
    expect(dialog.locator(".history-item")).to_have_count(1)

    dialog.get_by_role("button", name="Rename").click()
    dialog.get_by_label("New name").fill(f"Named {tag}")
    dialog.get_by_role("button", name="Save name").click()
    expect(item(dialog, f"Named {tag}")).to_have_count(1)
    expect(search(dialog, "named")).not_to_have_count(0)  # the title is searchable too
    search(dialog, tag)

    dialog.get_by_role("button", name="Delete").click()
    expect(dialog.locator(".history-item")).to_have_count(0)
    expect(dialog.locator("#history-undo")).to_contain_text(f"Deleted “Named {tag}”")
    dialog.get_by_role("button", name="Undo").click()
    expect(item(dialog, f"Named {tag}")).to_have_count(1)
    expect(dialog.get_by_role("button", name="Favorite", exact=True)).to_have_attribute("aria-pressed", "true")
    dialog.get_by_label("Favorites only").uncheck()
    close(dialog)


def test_a_streaming_run_redraws_its_own_row_only(app: Page, mock: MockProviders) -> None:
    """A run saving as it streams into an open list must not redraw the other rows: each redraw took the
    keyboard focus away and unticked the runs picked for export, every 0.3 s."""
    tag = word()
    mock.configure(pace=0.0)
    answered(app, f"Older run {tag}")
    mock.configure(pace=0.05)
    try:
        pick(app, {"openai": ["gpt-4o-mini"]})  # a new conversation: its own run, not a second round
        ask(app, f"Streaming run {tag} mock-words-120")  # about 6 s of saves
        streaming = pane(app, "gpt-4o-mini (OpenAI)").locator(".answer-text")
        expect(streaming).to_contain_text(re.compile(r"\w+ \w+"), timeout=TIMEOUT)
        dialog = open_history(app)
        expect(search(dialog, tag)).to_have_count(2)
        older, live = item(dialog, f"Older run {tag}"), item(dialog, f"Streaming run {tag} mock-words-120")
        expect(live).to_contain_text("answering now")  # streaming here, not closed mid-answer
        older.get_by_role("checkbox").check()
        older.evaluate("(li) => { li.dataset.marker = 'drawn once'; }")
        older.get_by_role("button", name="Open").focus()
        expect(pane(app, "gpt-4o-mini (OpenAI)").locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    finally:
        mock.configure(pace=0.0)
    expect(live).not_to_contain_text("answering now")  # redrawn once it ended
    expect(live).not_to_contain_text("incomplete")
    expect(older).to_have_attribute("data-marker", "drawn once")
    expect(older.get_by_role("checkbox")).to_be_checked()
    expect(older.get_by_role("button", name="Open")).to_be_focused()
    expect(dialog.locator("#history-export-selected")).to_have_text("Export selected (1)")
    close(dialog)


def test_use_prompt_and_run_again(app: Page, mock: MockProviders) -> None:
    tag = word()
    mock.configure(pace=0.0)
    pick(app, {"openai": ["gpt-4o-mini"], "anthropic": ["claude-haiku-4-5"]})
    app.get_by_role("textbox", name="System prompt").fill("Be terse.")
    ask(app, f"Again and again {tag}")
    app.get_by_role("textbox", name="System prompt").fill("")
    expect(pane(app, "claude-haiku-4-5 (Anthropic)").locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    since = max((e["seq"] for e in mock.requests), default=0)
    dialog = open_history(app)
    search(dialog, tag)
    dialog.get_by_role("button", name="Use prompt").click()
    expect(app.get_by_role("textbox", name="Prompt", exact=True)).to_have_value(f"Again and again {tag}")
    expect(app.get_by_role("textbox", name="System prompt")).to_have_value("Be terse.")
    app.get_by_role("textbox", name="Prompt", exact=True).fill("")
    app.get_by_role("textbox", name="System prompt").fill("")

    dialog = open_history(app)
    search(dialog, tag)
    dialog.get_by_role("button", name="Run again").click()
    for label in ("gpt-4o-mini (OpenAI)", "claude-haiku-4-5 (Anthropic)"):
        expect(pane(app, label).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    again = [e for e in mock.requests if e["seq"] > since and e["method"] == "POST" and not e["preflight"]]
    assert sorted(e["body"]["model"] for e in again) == ["claude-haiku-4-5", "gpt-4o-mini"]
    assert all(json.dumps(e["body"]).count("Be terse.") == 1 for e in again)
    dialog = open_history(app)
    expect(search(dialog, tag)).to_have_count(2)  # the rerun is a run of its own
    close(dialog)


def test_an_interrupted_stream_is_saved_as_partial(app: Page, mock: MockProviders) -> None:
    tag = word()
    mock.configure(pace=0.01)
    try:
        pick(app, {"openai": ["gpt-4o-mock-drop"]})
        ask(app, f"Drop me {tag} mock-words-30")
        dropped = pane(app, "gpt-4o-mock-drop (OpenAI)")
        expect(dropped.locator(".answer-status")).to_have_text("Failed", timeout=TIMEOUT)
        kept = dropped.locator(".answer-text").inner_text()
    finally:
        mock.configure(pace=0.0)
    assert kept.strip()
    reopened = reopen(app, tag, "some answers failed", "gpt-4o-mock-drop (OpenAI)")
    expect(reopened.locator(".answer-text")).to_have_text(kept)
    expect(reopened.locator(".answer-meta")).to_contain_text("broke mid-answer")


def test_closing_the_tab_mid_answer_keeps_what_arrived(context: Any, app_url: str, mock: MockProviders) -> None:
    tag = word()
    page = fresh(context, app_url)
    add_session_keys(page, {"openai": "OpenAI"}, "1111")
    mock.configure(pace=0.05)
    try:
        pick(page, {"openai": ["gpt-4o-mini"]})
        ask(page, f"Long one {tag} mock-words-400")
        text = pane(page, "gpt-4o-mini (OpenAI)").locator(".answer-text")
        # Words, not just the pane's whitespace: right after a snapshot start the first Send may take a
        # second longer (docs/architecture.md, "Start-up from a memory snapshot").
        expect(text).to_contain_text(re.compile(r"\w+ \w+"), timeout=TIMEOUT)
        page.wait_for_timeout(2500)  # past a throttled save or two, far from the end (20 s)
        arrived = len(text.inner_text().split())
        page.close()
    finally:
        mock.configure(pace=0.0)
    assert 5 < arrived < 400
    other = fresh(context, app_url)
    reopened = reopen(other, tag, "incomplete", "gpt-4o-mini (OpenAI)")
    expect(reopened.locator(".answer-status")).to_have_text("Stopped")
    saved = len(reopened.locator(".answer-text").inner_text().split())
    assert arrived - 30 <= saved <= arrived, (saved, arrived)  # at most ~1 s of words unsaved (pace 20/s)


def test_two_tabs_writing_at_once_lose_nothing_and_a_reload_shows_everything(
        context: Any, app_url: str, mock: MockProviders) -> None:
    tag = word()
    pages = [fresh(context, app_url), fresh(context, app_url)]
    for page in pages:
        add_session_keys(page, {"openai": "OpenAI"}, "2222")
    mock.configure(pace=0.01)
    try:
        for page in pages:
            pick(page, {"openai": ["gpt-4o-mini", "gpt-4o"]})
        for n, page in enumerate(pages):
            ask(page, f"Tab {n} {tag} mock-words-60")
        for page in pages:
            for label in ("gpt-4o-mini (OpenAI)", "gpt-4o (OpenAI)"):
                expect(pane(page, label).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    finally:
        mock.configure(pace=0.0)
    # An answer shows "Done" a moment before its last save commits: wait for both tabs' final saves
    # (history lists each run complete) before the reload.
    dialog = open_history(pages[0])
    expect(search(dialog, tag)).to_have_count(2)
    expect(dialog.locator(".history-item").filter(has_text="incomplete")).to_have_count(0)
    pages[0].reload()
    wait_ready(pages[0])
    dialog = open_history(pages[0])
    expect(search(dialog, tag)).to_have_count(2)
    for n in range(2):
        item_n = dialog.locator(".history-item").filter(has_text=f"Tab {n} {tag}")
        expect(item_n).to_have_count(1)
        expect(item_n).not_to_contain_text("incomplete")
        item_n.get_by_role("button", name="Open").click()
        for label in ("gpt-4o-mini (OpenAI)", "gpt-4o (OpenAI)"):
            assert len(pane(pages[0], label).locator(".answer-text").inner_text().split()) == 60
        dialog = open_history(pages[0])
        search(dialog, tag)


def test_export_clear_and_import_round_trip_with_no_key_inside(
        context: Any, app_url: str, mock: MockProviders, tmp_path: Path) -> None:
    page = fresh(context, app_url)
    create_vault(page, "correct horse battery staple 42")
    add_session_keys(page, {"openai": "OpenAI"}, "3333")
    tags = [word(), word()]
    mock.configure(pace=0.0)
    for tag in tags:
        pick(page, {"openai": ["gpt-4o-mini"]})  # a new conversation each: two first rounds
        ask(page, f"Export me {tag}")
        expect(pane(page, "gpt-4o-mini (OpenAI)").locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    dialog = open_history(page)
    dialog.get_by_text("Export, import and storage").click()
    expect(dialog.locator("#history-usage")).to_contain_text("This site stores")
    with page.expect_download() as download:
        dialog.get_by_role("button", name="Export all").click()
    exported = tmp_path / "history.json"
    download.value.save_as(exported)
    data = json.loads(exported.read_text())
    assert data["format"] == "switchboard-history" and data["version"] == 2
    assert {r["prompt"] for r in data["runs"]} == {f"Export me {t}" for t in tags}
    assert "session-test" not in exported.read_text()
    expect(dialog.locator("#history-message")).to_contain_text("Exported 2 runs")

    # Selected runs only, and one run as Markdown.
    dialog.locator(".history-item").first.get_by_role("checkbox").check()
    with page.expect_download() as selected:
        dialog.get_by_role("button", name="Export selected (1)").click()
    chosen = json.loads(Path(selected.value.path()).read_text())
    assert [r["prompt"] for r in chosen["runs"]] == [f"Export me {tags[1]}"]  # the newest, listed first
    with page.expect_download() as markdown:
        dialog.locator(".history-item").first.get_by_role("button", name="Markdown").click()
    text = Path(markdown.value.path()).read_text()
    assert markdown.value.suggested_filename.endswith(".md")
    assert f"> Export me {tags[1]}" in text and "## gpt-4o-mini (OpenAI)" in text

    dialog.get_by_role("button", name="Clear history").click()
    expect(dialog.get_by_role("group", name="Delete all 2 saved runs? This cannot be undone: export first to "
                                            "keep a copy.")).to_be_visible()
    dialog.get_by_role("button", name="Delete every saved run").click()
    expect(dialog.locator(".history-item")).to_have_count(0)

    broken = tmp_path / "broken.json"
    bad = json.loads(exported.read_text())
    bad["runs"][1]["answers"][0]["status"] = "exploded"
    broken.write_text(json.dumps(bad))
    dialog.get_by_label("Import history").set_input_files(broken)
    expect(dialog.locator("#history-message")).to_contain_text("was not imported", timeout=TIMEOUT)
    expect(dialog.locator("#history-message")).to_contain_text("Run 2")
    expect(dialog.locator("#history-message")).to_contain_text("status")
    expect(dialog.locator(".history-item")).to_have_count(0)  # all or nothing

    dialog.get_by_label("Import history").set_input_files(exported)
    expect(dialog.locator("#history-message")).to_contain_text("Imported 2 runs", timeout=TIMEOUT)
    expect(dialog.locator(".history-item")).to_have_count(2)
    dialog.get_by_label("Import history").set_input_files(exported)
    expect(dialog.locator("#history-message")).to_contain_text("Imported 0 runs")
    expect(dialog.locator("#history-message")).to_contain_text("2 were already here")
    expect(dialog.locator(".history-item")).to_have_count(2)
    for tag in tags:
        expect(search(dialog, tag)).to_have_count(1)


def test_keeping_no_history_saves_nothing_new(context: Any, app_url: str, mock: MockProviders) -> None:
    page = fresh(context, app_url)
    add_session_keys(page, {"openai": "OpenAI"}, "5555")
    dialog = open_history(page)
    dialog.get_by_text("Export, import and storage").click()
    dialog.get_by_label("Keep history").uncheck()
    close(dialog)
    mock.configure(pace=0.0)
    answered(page, "Forget me")
    page.reload()
    wait_ready(page)
    dialog = open_history(page)
    expect(dialog.locator("#history-summary")).to_contain_text("No saved runs yet")
    dialog.get_by_text("Export, import and storage").click()
    expect(dialog.get_by_label("Keep history")).not_to_be_checked()


def test_the_upgrade_to_history_keeps_an_existing_vault(context: Any, app_url: str) -> None:
    page = fresh(context, app_url)
    create_vault(page, "correct horse battery staple 42")
    records = vault_records(page)
    # Put the database back as the version before history (the vault store alone), then start again.
    page.evaluate("""async (records) => {
      const done = (r) => new Promise((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error);
                                                    r.onblocked = () => no(new Error("blocked")); });
      window.dispatchEvent(new Event("pagehide"));
      await done(indexedDB.deleteDatabase("switchboard"));
      const open = indexedDB.open("switchboard", 1);
      open.onupgradeneeded = () => {
        const store = open.result.createObjectStore("vault");
        for (const [k, v] of records) store.put(v, k);
      };
      const db = await done(open);
      db.close();
    }""", [[k, v] for k, v in records.items()])
    page.reload()
    wait_ready(page)
    stores = page.evaluate("""() => new Promise((ok) => { const r = indexedDB.open("switchboard");
        r.onsuccess = () => { const db = r.result; ok([db.version, [...db.objectStoreNames]]); db.close(); }; })""")
    assert stores == [2, ["history", "vault"]]
    assert vault_records(page) == records
    unlock(page, "correct horse battery staple 42")
    dialog = open_history(page)
    expect(dialog.locator("#history-summary")).to_contain_text("No saved runs yet")


def test_a_full_disk_says_so_and_keeps_what_was_saved(context: Any, app_url: str, mock: MockProviders) -> None:
    page = fresh(context, app_url)
    add_session_keys(page, {"openai": "OpenAI"}, "6666")
    mock.configure(pace=0.0)
    answered(page, "Saved before the disk filled")
    # A full disk as the browser reports it: the write throws QuotaExceededError (with a stack, as the
    # browser's own exceptions have). Chromium's quota override over CDP did not reliably apply to a
    # database already open, so the test fills the disk this way.
    page.evaluate("""() => { window.__put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function () {
        const full = new DOMException("The quota has been exceeded.", "QuotaExceededError");
        Error.captureStackTrace(full);
        throw full;
      }; }""")
    answered(page, "Too big to keep")
    problem = page.locator("#history-problem")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("The browser's storage for this site is full")
    expect(problem).to_contain_text("runs saved before are kept")
    dialog = open_history(page)
    expect(dialog.locator(".history-item")).to_have_count(1)
    expect(dialog.locator(".history-item")).to_contain_text("Saved before the disk filled")
    close(dialog)
    page.evaluate("() => { IDBObjectStore.prototype.put = window.__put; }")
    ask(page, "Room again")  # the conversation's next round: saving works again and the notice goes
    expect(pane(page, "gpt-4o-mini (OpenAI)").locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    expect(problem).to_be_hidden()
    dialog = open_history(page)
    expect(dialog.locator(".history-item")).to_have_count(2)


def test_the_date_filter_narrows_the_list(context: Any, app_url: str, mock: MockProviders) -> None:
    page = fresh(context, app_url)
    add_session_keys(page, {"openai": "OpenAI"}, "7777")
    mock.configure(pace=0.0)
    answered(page, "Dated today")
    today, tomorrow = page.evaluate("""() => { const two = (n) => String(n).padStart(2, "0");
        const d = (n) => { const t = new Date(Date.now() + n * 864e5);
                           return `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())}`; };
        return [d(0), d(1)]; }""")
    dialog = open_history(page)
    expect(dialog.locator(".history-item")).to_have_count(1)
    dialog.get_by_label("From date", exact=True).fill(tomorrow)
    expect(dialog.locator(".history-item")).to_have_count(0)
    expect(dialog.locator("#history-summary")).to_have_text("No saved run matches.")
    dialog.get_by_label("From date", exact=True).fill(today)
    dialog.get_by_label("To date", exact=True).fill(today)
    expect(dialog.locator(".history-item")).to_have_count(1)


def test_stop_all_reaches_a_retry_in_a_reopened_run(app: Page, mock: MockProviders) -> None:
    tag = word()
    mock.configure(pace=0.0)
    answered(app, f"Retry me {tag} mock-words-300")
    dialog = open_history(app)
    search(dialog, tag)
    dialog.get_by_role("button", name="Open").click()
    mock.configure(pace=0.05)
    try:
        reopened = pane(app, "gpt-4o-mini (OpenAI)")
        reopened.get_by_role("button", name="Retry").click()
        expect(reopened.locator(".answer-status")).to_have_text("Streaming…", timeout=TIMEOUT)
        stop_all = app.get_by_role("button", name="Stop all")
        expect(stop_all).to_be_enabled()
        stop_all.click()
        expect(reopened.locator(".answer-status")).to_have_text("Stopped")
        expect(stop_all).to_be_disabled()
    finally:
        mock.configure(pace=0.0)
    dialog = open_history(app)  # the retry was saved to the same run, stopped, with what it had said
    found = search(dialog, tag)
    expect(found).to_have_count(1)
    found.get_by_role("button", name="Open").click()
    expect(pane(app, "gpt-4o-mini (OpenAI)").locator(".answer-meta")).to_contain_text("Stopped")


def test_an_answer_shows_its_cost_from_the_catalog_and_history_keeps_it(app: Page, mock: MockProviders) -> None:
    tag = word()
    mock.configure(pace=0.0)
    answered(app, f"Priced {tag}")
    meta = pane(app, "gpt-4o-mini (OpenAI)").locator(".answer-meta")
    expect(meta).to_contain_text("from the catalog (genai-prices")
    shown = meta.inner_text()
    dialog = open_history(app)
    search(dialog, tag)
    dialog.get_by_role("button", name="Open").click()
    expect(pane(app, "gpt-4o-mini (OpenAI)").locator(".answer-meta")).to_contain_text(
        shown.split(" · ")[-1])  # the same cost, as it was worked out when the answer ended


def test_show_more_clicked_twice_at_once_lists_each_run_once(context: Any, app_url: str) -> None:
    from switchboard.history.record import AnswerRecord, RunRecord
    from switchboard.history.schema import dump_exports

    page = fresh(context, app_url)
    answer = AnswerRecord("openai", "gpt-4o", "done", "A")
    runs = [RunRecord(f"run-{n:02d}", 1.79e9 - n * 60, f"Question {n:02d}", (answer,)) for n in range(60)]
    [data] = dump_exports(runs, 1.79e9, None)
    dialog = open_history(page)
    dialog.get_by_label("Import history").set_input_files(
        {"name": "history.json", "mimeType": "application/json", "buffer": data})
    expect(dialog.locator("#history-message")).to_contain_text("Imported 60 runs", timeout=TIMEOUT)
    expect(dialog.locator(".history-item")).to_have_count(25)
    # Both clicks land before the first page is read: the second used to append the same page again.
    page.evaluate("() => { const more = document.getElementById('history-more'); more.click(); more.click(); }")
    expect(dialog.locator(".history-item")).to_have_count(50)
    page.wait_for_timeout(300)
    names = dialog.locator(".history-item").all_text_contents()
    assert len(names) == 50 and len({re.search(r"Question \d\d", n).group(0) for n in names}) == 50  # type: ignore[union-attr]


def test_an_action_that_fails_unexpectedly_says_so_on_the_page(context: Any, app_url: str) -> None:
    page = fresh(context, app_url)
    errors = app_errors(page)
    dialog = open_history(page)
    # The store throwing at once, as a closed database does: no view expects that one.
    page.evaluate("""() => { IDBObjectStore.prototype.count = function () {
        const closing = new DOMException("The database connection is closing.", "InvalidStateError");
        Error.captureStackTrace(closing);
        throw closing; }; }""")
    dialog.locator("details:has(#history-clear) > summary").click()
    dialog.get_by_role("button", name="Clear history").click()
    problem = page.get_by_role("alert").filter(has_text="That did not work.")
    expect(problem).to_contain_text("The database connection is closing")
    expect(problem).to_contain_text("The browser console has the details.")
    assert any("InvalidStateError" in error for error in errors)  # with its traceback
    problem.get_by_role("button", name="Dismiss").click()
    expect(problem).to_be_hidden()
