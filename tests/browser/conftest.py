"""Browser tests: Debian's Chromium against the built dist/, with the world kept out by DNS, not routes.

Playwright routes would answer CORS preflights themselves and hide CORS bugs, so instead Chromium's
resolver maps each provider host to the loopback mock and makes every other host unresolvable. A
guard on every context records each request; anything not loopback, not a mapped provider host and not
a data:/blob: URL fails the test that made it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from scripts import chromium
from scripts.mock_providers import TLS_HOSTS, MockProviders

ROOT = Path(__file__).resolve().parents[2]
# With this, Playwright's driver copies the browser's stderr (Chromium's errors, a dying renderer's fatal
# check or signal) to its own, which pytest captures per test and shows for a failure: a page that
# crashes ("Target crashed") otherwise leaves no trace of why. Set before the driver starts.
os.environ.setdefault("DEBUG", "pw:browser")
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
# Function form: the page's CSP forbids the eval Playwright uses for a bare expression.
READY = "() => window.SWITCHBOARD_READY === true || window.SWITCHBOARD_BOOT_ERROR !== undefined"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listened on port {port} within {timeout} s")


def is_allowed(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob"):
        return True
    return parts.hostname in LOOPBACK or parts.hostname in TLS_HOSTS


class RequestGuard:
    """Records every request a context makes and which of them left the allowed set."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.violations: list[str] = []

    def attach(self, context: Any) -> None:
        context.on("request", self._record)

    def _record(self, request: Any) -> None:
        self.seen.append(request.url)
        if not is_allowed(request.url):
            self.violations.append(request.url)



@pytest.fixture(scope="session")
def serve_dist(dist: Path) -> Iterator[Callable[..., str]]:
    """Start `scripts/serve.py --no-build`, exactly what a user runs; returns the URL of the app."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(base: str = "/", directory: Path | None = None) -> str:
        port = free_port()
        cmd = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--no-build", "--port", str(port), "--base", base]
        if directory is not None:
            cmd += ["--dir", str(directory)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        wait_port(port, proc)
        return f"http://127.0.0.1:{port}{base}"

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)


# How the app starts Python: restored from the build's memory snapshot, as users get it, or the normal
# way (the fallback, forced by ?boot=normal). A test module that sets BOTH_BOOTS = True runs every test
# that uses `app_url` once for each; the others run with the snapshot.
BOOTS = ("snapshot", "normal")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if getattr(metafunc.module, "BOTH_BOOTS", False) and "boot" in metafunc.fixturenames:
        metafunc.parametrize("boot", BOOTS, indirect=True, scope="module")


@pytest.fixture(scope="session")
def site_url(serve_dist: Callable[..., str]) -> str:
    return serve_dist()


@pytest.fixture(scope="module")
def boot(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "snapshot"))


@pytest.fixture(scope="module")
def app_url(site_url: str, boot: str) -> str:
    return site_url if boot == "snapshot" else f"{site_url}?boot={boot}"


@pytest.fixture(scope="session")
def mock() -> Iterator[MockProviders]:
    with MockProviders(pace=0.0) as providers:
        yield providers


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], mock: MockProviders) -> dict[str, Any]:
    assert mock.https_port, "the mock must serve TLS for the host mapping"
    rules = chromium.host_rules({host: mock.https_port for host in TLS_HOSTS})
    args = [*chromium.BASE_ARGS, rules, "--ignore-certificate-errors"]
    return {**browser_type_launch_args, "executable_path": chromium.EXECUTABLE, "args": args}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """No service worker unless a test asks for one (browser_context_args marker): once the app is
    ready it would precache 16 MB in the background, slowing every other test on a 2-core machine."""
    return {**browser_context_args, "service_workers": "block"}


CRASHED: list[str] = []  # the pages whose renderer died during the current test


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item,
                              call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failing test's report says which pages crashed, and when (their stderr is in the captured output)."""
    report = yield
    if report.failed and CRASHED:
        report.sections.append(("Crashed pages", "\n".join(CRASHED)))
    if call.when == "teardown":
        CRASHED.clear()
    return report


def watch_crashes(context: Any) -> None:
    """Note each page of `context` whose renderer dies, with when and where (for the failure report)."""
    def on_page(page: Any) -> None:
        page.on("crash", lambda crashed: CRASHED.append(f"{time.strftime('%H:%M:%S')} {crashed.url}"))
    context.on("page", on_page)


@pytest.fixture
def guard() -> RequestGuard:
    return RequestGuard()


@pytest.fixture
def context(context: Any, guard: RequestGuard) -> Iterator[Any]:
    """pytest-playwright's per-test context, guarded."""
    guard.attach(context)
    watch_crashes(context)
    yield context
    assert not guard.violations, f"requests left the machine: {guard.violations}"


@pytest.fixture(scope="module")
def shared_page(browser: Any, app_url: str) -> Iterator[Any]:
    """One started app per test module: each fresh context costs a Python start."""
    module_guard = RequestGuard()
    context = browser.new_context(service_workers="block")
    module_guard.attach(context)
    watch_crashes(context)
    page = context.new_page()
    page.goto(app_url)
    wait_ready(page)
    yield page
    context.close()
    assert not module_guard.violations, f"requests left the machine: {module_guard.violations}"


def wait_ready(page: Any, timeout: float = 90_000, boot: str | None = None) -> None:
    """Wait until the app has started, and check it started the way it should have (`boot`: what
    pyodide/boot.mjs records; by default "normal" where the URL asks for it, else "snapshot"), so a
    snapshot that silently fell back to the normal boot fails the test. The saved copy records none."""
    page.wait_for_function(READY, timeout=timeout)
    error = page.evaluate("window.SWITCHBOARD_BOOT_ERROR")
    assert error is None, f"the app failed to start: {error}"
    if urlsplit(page.url).path.endswith("/switchboard.html"):
        return
    expected = boot or ("normal" if "boot=normal" in urlsplit(page.url).query else "snapshot")
    assert page.evaluate("document.documentElement.dataset.boot") == expected


def app_errors(page: Any) -> list[str]:
    """The app's own console errors from now on (a failing handler logs its traceback), filled as they come;
    not the browser's notes on the 4xx/5xx answers a test asks the mock for."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    return errors
