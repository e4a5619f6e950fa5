"""The app through the production configuration: Debian's nginx with the project's nginx.conf, so the
CSP is enforced twice (header and meta tag), plus a GitHub-Pages-like host that sends no headers at all
under a sub-path (the meta tag alone).

Every page records `securitypolicyviolation` events from its first script on (an init script) and any
use of `Function(...)`, which is what the policy's script-src has to allow. One page load serves the
nginx tests; the sub-path test costs a second one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from scripts.buildlib import csp
from scripts.mock_providers import MockProviders

from switchboard.providers import get, ids
from tests.browser.conftest import RequestGuard, wait_ready
from tests.deploy.server import NginxServer

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(
  {directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, column: e.columnNumber}));
window.__function = [];
const RealFunction = Function;
window.Function = new Proxy(RealFunction, {
  apply(target, self, args) { window.__function.push(new Error().stack); return Reflect.apply(target, self, args); },
  construct(target, args) { window.__function.push(new Error().stack); return Reflect.construct(target, args); },
});
"""

# Runs in the app's own interpreter (boot.mjs's start() hands it out again).
IN_APP = """async (code) => {
  const boot = await import(new URL("./pyodide/boot.mjs", document.baseURI).href);
  const pyodide = await boot.start();
  return JSON.parse(await pyodide.runPythonAsync(code));
}"""

BLOCKED_ORIGIN = "https://llm.example.com"  # a remote custom endpoint the policy does not list

CUSTOM_ENDPOINT = f"""
import json
from switchboard import service
from switchboard.errors import ProviderError
from switchboard.http import HttpRequest
from switchboard.web.fetch import FetchTransport

out = {{}}
try:
    await FetchTransport().send(HttpRequest("GET", "{BLOCKED_ORIGIN}/v1/models"))
except ProviderError as exc:
    out["transport"] = [exc.kind, exc.code, exc.message]
try:
    await service.list_models(FetchTransport(), "openai-compatible", "", "{BLOCKED_ORIGIN}/v1")
except ProviderError as exc:
    out["service"] = [exc.kind, exc.message]
json.dumps(out)
"""


@pytest.fixture(scope="module")
def nginx() -> Iterator[NginxServer]:
    with NginxServer() as server:
        yield server


@pytest.fixture(scope="module")
def app(browser: Any, nginx: NginxServer) -> Iterator[tuple[Any, Any]]:
    """(page, navigation response) of the app served by nginx, started once for the module."""
    guard = RequestGuard()
    context = browser.new_context()
    context.add_init_script(WATCH)
    guard.attach(context)
    page = context.new_page()
    response = page.goto(nginx.url)
    wait_ready(page)
    yield page, response
    context.close()
    assert not guard.violations, f"requests left the machine: {guard.violations}"


def violations(page: Any) -> list[dict[str, Any]]:
    return list(page.evaluate("window.__csp"))


def test_app_starts_under_the_csp_header_and_meta_tag_without_violations(app: tuple[Any, Any]) -> None:
    page, response = app
    assert response.headers["content-security-policy"] == csp.header_policy()
    meta = page.locator('meta[http-equiv="Content-Security-Policy"]')
    assert meta.get_attribute("content") == csp.meta_policy()
    expect(page.get_by_role("textbox", name="Prompt", exact=True)).to_be_enabled()
    assert violations(page) == []


def test_nothing_builds_functions_from_strings_at_start_up(app: tuple[Any, Any]) -> None:
    """Why script-src needs no 'unsafe-eval': nothing builds a function from a string as the app starts."""
    page, _ = app
    assert page.evaluate("window.__function") == []


def test_pydantic_core_webassembly_loads_under_the_csp(app: tuple[Any, Any]) -> None:
    page, _ = app
    result = page.evaluate("""async () => {
      const pyodide = await (await import(new URL("./pyodide/boot.mjs", document.baseURI).href)).start();
      await pyodide.loadPackage("pydantic", {messageCallback: () => {}});
      return pyodide.runPython("import pydantic; str(pydantic.TypeAdapter(int).validate_python('7'))");
    }""")
    assert result == "7"
    assert violations(page) == []


