"""The network ledger (issue 13) in Chromium against the loopback mock: each kind of request with its cause and
no secret, a fetch made outside our transport flagged, none outside the page's allowed hosts, JSON export, and
About's allowed hosts and verify line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from scripts.mock_providers import MockProviders

from tests.browser.test_ask_many import TIMEOUT, ask, pane, pick
from tests.browser.vault_helpers import UI_TIMEOUT, add_session_keys, button, row, row_message

LAST4 = "7391"
KEY = f"sk-openai-session-test-{LAST4}"


@pytest.fixture(scope="module")
def app(shared_page: Page) -> Iterator[Page]:
    add_session_keys(shared_page, {"openai": "OpenAI"}, LAST4)
    yield shared_page


def network_rows(page: Page) -> list[list[str]]:
    button(page, "Network").click()
    dialog = page.get_by_role("dialog", name="Network")
    expect(dialog).to_be_visible()
    rows = [[cell.strip() for cell in r.locator("td").all_inner_texts()] for r in dialog.locator("tbody tr").all()]
    return rows


def close(page: Page) -> None:
    page.get_by_role("dialog", name="Network").get_by_role("button", name="Close").click()


def test_each_kind_of_request_is_listed_with_its_cause_and_no_secret(app: Page, mock: MockProviders,
                                                                    tmp_path: Path) -> None:
    mock.configure(pace=0.0, scenario="ok")
    button(app, "API keys").click()
    button(row(app, "openai"), "Test key").click()
    expect(row_message(app, "openai")).to_have_text("The key works: OpenAI accepted it.", timeout=UI_TIMEOUT)
    app.keyboard.press("Escape")
    pick(app, {"openai": ["gpt-4o-mini"]})
    app.locator('.model-row[data-slot="openai"]').get_by_role("button", name="List models").click()
    expect(app.locator('.model-row[data-slot="openai"]')).to_contain_text("models listed", timeout=TIMEOUT)
    ask(app, "Ledger check words-3")
    expect(pane(app, "gpt-4o-mini (OpenAI)").locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    button(app, "Prices").click()
    prices = app.get_by_role("dialog", name="Prices")
    prices.get_by_role("button", name="Refresh from OpenRouter").click()
    expect(prices.locator("#prices-changes")).to_contain_text("Fetched OpenRouter's list:", timeout=TIMEOUT)
    app.keyboard.press("Escape")

    rows = network_rows(app)
    by_cause = {r[8]: r for r in rows}
    assert {"answer", "model list", "key test", "price refresh", "app file"} <= set(by_cause), rows
    assert by_cause["price refresh"][2:6] == ["GET", "openrouter.ai", "/api/v1/models", "200"]
    answer = by_cause["answer"]
    assert answer[2:6] == ["POST", "api.openai.com", "/v1/chat/completions", "200"] and answer[9] == ""
    assert answer[6].startswith("↑") and "↓" in answer[6]
    assert by_cause["model list"][2:6] == ["GET", "api.openai.com", "/v1/models", "200"]
    assert by_cause["key test"][3] == "api.openai.com"
    dialog = app.get_by_role("dialog", name="Network")
    expect(dialog.get_by_role("status")).to_contain_text("None to a host outside this page's allowed list.")
    assert KEY not in dialog.inner_text()
    assert not [r for r in rows if r[9]], f"flagged rows: {[r for r in rows if r[9]]}"

    with app.expect_download() as download:
        dialog.get_by_role("button", name="Export JSON").click()
    path = tmp_path / "ledger.json"
    download.value.save_as(path)
    data = path.read_bytes()
    assert KEY.encode() not in data
    document = json.loads(data)
    assert document["format"] == "switchboard-network-ledger"
    assert {r["cause"] for r in document["requests"]} >= {"answer", "model list", "key test", "price refresh"}
    assert all(not r["flags"] for r in document["requests"])
    close(app)


def test_a_fetch_outside_our_transport_is_listed_and_flagged(app: Page) -> None:
    app.evaluate("fetch('https://api.openai.com/v1/models?key=not-ours-secret', {mode: 'no-cors'}).catch(() => 0)")
    app.wait_for_function("performance.getEntriesByName('https://api.openai.com/v1/models?key=not-ours-secret')"
                          ".length > 0")
    rows = network_rows(app)
    flagged = [r for r in rows if r[9]]
    assert len(flagged) == 1, rows
    assert flagged[0][3:5] == ["api.openai.com", "/v1/models?key=…"]
    assert flagged[0][9] == "not made through Switchboard's transport" and flagged[0][8] == "other"
    expect(app.get_by_role("dialog", name="Network").get_by_role("status")).to_contain_text(
        "1 made outside Switchboard's transport.")
    assert "not-ours-secret" not in app.get_by_role("dialog", name="Network").inner_text()
    close(app)


def test_about_says_which_hosts_this_page_may_reach_and_how_to_verify_it(app: Page, app_url: str) -> None:
    button(app, "About").click()
    about = app.get_by_role("dialog", name="About Switchboard")
    hosts = about.get_by_role("list", name="What this page may reach").get_by_role("listitem").all_inner_texts()
    origin = app_url.rstrip("/")
    assert hosts[0] == f"this site ({origin})"
    assert {"api.openai.com", "api.anthropic.com", "openrouter.ai"} <= set(hosts)
    assert "localhost (any port)" in " ".join(hosts) or "http://localhost (any port)" in hosts
    expect(about).to_contain_text(f"python3 scripts/verify.py {app_url}")
    about.get_by_role("button", name="Close").click()
