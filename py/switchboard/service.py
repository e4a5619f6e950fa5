"""The one async service: drives a Transport through a provider adapter, with timeouts and cancellation.

Cancel a running answer by cancelling the task that iterates ``stream_chat`` or by calling ``aclose()``
on the generator: either way the response is closed (the browser transport aborts its fetch).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from .chat import ChatRequest, Completion, Event, StreamError, collect, completion_events
from .errors import ProviderError
from .http import HttpRequest, HttpResponse, Transport
from .netlog import Cause, cause
from .providers import ModelInfo, Provider, get

# A non-streamed answer or an error body is read whole; past this it is not a chat answer.
MAX_BODY_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds; None means no limit.

    ``connect``: from sending until status and headers arrive (streaming requests).
    ``idle``: the longest silence accepted while the body streams, first byte included. A non-streamed
    request gets its headers only with the finished answer, so its wait for headers is the longer of
    the two. Reasoning models can think silently for a while: keep ``idle`` generous.
    """

    connect: float | None = 30.0
    idle: float | None = 120.0

    def __post_init__(self) -> None:
        for name in ("connect", "idle"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name} timeout must be positive or None, not {value!r}")

    def headers_wait(self, stream: bool) -> float | None:
        """How long to wait for the status line and headers."""
        if stream or self.connect is None or self.idle is None:
            return self.connect if stream else None
        return max(self.connect, self.idle)


def _adapter(provider: Provider | str) -> Provider:
    return get(provider) if isinstance(provider, str) else provider


def _from_transport(adapter: Provider, exc: Exception) -> ProviderError:
    """Give a transport failure the provider's name and its likely causes."""
    if isinstance(exc, ProviderError):
        if exc.provider is not None:
            return exc
        if exc.code in ("csp", "redirect"):  # the cause is known and its message says the fix: no guessing hints
            return ProviderError("network", exc.message, provider=adapter.id, code=exc.code)
        detail = exc.detail or exc.message or None
        if exc.kind == "network":
            return adapter.network_error(detail)
        if exc.kind == "cors":
            return adapter.cors_error(detail)
        return adapter.error(exc.kind, detail, status=exc.status, retry_after=exc.retry_after)
    return adapter.network_error(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)


async def _send(
    transport: Transport, adapter: Provider, request: HttpRequest, limit: float | None, what: Cause
) -> HttpResponse:
    try:
        async with asyncio.timeout(limit):
            with cause(what):  # the network ledger says what made each request
                return await transport.send(request)
    except TimeoutError:
        raise adapter.timeout_error(limit or 0.0, stalled=False) from None
    except Exception as exc:
        raise _from_transport(adapter, exc) from None


