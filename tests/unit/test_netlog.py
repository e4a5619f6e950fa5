"""The network ledger: causes, masking, CSP matching, the browser's record matched or flagged, export."""

from __future__ import annotations

import asyncio
import json

import pytest
from scripts.buildlib import csp

from switchboard.chat import ChatRequest, Message
from switchboard.http import HttpRequest, MockResponse, MockTransport
from switchboard.netlog import Ledger, LoggingTransport, allowed_hosts, allows, cause, directive, masked
from switchboard.service import check_key, list_models, stream_chat
from tests.unit.test_run import SSE, go, openai_chunks

PAGE = "https://switchboard.example"
POLICY = csp.meta_policy()
SOURCES = directive(POLICY, "connect-src")
KEY = "AIzaSy-the-secret-gemini-key-0123456789"


def ledger() -> Ledger:
    clock = iter(range(1000, 100_000))
    return Ledger(SOURCES, PAGE, now=lambda: float(next(clock)))


def test_query_values_are_masked_unless_known_harmless() -> None:
    origin, host, path = masked(f"https://generativelanguage.googleapis.com/v1beta/models/g:streamGenerateContent"
                                f"?alt=sse&key={KEY}&x=1")
    assert origin == "https://generativelanguage.googleapis.com" and host == "generativelanguage.googleapis.com"
    assert path == "/v1beta/models/g:streamGenerateContent?alt=sse&key=…&x=…" and KEY not in path


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://api.openai.com/v1/chat/completions", True),
    ("https://api.anthropic.com/v1/messages", True),
    (f"{PAGE}/pyodide/pyodide.asm.wasm", True),  # 'self'
    ("http://localhost:11434/api/chat", True),  # local models, any port
    ("http://127.0.0.1:8080/v1/models", True),
    ("https://evil.example/steal", False),
    ("http://api.openai.com/v1/models", False),  # a source with https: does not allow plain http
    ("https://api.openai.com.evil.example/", False),
])
def test_the_generated_connect_src_allows_exactly_the_providers_this_site_and_local_models(url: str,
                                                                                          allowed: bool) -> None:
    assert allows(SOURCES, url, PAGE) is allowed


def test_csp_source_forms() -> None:
    assert allows(["https:"], "https://any.example/", PAGE) and not allows(["https:"], "http://any.example/", PAGE)
    assert allows(["*.example.org"], "https://a.example.org/x", PAGE)
    assert not allows(["*.example.org"], "https://example.org/x", PAGE)
    assert allows(["https://api.example:8443"], "https://api.example:8443/v1", PAGE)
    assert not allows(["https://api.example:8443"], "https://api.example/v1", PAGE)
    assert not allows([], "https://api.openai.com/", PAGE)


def test_the_allowed_hosts_read_as_words() -> None:
    words = allowed_hosts(SOURCES, PAGE)
    assert words[0] == f"this site ({PAGE})" and "api.openai.com" in words
    assert any("localhost" in w and "(any port)" in w for w in words)


def test_each_request_through_the_transport_is_logged_with_its_cause_and_no_secret() -> None:
    log = ledger()

    def handler(request: HttpRequest) -> MockResponse:
        if request.url.endswith("/models"):
            return MockResponse(200, {"content-type": "application/json"}, b'{"data": [{"id": "gpt-4o"}]}')
        return MockResponse(200, SSE, openai_chunks("gpt-4o", ["Hi"]))

    transport = LoggingTransport(MockTransport(handler), log)
    secret = "sk-proj-secret-0123456789abcdef"

    async def session() -> None:
        await list_models(transport, "openai", secret)
        await check_key(transport, "openai", secret)
        request = ChatRequest(model="gpt-4o", messages=[Message("user", "hi")])
        async for _event in stream_chat(transport, "openai", request, secret):
            pass
        with cause("price refresh"):
            await transport.send(HttpRequest("GET", "https://openrouter.ai/api/v1/models"))

    go(session())
    entries = log.entries
    assert [(e.cause, e.method, e.host, e.path) for e in entries] == [
        ("model list", "GET", "api.openai.com", "/v1/models"),
        ("key test", "GET", "api.openai.com", "/v1/models"),
        ("answer", "POST", "api.openai.com", "/v1/chat/completions"),
        ("price refresh", "GET", "openrouter.ai", "/api/v1/models"),
    ]
    answer = entries[2]
    assert answer.status == 200 and answer.ours and not answer.flags
    assert answer.received == sum(len(c) for c in openai_chunks("gpt-4o", ["Hi"]))
    assert answer.sent is not None and answer.sent > 0 and answer.duration is not None
    assert secret not in log.export().decode()


