"""The app starts from static files: shell first, Python next, failures shown, nothing from elsewhere.

Python starts from the build's memory snapshot; whatever is wrong with the snapshot, the app starts
the normal way instead, says why in the console, and works.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from scripts.buildlib import snapshot

from tests.browser.conftest import RequestGuard, wait_ready

BOTH_BOOTS = True  # conftest: every test here that uses app_url runs with the snapshot and the normal boot
FALLBACK = "starting Python without its start-up snapshot"
KEPT = "() => performance.getEntriesByName('switchboard:snapshot-kept').length > 0"
# pyodide/snapshot.mjs's cache of the inflated snapshot: its one key, or every key when `all`.
KEPT_KEYS = """async (all) => {
  const name = (await caches.keys()).find((n) => n.startsWith("switchboard-snapshot "));
  const keys = name ? (await (await caches.open(name)).keys()).map((r) => r.url) : [];
  return all ? keys : keys[0];
}"""


def test_shell_paints_disabled_then_prompt_enables_when_python_is_ready(page: Any, app_url: str) -> None:
    # Python is held back (its wasm answered only once the shell is checked): a restored Python is up
    # in about a second, which could be before the checks below have run.
    held: list[Any] = []
    page.route("**/pyodide.asm.wasm", lambda route: held.append(route))
    page.goto(app_url, wait_until="domcontentloaded")
    prompt = page.get_by_role("textbox", name="Prompt", exact=True)
    # The layout is there before Python: header, compose, providers, history, progress.
    expect(prompt).to_be_disabled()
    expect(page.get_by_role("button", name="History")).to_be_visible()
    expect(page.get_by_role("group", name="Providers")).to_be_visible()
    progress = page.locator("#boot")
    expect(progress).to_have_role("status")
    expect(progress).to_contain_text("Starting")
    # The runtime is asked for once the shell has painted (boot.js): wait for that, not for a set time.
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "Python's wasm was never asked for"
    for route in held:
        route.continue_()
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
    origin = "{0.scheme}://{0.netloc}/".format(urlsplit(app_url))
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


def _snapshot_file(dist: Path) -> Path:
    (path,) = (dist / "pyodide").glob("snapshot-*.bin")
    return path


def _replace(dist: Path, data: bytes) -> None:
    """Put `data` in place of dist's snapshot with its sha256 where boot.mjs checks it, so that the
    file passes the integrity check and what is wrong with it is met further on."""
    path = _snapshot_file(dist)
    old = "sha256-" + base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()
    new = "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()
    path.write_bytes(data)
    boot = dist / "pyodide" / "boot.mjs"
    assert old in boot.read_text(), "boot.mjs does not name the snapshot's sha256"
    boot.write_text(boot.read_text().replace(old, new))


def _packed(dist: Path) -> bytearray:
    """dist's snapshot inflated (still without its zero pages: scripts/buildlib/snapshot.py)."""
    return bytearray(gzip.decompress(_snapshot_file(dist).read_bytes()))


def _flip_a_byte(dist: Path) -> None:
    path = _snapshot_file(dist)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _not_gzip(dist: Path) -> None:
    _replace(dist, bytes(_packed(dist)))


def _another_build_of_pyodide(dist: Path) -> None:
    packed = _packed(dist)
    packed[16:48] = bytes(32)  # the header's BUILD_ID
    _replace(dist, gzip.compress(bytes(packed), mtime=0))


