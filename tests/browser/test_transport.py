"""Issue 3 in Chromium: the fetch transport streams, aborts on cancel, and names CORS and network failures.

Every call runs in the built app's own interpreter (``boot.mjs``'s ``start()``) through
``switchboard.service.stream_chat`` with ``FetchTransport``, to the providers' real URLs
(https://api.openai.com/..., mapped to the loopback mock by the harness's resolver rules), so each
provider's real CORS rules (preflight allow-lists, headers missing on errors) are in the way.

The app is served from http://127.0.0.2 rather than 127.0.0.1: still loopback (a secure context, no
private-network rules in the way), but an origin Ollama does not admit by default, as a deployed page's
origin would not be. The harness's resolver rules send every host but 127.0.0.1 and localhost nowhere,
so this module runs its own Chromium, identical except that 127.0.0.2 is excluded from those rules.
One page load serves the whole module.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from scripts.mock_providers import MockProviders

from tests.browser.conftest import ROOT, RequestGuard, is_allowed, wait_ready

PAGE_HOST = "127.0.0.2"  # loopback, yet not one of the origins Ollama allows by default
PACE = 0.25  # seconds between streamed frames where timing matters
WORDS = 8  # words in a paced reply: one content frame each
SCENARIO_WORDS = 12  # words in a misbehaving reply: it stops about halfway
IDLE = 1.0  # idle timeout for the stalled stream
BOUND = 20.0  # upper bound, in seconds, on any one call inside the page

MODELS = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-haiku-4-5",
    "gemini": "gemini-2.5-flash",
    "ollama": "llama3.2:latest",
}
CHAT_PATHS = {
    "openai": "/v1/chat/completions",
    "anthropic": "/v1/messages",
    "gemini": "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
    "ollama": "/api/chat",
}
STREAMING = ("openai", "anthropic", "gemini")
MIDSTREAM_KIND = {"openai": "server", "anthropic": "overloaded", "gemini": "server"}  # the mock's error frames

# Installed once in a private namespace of the page's interpreter; each test calls one of these.
PROBE = f"""
import asyncio
import json

import js
from switchboard.chat import ChatRequest, Message, TextDelta, collect
from switchboard.service import Timeouts, stream_chat
from switchboard.web.fetch import FetchTransport

MODELS = {MODELS!r}
BOUND = {BOUND!r}


def now():
    # Wall-clock seconds: the same clock as the mock's request log (time.time()).
    return js.Date.now() / 1000


def request(provider, prompt):
    return ChatRequest(MODELS[provider], [Message("user", prompt)])


def report(events, **extra):
    done = collect(events)
    error = done.error
    return json.dumps({{
        "text": done.text,
        "deltas": [e.text for e in events if isinstance(e, TextDelta)],
        "input_tokens": done.usage.input_tokens,
        "output_tokens": done.usage.output_tokens,
        "finish": done.finish_reason,
        "error": None if error is None else {{
            "kind": error.kind, "message": error.message, "status": error.status,
            "provider": error.provider,
        }},
        **extra,
    }})


async def chat(provider, prompt, key="sk-test", base_url=None, idle=BOUND):
    events, arrivals = [], []
    timeouts = Timeouts(connect=BOUND, idle=idle)
    async with asyncio.timeout(BOUND):
        async for event in stream_chat(
            FetchTransport(), provider, request(provider, prompt), key, base_url=base_url, timeouts=timeouts
        ):
            events.append(event)
            arrivals.append([type(event).__name__, now()])
    return report(events, arrivals=arrivals, ended=now())


async def cancel_after(provider, prompt, deltas):
    events = []
    enough = asyncio.Event()

    async def consume():
        async for event in stream_chat(FetchTransport(), provider, request(provider, prompt), "sk-test"):
            events.append(event)
            if sum(isinstance(e, TextDelta) for e in events) >= deltas:
                enough.set()

    task = asyncio.create_task(consume())
    try:
        async with asyncio.timeout(BOUND):
            await enough.wait()
    finally:
        cancelled_at = now()
        task.cancel()
        await asyncio.wait([task], timeout=BOUND)
    cancelled = task.done() and task.cancelled()
    crashed = repr(task.exception()) if task.done() and not cancelled and task.exception() else None
    return report(events, cancelled_at=cancelled_at, done=task.done(), cancelled=cancelled, crashed=crashed)
"""

# Runs Python in the app's interpreter; PROBE goes into a namespace of its own on first use.
RUN = """async ([probe, code]) => {
  const boot = await import("./pyodide/boot.mjs");
  const py = await boot.start();
  if (window.__transportProbe === undefined) {
    const ns = py.globals.get("dict")();
    await py.runPythonAsync(probe, {globals: ns});
    window.__transportProbe = ns;
  }
  return await py.runPythonAsync(code, {globals: window.__transportProbe});
}"""


def call(page: Any, function: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """`await function(*args, **kwargs)` in the page's interpreter; its JSON report, parsed."""
    code = f"await {function}(*json.loads({json.dumps(args)!r}), **json.loads({json.dumps(kwargs)!r}))"
    return json.loads(page.evaluate(RUN, [PROBE, code]))


