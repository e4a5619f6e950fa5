"""The hardening issue's page-level defects: tampered settings, typing lost in the keys dialog, and
listener proxies that grew with every re-render."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import wait_ready
from tests.browser.vault_helpers import (
    UI_TIMEOUT,
    button,
    close_keys,
    create_vault,
    expect_locked,
    lock,
    open_keys,
    row,
    row_message,
    status,
    unlock,
)

MASTER = "violet harbour 93 quietly"

# Each round leaves every remembered setting broken in one way, as tampering, an old version or a cut-off
# write could; the app must start, say so on the console, and open the vault as before.
ROUNDS = {
    "garbage": {"switchboard.autoLockMinutes": "soon", "switchboard.providers": "{not json",
                "switchboard.timeout.connect": "fast", "switchboard.timeout.idle": "[",
                "switchboard.model.openai": "gpt 4o\n"},
    "too large": {"switchboard.autoLockMinutes": str(7 * 24 * 60 + 1),
                  "switchboard.providers": '["openai"' + ', "openai"' * 5000 + "]",
                  "switchboard.timeout.connect": "1e309", "switchboard.timeout.idle": "99999",
                  "switchboard.model.openai": "m" * 5000},
    "wrong type": {"switchboard.autoLockMinutes": '"15"', "switchboard.providers": '{"openai": true}',
                   "switchboard.timeout.connect": "true", "switchboard.timeout.idle": "[120]",
                   "switchboard.model.openai": ""},
}
STORE = "(values) => { for (const [k, v] of Object.entries(values)) localStorage.setItem(k, v); }"


def test_tampered_settings_never_stop_the_app_or_the_vault(page: Page, app_url: str) -> None:
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page.goto(app_url)
    wait_ready(page)
    create_vault(page, MASTER)
    for name, values in ROUNDS.items():
        warnings.clear()
        page.evaluate(STORE, values)
        page.reload()
        wait_ready(page)  # fails the test if start-up failed
        unlock(page, MASTER)
        expect(page.get_by_label("Lock automatically after")).to_have_value("15")
        expect(page.get_by_label("Seconds to wait for a provider to answer")).to_have_value("30")
        expect(page.get_by_label("Seconds of silence before a stream is called stalled")).to_have_value("120")
        expect(page.get_by_role("checkbox", name="OpenAI", exact=True)).not_to_be_checked()
        told = [key for key in values if key != "switchboard.model.openai"
                and any(key in w and "default" in w for w in warnings)]
        assert told == [k for k in values if k != "switchboard.model.openai"], (name, warnings)
        lock(page)
    # A valid choice is remembered again over the garbage.
    unlock(page, MASTER)
    page.get_by_label("Lock automatically after").select_option(label="5 minutes")
    assert page.evaluate("() => localStorage.getItem('switchboard.autoLockMinutes')") == "5"


def test_a_key_typed_at_once_survives_the_dialog_refreshing(page: Page, app_url: str, context: Any) -> None:
    page.goto(app_url)
    wait_ready(page)
    # Create the vault and paste a key while it is still being created: its "unlocked" news arrives
    # while the dialog is open and must not empty the field.
    page.get_by_label("Master password", exact=True).fill(MASTER)
    page.get_by_label("Confirm master password", exact=True).fill(MASTER)
    button(page, "Create vault").click()
    dialog = open_keys(page)
    field = row(page, "openai").get_by_label("OpenAI API key", exact=True)
    field.fill("sk-pasted-at-once-0001")
    expect(dialog.locator("#keys-state")).to_have_text("Vault unlocked: saved keys are encrypted.",
                                                       timeout=UI_TIMEOUT)
    expect(field).to_have_value("sk-pasted-at-once-0001")
    button(row(page, "openai"), "Save key").click()
    expect(row_message(page, "openai")).to_have_text("Saved, encrypted.", timeout=UI_TIMEOUT)
    expect(status(page, "openai")).to_have_text("•••• 0001")

    # Another tab saves a key, then locks: this dialog updates statuses in place, keeping what is typed.
    half = row(page, "mistral").get_by_label("Mistral API key", exact=True)
    half.fill("half-typed-mistral-key")
    other = context.new_page()
    other.goto(app_url)
    wait_ready(other)
    unlock(other, MASTER)
    open_keys(other)
    row(other, "anthropic").get_by_label("Anthropic API key", exact=True).fill("sk-ant-from-the-other-tab-0002")
    button(row(other, "anthropic"), "Save key").click()
    expect(status(page, "anthropic")).to_have_text("•••• 0002", timeout=UI_TIMEOUT)
    expect(half).to_have_value("half-typed-mistral-key")
    close_keys(other)
    lock(other)
    expect_locked(page)
    expect(status(page, "openai")).to_have_text("No key")
    expect(half).to_have_value("half-typed-mistral-key")


CYCLE_KEYS_DIALOG = """async (n) => {
  const dialog = document.getElementById("keys-dialog");
  const until = async (ok, what) => {
    for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
    if (!ok()) throw new Error("timed out waiting for " + what);
  };
  for (let i = 0; i < n; i++) {
    document.getElementById("open-keys").click();
    await until(() => dialog.open && document.getElementById("key-status-openai")?.textContent, "open");
    dialog.querySelector("form[method=dialog] button").click();
    await until(() => !dialog.open && document.getElementById("keys-body").childElementCount === 0, "closed");
  }
}"""

LIVE = "() => window.SWITCHBOARD_LIVE_LISTENERS()"


def test_re_rendering_creates_no_lasting_listeners(page: Page, app_url: str) -> None:
    page.goto(app_url)
    wait_ready(page)
    create_vault(page, MASTER)
    open_keys(page)
    close_keys(page)
    for box in ("OpenAI", "Anthropic"):
        page.get_by_role("checkbox", name=box, exact=True).check()
        page.get_by_role("checkbox", name=box, exact=True).uncheck()
    before = page.evaluate(LIVE)
    assert before > 0  # the counter counts: the page's own listeners are alive

    page.evaluate(CYCLE_KEYS_DIALOG, 200)
    for _ in range(3):  # the vault panel re-renders each form
        lock(page)
        unlock(page, MASTER)
        button(page, "Export keys").click()
        button(page, "Cancel").click()
    for _ in range(20):  # model rows come and go
        page.get_by_role("checkbox", name="OpenAI", exact=True).check()
        page.get_by_role("checkbox", name="OpenAI", exact=True).uncheck()
    assert page.evaluate(LIVE) == before
