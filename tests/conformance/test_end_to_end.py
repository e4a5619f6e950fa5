"""Switchboard's own adapters against the mock, over real sockets: for every provider id, build the
request (at the provider's REAL default URL, sent to the mock with that Host header), send it with
urllib, feed the body to the adapter's decoder in odd-sized pieces, collect, and compare with what the
mock logged that it sent. Also: the same through each provider's mock base URL, non-streamed answers,
errors before and during the stream, cut-off streams, models lists and key checks."""

from __future__ import annotations

import http.client
import random
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

import pytest
from scripts.mock_providers import MockProviders

providers = pytest.importorskip("switchboard.providers", reason="switchboard.providers is not importable yet")
from switchboard import ChatRequest, Message, ProviderError, collect  # noqa: E402
from switchboard.http import HttpRequest  # noqa: E402

IDS = providers.ids()
PROMPT = "Tell the mock: ünïcødé 🌍 works"


def send(mock: MockProviders, req: HttpRequest, via_host: bool = True, timeout: float = 10):
    """urllib to the mock's HTTP port. via_host: keep the real URL's host as the Host header (the mock
    routes on it), as the browser does through --host-resolver-rules."""
    parts = urlsplit(req.url)
    url = urlunsplit(("http", f"127.0.0.1:{mock.http_port}", parts.path, parts.query, ""))
    headers = dict(req.headers)
    if via_host:
        headers["Host"] = parts.netloc
    r = urllib.request.Request(url, data=req.body or None, headers=headers, method=req.method)
    try:
        return urllib.request.urlopen(r, timeout=timeout)
    except urllib.error.HTTPError as exc:
        return exc  # an HTTPError is also a response (status, headers, body)


def base_for(mock: MockProviders, pid: str, via_host: bool) -> str | None:
    if pid == "openai-compatible" or not via_host:
        return mock.base_url(pid)  # prefix routing on the HTTP port
    return None  # the adapter's real default URL


def stream(
    mock: MockProviders,
    pid: str,
    prompt: str = PROMPT,
    key: str = "test-key",
    via_host: bool = True,
    max_output_tokens: int | None = None,
):
    adapter = providers.get(pid)
    req = adapter.build_request(
        ChatRequest(model="model-x", messages=[Message(role="user", content=prompt)], system="Be brief.",
                    max_output_tokens=max_output_tokens, stream=True),
        key, base_url=base_for(mock, pid, via_host),
    )  # fmt: skip
    resp = send(mock, req, via_host)
    if resp.status >= 400:
        body = resp.read()
        raise adapter.error_from_response(resp.status, dict(resp.headers), body, key)
    decoder, events, rng = adapter.decoder(key), [], random.Random(pid)
    try:
        while piece := resp.read(rng.randint(1, 23)):  # odd sizes: split lines and UTF-8 characters
            events += decoder.feed(piece)
    except http.client.IncompleteRead as exc:  # a dropped connection: keep what arrived
        events += decoder.feed(exc.partial)
    events += decoder.close()
    return collect(events)


@pytest.mark.parametrize("via_host", [True, False], ids=["real-url+host", "mock-base-url"])
@pytest.mark.parametrize("pid", IDS)
def test_stream_text_and_usage(mock: MockProviders, pid: str, via_host: bool) -> None:
    got = stream(mock, pid, via_host=via_host)
    sent = mock.last()
    assert sent["provider"] == pid and sent["status"] == 200
    if via_host and pid != "openai-compatible":  # routed by the real host name, as on the TLS port
        assert sent["headers"]["host"] == urlsplit(providers.get(pid).default_base_url).netloc
    assert got.error is None, got.error
    assert got.text == sent["reply"]["text"]
    assert got.finish_reason == "stop"
    assert got.usage.input_tokens == sent["reply"]["input_tokens"] == 8  # "Be brief." + 6 prompt words
    assert got.usage.output_tokens == sent["reply"]["output_tokens"]


@pytest.mark.parametrize("pid", IDS)
def test_non_stream(mock: MockProviders, pid: str) -> None:
    adapter = providers.get(pid)
    req = adapter.build_request(
        ChatRequest(model="model-x", messages=[Message(role="user", content=PROMPT)], stream=False),
        "test-key", base_url=base_for(mock, pid, True),
    )  # fmt: skip
    resp = send(mock, req)
    got = adapter.parse_response(resp.status, dict(resp.headers), resp.read(), "test-key")
    sent = mock.last()["reply"]
    assert (got.text, got.finish_reason) == (sent["text"], "stop")
    assert (got.usage.input_tokens, got.usage.output_tokens) == (sent["input_tokens"], sent["output_tokens"])


