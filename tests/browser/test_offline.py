"""The service worker: the app reloads and unlocks its vault with the server gone, and offers new builds.

Each test serves its own copy of the site with `scripts/serve.py` (a process it can stop or change under
the page), in a fresh browser context, so no worker or cache leaks from one test into another.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from scripts.buildlib import csp, precache

from tests.browser.conftest import ROOT, free_port, wait_port
from tests.deploy.server import NginxServer

# These tests are about the worker: let it register (conftest blocks it everywhere else).
pytestmark = pytest.mark.browser_context_args(service_workers="allow")

READY = "() => window.SWITCHBOARD_READY === true || window.SWITCHBOARD_BOOT_ERROR !== undefined"
CONTROLLED = "() => navigator.serviceWorker.controller !== null"
# The service worker's caches ("switchboard <path> <build> <contents>"), not the snapshot's (pyodide/snapshot.mjs).
CACHES = "async () => (await caches.keys()).filter((name) => name.startsWith('switchboard '))"
PASSWORD = "Tangerine-orbit-quartz-5819-velvet"
# The headers nginx.conf sends on every response, which a page served by the worker must carry too.
SECURITY_HEADERS = {name.lower(): value for name, value in csp.security_headers().items()}
# Frames the app into itself: the browser refuses when frame-ancestors / X-Frame-Options say so, and the
# refused frame holds an error page of an opaque origin, so its document is out of reach.
FRAME_APP = """() => new Promise((resolve) => {
  const frame = document.createElement("iframe");
  frame.onload = () => {
    let framed = false;
    try { framed = frame.contentDocument !== null; } catch { framed = false; }
    frame.remove();
    resolve(framed ? "framed" : "refused");
  };
  frame.src = "./";
  document.body.append(frame);
})"""
UI_TIMEOUT = 30_000  # ms: one PBKDF2 run on a loaded 2-core machine, with margin
START_TIMEOUT = 120_000  # ms: a Python start on that machine


class Server:
    """`scripts/serve.py --no-build --dir <dir>` as a child process this test can stop."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        cmd = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--no-build", "--port", str(self.port),
               "--dir", str(directory)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, self.proc)
        self.url = f"http://127.0.0.1:{self.port}/"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def site(dist: Path, tmp_path: Path) -> Iterator[tuple[Path, Callable[[], Server]]]:
    """A private copy of dist/ (without the 11 MB saved copy, which the worker never caches) and its server."""
    copy = tmp_path / "site"
    shutil.copytree(dist, copy, ignore=shutil.ignore_patterns("switchboard.html"))
    servers: list[Server] = []

    def start() -> Server:
        servers.append(Server(copy))
        return servers[-1]

    yield copy, start
    for server in servers:
        server.stop()


def wait_ready(page: Any) -> None:
    page.wait_for_function(READY, timeout=START_TIMEOUT)
    assert page.evaluate("() => window.SWITCHBOARD_BOOT_ERROR") is None


def create_vault(page: Any) -> None:
    page.get_by_label("Master password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm master password").fill(PASSWORD)
    page.get_by_role("button", name="Create vault").click()
    expect(page.locator("#vault-summary")).to_contain_text("Unlocked", timeout=UI_TIMEOUT)


def unlock(page: Any) -> None:
    page.get_by_label("Master password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#vault-summary")).to_contain_text("Unlocked", timeout=UI_TIMEOUT)


