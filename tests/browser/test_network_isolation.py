"""The harness itself: provider hosts reach the loopback mock under their real URLs, all else fails."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from scripts.mock_providers import MockProviders

from tests.browser.conftest import RequestGuard, is_allowed

PROBE = """async () => {
  const status = (url, init) => fetch(url, init).then((r) => r.status, (e) => "failed: " + e.name);
  return {
    provider: await status("https://api.openai.com/v1/models", {headers: {Authorization: "Bearer sk-test"}}),
    elsewhere: await status("https://example.org/"),
  };
}"""


def test_provider_host_reaches_mock_and_any_other_host_fails(
    page: Any, app_url: str, mock: MockProviders, guard: RequestGuard
) -> None:
    page.goto(app_url, wait_until="domcontentloaded")
    before = len(mock.requests)
    result = page.evaluate(PROBE)
    assert result == {"provider": 200, "elsewhere": "failed: TypeError"}
    seen = [(r["provider"], r["port"], r["path"]) for r in mock.requests[before:]]
    assert ("openai", "https", "/v1/models") in seen
    assert any(url.startswith("https://api.openai.com/") for url in guard.seen)
    # Chromium may fail an unresolvable host before it reports a request; when it does report one,
    # the guard must flag it. Clear it afterwards so this deliberate one does not fail the test.
    stray = [url for url in guard.seen if urlsplit(url).hostname == "example.org"]
    assert guard.violations == stray
    guard.violations.clear()


def test_guard_allows_only_loopback_mapped_providers_and_local_schemes() -> None:
    allowed = ["http://127.0.0.1:8000/", "http://localhost:11434/api/chat", "https://api.anthropic.com/v1/messages",
               "https://generativelanguage.googleapis.com/v1beta/models", "data:text/plain,x", "blob:http://127.0.0.1/x"]
    refused = ["https://example.org/", "https://cdn.example.net/pyodide/pyodide.mjs",
               "http://10.0.0.1/", "https://api.openai.com.evil.test/v1", "wss://openrouter.ai.example/"]
    assert all(is_allowed(url) for url in allowed)
    assert not any(is_allowed(url) for url in refused)
