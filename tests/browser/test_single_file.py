"""The saved copy, dist/switchboard.html, opened from disk: the whole app with no server and no network.

Playwright opens it through file://, creates a vault, saves a key, reloads and unlocks: every request it
makes is the file itself, a blob: or a data: URL. Only "Test key" then reaches the provider (the mock,
through Chromium's host mapping), which the saved copy's Content-Security-Policy must allow.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from scripts.buildlib import single

from tests.browser.test_a11y import BG, DARK, THEME_WATCH

READY = "() => window.SWITCHBOARD_READY === true || window.SWITCHBOARD_BOOT_ERROR !== undefined"
PASSWORD = "Tangerine-orbit-quartz-5819-velvet"
KEY = "sk-proj-savedcopy0123456789abcdefWXYZ"
UI_TIMEOUT = 30_000  # ms: one PBKDF2 run on a loaded 2-core machine, with margin
START_TIMEOUT = 120_000  # ms: a Python start on that machine
# Every Content-Security-Policy violation and console error, recorded from before the page's own scripts.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
"""


class Recorder:
    def __init__(self, context: Any) -> None:
        self.urls: list[str] = []
        self.errors: list[str] = []
        context.on("request", lambda r: self.urls.append(r.url))
        context.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        context.on("weberror", lambda e: self.errors.append(str(e.error)))


@pytest.fixture
def saved_context(browser: Any) -> Iterator[tuple[Any, Recorder]]:
    context = browser.new_context()
    context.add_init_script(WATCH)
    yield context, Recorder(context)
    context.close()


@pytest.fixture(scope="module")
def saved_copy(dist: Path) -> Path:
    path = dist / single.OUTPUT
    if not path.exists():
        pytest.fail("dist/switchboard.html is not built: run python3 scripts/build.py")
    return path


@pytest.fixture
def unguarded_context(browser: Any) -> Iterator[tuple[Any, Recorder]]:
    """A context whose pages may do what the saved copy's CSP forbids them (fetch a blob: URL), for probing."""
    context = browser.new_context(bypass_csp=True)
    yield context, Recorder(context)
    context.close()


def wait_ready(page: Any) -> None:
    page.wait_for_function(READY, timeout=START_TIMEOUT)
    assert page.evaluate("() => window.SWITCHBOARD_BOOT_ERROR") is None


def test_saved_copy_keeps_a_vault_and_a_key_across_a_reload(saved_copy: Path, saved_context: Any) -> None:
    context, seen = saved_context
    page = context.new_page()
    page.goto(saved_copy.as_uri())
    wait_ready(page)
    expect(page.get_by_role("textbox", name="Prompt", exact=True)).to_be_enabled()

    page.get_by_label("Master password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm master password").fill(PASSWORD)
    page.get_by_role("button", name="Create vault").click()
    expect(page.locator("#vault-summary")).to_contain_text("Unlocked", timeout=UI_TIMEOUT)
    page.get_by_role("button", name="API keys").click()
    dialog = page.get_by_role("dialog", name="API keys")
    dialog.get_by_label("OpenAI API key").fill(KEY)
    row = dialog.locator('form[data-provider="openai"]')
    row.get_by_role("button", name="Save key").click()
    expect(row).to_contain_text("Saved, encrypted.", timeout=UI_TIMEOUT)

    page.reload()
    wait_ready(page)
    page.get_by_label("Master password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#vault-summary")).to_contain_text("Unlocked", timeout=UI_TIMEOUT)
    page.get_by_role("button", name="API keys").click()
    expect(row.locator(".key-status")).to_have_text(re.compile(r"•+ ?" + KEY[-4:]), timeout=UI_TIMEOUT)

    elsewhere = [u for u in seen.urls if not u.startswith(("file:", "blob:", "data:"))]
    assert elsewhere == [], elsewhere
    assert seen.urls.count(saved_copy.as_uri()) == 2, seen.urls  # the file itself, once per load
    assert page.evaluate("() => window.__violations") == []
    assert seen.errors == []

    # The one way out of the file: a provider, allowed by connect-src, answering an origin-null page.
    before = len(seen.urls)
    row.get_by_role("button", name="Test key").click()
    expect(row).to_contain_text("The key works", timeout=UI_TIMEOUT)
    hosts = {urlsplit(u).hostname for u in seen.urls[before:]}
    assert hosts == {"api.openai.com"}, seen.urls[before:]
    assert page.evaluate("() => window.__violations") == []

    # Trusted Types: HTML from a plain string is refused; the app's own went through "switchboard-html".
    refused = page.evaluate("""() => { try { document.body.insertAdjacentHTML("beforeend", "<b>x</b>");
                                        return "allowed"; } catch (e) { return e.name; } }""")
    assert refused == "TypeError"


