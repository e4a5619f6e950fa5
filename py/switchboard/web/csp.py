"""Telling a request refused by this page's Content-Security-Policy from a host that is down.

Both reject `fetch` with the same bare `TypeError`. The browser says which it was only through a
`securitypolicyviolation` event on the document, and only after the rejection (a task later, so the
transport waits briefly for it). A remote custom endpoint whose origin is not in `connect-src` is the
usual case: the fix is a line in the site's configuration, which the error names (docs/deploy.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType
from typing import Any

import js
from pyodide.ffi import create_proxy

from switchboard.errors import ProviderError
from switchboard.netlog import origin as origin_of

# How long to wait, after a fetch failed, for the browser to report the violation (it is usually there
# after one turn of the event loop; a main thread busy with start-up can delay it).
GRACE = 0.25


def blocked_error(url: str) -> ProviderError:
    """The error for a request the page's connect-src refused."""
    origin = origin_of(url) or url
    return ProviderError(
        "network",
        f"The request to {origin} was blocked by this site's Content-Security-Policy (connect-src); "
        f"to use {origin}, add it to connect-src in nginx.conf / the meta tag — see docs/deploy.md.",
        code="csp",
    )


class CspViolations:
    """Records the origins the page's CSP refused to connect to while open (a context manager)."""

    def __init__(self) -> None:
        self._origins: set[str] = set()
        self._changed = asyncio.Event()
        self._proxy: Any = None

    def __enter__(self) -> CspViolations:
        self._proxy = create_proxy(self._on_violation)
        js.document.addEventListener("securitypolicyviolation", self._proxy)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._proxy is not None:
            js.document.removeEventListener("securitypolicyviolation", self._proxy)
            self._proxy.destroy()
            self._proxy = None

    def _on_violation(self, event: Any) -> None:
        if str(event.effectiveDirective) == "connect-src":
            self._origins.add(origin_of(str(event.blockedURI)))
            self._changed.set()

    async def blocked(self, url: str, grace: float = GRACE) -> bool:
        """True when the CSP refused `url`'s origin, waiting up to `grace` seconds for the report."""
        origin = origin_of(url)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(grace):
                while origin not in self._origins:
                    self._changed.clear()
                    await self._changed.wait()
        return origin in self._origins