@pytest.mark.parametrize("pid", IDS)
def test_max_tokens_reaches_the_provider(mock: MockProviders, pid: str) -> None:
    got = stream(mock, pid, max_output_tokens=3)
    assert got.finish_reason == "length" and got.usage.output_tokens == 3


VERBATIM = "# Title\n\n- one\n- two  \n\n```python\nprint('hi')\n```\n\n<script>window.__pwned=1</script> ünï 🌍\n"


@pytest.mark.parametrize("pid", IDS)
def test_a_configured_reply_text_arrives_verbatim(mock: MockProviders, pid: str) -> None:
    mock.configure(reply_text=VERBATIM)
    got = stream(mock, pid)
    assert got.error is None, got.error
    assert got.text == mock.last()["reply"]["text"] == VERBATIM
    assert got.usage.output_tokens == len(VERBATIM.split())
    cut = stream(mock, pid, max_output_tokens=3)
    assert (cut.text, cut.finish_reason) == ("# Title\n\n-", "length")


@pytest.mark.parametrize("pid", ["openrouter", "xai"])
def test_reported_costs(mock: MockProviders, pid: str) -> None:
    got = stream(mock, pid)
    if pid == "openrouter":  # 1e-6 per input token, 2e-6 per output token
        assert got.usage.cost_usd is not None and float(got.usage.cost_usd) == pytest.approx(8e-6 + 2e-6 * 10)
    if pid == "xai":  # 2000 ticks per input token, 5000 per output token, 1 USD = 1e10 ticks
        assert got.usage.cost_usd is not None and float(got.usage.cost_usd) == pytest.approx(
            (8 * 2000 + 10 * 5000) / 1e10
        )


@pytest.mark.parametrize("pid", IDS)
@pytest.mark.parametrize(
    ("scenario", "kind"),
    [
        ("error-429", "rate_limit"),
        ("error-500", "server"),
        ("error-503", "overloaded"),
        ("error-401", "auth"),
    ],
)
def test_errors_before_the_stream(mock: MockProviders, pid: str, scenario: str, kind: str) -> None:
    with pytest.raises(ProviderError) as info:
        stream(mock, pid, prompt=f"mock-{scenario} please")
    expected = {kind}
    if kind == "overloaded":  # a bare 503 says "unavailable", which an adapter may call server trouble
        expected.add("server")
    assert info.value.kind in expected, (info.value.kind, info.value.status)
    if scenario == "error-429" and pid != "gemini":
        assert info.value.retry_after == 1


@pytest.mark.parametrize("pid", IDS)
def test_error_in_the_middle_of_the_stream(mock: MockProviders, pid: str) -> None:
    got = stream(mock, pid, prompt="mock-midstream-error mock-words-8")
    assert got.error is not None and got.finish_reason == "error"
    full = "alpha bravo charlie delta echo foxtrot golf hotel"
    assert got.text and full.startswith(got.text) and got.text != full  # the part sent before the error


@pytest.mark.parametrize("pid", IDS)
def test_dropped_stream_is_an_error(mock: MockProviders, pid: str) -> None:
    got = stream(mock, pid, prompt="mock-drop mock-words-8")
    assert got.error is not None and got.error.kind == "invalid_response"


@pytest.mark.parametrize("pid", IDS)
def test_models_and_key_check(mock: MockProviders, pid: str) -> None:
    adapter = providers.get(pid)
    base = base_for(mock, pid, True)
    resp = send(mock, adapter.list_models_request("test-key", base_url=base))
    models = adapter.parse_models_response(resp.status, dict(resp.headers), resp.read(), "test-key")
    assert models and all(m.id for m in models)
    resp = send(mock, adapter.key_check_request("test-key", base_url=base))
    adapter.check_key_response(resp.status, dict(resp.headers), resp.read(), "test-key")
    if adapter.needs_key:
        resp = send(mock, adapter.key_check_request("bad-key", base_url=base))
        with pytest.raises(ProviderError) as info:
            adapter.check_key_response(resp.status, dict(resp.headers), resp.read(), "bad-key")
        assert info.value.kind == "auth"
