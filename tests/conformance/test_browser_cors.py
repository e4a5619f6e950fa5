"""A real Chromium, mapped to the mock with --host-resolver-rules, sees the mock's CORS answers the way
it would see the providers': fetch succeeds where they admit the call and fails with a TypeError (the
opaque "Failed to fetch") where they refuse it. One browser, one page, a handful of fetches."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from scripts.mock_providers import MockProviders

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

FETCH = """async ([url, init]) => {
  try {
    const r = await fetch(url, init);
    const text = await r.text();
    return {ok: true, status: r.status, text};
  } catch (e) { return {ok: false, error: e.name + ': ' + e.message}; }
}"""


@pytest.fixture(scope="module")
def browser_page(_mock_server: MockProviders) -> Iterator[Any]:
    if not (shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, *_mock_server.chromium_args])
        page = browser.new_context().new_page()
        page.goto(_mock_server.http_url + "/__mock/health")  # the page's origin: http://127.0.0.1:PORT
        yield page
        browser.close()


def fetch(
    page: Any, url: str, method: str = "GET", headers: dict[str, str] | None = None, body: str | None = None
):
    init: dict[str, Any] = {"method": method, "headers": headers or {}}
    if body is not None:
        init["body"] = body
    return page.evaluate(FETCH, [url, init])


CHAT = '{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"from the browser"}]}'


def test_openai_over_tls_and_its_bare_401(mock: MockProviders, browser_page: Any) -> None:
    ok = fetch(browser_page, "https://api.openai.com/v1/models", headers={"Authorization": "Bearer sk-good"})
    assert ok["ok"] and ok["status"] == 200
    streamed = fetch(
        browser_page,
        "https://api.openai.com/v1/chat/completions",
        "POST",
        {"Authorization": "Bearer sk-good", "Content-Type": "application/json"},
        CHAT,
    )
    assert streamed["ok"] and streamed["text"].rstrip().endswith("data: [DONE]")
    assert "Mock openai reply to: from the browser" in "".join(
        json.loads(line[6:])["choices"][0]["delta"].get("content", "")
        for line in streamed["text"].splitlines() if line.startswith("data: {")
    )  # fmt: skip
    bad = fetch(browser_page, "https://api.openai.com/v1/models", headers={"Authorization": "Bearer sk-bad"})
    assert not bad["ok"] and bad["error"].startswith("TypeError")  # the 401 has no CORS headers
    assert mock.last("openai")["status"] == 401  # it did reach the server


def test_gemini_allow_list_in_the_browser(mock: MockProviders, browser_page: Any) -> None:
    url = "https://generativelanguage.googleapis.com/v1beta/models"
    assert fetch(browser_page, url, headers={"x-goog-api-key": "AIza-good"})["status"] == 200
    refused = fetch(browser_page, url, headers={"x-goog-api-key": "AIza-good", "Authorization": "Bearer x"})
    assert not refused["ok"] and refused["error"].startswith("TypeError")
    assert mock.last("gemini", preflight=True)["refused_headers"] == ["authorization"]


def test_anthropic_needs_the_opt_in_header(mock: MockProviders, browser_page: Any) -> None:
    url = "https://api.anthropic.com/v1/models"
    headers = {"x-api-key": "k", "anthropic-version": "2023-06-01"}
    assert not fetch(browser_page, url, headers=headers)["ok"]
    ok = fetch(browser_page, url, headers={**headers, "anthropic-dangerous-direct-browser-access": "true"})
    assert ok["ok"] and ok["status"] == 200


def test_openrouter_refuses_openai_beta(browser_page: Any) -> None:
    url = "https://openrouter.ai/api/v1/models"
    assert fetch(browser_page, url)["status"] == 200  # public, no preflight needed
    assert not fetch(browser_page, url, headers={"OpenAI-Beta": "assistants=v2"})["ok"]


def test_ollama_on_localhost(mock: MockProviders, browser_page: Any) -> None:
    got = fetch(browser_page, f"http://localhost:{mock.http_port}/api/tags")  # cross-origin from 127.0.0.1
    assert got["ok"] and got["status"] == 200
    assert mock.last("ollama")["headers"]["origin"] == mock.http_url
