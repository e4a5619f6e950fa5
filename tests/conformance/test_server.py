"""The server itself: provider selection on both ports, the TLS certificate, the request log, bounds,
control endpoints, fast stop, and the command line (run with no site-packages: standard library only)."""

from __future__ import annotations

import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from scripts.mock_providers import TLS_HOSTS, MockProviders

from ._support import auth_headers, chat, request

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("host", "provider"),
    [
        ("api.openai.com", "openai"),
        ("api.anthropic.com", "anthropic"),
        ("generativelanguage.googleapis.com", "gemini"),
        ("api.mistral.ai", "mistral"),
        ("api.groq.com", "groq"),
        ("openrouter.ai", "openrouter"),
        ("api.deepseek.com", "deepseek"),
        ("api.x.ai", "xai"),
        ("api.together.xyz", "together"),
        ("api.cohere.com", "cohere"),
    ],
)
def test_tls_port_dispatches_on_host(mock: MockProviders, host: str, provider: str) -> None:
    base = MockProviders.real_base_url(provider)
    assert base.startswith(f"https://{host}")
    path, body = chat(provider, "over tls", stream=True)
    real_path = "/" + path.split("/", 2)[2]  # drop the /<provider> prefix used on the HTTP port
    r = request(mock, "POST", real_path, body, auth_headers(provider), host=host, tls=True)
    assert r.status == 200, (real_path, r.body[:200])
    entry = mock.last()
    assert (entry["provider"], entry["port"], entry["headers"]["host"]) == (provider, "https", host)


def test_certificate_names_every_provider_host(mock: MockProviders) -> None:
    assert mock.cert_path
    ctx = ssl.create_default_context(cafile=mock.cert_path)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    assert {"api.openai.com", "api.anthropic.com", "generativelanguage.googleapis.com"} <= set(TLS_HOSTS)
    for host in TLS_HOSTS:
        with (
            socket.create_connection(("127.0.0.1", mock.https_port)) as raw,
            ctx.wrap_socket(raw, server_hostname=host) as s,
        ):
            assert s.selected_alpn_protocol() == "http/1.1"  # no h2: Chromium must fall back
    with (
        pytest.raises(ssl.SSLCertVerificationError),
        socket.create_connection(("127.0.0.1", mock.https_port)) as raw,
        ctx.wrap_socket(raw, server_hostname="example.org"),
    ):
        pass
    assert "MAP api.openai.com 127.0.0.1:" in mock.host_resolver_rules
    assert mock.chromium_args[1] == "--ignore-certificate-errors"


@pytest.mark.parametrize(
    ("path", "headers", "provider"),
    [
        ("/v1/chat/completions", {}, "openai"),
        ("/v1/models", {}, "openai"),
        ("/v1/models", {"anthropic-version": "2023-06-01"}, "anthropic"),
        ("/v1/messages", {}, "anthropic"),
        ("/v1beta/models", {}, "gemini"),
        ("/openai/v1/models", {}, "openai"),
        ("/groq/openai/v1/models", {}, "groq"),
        ("/api/v1/models", {}, "openrouter"),
        ("/api/tags", {}, "ollama"),
        ("/v2/chat", {}, "cohere"),
        ("/v1/check-api-key", {}, "cohere"),
        ("/models", {}, "deepseek"),
        ("/user/balance", {}, "deepseek"),
        ("/mistral/v1/models", {}, "mistral"),
        ("/openai-compatible/v1/models", {}, "openai-compatible"),
    ],
)
def test_http_port_selection(mock: MockProviders, path: str, headers: dict[str, str], provider: str) -> None:
    request(mock, "GET", path, headers=headers)
    assert mock.last()["provider"] == provider


def test_http_port_honours_host_too(mock: MockProviders) -> None:
    request(mock, "GET", "/v1/models", host="api.mistral.ai")
    assert mock.last()["provider"] == "mistral"
    request(mock, "GET", "/v1/models", host="localhost:11434")  # Ollama's /v1
    assert mock.last()["provider"] == "ollama"


def test_request_log_records_everything(mock: MockProviders) -> None:
    path, body = chat("openai", "log me", stream=True)
    request(
        mock,
        "OPTIONS",
        path,
        headers={"Origin": "http://x", "Access-Control-Request-Headers": "authorization"},
    )
    request(mock, "POST", path + "?a=1", body, auth_headers("openai", "k1"))
    pre, post = mock.requests
    assert pre["preflight"] and pre["method"] == "OPTIONS" and pre["status"] == 204
    assert post["method"] == "POST" and post["path"] == path and post["query"] == "a=1"
    assert post["headers"]["authorization"] == "Bearer k1" and post["body"] == body
    assert post["reply"]["text"] == "Mock openai reply to: log me" and post["status"] == 200
    mock.clear()
    assert mock.requests == []


def test_log_and_bodies_are_bounded() -> None:
    with MockProviders(max_log=3, tls_port=None) as mock:
        for _ in range(5):
            request(mock, "GET", "/openai/v1/models", headers=auth_headers("openai"))
        assert [e["seq"] for e in mock.requests] == [3, 4, 5]
        with socket.create_connection(("127.0.0.1", mock.http_port), timeout=5) as s:
            s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n")
            assert s.recv(100).startswith(b"HTTP/1.1 413")


