"""Scenario triggers and their effects on the wire: precedence, bad keys, key-check endpoints, drops,
stalls, slow first tokens, pace, reply length; every provider's mid-stream error shape."""

from __future__ import annotations

import http.client
import json
import time

import pytest
from scripts.mock_providers import INVALID_KEY, MockProviders
from scripts.mockprov.text import make_reply, verbatim_pieces

from ._support import ALL, auth_headers, chat, ndjson_lines, request, sse_events


def scenario_of(
    mock: MockProviders,
    provider: str = "openai",
    prompt: str = "hi",
    model: str | None = None,
    headers: dict[str, str] | None = None,
    query: str = "",
) -> str:
    path, body = chat(provider, prompt, stream=False, model=model)
    request(mock, "POST", path + query, body, {**auth_headers(provider), **(headers or {})})
    return mock.last()["scenario"]


def test_trigger_precedence(mock: MockProviders) -> None:
    mock.configure(scenario="error-500")
    assert scenario_of(mock) == "error-500"  # server default
    assert scenario_of(mock, prompt="x mock-error-401 y") == "error-401"  # prompt beats default
    assert (
        scenario_of(mock, prompt="mock-error-401", model="m-mock-error-429") == "error-429"
    )  # model beats prompt
    assert (
        scenario_of(mock, model="m-mock-error-429", query="?mock=error-503") == "error-503"
    )  # query beats model
    hdr = {"x-mock-scenario": "midstream-error"}
    assert (
        scenario_of(mock, model="m-mock-error-429", query="?mock=error-503", headers=hdr) == "midstream-error"
    )
    assert scenario_of(mock, prompt="mock-nonsense here") == "error-500"  # unknown words are ignored
    assert scenario_of(mock, prompt="a mock-ok b") == "ok"


def test_only_the_last_user_message_counts(mock: MockProviders) -> None:
    body = {
        "model": "m",
        "messages": [
            {"role": "user", "content": "mock-error-500"},
            {"role": "assistant", "content": "x"},
            {"role": "user", "content": "fine now"},
        ],
    }
    r = request(mock, "POST", "/openai/v1/chat/completions", body, auth_headers("openai"))
    assert r.status == 200


@pytest.mark.parametrize("key", ["abad1", "BAD", INVALID_KEY])
def test_invalid_keys(mock: MockProviders, key: str) -> None:
    path, body = chat("openai", "hi", stream=False)
    assert request(mock, "POST", path, body, auth_headers("openai", key)).status == 401


# provider -> (method, path, status for a good key, status for a bad key, check of the good body)
KEY_CHECKS = {
    "openai": ("GET", "/openai/v1/models", 401),
    "anthropic": ("GET", "/anthropic/v1/models", 401),
    "gemini": ("GET", "/gemini/v1beta/models", 400),
    "mistral": ("GET", "/mistral/v1/models", 401),
    "groq": ("GET", "/groq/openai/v1/models", 401),
    "openrouter": ("GET", "/openrouter/api/v1/key", 401),
    "deepseek": ("GET", "/deepseek/user/balance", 401),
    "xai": ("GET", "/xai/v1/api-key", 400),
    "together": ("GET", "/together/v1/models", 401),
    "cohere": ("POST", "/cohere/v1/check-api-key", 200),
}


@pytest.mark.parametrize("provider", list(KEY_CHECKS))
def test_key_check_endpoints(mock: MockProviders, provider: str) -> None:
    method, path, bad_status = KEY_CHECKS[provider]
    good = request(mock, method, path, headers=auth_headers(provider, "good-key"))
    assert good.status == 200, good.body
    bad = request(mock, method, path, headers=auth_headers(provider, "bad-key"))
    assert bad.status == bad_status
    if provider == "cohere":
        assert (good.json()["valid"], bad.json()) == (True, {"valid": False})
    missing = request(mock, method, path)
    assert missing.status in (401, 403, 400)


