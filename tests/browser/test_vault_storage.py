"""The vault on a full disk: a write the browser refuses says so in words and changes nothing."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect
from scripts.mock_providers import MockProviders

from tests.browser.conftest import wait_ready
from tests.browser.test_ask_many import ask, pane, pick
from tests.browser.vault_helpers import (
    UI_TIMEOUT,
    button,
    create_vault,
    lock,
    message,
    open_keys,
    password_field,
    row,
    row_message,
    save_key,
    status,
    unlock,
)

PASSWORD = "correct horse battery staple 42"
FILL_DISK = """() => { window.__put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function () {
    const full = new DOMException("The quota has been exceeded.", "QuotaExceededError");
    Error.captureStackTrace(full);
    throw full;
  }; }"""
FREE_DISK = "() => { IDBObjectStore.prototype.put = window.__put; }"


def started(context: Any, app_url: str) -> Any:
    page = context.new_page()
    page.goto(app_url)
    wait_ready(page)
    return page


def with_a_stored_key(context: Any, app_url: str, key: str) -> Any:
    """A page with a new vault holding an OpenAI key, the API keys dialog open."""
    page = started(context, app_url)
    create_vault(page, PASSWORD)
    open_keys(page)
    save_key(page, "openai", "OpenAI", key)
    return page


def test_a_full_disk_says_so_when_a_key_is_saved_and_keeps_the_keys_saved_before(context: Any,
                                                                                   app_url: str) -> None:
    page = with_a_stored_key(context, app_url, "sk-before-the-disk-filled-0001")
    page.evaluate(FILL_DISK)
    form = row(page, "anthropic")
    form.get_by_label("Anthropic API key", exact=True).fill("sk-ant-too-big-to-keep-0002")
    button(form, "Save key").click()
    expect(row_message(page, "anthropic")).to_contain_text("The browser's storage for this site is full")
    expect(form.get_by_label("Anthropic API key", exact=True)).to_have_value("sk-ant-too-big-to-keep-0002")
    page.evaluate(FREE_DISK)
    page.get_by_role("dialog", name="API keys").get_by_role("button", name="Close").click()
    lock(page)
    unlock(page, PASSWORD)  # the key saved before is there, and nothing half-written
    open_keys(page)
    expect(status(page, "openai")).to_have_text("•••• 0001")
    expect(status(page, "anthropic")).not_to_contain_text("••••")
    save_key(page, "anthropic", "Anthropic", "sk-ant-room-again-0003")


def test_a_full_disk_says_so_when_a_vault_is_created(context: Any, app_url: str) -> None:
    page = started(context, app_url)
    page.evaluate(FILL_DISK)
    password_field(page).fill(PASSWORD)
    page.get_by_label("Confirm master password", exact=True).fill(PASSWORD)
    button(page, "Create vault").click()
    expect(message(page)).to_contain_text("The browser's storage for this site is full")
    page.evaluate(FREE_DISK)
    button(page, "Create vault").click()
    expect(button(page, "Lock")).to_be_visible()


def test_a_key_that_cannot_be_read_fails_its_answer_in_words(context: Any, app_url: str,
                                                             mock: MockProviders) -> None:
    page = with_a_stored_key(context, app_url, "sk-stored-in-the-vault-0004")
    page.get_by_role("dialog", name="API keys").get_by_role("button", name="Close").click()
    mock.configure(pace=0.0)
    pick(page, {"openai": ["gpt-4o-mini"]})
    # The browser closed the database under the page (its site data cleared, say): every transaction fails.
    page.evaluate("""() => { IDBDatabase.prototype.transaction = function () {
        const closing = new DOMException("The database connection is closing.", "InvalidStateError");
        Error.captureStackTrace(closing);  // as the browser's own exceptions have a stack
        throw closing; }; }""")
    ask(page, "Which key?")
    answer = pane(page, "gpt-4o-mini (OpenAI)")
    expect(answer.locator(".answer-status")).to_have_text("Failed", timeout=UI_TIMEOUT)
    expect(answer).to_contain_text("Your OpenAI key could not be read: The browser closed this page's storage")