def test_a_failed_or_stopped_request_says_so() -> None:
    log = ledger()

    async def slow(request: HttpRequest) -> MockResponse:
        await asyncio.sleep(5)
        return MockResponse(200)

    async def stopped() -> None:
        task = asyncio.ensure_future(LoggingTransport(MockTransport(slow), log).send(
            HttpRequest("GET", "https://api.openai.com/v1/models")))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    go(stopped())
    assert log.entries[0].error == "stopped" and log.entries[0].status is None


def test_the_browsers_record_of_our_request_is_matched_and_any_other_is_flagged() -> None:
    log = ledger()
    number = log.start("POST", "https://api.openai.com/v1/chat/completions", "answer", 10)
    started = log.entries[0].at
    log.seen("https://api.openai.com/v1/chat/completions", started + 0.01, 1.2, 0)
    assert [e.number for e in log.entries] == [number]  # matched: not listed twice
    log.seen(f"{PAGE}/pyodide/pydantic-2.14.4-py3-none-any.whl", started + 1, 0.2, 1000)
    log.seen("https://api.openai.com/v1/models", started + 2, 0.3, 0)  # someone else's fetch to an allowed host
    log.seen("https://evil.example/collect?k=secret", started + 3, 0.1, 0)
    app_file, foreign, evil = log.entries[1:]
    assert app_file.cause == "app file" and not app_file.flags
    assert foreign.flags == ("not made through Switchboard's transport",) and not foreign.ours
    assert evil.flags == ("outside the hosts this page's policy allows", "not made through Switchboard's transport")
    assert evil.path == "/collect?k=…"
    assert log.flagged() == [foreign, evil]


def test_the_ledger_is_bounded_and_exports_what_it_shows() -> None:
    log = ledger()
    for _ in range(5010):
        log.start("GET", "https://api.openai.com/v1/models", "model list", 0)
        log.seen("https://api.openai.com/v1/models", log.entries[-1].at, 0.1, 0)  # matched to the browser's
    assert len(log.entries) == 5000 and log.entries[0].number == 11
    assert len(log._seen) == 5000  # what it matched goes with the entries dropped (it grew all day)
    document = json.loads(log.export())
    assert document["format"] == "switchboard-network-ledger" and len(document["requests"]) == 5000
    assert document["connect_src"] == SOURCES
    assert set(document["requests"][0]) == {"number", "at", "method", "origin", "host", "path", "cause", "ours",
                                            "status", "received", "sent", "duration", "error", "note", "flags"}


def test_an_origin_is_written_as_the_browser_writes_it_so_its_record_matches() -> None:
    ledger = Ledger([], "https://app.example", now=lambda: 1000.0)
    ledger.start("POST", "https://user@LLM.example.com:443/v1/chat/completions")  # as a custom endpoint was typed
    ledger.seen("https://llm.example.com/v1/chat/completions", 1000.2, 1.0, 10)  # Resource Timing's name for it
    assert ledger.flagged() == []
    assert [masked(url)[0] for url in ("http://localhost:80/v1", "http://localhost:8080/v1", "https://[::1]:443/")] \
        == ["http://localhost", "http://localhost:8080", "https://[::1]"]
