"""A browser lacking what the app relies on is told so in words: Chromium with features removed before
the page runs, as an older or stricter browser would lack them (public/boot.js, web/capabilities.py)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from switchboard.capabilities import BY_NAME, assess
from tests.browser.conftest import READY, wait_ready
from tests.browser.vault_helpers import UI_TIMEOUT, create_vault, message

NO_WEB_CRYPTO = "Object.defineProperty(Crypto.prototype, 'subtle', {get() { return undefined; }});"
NO_BROADCAST = "delete window.BroadcastChannel;"
NO_PERSIST = "delete StorageManager.prototype.persist;"


def _failed_with(page: Any, missing: list[str]) -> None:
    page.wait_for_function(READY, timeout=90_000)
    expected = assess(missing).fatal
    assert expected is not None
    assert page.evaluate("window.SWITCHBOARD_BOOT_ERROR") == expected
    expect(page.get_by_role("alert")).to_contain_text(expected)
    expect(page.get_by_role("button", name="Create vault")).to_have_count(0)


def test_without_web_crypto_the_app_does_not_start_and_says_why(page: Any, app_url: str) -> None:
    page.add_init_script(NO_WEB_CRYPTO)
    page.goto(app_url)
    _failed_with(page, ["crypto.subtle"])


def test_without_broadcast_channel_python_is_not_even_loaded_and_it_says_why(page: Any, app_url: str) -> None:
    page.add_init_script(NO_BROADCAST)
    page.goto(app_url)
    _failed_with(page, ["BroadcastChannel"])


def test_without_storage_persist_it_says_so_and_works(page: Any, app_url: str) -> None:
    page.add_init_script(NO_PERSIST)
    page.goto(app_url)
    wait_ready(page)
    assert page.evaluate("[...window.SWITCHBOARD_MISSING]") == ["navigator.storage.persist"]
    expect(page.locator("#browser-notice")).to_contain_text(BY_NAME["navigator.storage.persist"].words)
    create_vault(page, "harbor lantern 58 quietly")
    expect(message(page)).to_have_text(
        "This browser may clear site data when space runs low: export your keys as a backup.", timeout=UI_TIMEOUT)