def test_saved_copy_shows_why_it_could_not_start(saved_copy: Path, saved_context: Any, tmp_path: Path) -> None:
    # A copy whose embedded app wheel no longer matches its sha256 in the embedded pyodide-lock.json.
    broken = tmp_path / "switchboard.html"
    shutil.copy(saved_copy, broken)
    text = broken.read_text()
    start = re.search(r'data-path="pyodide/switchboard-[^"]+\.whl"[^>]*>', text)
    assert start, "no embedded app wheel"
    at = start.end() + 4000  # a base64 character well inside the wheel's block
    broken.write_text(text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1:])

    context, _ = saved_context
    page = context.new_page()
    page.goto(broken.as_uri())
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible(timeout=START_TIMEOUT)
    expect(alert).to_contain_text("could not start")
    expect(page.locator("#boot-error-reason")).to_contain_text("Switchboard package did not load")
    expect(page.get_by_role("textbox", name="Prompt", exact=True)).to_be_disabled()


def test_saved_copy_revokes_its_blob_urls_and_shows_its_build(
    saved_copy: Path, dist: Path, unguarded_context: Any
) -> None:
    context, seen = unguarded_context
    page = context.new_page()
    page.goto(saved_copy.as_uri())
    wait_ready(page)
    # Pyodide's two modules were imported from blob: URLs; once imported, nothing can read them again.
    blobs = [url for url in seen.urls if url.startswith("blob:")]
    assert len(blobs) == 2, seen.urls
    outcomes = page.evaluate("""async (urls) => Promise.all(urls.map((url) =>
        fetch(url).then(() => "readable", () => "revoked")))""", blobs)
    assert outcomes == ["revoked", "revoked"]

    # The file cannot carry its own sha256: its About box names its build, whose site shows the sha256.
    build = json.loads((dist / "build.json").read_text())["build"]
    page.get_by_role("button", name="About").click()
    about = page.get_by_role("dialog", name="About Switchboard")
    expect(about.locator("#about-build")).to_have_text(build)
    expect(about.locator("#about-saved-copy")).to_contain_text(f"a saved copy of build {build}")
    assert hashlib.sha256(saved_copy.read_bytes()).hexdigest() not in about.inner_text()


def test_saved_copy_has_the_remembered_theme_from_its_first_paint(saved_copy: Path, saved_context: Any) -> None:
    context, recorder = saved_context
    context.add_init_script(THEME_WATCH)
    page = context.new_page()
    page.emulate_media(color_scheme="light")
    page.goto(saved_copy.as_uri(), wait_until="domcontentloaded")
    page.evaluate("() => localStorage.setItem('switchboard.theme', JSON.stringify('dark'))")
    page.reload(wait_until="domcontentloaded")
    early = page.evaluate("() => [document.documentElement.dataset.theme, window.THEMED_WITH_BODY]")
    assert early == ["dark", False], early  # before the body, so before the first paint
    assert page.evaluate(BG) == DARK
    assert page.evaluate("() => window.__violations") == []  # the policy allows the theme script by its hash
    assert recorder.errors == []
