"""Cross-browser smoke tests: Firefox ESR (Marionette) and WebKitGTK (WebDriver) against the built dist/.

The app is served by `scripts/serve.py --no-build`, as a user runs it. Each browser sends every
non-loopback request to a loopback proxy (loopback_proxy.py) that tunnels the real provider hosts to
the mock's TLS port and refuses anything else; a test fails if the proxy refused anything (the
browser's own background traffic included) or if the page's resource timing lists a URL that is
neither loopback nor a mapped provider host.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from scripts.mock_providers import TLS_HOSTS, MockProviders

from tests.crossbrowser.engines import LOOPBACK, Page, free_port, start_firefox, start_webkit, start_xvfb
from tests.crossbrowser.loopback_proxy import LoopbackProxy

ROOT = Path(__file__).resolve().parents[2]


def allowed(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob"):
        return True
    if parts.hostname in LOOPBACK:
        return True
    return parts.scheme == "https" and parts.hostname in TLS_HOSTS and parts.port in (None, 443)


@pytest.fixture(scope="session")
def mock() -> Iterator[MockProviders]:
    with MockProviders(pace=0.0) as providers:
        yield providers


@pytest.fixture(scope="session")
def proxy(mock: MockProviders) -> Iterator[LoopbackProxy]:
    assert mock.https_port, "the mock must serve TLS for the provider hosts"
    loopback = LoopbackProxy({host: mock.https_port for host in TLS_HOSTS})
    yield loopback
    loopback.stop()


@pytest.fixture(scope="session")
def app_url(dist: Path) -> Iterator[str]:
    """`scripts/serve.py --no-build`, exactly what a user runs."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "serve.py"), "--no-build", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"scripts/serve.py did not listen on {port}") from None
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """An Xvfb display for WebKitGTK's MiniBrowser, which has no headless mode."""
    name, stop = start_xvfb()
    yield name
    stop()


@pytest.fixture
def network_guard(proxy: LoopbackProxy) -> Iterator[LoopbackProxy]:
    """Fails the test if anything asked the proxy for a host it does not tunnel (set up before the
    browser, so it is checked after the browser has quit: shutdown pings count too)."""
    proxy.clear()
    yield proxy
    assert not proxy.refused, f"requests left loopback: {proxy.refused}"


def _guarded(page: Page, stop: Callable[[], None]) -> Iterator[Page]:
    try:
        yield page
        outside = [url for url in page.collect() if not allowed(url)]
        assert not outside, f"{page.engine} fetched outside loopback and the mapped providers: {outside}"
    finally:
        stop()


@pytest.fixture
def firefox(network_guard: LoopbackProxy, tmp_path: Path) -> Iterator[Page]:
    page, stop = start_firefox(tmp_path, network_guard.address)
    yield from _guarded(page, stop)


@pytest.fixture
def webkit(network_guard: LoopbackProxy, display: str, tmp_path: Path) -> Iterator[Page]:
    page, stop = start_webkit(tmp_path, network_guard.address, display)
    yield from _guarded(page, stop)