def test_unknown_paths_answer_in_the_providers_shape(mock: MockProviders) -> None:
    r = request(mock, "POST", "/openai/v1/nope", {}, auth_headers("openai"))
    assert r.status == 404 and r.json()["error"]["type"] == "invalid_request_error"
    r = request(mock, "GET", "/anthropic/v1/nope", headers=auth_headers("anthropic"))
    assert r.status == 404 and r.json()["error"]["type"] == "not_found_error"
    r = request(mock, "POST", "/openai/v1/chat/completions", b"{not json", auth_headers("openai"))
    assert r.status == 400


def test_control_endpoints(mock: MockProviders) -> None:
    assert (
        request(mock, "POST", "/__mock/config", {"scenario": "error-500", "pace": 0}).json()["scenario"]
        == "error-500"
    )
    path, body = chat("openai", "hi", stream=False)
    assert request(mock, "POST", path, body, auth_headers("openai")).status == 500
    log = request(mock, "GET", "/__mock/requests").json()
    assert [e["path"] for e in log] == [path]
    assert request(mock, "POST", "/__mock/config", {"scenario": "no-such"}).status == 400
    assert request(mock, "POST", "/__mock/config", {"pace": -1}).status == 400
    assert request(mock, "POST", "/__mock/config", {"reply_text": "a\n\n*b*"}).json()["reply_text"] == "a\n\n*b*"
    assert request(mock, "POST", "/__mock/config", {"reply_text": 7}).status == 400
    assert request(mock, "POST", "/__mock/reset").json() == {"ok": True} and mock.requests == []


def test_stop_is_fast_even_with_a_stalled_stream() -> None:
    mock = MockProviders(stall_max=60, tls_port=None).start()
    outcome: list[object] = []

    def reader() -> None:
        path, body = chat("openai", "mock-stall", stream=True)
        try:
            outcome.append(request(mock, "POST", path, body, auth_headers("openai"), timeout=30))
        except Exception as exc:
            outcome.append(exc)

    t = threading.Thread(target=reader)
    t.start()
    deadline = time.monotonic() + 5
    while not mock.requests and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    start = time.monotonic()
    mock.stop()
    t.join(5)
    assert time.monotonic() - start < 2 and not t.is_alive()
    assert outcome and isinstance(outcome[0], Exception)  # the client saw the stream cut, not an end


def test_loopback_only() -> None:
    with pytest.raises(ValueError, match="loopback"):
        MockProviders(host="0.0.0.0")


def test_command_line_with_standard_library_only() -> None:
    # -I -S: no site-packages at all, so any non-stdlib import would fail here.
    script = str(ROOT / "scripts" / "mock_providers.py")
    proc = subprocess.Popen(
        [sys.executable, "-I", "-S", script, "--port", "0", "--tls-port", "0", "--pace", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd="/",
        # A runner started in the background hands its children SIGINT ignored; Ctrl-C must work here.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        lines = []
        assert proc.stdout
        while not lines or lines[-1] != "Ctrl-C stops.":
            line = proc.stdout.readline()
            assert line, proc.stderr.read() if proc.stderr else "no output"
            lines.append(line.rstrip("\n"))
        banner = "\n".join(lines)
        m = re.search(
            r"add an OpenAI-compatible endpoint with base URL (http://127\.0\.0\.1:(\d+)/v1) and any key",
            banner,
        )
        assert m, banner
        assert (
            '--host-resolver-rules="MAP api.openai.com 127.0.0.1:' in banner
            and "--ignore-certificate-errors" in banner
        )
        port = int(m.group(2))
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"GET /api/version HTTP/1.1\r\nHost: localhost:11434\r\nConnection: close\r\n\r\n")
            reply = b""
            while chunk := s.recv(4096):
                reply += chunk
            assert b'"version"' in reply
        assert proc.stdout.readline().strip() == "[http] ollama     GET /api/version"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(("prefix", "status"), [("/mock-redirect", 307), ("/mock-redirect-302", 302)])
def test_redirect_paths_answer_every_request_but_a_preflight_with_a_redirect(
    mock: MockProviders, prefix: str, status: int
) -> None:
    origin = {"Origin": "https://switchboard.example"}
    path, body = chat("openai", "moved", stream=False)
    real_path = "/" + path.split("/", 2)[2]
    r = request(mock, "POST", prefix + real_path, body, {**auth_headers("openai"), **origin},
                host="api.openai.com", tls=True)
    assert r.status == status and r.body == b""
    assert r.headers["location"] == f"https://api.anthropic.com/mock-redirected{real_path}"
    assert r.headers["access-control-allow-origin"] == "*"  # so a browser in cors mode could follow it
    assert mock.last()["redirect"] == r.headers["location"]
    asked = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    pre = request(mock, "OPTIONS", prefix + real_path, None, {**origin, **asked}, host="api.anthropic.com", tls=True)
    assert pre.status == 204
    moved = request(mock, "GET", "/mock-redirect/v1/models", None, host="api.anthropic.com", tls=True)
    assert moved.headers["location"] == "https://api.openai.com/mock-redirected/v1/models"