async def _next_chunk(chunks: AsyncIterator[bytes], adapter: Provider, idle: float | None) -> bytes | None:
    """The next body chunk, None at a clean end; raises ProviderError on a stall or a broken connection."""
    try:
        async with asyncio.timeout(idle):
            return await anext(chunks)
    except StopAsyncIteration:
        return None
    except TimeoutError:
        raise adapter.timeout_error(idle or 0.0, stalled=True) from None
    except ProviderError as exc:
        if exc.kind != "network" or exc.provider is not None:
            raise _from_transport(adapter, exc) from None
        # The provider was answering: connection-failure hints (key, CORS, offline) would mislead here.
        raise _broken(adapter, exc.detail or exc.message) from None
    except Exception as exc:
        raise _broken(adapter, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None


def _broken(adapter: Provider, detail: str) -> ProviderError:
    lead = f"The connection to {adapter.display_name} broke mid-answer; the answer so far is kept."
    return adapter.error("network", detail, lead=lead)


async def _read_body(response: HttpResponse, adapter: Provider, idle: float | None) -> bytes:
    chunks = aiter(response.aiter_bytes())
    body = bytearray()
    while (chunk := await _next_chunk(chunks, adapter, idle)) is not None:
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise adapter.error("invalid_response", f"the body is larger than {MAX_BODY_BYTES} bytes")
    return bytes(body)


async def _close(response: HttpResponse) -> None:
    # Closing is best-effort cleanup; the outcome the caller sees was already decided.
    with contextlib.suppress(Exception):
        await response.aclose()


def _wants_whole_body(adapter: Provider, request: ChatRequest, response: HttpResponse) -> bool:
    if not 200 <= response.status < 300 or not request.stream:
        return True
    # Some compatible servers ignore stream=true and answer with one JSON object.
    content_type = response.headers.get("content-type", "").lower()
    return adapter.framing == "sse" and content_type.startswith("application/json")


async def stream_chat(
    transport: Transport,
    provider: Provider | str,
    request: ChatRequest,
    api_key: str,
    *,
    base_url: str | None = None,
    timeouts: Timeouts = Timeouts(),
) -> AsyncIterator[Event]:
    """Send ``request`` and yield events as bytes arrive; every failure ends the stream with StreamError."""
    adapter = _adapter(provider)
    try:
        http_request = adapter.build_request(request, api_key, base_url)
    except ValueError as exc:
        yield StreamError(adapter.error("bad_request", str(exc)))
        return
    response: HttpResponse | None = None
    try:
        response = await _send(transport, adapter, http_request, timeouts.headers_wait(request.stream), "answer")
        if _wants_whole_body(adapter, request, response):
            body = await _read_body(response, adapter, timeouts.idle)
            completion = adapter.parse_response(response.status, response.headers, body, api_key)
            for event in completion_events(completion):
                yield event
            return
        decoder = adapter.decoder(api_key)
        chunks = aiter(response.aiter_bytes())
        while (chunk := await _next_chunk(chunks, adapter, timeouts.idle)) is not None:
            events = decoder.feed(chunk)
            for event in events:
                yield event
            if events and isinstance(events[-1], StreamError):
                return
            if decoder.ended:
                break
        for event in decoder.close():
            yield event
    except ProviderError as error:
        yield StreamError(error)
    finally:
        if response is not None:
            await _close(response)


async def complete(
    transport: Transport,
    provider: Provider | str,
    request: ChatRequest,
    api_key: str,
    *,
    base_url: str | None = None,
    timeouts: Timeouts = Timeouts(),
) -> Completion:
    """Run ``stream_chat`` to the end and collect it."""
    events = [
        e
        async for e in stream_chat(
            transport, provider, request, api_key, base_url=base_url, timeouts=timeouts
        )
    ]
    return collect(events)


async def _fetch(
    transport: Transport, adapter: Provider, request: HttpRequest, timeout: float | None, what: Cause
) -> tuple[int, Mapping[str, str], bytes]:
    response: HttpResponse | None = None
    try:
        async with asyncio.timeout(timeout):
            response = await _send(transport, adapter, request, None, what)
            body = await _read_body(response, adapter, None)
            return response.status, response.headers, body
    except TimeoutError:
        raise adapter.timeout_error(timeout or 0.0, stalled=False) from None
    finally:
        if response is not None:
            await _close(response)


async def list_models(
    transport: Transport,
    provider: Provider | str,
    api_key: str,
    base_url: str | None = None,
    *,
    timeout: float | None = 30.0,
) -> list[ModelInfo]:
    """The models this key may use, sorted by id; raises ProviderError."""
    adapter = _adapter(provider)
    status, headers, body = await _fetch(
        transport, adapter, adapter.list_models_request(api_key, base_url), timeout, "model list"
    )
    return adapter.parse_models_response(status, headers, body, api_key)


async def check_key(
    transport: Transport,
    provider: Provider | str,
    api_key: str,
    base_url: str | None = None,
    *,
    timeout: float | None = 30.0,
) -> None:
    """Return when the key works, using the provider's cheapest endpoint; raises ProviderError."""
    adapter = _adapter(provider)
    status, headers, body = await _fetch(
        transport, adapter, adapter.key_check_request(api_key, base_url), timeout, "key test"
    )
    adapter.check_key_response(status, headers, body, api_key)