# ------------------------------------------------------------------------------------------- fixtures


class PageGuard(RequestGuard):
    """The harness's guard, also admitting this module's page origin (loopback too)."""

    def _record(self, request: Any) -> None:
        self.seen.append(request.url)
        if urlsplit(request.url).hostname != PAGE_HOST and not is_allowed(request.url):
            self.violations.append(request.url)


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def page_url(dist: Any) -> Iterator[str]:
    """`scripts/serve.py --no-build` on 127.0.0.2."""
    port = free_port(PAGE_HOST)
    cmd = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--no-build", "--host", PAGE_HOST, "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection((PAGE_HOST, port), 0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"serve.py did not listen on {PAGE_HOST}:{port}") from None
                time.sleep(0.05)
        yield f"http://{PAGE_HOST}:{port}/"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def page_browser(launch_browser: Callable[..., Any], browser_type_launch_args: dict[str, Any]) -> Iterator[Any]:
    """The harness's Chromium, with 127.0.0.2 excluded from the resolver rules."""
    args = [
        f"{a}, EXCLUDE {PAGE_HOST}" if a.startswith("--host-resolver-rules=") else a
        for a in browser_type_launch_args["args"]
    ]
    assert args != browser_type_launch_args["args"], "the harness no longer sets --host-resolver-rules"
    browser = launch_browser(args=args)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def app(page_browser: Any, page_url: str, module_seq: int) -> Iterator[tuple[Any, PageGuard]]:
    """One started app for the module, guarded like the harness's pages."""
    guard = PageGuard()
    context = page_browser.new_context()
    guard.attach(context)
    try:
        page = context.new_page()
        page.goto(page_url)
        wait_ready(page)
        yield page, guard
    finally:
        context.close()
    assert not guard.violations, f"requests left the machine: {guard.violations}"


@pytest.fixture
def page(app: tuple[Any, PageGuard]) -> Iterator[Any]:
    """The module's page; a test that sends a request anywhere else fails at once."""
    page, guard = app
    yield page
    assert not guard.violations, f"requests left the machine: {guard.violations}"


@pytest.fixture
def paced(mock: MockProviders) -> Iterator[float]:
    """The mock sends stream frames PACE seconds apart for this test only."""
    before = mock.pace
    mock.configure(pace=PACE)
    yield PACE
    mock.configure(pace=before)


def last_seq(mock: MockProviders) -> int:
    return max((e["seq"] for e in mock.requests), default=0)


@pytest.fixture(scope="module")
def module_seq(mock: MockProviders) -> int:
    return last_seq(mock)


@pytest.fixture
def since(mock: MockProviders, module_seq: int) -> Callable[..., list[dict[str, Any]]]:
    """Mock log entries made during this test, or this module (by sequence number: the log is a
    bounded deque, so positions shift)."""
    test_seq = last_seq(mock)

    def entries(
        provider: str | None = None, *, preflight: bool | None = None, module: bool = False
    ) -> list[dict[str, Any]]:
        start = module_seq if module else test_seq
        return [
            e
            for e in mock.requests
            if e["seq"] > start
            and (provider is None or e["provider"] == provider)
            and (preflight is None or e["preflight"] == preflight)
        ]

    return entries


def chat_entry(entries: list[dict[str, Any]], provider: str) -> dict[str, Any]:
    posts = [e for e in entries if e["method"] == "POST" and e["path"] == CHAT_PATHS[provider]]
    assert len(posts) == 1, entries
    return posts[0]


# ------------------------------------------------------------------------------ 1. streaming for real