@pytest.mark.parametrize("snapshot", ["kept", "downloaded"])
def test_reload_with_the_server_stopped_then_unlock_the_vault(
        page: Any, context: Any, site: Any, snapshot: str) -> None:
    """Offline, Python still starts from the snapshot: the copy kept inflated, or (where it is gone) the
    file the inflating worker fetches, which the service worker answers as it answers the page."""
    _, start = site
    server = start()
    origin = server.url.rstrip("/")
    failed: list[str] = []
    context.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
    context.on("response", lambda r: failed.append(f"{r.url} {r.status}") if r.status >= 400 else None)
    answered: list[Any] = []
    page.on("response", lambda r: answered.append(r))

    page.goto(server.url)
    wait_ready(page)
    page.wait_for_function(CONTROLLED, timeout=START_TIMEOUT)
    create_vault(page)
    assert failed == []
    page.wait_for_function("() => performance.getEntriesByName('switchboard:snapshot-kept').length > 0",
                           timeout=START_TIMEOUT)
    if snapshot == "downloaded":
        page.evaluate("""async () => {
          for (const name of await caches.keys()) {
            if (name.startsWith("switchboard-snapshot ")) await caches.delete(name);
          }
        }""")

    server.stop()
    answered.clear()
    offline = page.reload()
    # This host sends no security headers (as GitHub Pages): the worker adds the ones nginx.conf sends.
    assert offline.from_service_worker and security(offline) == SECURITY_HEADERS
    wait_ready(page)
    assert page.evaluate("() => [document.documentElement.dataset.boot, document.documentElement.dataset.snapshot]"
                         ) == ["snapshot", snapshot]
    expect(page.get_by_role("button", name="Unlock")).to_be_visible()
    unlock(page)
    # What loads after start-up (pydantic) is there too: every wheel the lock lists.
    wheels = page.evaluate("""async () => {
        const lock = await (await fetch("./pyodide/pyodide-lock.json")).json();
        return Promise.all(Object.values(lock.packages).map(
            async (p) => [p.file_name, (await fetch("./pyodide/" + p.file_name)).status]));
    }""")
    assert len(wheels) > 1 and all(status == 200 for _, status in wheels), wheels

    # The only request that may fail offline is the browser's check for a newer sw.js after navigating.
    assert [f for f in failed if f.startswith(origin) and not f.startswith(f"{origin}/sw.js")] == []
    mine = [r for r in answered if r.url.startswith(origin)]
    assert mine, "the page loaded nothing from its origin?"
    assert all(r.from_service_worker for r in mine), [r.url for r in mine if not r.from_service_worker]


def test_provider_requests_go_to_the_network_untouched(page: Any, site: Any, mock: Any) -> None:
    _, start = site
    server = start()
    page.goto(server.url)
    wait_ready(page)
    page.wait_for_function(CONTROLLED, timeout=START_TIMEOUT)
    server.stop()  # whatever answers now is the network, not a copy of this site

    with page.expect_response(lambda r: urlsplit(r.url).hostname == "api.openai.com") as answer:
        status = page.evaluate("""async () => (await fetch("https://api.openai.com/v1/models",
                                   {headers: {Authorization: "Bearer sk-offline-test"}})).status""")
    assert status == answer.value.status
    assert not answer.value.from_service_worker, "the service worker answered a provider request"
    cached = page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys())
          for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
        return urls;
    }""")
    assert cached and all(url.startswith(server.url) for url in cached), cached


def test_a_new_build_is_offered_and_reload_switches_to_it(page: Any, site: Any) -> None:
    copy, start = site
    server = start()
    page.goto(server.url)
    wait_ready(page)
    page.wait_for_function(CONTROLLED, timeout=START_TIMEOUT)
    (old_cache,) = page.evaluate(CACHES)
    banner = page.get_by_role("status").filter(has_text="New version available")
    expect(banner).to_be_hidden()

    # Deploy a new build under the open page: a changed index.html and the service worker that lists it.
    index = copy / "index.html"
    index.write_text(index.read_text().replace("<title>Switchboard</title>", "<title>Switchboard next</title>"))
    precache.write(copy, ROOT / "public" / "sw.js", "next-build")

    page.reload()  # the old worker still serves the old page, and the browser finds the new sw.js
    wait_ready(page)
    expect(page).to_have_title("Switchboard")
    expect(banner).to_be_visible(timeout=START_TIMEOUT)
    with page.expect_navigation():
        banner.get_by_role("button", name="Reload").click()
    wait_ready(page)
    expect(page).to_have_title("Switchboard next")
    caches = page.evaluate(CACHES)
    assert len(caches) == 1 and " next-build " in caches[0] and old_cache not in caches, caches


def security(response: Any) -> dict[str, str | None]:
    """The security headers of a response, by lower-case name (None where absent)."""
    headers = response.headers
    return {name: headers.get(name) for name in SECURITY_HEADERS}


def test_pages_from_the_worker_keep_nginx_security_headers_online_and_offline(page: Any, site: Any) -> None:
    copy, _ = site
    with NginxServer(directory=copy) as nginx:
        first = page.goto(nginx.url)
        sent = security(first)  # what nginx sends, as the network answered
        assert not first.from_service_worker and sent == SECURITY_HEADERS
        wait_ready(page)
        page.wait_for_function(CONTROLLED, timeout=START_TIMEOUT)

        online = page.reload()  # nginx still up, but the worker answers from its copy
        assert online.from_service_worker
        assert security(online) == sent
        assert page.evaluate(FRAME_APP) == "refused"

        nginx.stop()
        offline = page.reload()
        assert offline.from_service_worker
        assert security(offline) == sent
        assert page.evaluate(FRAME_APP) == "refused"
