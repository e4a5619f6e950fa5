"""Two tabs of one browser: a setting changed in one holds in the other, which had kept what it read at start."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.test_ask_many import pick
from tests.browser.test_budgets import close, set_limits
from tests.browser.test_history import fresh


def stored(page: Page, key: str) -> Any:
    raw = page.evaluate(f"() => localStorage.getItem({json.dumps(key)})")
    return None if raw is None else json.loads(raw)


def test_settings_changed_in_one_tab_hold_in_the_other(context: Any, app_url: str) -> None:
    first, second = fresh(context, app_url), fresh(context, app_url)

    # Picked models: the other tab's Send asks what is stored, so its chips must show that (they showed
    # only what it had drawn itself: a model added elsewhere was asked without being shown).
    for page in (first, second):
        pick(page, {"openai": ["gpt-4o-mini"]})
    pick(first, {"openai": ["gpt-4o-mini", "o1-pro"]})
    expect(second.locator('.model-row[data-slot="openai"] .model-chips li')).to_have_count(2)
    expect(second.locator('.model-row[data-slot="openai"] .model-chips')).to_contain_text("o1-pro")

    # "Keep history" off in one tab: the other stops saving too (it went on saving every run).
    first.get_by_role("button", name="History", exact=True).click()
    history = first.get_by_role("dialog", name="History")
    history.get_by_text("Export, import and storage").click()
    history.get_by_label("Keep history").uncheck()
    expect(second.locator("#history-keep")).not_to_be_checked()
    history.get_by_label("Keep history").check()
    expect(second.locator("#history-keep")).to_be_checked()
    history.get_by_role("button", name="Close", exact=True).click()

    # Budgets: a dialog left open in one tab saves its own edits over the limits another tab set meanwhile,
    # not the whole form as it was drawn.
    close(set_limits(first, {}))
    second.get_by_role("button", name="Budgets", exact=True).click()
    dialog = second.get_by_role("dialog", name="Budgets")
    expect(dialog).to_be_visible()
    close(set_limits(first, {"Daily limit (USD)": "5"}))
    dialog.get_by_role("textbox", name="Monthly limit (USD)", exact=True).fill("50")
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(dialog.locator("#budgets-message")).to_contain_text("Saved.")
    limits = stored(second, "switchboard.budgets")
    assert (limits["daily"], limits["monthly"]) == ("5", "50")
    expect(dialog.get_by_role("textbox", name="Daily limit (USD)", exact=True)).to_have_value("5")
    close(dialog)
    close(set_limits(first, {}))

    # The theme and the single-key shortcut's box follow too.
    first.get_by_label("Theme").select_option("dark")
    expect(second.locator("html")).to_have_attribute("data-theme", "dark")
    first.get_by_label("Theme").select_option("system")
    expect(second.locator("html")).not_to_have_attribute("data-theme", "dark")