@pytest.mark.parametrize("provider", STREAMING)
def test_text_reaches_python_while_the_answer_is_still_streaming(
    page: Any, mock: MockProviders, paced: float, since: Callable[..., list[dict[str, Any]]], provider: str
) -> None:
    prompt = f"Stream please mock-words-{WORDS}"
    result = call(page, "chat", provider, prompt)
    entry = chat_entry(since(provider, preflight=False), provider)
    sent = entry["reply"]

    # What Python collected is what the mock sent, word for word, usage included.
    assert result["error"] is None, result["error"]
    assert entry["status"] == 200 and entry["port"] == "https"
    assert result["text"] == sent["text"]
    assert result["deltas"] == [w if i == 0 else " " + w for i, w in enumerate(sent["text"].split())]
    assert (result["input_tokens"], result["output_tokens"]) == (sent["input_tokens"], sent["output_tokens"])
    assert result["finish"] == "stop"

    # The mock waits `paced` seconds before each frame after the first, so it sent the last word no
    # sooner than (WORDS - 1) * paced after it received the request. The first word reached Python
    # before that: the body was read as it arrived, not once it was complete.
    texts = [t for kind, t in result["arrivals"] if kind == "TextDelta"]
    first_word_deadline = entry["time"] + (WORDS - 1) * paced
    assert texts[0] < first_word_deadline, (texts[0] - entry["time"], (WORDS - 1) * paced)
    # And the words arrived spread over the stream's duration, not in one burst at the end.
    assert result["ended"] - texts[0] >= 0.5 * (WORDS - 1) * paced, result["arrivals"]

    # The real CORS path was taken: a preflight the provider's rules accepted (in this test, or in an
    # earlier one of this module, since Chromium caches a preflight for Access-Control-Max-Age).
    preflights = [p for p in since(provider, preflight=True, module=True) if p["path"] == entry["path"]]
    assert preflights, "the browser sent no preflight"
    assert all(p["status"] == 204 and not p["refused_headers"] for p in preflights), preflights
    asked = [h.strip() for h in preflights[-1]["headers"]["access-control-request-headers"].split(",")]
    if provider == "anthropic":
        assert entry["headers"]["anthropic-dangerous-direct-browser-access"] == "true"
        assert "anthropic-dangerous-direct-browser-access" in asked
    if provider == "gemini":  # only Google's allow-listed headers were asked for
        assert set(asked) <= {"x-goog-api-key", "x-goog-api-client", "content-type"}, asked


# ------------------------------------------------------------------------------ 2. cancel aborts fetch


def test_cancelling_the_consumer_aborts_the_request(
    page: Any, mock: MockProviders, paced: float, since: Callable[..., list[dict[str, Any]]]
) -> None:
    words = 40  # at PACE a full answer takes over 10 s
    chat_url = f"https://api.openai.com{CHAT_PATHS['openai']}"
    failed_at: list[float] = []
    finished: list[Any] = []

    def is_chat(request: Any) -> bool:
        return bool(request.url == chat_url and request.method == "POST")

    def on_failed(request: Any) -> None:
        if is_chat(request):
            failed_at.append(time.time())

    def on_finished(request: Any) -> None:
        finished.append(request)

    page.on("requestfailed", on_failed)
    page.on("requestfinished", on_finished)
    try:
        with page.expect_event("requestfailed", predicate=is_chat, timeout=10_000) as failure:
            result = call(page, "cancel_after", "openai", f"Cancel me mock-words-{words}", 2)
    finally:
        page.remove_listener("requestfailed", on_failed)
        page.remove_listener("requestfinished", on_finished)

    entry = chat_entry(since("openai", preflight=False), "openai")
    assert entry["reply"]["output_tokens"] == words
    # The task was cancelled (not turned into an error event) after the first words...
    assert result["done"] and result["cancelled"] and result["crashed"] is None, result
    assert result["error"] is None
    assert 2 <= len(result["deltas"]) < words
    # ...and the browser aborted the fetch: Chromium reports the request as failed with ERR_ABORTED,
    # long before the mock would have finished sending, and never as finished.
    assert failure.value.failure == "net::ERR_ABORTED"
    assert failed_at and failed_at[0] < entry["time"] + (words - 1) * paced
    assert failed_at[0] - result["cancelled_at"] < (words - 1) * paced / 2
    assert not [r for r in finished if is_chat(r)]


# ----------------------------------------------------------------------- 3. CORS and network failures


def test_openai_bad_key_401_without_cors_headers_is_a_cors_error_naming_the_key(
    page: Any, since: Callable[..., list[dict[str, Any]]]
) -> None:
    result = call(page, "chat", "openai", "Hello", key="sk-bad-key-0123")
    error = result["error"]
    assert error is not None and result["text"] == ""
    assert error["kind"] == "cors", error
    assert error["provider"] == "openai"
    message = error["message"]
    assert "CORS" in message and "key" in message and "401" in message, message
    # The mock did answer 401 (no CORS headers on it); the browser hid that, the probe told it apart.
    entry = chat_entry(since("openai", preflight=False), "openai")
    assert entry["status"] == 401
    assert any(e["method"] == "GET" and e["path"] == CHAT_PATHS["openai"] for e in since("openai"))
    assert "sk-bad-key-0123" not in message