def _not_pythons_heap(dist: Path) -> bytes:
    """dist's snapshot inflated, with Pyodide's header kept and the heap's pages replaced by noise."""
    packed = bytes(_packed(dist))
    heap_bytes = json.loads(re.search(r"const SNAPSHOT = (\{.*?\});", (dist / "pyodide" / "boot.mjs").read_text())
                            .group(1))["heapBytes"]  # type: ignore[union-attr]
    raw = bytearray(snapshot.unpack(packed, heap_bytes))
    offset, _, _ = snapshot.header(bytes(raw))
    raw[offset:] = hashlib.sha256(b"noise").digest() * ((len(raw) - offset) // 32)
    return snapshot.pack(bytes(raw))


def _a_heap_that_is_not_pythons(dist: Path) -> None:
    _replace(dist, gzip.compress(_not_pythons_heap(dist), mtime=0))


BREAKAGES: dict[str, Callable[[Path], None]] = {
    "missing": lambda dist: _snapshot_file(dist).unlink(),
    "one byte changed": _flip_a_byte,
    "not gzip": _not_gzip,
    "another build of Pyodide": _another_build_of_pyodide,
    "a heap that is not Python's": _a_heap_that_is_not_pythons,
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_broken_snapshot_falls_back_to_the_normal_boot_and_the_app_works(
    page: Any, serve_dist: Callable[..., str], dist: Path, tmp_path: Path, breakage: str
) -> None:
    broken = tmp_path / "dist"
    shutil.copytree(dist, broken, symlinks=True)
    BREAKAGES[breakage](broken)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.goto(serve_dist(directory=broken))
    wait_ready(page, boot="snapshot failed")
    assert any(line.startswith("warning: Switchboard: " + FALLBACK) for line in console), console
    # Bytes Python did not restore from are not kept for the next start (the worker keeps them only on
    # the page's word that they restored).
    assert page.evaluate(KEPT_KEYS, True) == []
    # The user sees nothing of it: no alert, the first screen usable, Python there and the app in it.
    expect(page.get_by_role("alert")).to_be_hidden()
    expect(page.get_by_role("textbox", name="Prompt", exact=True)).to_be_enabled()
    page.get_by_role("button", name="About").click()
    expect(page.locator("#about-python-version")).to_have_text(re.compile(r"^3\.14\.\d+$"))


def test_a_restored_python_draws_its_own_random_numbers(page: Any, app_url: str, boot: str) -> None:
    """Every restore starts from the same heap: `random` is reseeded each time, so two loads differ."""
    draws = []
    for _ in range(2):
        page.goto(app_url)
        wait_ready(page)
        draws.append(page.evaluate("""async () => {
          const pyodide = await (await import(new URL("./pyodide/boot.mjs", document.baseURI).href)).start();
          return pyodide.runPython("import random; str(random.getrandbits(64))");
        }"""))
    assert draws[0] != draws[1], f"{boot} boot: the same random numbers in two page loads"


def _first_start(page: Any, url: str) -> str:
    """Start the app for the first time in this context; the URL of the inflated snapshot it kept."""
    asked: list[str] = []
    page.context.on("request", lambda request: asked.append(request.url))
    page.goto(url)
    wait_ready(page)
    assert page.evaluate("document.documentElement.dataset.snapshot") == "downloaded"
    assert [url for url in asked if "/snapshot-" in url], asked  # the worker's download is seen
    page.wait_for_function(KEPT, timeout=30_000)
    key: str = page.evaluate(KEPT_KEYS, False)
    assert key.endswith(".bin.inflated"), key
    return key


def test_the_next_start_restores_the_kept_snapshot_without_downloading_it(
        page: Any, context: Any, site_url: str) -> None:
    _first_start(page, site_url)
    asked: list[str] = []
    context.on("request", lambda request: asked.append(request.url))  # the page's and its workers'
    page.reload()
    wait_ready(page)
    assert page.evaluate("document.documentElement.dataset.snapshot") == "kept"
    assert asked and not [url for url in asked if "/snapshot-" in url], asked
    # A restored Python that works.
    expect(page.get_by_role("textbox", name="Prompt", exact=True)).to_be_enabled()
    page.get_by_role("button", name="About").click()
    expect(page.locator("#about-python-version")).to_have_text(re.compile(r"^3\.14\.\d+$"))


def test_a_kept_snapshot_that_is_not_the_builds_is_downloaded_again_and_old_ones_are_dropped(
        page: Any, site_url: str, dist: Path) -> None:
    key = _first_start(page, site_url)
    # The kept bytes damaged, and an older build's snapshot left beside them.
    page.evaluate("""async (key) => {
      const name = (await caches.keys()).find((n) => n.startsWith("switchboard-snapshot "));
      const cache = await caches.open(name);
      const bytes = new Uint8Array(await (await cache.match(key)).arrayBuffer());
      bytes[bytes.length >> 1] ^= 0xff;
      await cache.put(key, new Response(bytes));
      await cache.put(key.replace(/snapshot-[0-9a-f]+/, "snapshot-0123456789abcdef"), new Response("old"));
    }""", key)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.reload()
    wait_ready(page)  # still restored from the snapshot, not the normal boot
    assert page.evaluate("document.documentElement.dataset.snapshot") == "downloaded"
    assert any("the kept start-up snapshot is not this build's" in line for line in console), console
    page.wait_for_function(KEPT, timeout=30_000)
    assert page.evaluate(KEPT_KEYS, True) == [key]
    inflated = len(gzip.decompress(_snapshot_file(dist).read_bytes()))
    assert page.evaluate("""async (key) => {
      const name = (await caches.keys()).find((n) => n.startsWith("switchboard-snapshot "));
      return (await (await (await caches.open(name)).match(key)).arrayBuffer()).byteLength;
    }""", key) == inflated


def test_a_kept_snapshot_that_no_longer_restores_is_dropped_and_the_app_starts_normally(
        page: Any, serve_dist: Callable[..., str], dist: Path, tmp_path: Path) -> None:
    """A kept copy whose hash is right but which Python cannot restore from (what a browser update could
    do to it): the app starts the normal way, and the copy is deleted so the next start downloads."""
    copy = tmp_path / "dist"
    shutil.copytree(dist, copy, symlinks=True)
    url = serve_dist(directory=copy)
    key = _first_start(page, url)
    # The kept bytes replaced by a heap that is not Python's, and the build told that they are its own.
    garbage = _not_pythons_heap(copy)
    (copy / "garbage.bin").write_bytes(garbage)
    boot = copy / "pyodide" / "boot.mjs"
    inflated = "sha256-" + base64.b64encode(hashlib.sha256(gzip.decompress(_snapshot_file(copy).read_bytes()))
                                            .digest()).decode()
    assert inflated in boot.read_text()
    boot.write_text(boot.read_text().replace(
        inflated, "sha256-" + base64.b64encode(hashlib.sha256(garbage).digest()).decode()))
    page.evaluate("""async (key) => {
      const name = (await caches.keys()).find((n) => n.startsWith("switchboard-snapshot "));
      await (await caches.open(name)).put(key, await fetch("./garbage.bin"));
    }""", key)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.reload()
    wait_ready(page, boot="snapshot failed")
    assert page.evaluate("document.documentElement.dataset.snapshot") == "kept"
    assert any(line.startswith("warning: Switchboard: " + FALLBACK) for line in console), console
    for _ in range(100):  # the copy is deleted without holding the start back: poll for it
        if not page.evaluate(KEPT_KEYS, True):
            break
        page.wait_for_timeout(100)
    assert page.evaluate(KEPT_KEYS, True) == []
    expect(page.get_by_role("textbox", name="Prompt", exact=True)).to_be_enabled()
