"""The browser Transport: `fetch` with a streaming body reader and abort on cancel or close.

Redirects are never followed: following one would re-send the request, key header included, to
wherever its `Location` points, which a moved provider, a proxy or a hostile endpoint chooses. We ask
for `redirect: "manual"` rather than `"error"`: neither follows, but "error" rejects with the same bare
`TypeError` as every other failure, while "manual" hands back an opaque-redirect response (status 0, no
headers, no body), so the transport can say that a redirect was the cause (code "redirect").

When fetch rejects with its bare `TypeError`, the browser hides why. A second, header-less `no-cors`
probe of the same URL tells the other causes apart: if the server answers it, the server is up and
CORS rejected the real request (`cors`); if it fails too, the host is unreachable (`network`), unless
the page's Content-Security-Policy refused it (`network` with code "csp", see `web/csp.py`). The probe
carries no key, cookie or referrer; a `no-cors` request can only follow redirects (Fetch standard), so
it does, when a redirect without CORS headers made the real request fail.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import js
from pyodide.ffi import JsException, to_js

from switchboard.errors import ProviderError
from switchboard.http import Headers, HttpRequest
from switchboard.netlog import Ledger
from switchboard.web.csp import CspViolations, blocked_error

_OBJECT = js.Object.fromEntries


def _init(request: HttpRequest, signal: Any) -> Any:
    init: dict[str, Any] = {
        "method": request.method,
        "headers": to_js(dict(request.headers), dict_converter=_OBJECT),
        "signal": signal,
        "cache": "no-store",
        "credentials": "omit",  # providers authenticate by key; never send this origin's cookies
        "referrerPolicy": "no-referrer",
        "redirect": "manual",  # never re-send a key to wherever a redirect points (see the module docstring)
    }
    if request.body:
        init["body"] = to_js(request.body)
    return to_js(init, dict_converter=_OBJECT)


async def _reachable(url: str, ledger: Ledger | None) -> bool:
    """True when the host answers a request that CORS cannot block (an opaque no-cors GET)."""
    probe = to_js({"mode": "no-cors", "credentials": "omit", "cache": "no-store",
                   "referrerPolicy": "no-referrer"}, dict_converter=_OBJECT)
    number = None if ledger is None else ledger.start("GET", url, note="probe: is the host up?")
    try:
        async with asyncio.timeout(10):
            await js.fetch(url, probe)
    except (JsException, TimeoutError) as exc:
        if ledger is not None and number is not None:
            ledger.finish(number, error="unreachable" if isinstance(exc, JsException) else "timeout")
        return False
    if ledger is not None and number is not None:
        ledger.finish(number, error="answered (opaque)")
    return True


def redirect_error(url: str) -> ProviderError:
    """The error for a request answered with a redirect, which the transport does not follow."""
    parts = urlsplit(url)
    return ProviderError(
        "network",
        f"{parts.scheme}://{parts.netloc} answered with a redirect to another address. Switchboard does not "
        "follow redirects, so your API key is never sent anywhere else; if the provider moved, use its new "
        "base URL.",
        code="redirect",
    )


class FetchResponse:
    """An `HttpResponse` over a fetch `Response`; `aclose` aborts the request."""

    def __init__(self, response: Any, controller: Any) -> None:
        self._response = response
        self._controller = controller
        self.status: int = int(response.status)
        self.headers: Mapping[str, str] = Headers((str(k), str(v)) for k, v in response.headers.entries())

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        body = self._response.body
        if body is None:
            return
        reader = body.getReader()
        try:
            while True:
                chunk = await reader.read()
                if chunk.done:
                    return
                yield chunk.value.to_bytes()
        except JsException as exc:
            raise ProviderError("network", f"the connection broke mid-answer ({exc})") from None
        finally:
            reader.releaseLock()

    async def aclose(self) -> None:
        with contextlib.suppress(JsException):
            self._controller.abort()


class FetchTransport:
    """Sends `HttpRequest` values with the page's `fetch`, adding no header of its own."""

    def __init__(self, ledger: Ledger | None = None) -> None:
        self._ledger = ledger  # where the probe it sends of its own accord is logged

    async def send(self, request: HttpRequest) -> FetchResponse:
        controller = js.AbortController.new()
        with CspViolations() as violations:
            try:
                response = await js.fetch(request.url, _init(request, controller.signal))
            except asyncio.CancelledError:
                controller.abort()
                raise
            except JsException as exc:
                if await _reachable(request.url, self._ledger):
                    detail = f"the server answered but the browser refused it: {exc}"
                    raise ProviderError("cors", detail) from None
                if await violations.blocked(request.url):  # the probe fails too: CSP blocks it alike
                    raise blocked_error(request.url) from None
                raise ProviderError("network", str(exc)) from None
        if str(response.type) == "opaqueredirect":
            raise redirect_error(request.url)
        return FetchResponse(response, controller)
