"""The harness itself: provider hosts reach the loopback mock under their real URLs, all else fails."""

from __future__ import annotations

from typing import Any

from scripts.mock_providers import MockProviders

from tests.browser.conftest import RequestGuard

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
    # The guard caught the stray request; clear it so this deliberate one does not fail the test.
    assert guard.violations == ["https://example.org/"]
    guard.violations.clear()
