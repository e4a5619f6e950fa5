"""HTTP values and the Transport port: adapters build ``HttpRequest`` values, a Transport sends them."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from switchboard.vault.masking import mask

# Header and query-parameter names that carry a credential. Matched by part of the name, so a new
# provider's "x-whatever-api-key" is masked without anyone remembering to list it.
_SECRET_NAME = re.compile(r"(?i)auth|key|token|secret|cookie|password")
_QUERY_PARAM = re.compile(r"([?&])([^=&#]*)=([^&#]*)")


def _masked_header(name: str, value: str) -> str:
    if not _SECRET_NAME.search(name):
        return value
    scheme, sep, credential = value.partition(" ")
    # "Bearer <key>": the scheme helps debugging and is no secret.
    return f"{scheme} {mask(credential)}" if sep and scheme.isalpha() else mask(value)


def masked_url(url: str) -> str:
    """url with the value of every credential-like query parameter (Gemini's ?key=) masked."""
    return _QUERY_PARAM.sub(
        lambda m: f"{m[1]}{m[2]}={mask(m[3])}" if _SECRET_NAME.search(m[2]) else m[0], url
    )


class Headers(Mapping[str, str]):
    """Read-only, case-insensitive header mapping; names iterate lower-cased, as fetch's Headers do."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items: dict[str, str] = {str(k).lower(): str(v) for k, v in pairs}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._items == {str(k).lower(): v for k, v in other.items()}
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        # Reprs reach logs, tracebacks and bug reports: credentials show masked, as Credential does.
        return f"Headers({ {k: _masked_header(k, v) for k, v in self._items.items()}!r})"


@dataclass(frozen=True, slots=True, repr=False)
class HttpRequest:
    """One HTTP request as a value: what to send, nothing about how. repr() masks credentials."""

    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=Headers)
    body: bytes = b""

    def __post_init__(self) -> None:
        if not isinstance(self.headers, Headers):
            object.__setattr__(self, "headers", Headers(self.headers))

    def json(self) -> Any:
        """The body parsed as JSON (tests and debugging)."""
        return json.loads(self.body) if self.body else None

    def __repr__(self) -> str:
        return f"HttpRequest({self.method!r}, {masked_url(self.url)!r}, {self.headers!r}, {self.body!r})"


@runtime_checkable
class HttpResponse(Protocol):
    """A response whose status and headers have arrived; the body streams.

    - ``status``: the HTTP status code.
    - ``headers``: response headers; lookups must be case-insensitive (``Headers`` does this). In the
      browser only CORS-exposed headers are readable (``retry-after`` needs Access-Control-Expose-Headers).
    - ``aiter_bytes()``: the body as it arrives, in chunks of any size (boundaries mean nothing: they may
      split lines and UTF-8 characters). Call it once. The service wraps each ``__anext__`` in its idle
      timeout, so a read may be cancelled mid-way; after that only ``aclose()`` is called. A connection
      lost mid-body raises (``ProviderError(kind="network")`` or any ``Exception``); a clean end stops
      the iteration.
    - ``aclose()``: abort the request and release the connection (fetch: ``AbortController.abort()``).
      Idempotent, never raises, safe after the body was read to the end.
    """

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    def aiter_bytes(self) -> AsyncIterator[bytes]: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class Transport(Protocol):
    """The port the service drives: fetch in the browser, ``MockTransport`` or httpx on CPython.

    ``await transport.send(request)`` sends ``request`` (method, url, headers, body exactly as given: add
    no header of your own, since any header outside a provider's CORS allow-list breaks the call) and
    returns an ``HttpResponse`` as soon as the status line and headers are in; the body is NOT read yet.
    Any status (401, 500, ...) is returned, not raised.

    Raise ``errors.transport_error("network", detail)`` when the request never got an answer (fetch's
    ``TypeError: Failed to fetch``: offline, DNS, TLS, CORS, CSP), ``"cors"`` when the cause is known
    to be CORS, ``"timeout"`` for the transport's own time limits; any other ``Exception`` is taken as
    ``network``. The service adds the provider's name and likely causes to the message.

    The service enforces the connect and idle timeouts itself by cancelling the awaiting task, so
    ``send`` and body reads must be cancellable (abort the fetch when cancelled). Never retry inside the
    transport: retries and fallbacks belong to the caller. See ``errors`` for the exception tree.
    """

    async def send(self, request: HttpRequest) -> HttpResponse: ...


# ------------------------------------------------------------------------------------------- test double

Body = bytes | Iterable[bytes] | AsyncIterable[bytes]


class MockResponse:
    """An ``HttpResponse`` built from bytes, a list of chunks or an async generator of chunks."""

    def __init__(self, status: int = 200, headers: Mapping[str, str] | None = None, body: Body = b"") -> None:
        self._status = status
        self._headers = Headers(headers or {})
        self._body = body
        self.closed = False

    @property
    def status(self) -> int:
        return self._status

    @property
    def headers(self) -> Mapping[str, str]:
        return self._headers

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        body = self._body
        if isinstance(body, bytes | bytearray):
            if body:
                yield bytes(body)
        elif isinstance(body, AsyncIterable):
            async for chunk in body:
                if self.closed:
                    return
                yield chunk
        else:
            # Imported here, like inspect below: asyncio costs start-up time; only this test double needs it.
            import asyncio

            for chunk in body:
                if self.closed:
                    return
                await asyncio.sleep(0)  # let other tasks run between chunks, as a network would
                yield chunk

    async def aclose(self) -> None:
        self.closed = True


Handler = Callable[[HttpRequest], "HttpResponse | Awaitable[HttpResponse]"]


class MockTransport:
    """A Transport that answers with ``handler(request)`` (sync or async), like ``httpx.MockTransport``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[HttpRequest] = []
        self.responses: list[HttpResponse] = []

    async def send(self, request: HttpRequest) -> HttpResponse:
        self.requests.append(request)
        import inspect

        result = self.handler(request)
        response = await result if inspect.isawaitable(result) else result
        self.responses.append(response)
        return response
