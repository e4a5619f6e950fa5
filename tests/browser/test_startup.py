"""The app starts from static files: shell first, Python next, failures shown, nothing from elsewhere."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import RequestGuard, wait_ready


def test_shell_paints_disabled_then_prompt_enables_when_python_is_ready(page: Any, app_url: str) -> None:
    page.goto(app_url, wait_until="domcontentloaded")
    prompt = page.get_by_role("textbox", name="Prompt", exact=True)
    # The layout is there before Python: header, compose, providers, history, progress.
    expect(prompt).to_be_disabled()
    expect(page.get_by_role("button", name="History")).to_be_visible()
    expect(page.get_by_role("group", name="Providers")).to_be_visible()
    progress = page.get_by_role("status").filter(has=page.get_by_role("progressbar", name="Start-up progress"))
    expect(progress).to_contain_text("Starting")
    wait_ready(page)
    expect(prompt).to_be_enabled()
    expect(progress).to_be_hidden()


def test_about_shows_versions_the_build_and_the_saved_copys_sha256(page: Any, app_url: str, dist: Path) -> None:
    page.goto(app_url)
    wait_ready(page)
    page.get_by_role("button", name="About").click()
    about = page.get_by_role("dialog", name="About Switchboard")
    expect(about).to_be_visible()
    expect(about.locator("#about-python-version")).to_have_text(re.compile(r"^3\.14\.\d+$"))
    expect(about.locator("#about-pyodide-version")).to_have_text("314.0.7")
    expect(about.locator("#about-app-version")).to_have_text(re.compile(r"^\d+\.\d+\.\d+$"))
    # What a user compares a saved copy they were sent with (docs/deploy.md, "Saved copy").
    expect(about.locator("#about-build")).to_have_text(json.loads((dist / "build.json").read_text())["build"])
    saved = hashlib.sha256((dist / "switchboard.html").read_bytes()).hexdigest()
    expect(about.locator("#about-saved-copy")).to_have_text(saved)


def test_every_request_stays_on_the_app_origin(page: Any, app_url: str, guard: RequestGuard) -> None:
    page.goto(app_url)
    wait_ready(page)
    origin = app_url.rstrip("/")
    assert guard.seen, "the guard saw no requests at all"
    assert all(url.startswith(origin) for url in guard.seen), guard.seen


def test_app_works_under_a_sub_path(page: Any, serve_dist: Callable[..., str]) -> None:
    url = serve_dist(base="/switchboard/")
    page.goto(url)
    wait_ready(page)
    expect(page.get_by_role("textbox", name="Prompt", exact=True)).to_be_enabled()


def test_start_up_failure_is_shown_with_its_reason(
    page: Any, serve_dist: Callable[..., str], dist: Path, tmp_path: Path
) -> None:
    # A copy of dist/ whose app wheel no longer matches the hash in pyodide-lock.json.
    broken = tmp_path / "dist"
    shutil.copytree(dist, broken, symlinks=True)
    lock = json.loads((broken / "pyodide" / "pyodide-lock.json").read_text())
    wheel = broken / "pyodide" / lock["packages"]["switchboard"]["file_name"]
    wheel.write_bytes(wheel.read_bytes() + b"tampered")
    page.goto(serve_dist(directory=broken))
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible(timeout=90_000)
    expect(alert).to_contain_text("could not start")
    reason = page.locator("#boot-error-reason")
    expect(reason).to_contain_text("Switchboard package did not load")
    expect(page.get_by_role("textbox", name="Prompt", exact=True)).to_be_disabled()
