"""The first-run guide (issue 14) walked end to end in Chromium against the mock providers: a first visit shows
it, each step follows what the user does (vault, key, two answers, their cost), the last offers the saved
one-file copy, Skip hides it for good and Help brings it back.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page, expect
from scripts.mock_providers import MockProviders

from tests.browser.conftest import wait_ready
from tests.browser.test_ask_many import TIMEOUT, ask, pane, pick
from tests.browser.vault_helpers import UI_TIMEOUT, button, close_keys, create_vault, open_keys, random_key, save_key

MASTER = "guide walk: cobalt heron 4417 lantern"


def steps(page: Page) -> Locator:
    return page.get_by_role("region", name="Getting started").get_by_role("listitem")


def expect_step(page: Page, number: int) -> None:
    """Steps before `number` (1-based) say Done, `number` is the current one with its how-to shown."""
    items = steps(page)
    expect(items).to_have_count(4)
    for index in range(number - 1):
        expect(items.nth(index).locator(".guide-state")).to_have_text("Done", timeout=UI_TIMEOUT)
    if number <= 4:
        now = items.nth(number - 1)
        expect(now).to_have_attribute("aria-current", "step", timeout=UI_TIMEOUT)
        expect(now.locator(".guide-how")).to_be_visible()


def test_a_newcomer_is_guided_to_a_first_compared_and_priced_answer(context: Any, app_url: str,
                                                                    mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    page = context.new_page()
    page.goto(app_url)
    wait_ready(page)
    guide = page.get_by_role("region", name="Getting started")
    expect(guide).to_be_visible()
    expect_step(page, 1)
    expect(steps(page).first).to_contain_text("Create your key vault")

    create_vault(page, MASTER)
    expect_step(page, 2)
    expect(steps(page).nth(1)).to_contain_text("python3 scripts/mock_providers.py")

    open_keys(page)
    save_key(page, "openai", "OpenAI", random_key("sk-proj-"))
    close_keys(page)
    expect_step(page, 3)

    pick(page, {"openai": ["gpt-4o-mini", "gpt-4o"]})
    ask(page, "Guide me words-4")
    for label in ("gpt-4o-mini (OpenAI)", "gpt-4o (OpenAI)"):
        expect(pane(page, label).locator(".answer-meta")).to_contain_text("from the catalog", timeout=TIMEOUT)
    expect_step(page, 5)
    end = guide.get_by_role("link", name="Download for offline use")
    expect(end).to_be_visible()
    href = end.get_attribute("href")
    assert href == "./switchboard.html"
    status = page.evaluate("(url) => fetch(url, {method: 'HEAD'}).then(r => r.status)", href)
    assert status == 200

    button(page, "About").click()
    about = page.get_by_role("dialog", name="About Switchboard")
    expect(about.get_by_role("link", name="Download for offline use")).to_be_visible()
    expect(about).to_contain_text(" MB, the sha256 above")
    about.get_by_role("button", name="Close").click()

    guide.get_by_role("button", name="Skip the guide").click()
    expect(guide).to_be_hidden()
    page.reload()
    wait_ready(page)
    page.wait_for_timeout(300)  # the guide decides just after start-up
    expect(guide).to_be_hidden()
    button(page, "Help").click()
    help_dialog = page.get_by_role("dialog", name="Help")
    expect(help_dialog).to_contain_text("Ctrl")
    help_dialog.get_by_role("button", name="Show the getting-started guide").click()
    expect(help_dialog).to_be_hidden()
    expect(guide).to_be_visible()
    expect_step(page, 5)  # locked now: the vault and the runs in history still count