def test_public_and_keyless_endpoints(mock: MockProviders) -> None:
    assert request(mock, "GET", "/openrouter/api/v1/models").status == 200  # public on OpenRouter
    assert request(mock, "GET", "/api/tags", host="localhost:11434").json()["models"]
    assert request(mock, "GET", "/api/version", host="localhost:11434").json()["version"]
    assert request(mock, "GET", "/", host="localhost:11434").body == b"Ollama is running"
    assert request(mock, "HEAD", "/", host="localhost:11434").status == 200
    assert isinstance(
        request(mock, "GET", "/together/v1/models", headers=auth_headers("together")).json(), list
    )


def first_bytes_then(mock: MockProviders, provider: str, prompt: str, timeout: float) -> tuple[bytes, str]:
    """Read a stream with a socket timeout; returns (bytes read, how it ended)."""
    path, body = chat(provider, prompt, stream=True)
    conn = http.client.HTTPConnection("127.0.0.1", mock.http_port, timeout=timeout)
    conn.request(
        "POST", path, json.dumps(body), {**auth_headers(provider), "Content-Type": "application/json"}
    )
    resp = conn.getresponse()
    got = b""
    try:
        while chunk := resp.read1(65536):
            got += chunk
        return got, "end"
    except http.client.IncompleteRead as exc:
        return got + exc.partial, "incomplete"
    except TimeoutError:
        return got, "timeout"
    finally:
        conn.close()


def test_drop_cuts_the_body(mock: MockProviders) -> None:
    for provider in ("openai", "gemini", "ollama"):
        got, how = first_bytes_then(mock, provider, "mock-drop mock-words-10", timeout=5)
        assert how in ("incomplete", "end") and got
        # http.client may report the cut as a short clean read; the chunked terminator is what is missing.
        path, body = chat(provider, "mock-drop mock-words-10", stream=True)
        with pytest.raises(http.client.IncompleteRead):
            request(mock, "POST", path, body, auth_headers(provider))


def test_stall_keeps_the_connection_open_and_silent(mock: MockProviders) -> None:
    start = time.monotonic()
    got, how = first_bytes_then(mock, "anthropic", "mock-stall mock-words-10", timeout=0.7)
    assert how == "timeout" and b"message_start" in got and b"message_stop" not in got
    assert time.monotonic() - start < 3


def test_slow_first_token_with_keepalives(mock: MockProviders) -> None:
    mock.configure(slow_first_token=1.5)
    path, body = chat("deepseek", "mock-slow hi", stream=True)
    conn = http.client.HTTPConnection("127.0.0.1", mock.http_port, timeout=5)
    start = time.monotonic()
    conn.request(
        "POST", path, json.dumps(body), {**auth_headers("deepseek"), "Content-Type": "application/json"}
    )
    resp = conn.getresponse()
    headers_at = time.monotonic() - start
    data = resp.read()
    total = time.monotonic() - start
    conn.close()
    assert headers_at < 1.0 and total >= 1.4  # headers at once, content after the delay
    text = data.decode()
    assert text.count(": keep-alive") >= 2  # the opening one plus one during the wait
    assert text.rstrip().endswith("data: [DONE]")


def test_slow_seconds_from_the_magic_word(mock: MockProviders) -> None:
    path, body = chat("openai", "mock-slow-0.3 hi", stream=False)
    start = time.monotonic()
    assert request(mock, "POST", path, body, auth_headers("openai")).status == 200
    assert 0.3 <= time.monotonic() - start < 1.5


def test_pace_spaces_the_chunks(mock: MockProviders) -> None:
    mock.configure(pace=0.05)
    path, body = chat("cohere", "mock-words-8", stream=True)
    start = time.monotonic()
    r = request(mock, "POST", path, body, auth_headers("cohere"))
    elapsed = time.monotonic() - start
    frames = len(sse_events(r.body))  # 2 start + 8 deltas + end + message-end + [DONE] = 13
    assert frames == 13 and elapsed >= 0.05 * (frames - 1) * 0.9


def test_words_and_max_tokens(mock: MockProviders) -> None:
    path, body = chat("ollama", "mock-words-12", stream=True, options={"num_predict": 5})
    lines = ndjson_lines(request(mock, "POST", path, body).body)
    assert "".join(x["message"]["content"] for x in lines) == "alpha bravo charlie delta echo"
    assert (lines[-1]["done_reason"], lines[-1]["eval_count"]) == ("length", 5)