def test_ollama_refusing_the_page_origin_is_a_cors_error_naming_ollama_origins(
    page: Any, mock: MockProviders, since: Callable[..., list[dict[str, Any]]]
) -> None:
    base_url = f"http://localhost:{mock.http_port}"
    result = call(page, "chat", "ollama", "Hello", key="", base_url=base_url)
    error = result["error"]
    assert error is not None and result["text"] == ""
    assert error["kind"] == "cors", error
    assert "OLLAMA_ORIGINS" in error["message"], error["message"]
    # Ollama (the mock, by its origin rule) refused this page's origin at the preflight, so the browser
    # never sent the chat request; the transport's no-cors probe was answered, which made it `cors`.
    origin = page.evaluate("() => location.origin")
    preflights = since("ollama", preflight=True)
    assert preflights and all(p["status"] == 403 for p in preflights), preflights
    assert {p["headers"]["origin"] for p in preflights} == {origin}
    sent = since("ollama", preflight=False)
    assert [e["method"] for e in sent] == ["GET"], sent
    assert sent[0]["path"] == CHAT_PATHS["ollama"] and sent[0]["status"] is not None


def test_unreachable_provider_url_is_a_network_error(page: Any) -> None:
    closed = free_port("127.0.0.1")  # nothing listens there any more
    result = call(page, "chat", "openai", "Hello", base_url=f"http://127.0.0.1:{closed}/v1")
    error = result["error"]
    assert error is not None and result["text"] == ""
    assert error["kind"] == "network", error
    assert "Could not reach OpenAI" in error["message"], error["message"]


# ------------------------------------------------------------------ 4. broken streams keep their text


@pytest.mark.parametrize("provider", STREAMING)
@pytest.mark.parametrize("scenario", ["midstream-error", "drop", "stall"])
def test_broken_stream_keeps_the_text_received_before_it(
    page: Any,
    mock: MockProviders,
    since: Callable[..., list[dict[str, Any]]],
    request: pytest.FixtureRequest,
    provider: str,
    scenario: str,
) -> None:
    if scenario == "drop":
        # Chromium discards body bytes it has not handed to the page when the connection breaks (a
        # plain JS reader loses them too), so a cut right after a burst leaves nothing to keep. Paced,
        # the words before the cut have reached Python when it comes, as they would from a real model.
        request.getfixturevalue("paced")
    prompt = f"Break mock-{scenario} mock-words-{SCENARIO_WORDS}"
    started = time.monotonic()
    result = call(page, "chat", provider, prompt, idle=IDLE)
    elapsed = time.monotonic() - started
    entry = chat_entry(since(provider, preflight=False), provider)
    assert entry["status"] == 200 and entry["scenario"] == scenario
    full = entry["reply"]["text"]

    error = result["error"]
    assert error is not None, result
    assert result["finish"] == "error"
    # Some words arrived, not all, exactly as sent, and they are kept next to the error.
    assert result["text"], (error, result["arrivals"])
    assert full.startswith(result["text"]) and result["text"] != full, (result["text"], full)
    assert result["arrivals"][-1][0] == "StreamError"
    if scenario == "midstream-error":  # the provider's own error object, mapped like any provider error
        assert error["kind"] == MIDSTREAM_KIND[provider], error
    elif scenario == "drop":
        assert error["kind"] == "network", error
        assert "broke mid-answer" in error["message"], error["message"]
    else:  # ended by the idle timeout, long before the mock would have cut the stalled stream
        assert error["kind"] == "timeout", error
        assert "the answer so far is kept" in error["message"], error["message"]
        assert IDLE <= elapsed < mock.stall_max / 2, elapsed


# ------------------------------------------------------------------------ 5. redirects are not followed


def test_a_redirect_is_an_error_and_the_key_is_not_sent_on(
    page: Any, since: Callable[..., list[dict[str, Any]]]
) -> None:
    # The mock answers the chat request with a 307 (CORS headers included, so a browser could follow it)
    # to https://api.anthropic.com/mock-redirected/..., another host the page's connect-src allows.
    moved = "https://api.openai.com/mock-redirect/v1"
    result = call(page, "chat", "openai", "Hello", key="sk-redirect-0123", base_url=moved)
    error = result["error"]
    assert error is not None and result["text"] == ""
    assert (error["kind"], error["provider"]) == ("network", "openai"), error
    assert error["message"] == (
        "https://api.openai.com answered with a redirect to another address. Switchboard does not follow "
        "redirects, so your API key is never sent anywhere else; if the provider moved, use its new base URL."
    )
    sent = [e for e in since() if not e["preflight"]]
    posts = [e for e in sent if e["method"] == "POST"]
    assert [(e["path"], e["status"]) for e in posts] == [("/mock-redirect/v1/chat/completions", 307)], sent
    assert posts[0]["headers"]["authorization"] == "Bearer sk-redirect-0123"  # the provider's own host only
    followed = [e for e in since() if e["path"].startswith("/mock-redirected/")]
    assert followed == [], "the browser followed the redirect"