def test_connect_src_admits_every_provider_and_local_models(app: tuple[Any, Any], mock: MockProviders) -> None:
    page, _ = app
    urls = [get(pid).default_base_url for pid in ids()]
    urls = [url for url in urls if url and "localhost" not in url]
    assert "https://api.openai.com/v1" in urls and len(urls) >= 10, urls  # the remote providers, not none
    urls += [f"http://localhost:{mock.http_port}/api/tags", f"http://127.0.0.1:{mock.http_port}/api/tags"]
    outcomes = page.evaluate("""async (urls) => Promise.all(urls.map((url) =>
      fetch(url, {mode: "no-cors", credentials: "omit"}).then(() => "answered", (e) => "failed: " + e)))""", urls)
    assert outcomes == ["answered"] * len(urls), dict(zip(urls, outcomes, strict=True))
    assert violations(page) == []


def test_remote_custom_endpoint_blocked_by_csp_says_so_and_how_to_fix(
    app: tuple[Any, Any], mock: MockProviders
) -> None:
    page, _ = app
    before = len(mock.requests)
    result = page.evaluate(IN_APP, CUSTOM_ENDPOINT)
    kind, code, message = result["transport"]
    assert (kind, code) == ("network", "csp")
    assert message == (
        f"The request to {BLOCKED_ORIGIN} was blocked by this site's Content-Security-Policy (connect-src); "
        f"to use {BLOCKED_ORIGIN}, add it to connect-src in nginx.conf / the meta tag — see docs/deploy.md."
    )
    kind, message = result["service"]
    assert kind == "network" and f"to use {BLOCKED_ORIGIN}, add it to connect-src" in message
    # The browser refused before any DNS lookup: nothing reached the network (the module's guard sees
    # no request at all, Playwright reports none) and each refusal was reported to the page.
    assert len(mock.requests) == before
    reported = violations(page)
    assert reported and all(
        v["directive"] == "connect-src" and v["blocked"].startswith(BLOCKED_ORIGIN) for v in reported
    ), reported
    page.evaluate("window.__csp.length = 0")


# What an HTML-injection bug would do, and a script trying to make itself a pass-through policy.
INJECT = """() => {
  const outcome = (write) => { try { write(); return "allowed"; } catch (e) { return e.name; } };
  return {
    html: outcome(() => { document.body.insertAdjacentHTML("beforeend", '<script type="py">print(1)</script>'); }),
    script_url: outcome(() => { document.createElement("script").src = "./boot.js"; }),
    default_policy: outcome(() => trustedTypes.createPolicy("default", {createHTML: (s) => s})),
    unnamed_policy: outcome(() => trustedTypes.createPolicy("mine", {createHTML: (s) => s})),
  };
}"""


def test_trusted_types_refuse_html_from_strings_and_unknown_policies(app: tuple[Any, Any]) -> None:
    """require-trusted-types-for 'script' under the header and meta policies (needs web/dom.py's set_html:
    the app itself must write HTML through the "switchboard-html" policy to get this far)."""
    page, response = app
    for policy in (response.headers["content-security-policy"], csp.meta_policy()):
        assert ("require-trusted-types-for 'script'; "
                "trusted-types switchboard-html switchboard-sw switchboard-inflate") in policy
    assert page.evaluate(INJECT) == {
        "html": "TypeError", "script_url": "TypeError", "default_policy": "TypeError", "unnamed_policy": "TypeError"
    }
    reported = {v["directive"] for v in violations(page)}
    assert reported == {"require-trusted-types-for", "trusted-types"}, violations(page)
    page.evaluate("window.__csp.length = 0")


def test_pages_like_host_without_headers_under_a_sub_path(
    browser: Any, serve_dist: Callable[..., str]
) -> None:
    """GitHub Pages sends no CSP header: the meta tag alone must let the app start, under /<repo>/."""
    url = serve_dist(base="/switchboard/")
    guard = RequestGuard()
    context = browser.new_context()
    context.add_init_script(WATCH)
    guard.attach(context)
    try:
        page = context.new_page()
        response = page.goto(url)
        assert "content-security-policy" not in response.headers
        wait_ready(page)
        expect(page.get_by_role("textbox", name="Prompt", exact=True)).to_be_enabled()
        assert violations(page) == []
        refused = "() => fetch('https://llm.example.com/').then(() => 'answered', () => 'refused')"
        assert page.evaluate(refused) == "refused"
        page.wait_for_function("() => window.__csp.length > 0")
        assert json.dumps(violations(page)).count("connect-src") >= 1
    finally:
        context.close()
    assert not guard.violations, guard.violations