def test_verbatim_pieces_join_to_the_text_one_per_word() -> None:
    text = "  # Hi\n\n- a\n- b\t\n\n"
    pieces = verbatim_pieces(text)
    assert pieces == ["  #", " Hi", "\n\n-", " a", "\n-", " b\t\n\n"] and "".join(pieces) == text
    assert verbatim_pieces("") == [] and verbatim_pieces("   ") == []
    reply = make_reply("openai", "m", "mock-words-50 ignored", 3, None, 50, verbatim=text)
    assert (reply.text, reply.output_tokens, reply.finish) == (text, 6, "stop")
    assert make_reply("openai", "m", "", 3, 2, None, verbatim=text).text == "  # Hi"


def test_reply_text_setting_replaces_every_reply(mock: MockProviders) -> None:
    mock.configure(reply_text="line one\n\nline *two*")
    for provider in ("anthropic", "ollama"):
        path, body = chat(provider, "mock-words-9", stream=False)
        request(mock, "POST", path, body, auth_headers(provider))
        assert mock.last()["reply"] == {"text": "line one\n\nline *two*", "input_tokens": 1, "output_tokens": 4,
                                        "finish": "stop"}
    mock.configure(reply_text=None)
    path, body = chat("openai", "mock-words-2", stream=False)
    request(mock, "POST", path, body, auth_headers("openai"))
    assert mock.last()["reply"]["text"] == "alpha bravo"
    with pytest.raises(ValueError):
        mock.configure(reply_text=["not", "text"])


def midstream_payload(mock: MockProviders, provider: str) -> object:
    path, body = chat(provider, "mock-midstream-error mock-words-6", stream=True)
    r = request(mock, "POST", path, body, auth_headers(provider))
    assert r.status == 200
    if provider == "ollama":
        return ndjson_lines(r.body)[-1]
    events = [e for e in sse_events(r.body) if e[1] != "[DONE]"]
    name, data = events[-1]
    return {"event": name, **json.loads(data)} if name else json.loads(data)


MIDSTREAM = {
    "openai": lambda p: p["error"]["type"] == "server_error",
    "anthropic": lambda p: p["event"] == "error" and p["error"]["type"] == "overloaded_error",
    "gemini": lambda p: p["error"]["status"] == "INTERNAL",
    "mistral": lambda p: p["object"] == "error",
    "groq": lambda p: "error" in p,
    "openrouter": lambda p: p["error"]["code"] == 502 and p["choices"][0]["finish_reason"] == "error",
    "deepseek": lambda p: "error" in p,
    "xai": lambda p: "error" in p,
    "together": lambda p: "error" in p,
    "cohere": lambda p: p["event"] == "message-end" and p["delta"]["finish_reason"] == "ERROR",
    "ollama": lambda p: set(p) == {"error"},
    "openai-compatible": lambda p: "error" in p,
}


@pytest.mark.parametrize("provider", ALL)
def test_mid_stream_error_shapes(mock: MockProviders, provider: str) -> None:
    assert MIDSTREAM[provider](midstream_payload(mock, provider))


@pytest.mark.parametrize("provider", ALL)
def test_pre_stream_errors_everywhere(mock: MockProviders, provider: str) -> None:
    path, body = chat(provider, "hi", stream=True)
    statuses = {}
    for scenario in ("error-401", "error-429", "error-500", "error-503"):
        r = request(mock, "POST", path, body, {**auth_headers(provider), "x-mock-scenario": scenario})
        statuses[scenario] = r.status
        assert r.headers["content-type"].startswith("application/")
        if r.status == 429 and provider != "gemini":
            assert r.headers["retry-after"] == "1"
    overloaded = 529 if provider == "anthropic" else 503
    bad_key = 400 if provider in ("gemini", "xai") else 401
    assert statuses == {"error-401": bad_key, "error-429": 429, "error-500": 500, "error-503": overloaded}


def test_deepseek_400_is_octet_stream(mock: MockProviders) -> None:
    r = request(
        mock, "POST", "/deepseek/chat/completions", {"model": "deepseek-chat"}, auth_headers("deepseek")
    )
    assert r.status == 400 and r.headers["content-type"] == "application/octet-stream"
    assert r.json()["error"]["type"] == "invalid_request_error"
