"""The async service over MockTransport: streaming, timeouts, cancellation, errors, models and key checks."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import pytest

from switchboard import ChatRequest, Message, ProviderError, collect
from switchboard.chat import Event, StreamError, TextDelta
from switchboard.errors import transport_error
from switchboard.http import Headers, HttpRequest, MockResponse, MockTransport
from switchboard.providers import ModelInfo, get
from switchboard.service import Timeouts, check_key, complete, list_models, stream_chat

T = TypeVar("T")
REQUEST = ChatRequest("gpt-x", [Message("user", "hi")])
SSE = {"content-type": "text/event-stream"}
FAST = Timeouts(connect=0.2, idle=0.2)


def chunk(text: str) -> bytes:
    payload = {
        "id": "c",
        "model": "gpt-x",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }
    return f"data: {json.dumps(payload)}\n\n".encode()


FINISH = b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'


def go(coro: Awaitable[T]) -> T:
    async def bounded() -> T:
        async with asyncio.timeout(5):  # no test may hang
            return await coro

    return asyncio.run(bounded())


async def events_of(transport: MockTransport, request: ChatRequest = REQUEST, **kw: Any) -> list[Event]:
    provider = kw.pop("provider", "openai")
    return [e async for e in stream_chat(transport, provider, request, "sk-key-0123456789", **kw)]


def respond(status: int = 200, headers: dict[str, str] | None = None, body: Any = b"") -> MockTransport:
    return MockTransport(lambda _r: MockResponse(status, SSE if headers is None else headers, body))


def test_streams_events_as_bytes_arrive() -> None:
    gate = asyncio.Event()
    seen: list[str] = []

    async def body() -> AsyncIterator[bytes]:
        yield chunk("Hel")
        await gate.wait()  # the first event must reach the caller before this opens
        yield chunk("lo") + FINISH

    async def main() -> list[Event]:
        transport = respond(body=body())
        out = []
        async for event in stream_chat(transport, "openai", REQUEST, "k"):
            out.append(event)
            if isinstance(event, TextDelta):
                seen.append(event.text)
                gate.set()
        assert transport.responses[0].closed  # type: ignore[attr-defined]
        sent = transport.requests[0]
        assert sent == get("openai").build_request(REQUEST, "k")
        return out

    got = collect(go(main()))
    assert seen == ["Hel", "lo"]
    assert (got.text, got.finish_reason, got.error) == ("Hello", "stop", None)


def test_connect_timeout() -> None:
    async def slow(_r: HttpRequest) -> MockResponse:
        await asyncio.sleep(30)
        raise AssertionError("unreachable")

    start = time.monotonic()
    got = collect(go(events_of(MockTransport(slow), timeouts=FAST)))
    assert time.monotonic() - start < 2
    assert got.error is not None and got.error.kind == "timeout"
    assert "0.2 s" in got.error.message


def test_stalled_stream_times_out_and_keeps_text() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield chunk("partial answer")
        await asyncio.sleep(30)
        yield FINISH

    transport = respond(body=body())
    start = time.monotonic()
    got = collect(go(events_of(transport, timeouts=FAST)))
    assert time.monotonic() - start < 2
    assert got.text == "partial answer"
    assert got.finish_reason == "error"
    assert got.error is not None and got.error.kind == "timeout"
    assert "kept" in got.error.message
    assert transport.responses[0].closed  # type: ignore[attr-defined]


@pytest.mark.parametrize(("provider", "last"), [
    ("openai", b"data: [DONE]\n\n"),
    ("anthropic", b'event: message_stop\ndata: {"type":"message_stop"}\n\n'),
    ("cohere", b'event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"COMPLETE"}}\n\n'),
    ("ollama", b'{"model":"m","message":{"content":""},"done":true,"done_reason":"stop"}\n'),
])
def test_the_end_marker_ends_the_answer_on_a_connection_left_open(provider: str, last: bytes) -> None:
    first = {"openai": chunk("whole") + b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n',
             "anthropic": b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,'
                          b'"delta":{"type":"text_delta","text":"whole"}}\n\nevent: message_delta\ndata: '
                          b'{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}\n\n',
             "cohere": b'event: content-delta\ndata: {"type":"content-delta","index":0,'
                       b'"delta":{"message":{"content":{"text":"whole"}}}}\n\n',
             "ollama": b'{"model":"m","message":{"content":"whole"},"done":false}\n'}[provider]

    async def body() -> AsyncIterator[bytes]:
        yield first + last + b"data: [DO"  # then a proxy holds the connection open; a cut-off tail is not read
        await asyncio.sleep(30)

    transport = respond(body=body())
    got = collect(go(events_of(transport, provider=provider, timeouts=FAST)))
    assert got.text == "whole" and got.error is None and got.finish_reason == "stop"
    assert transport.responses[0].closed  # type: ignore[attr-defined]


def test_a_finish_reason_of_error_fails_the_answer() -> None:
    body = chunk("half") + b'data: {"choices":[{"index":0,"delta":{},"finish_reason":"error"}]}\n\ndata: [DONE]\n\n'
    got = collect(go(events_of(respond(body=[body]))))
    assert got.text == "half"
    assert got.error is not None and got.error.kind == "server"
    assert "ended its answer with an error (error)" in got.error.message


def test_deepseek_cutting_an_answer_off_for_lack_of_resources_is_an_error_not_a_finish() -> None:
    body = chunk("Half an ans") + (b'data: {"choices":[{"index":0,"delta":{"content":""},'
                                   b'"finish_reason":"insufficient_system_resource"}]}\n\ndata: [DONE]\n\n')
    got = collect(go(events_of(respond(body=[body]), provider="deepseek")))
    assert got.text == "Half an ans" and got.error is not None and got.error.kind == "server"
    assert "(insufficient_system_resource)" in got.error.message and got.error.retryable


def test_idle_timeout_before_the_first_byte() -> None:
    async def body() -> AsyncIterator[bytes]:
        await asyncio.sleep(30)
        yield FINISH

    got = collect(go(events_of(respond(body=body()), timeouts=Timeouts(connect=1, idle=0.1))))
    assert got.error is not None and got.error.kind == "timeout"


def test_no_timeout_when_none() -> None:
    async def body() -> AsyncIterator[bytes]:
        await asyncio.sleep(0.05)
        yield chunk("ok") + FINISH

    got = collect(go(events_of(respond(body=body()), timeouts=Timeouts(connect=None, idle=None))))
    assert (got.text, got.error) == ("ok", None)


def test_cancelling_the_task_closes_the_response() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield chunk("a")
        await asyncio.sleep(30)
        yield FINISH

    async def main() -> tuple[list[Event], MockTransport]:
        transport = respond(body=body())
        got: list[Event] = []
        first = asyncio.Event()

        async def consume() -> None:
            async for event in stream_chat(transport, "openai", REQUEST, "k"):
                got.append(event)
                first.set()

        task = asyncio.create_task(consume())
        await first.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return got, transport

    got, transport = go(main())
    assert collect(got).text == "a"
    assert transport.responses[0].closed  # type: ignore[attr-defined]


def test_aclose_of_the_generator_closes_the_response() -> None:
    async def main() -> MockTransport:
        transport = respond(body=[chunk("a"), chunk("b"), FINISH])
        stream = stream_chat(transport, "openai", REQUEST, "k")
        async for _event in stream:
            break
        await stream.aclose()  # type: ignore[attr-defined]
        return transport

    assert go(main()).responses[0].closed  # type: ignore[attr-defined]


def test_error_status_becomes_one_stream_error() -> None:
    body = b'{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}'
    transport = respond(
        429, {"content-type": "application/json", "Retry-After": "20"}, [body[:10], body[10:]]
    )
    events = go(events_of(transport))
    assert len(events) == 1 and isinstance(events[0], StreamError)
    error = events[0].error
    assert (error.kind, error.status, error.retry_after, error.provider) == (
        "rate_limit",
        429,
        20.0,
        "openai",
    )


def test_transport_failures_become_network_errors_with_hints() -> None:
    def refuse(_r: HttpRequest) -> MockResponse:
        raise OSError("Failed to fetch")

    got = collect(go(events_of(MockTransport(refuse))))
    assert got.error is not None and got.error.kind == "network"
    assert "no CORS headers" in got.error.message and "Failed to fetch" in got.error.message

    def bare(_r: HttpRequest) -> MockResponse:
        raise transport_error("network", "TypeError: Failed to fetch")

    got = collect(go(events_of(MockTransport(bare), provider="ollama")))
    assert got.error is not None and got.error.kind == "network" and "OLLAMA_ORIGINS" in got.error.message

    def cors(_r: HttpRequest) -> MockResponse:
        raise ProviderError("cors", "preflight refused")

    got = collect(go(events_of(MockTransport(cors), provider="gemini")))
    assert got.error is not None and got.error.kind == "cors" and got.error.provider == "gemini"


@pytest.mark.parametrize(("code", "message"), [
    ("csp", "blocked by this site's Content-Security-Policy (connect-src); add https://x.example to it"),
    ("redirect", "https://x.example answered with a redirect to another address, which is not followed"),
])
def test_a_transport_error_with_a_known_cause_keeps_its_own_message(code: str, message: str) -> None:
    def handler(request: HttpRequest) -> MockResponse:
        raise ProviderError("network", message, code=code)

    got = collect(go(events_of(MockTransport(handler))))
    assert got.error is not None and got.error.kind == "network"
    assert got.error.message == message and got.error.provider == "openai" and got.error.code == code


def test_connection_lost_mid_body_keeps_text() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield chunk("so far")
        raise ConnectionResetError("reset by peer")

    got = collect(go(events_of(respond(body=body()))))
    assert got.text == "so far"
    assert got.error is not None and got.error.kind == "network"
    # The provider was answering, so no "could not reach" hints about keys or CORS.
    assert got.error.message.startswith("The connection to OpenAI broke mid-answer; the answer so far is kept.")
    assert "reset by peer" in got.error.message and "Likely causes" not in got.error.message


def test_browser_transport_break_mid_body_is_worded_as_a_break() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield chunk("half")
        raise transport_error("network", "TypeError: network error")

    got = collect(go(events_of(respond(body=body()))))
    assert got.text == "half"
    assert got.error is not None and got.error.kind == "network"
    assert "broke mid-answer" in got.error.message and "Likely causes" not in got.error.message


def test_non_streaming_request() -> None:
    answer = {
        "model": "gpt-x",
        "choices": [{"index": 0, "message": {"content": "Whole"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }
    transport = respond(200, {"content-type": "application/json"}, json.dumps(answer).encode())
    request = ChatRequest("gpt-x", [Message("user", "hi")], stream=False)
    got = go(complete(transport, "openai", request, "k"))
    assert (got.text, got.finish_reason, got.usage.input_tokens, got.usage.output_tokens) == (
        "Whole",
        "stop",
        3,
        1,
    )
    assert transport.requests[0].json()["stream"] is False


def test_json_answer_to_a_streaming_request() -> None:
    answer = {"choices": [{"index": 0, "message": {"content": "Not streamed"}, "finish_reason": "stop"}]}
    transport = respond(200, {"content-type": "application/json; charset=utf-8"}, json.dumps(answer).encode())
    got = go(complete(transport, "openai-compatible", REQUEST, "", base_url="http://127.0.0.1:9/v1"))
    assert (got.text, got.error) == ("Not streamed", None)


def test_bad_configuration_is_an_error_event() -> None:
    got = go(complete(respond(), "openai-compatible", REQUEST, ""))
    assert got.error is not None and got.error.kind == "bad_request" and "base URL" in got.error.message


def test_list_models_and_check_key() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        if request.url.endswith("/models"):
            return MockResponse(200, {}, b'{"data":[{"id":"b"},{"id":"a"}]}')
        return MockResponse(
            401,
            {},
            b'{"error":{"message":"Incorrect API key provided: sk-k***789","code":"invalid_api_key"}}',
        )

    transport = MockTransport(handler)
    assert go(list_models(transport, "openai", "k")) == [ModelInfo("a"), ModelInfo("b")]
    go(check_key(transport, "groq", "k"))
    with pytest.raises(ProviderError) as info:
        go(check_key(transport, "openrouter", "sk-k-0123456789"))
    assert info.value.kind == "auth" and "789" not in info.value.message
    assert len(transport.responses) == 3  # type: ignore[attr-defined]  # one per call: none left unchecked
    assert all(r.closed for r in transport.responses)  # type: ignore[attr-defined]


def test_list_models_timeout() -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b'{"data":'
        await asyncio.sleep(30)
        yield b"[]}"

    with pytest.raises(ProviderError) as info:
        go(list_models(respond(200, {}, body()), "openai", "k", timeout=0.1))
    assert info.value.kind == "timeout"


def test_timeouts_validation_and_header_wait() -> None:
    with pytest.raises(ValueError):
        Timeouts(connect=0)
    with pytest.raises(ValueError):
        Timeouts(idle=-1)
    assert Timeouts(10, 60).headers_wait(stream=True) == 10
    assert Timeouts(10, 60).headers_wait(stream=False) == 60
    assert Timeouts(None, 60).headers_wait(stream=False) is None


def test_mock_transport_accepts_async_handlers_and_records_requests() -> None:
    async def handler(request: HttpRequest) -> MockResponse:
        await asyncio.sleep(0)
        return MockResponse(200, SSE, chunk("x") + FINISH)

    transport = MockTransport(handler)
    assert collect(go(events_of(transport))).text == "x"
    assert len(transport.requests) == 1


def test_http_request_takes_any_mapping_of_headers() -> None:
    request = HttpRequest("GET", "https://x.test/", {"X-Api-Key": "k"})
    assert isinstance(request.headers, Headers)
    assert request.headers["x-api-key"] == request.headers["X-API-KEY"] == "k"
    assert list(request.headers) == ["x-api-key"]
    assert request.json() is None
