"""CORS as the real services answer it, checked with raw http.client requests: preflight allow-lists,
Anthropic's browser opt-in header, OpenAI's bare 401, Ollama's origin rule, ACAO on streams."""

from __future__ import annotations

import pytest
from scripts.mock_providers import MockProviders

from ._support import auth_headers, chat, request

APP = "http://127.0.0.1:8000"  # where the app would be served from


def preflight(mock: MockProviders, path: str, headers: str, origin: str = APP, **kw: object):
    return request(
        mock,
        "OPTIONS",
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": headers,
        },
        **kw,  # type: ignore[arg-type]
    )


def allowed(r) -> set[str]:
    return {h.strip() for h in r.headers.get("access-control-allow-headers", "").split(",") if h.strip()}


GEMINI_PATH = "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"


def test_gemini_allow_list(mock: MockProviders) -> None:
    ok = preflight(mock, GEMINI_PATH, "content-type,x-goog-api-key,x-goog-api-client")
    assert ok.status == 204 and ok.headers["access-control-allow-origin"] == "*"
    assert allowed(ok) == {"content-type", "x-goog-api-key", "x-goog-api-client"}
    for extra in ("authorization", "x-stainless-os", "x-mock-scenario"):
        bad = preflight(mock, GEMINI_PATH, f"content-type,x-goog-api-key,{extra}")
        assert bad.status == 403 and not any(h.startswith("access-control-") for h in bad.headers)
    assert mock.last("gemini", preflight=True)["refused_headers"] == ["x-mock-scenario"]


def test_mistral_strict_list(mock: MockProviders) -> None:
    assert preflight(mock, "/mistral/v1/chat/completions", "authorization,content-type").status == 204
    assert preflight(mock, "/mistral/v1/chat/completions", "authorization,content-type,x-title").status == 403


def test_openrouter_rejects_openai_beta(mock: MockProviders) -> None:
    ok = preflight(
        mock, "/openrouter/api/v1/chat/completions", "authorization,content-type,http-referer,x-title"
    )
    assert ok.status == 204 and allowed(ok) >= {"authorization", "http-referer", "x-title"}
    assert preflight(mock, "/openrouter/api/v1/chat/completions", "authorization,openai-beta").status == 403


def test_openai_echoes_requested_headers_and_401_has_no_cors(mock: MockProviders) -> None:
    ok = preflight(mock, "/openai/v1/chat/completions", "authorization,content-type")
    assert ok.status == 204 and allowed(ok) == {"authorization", "content-type"}
    path, body = chat("openai", "hi", stream=True)
    good = request(mock, "POST", path, body, {**auth_headers("openai"), "Origin": APP})
    assert good.status == 200 and good.headers["access-control-allow-origin"] == "*"
    bad = request(mock, "POST", path, body, {**auth_headers("openai", "sk-bad"), "Origin": APP})
    assert bad.status == 401 and "access-control-allow-origin" not in bad.headers
    limited = request(
        mock, "POST", path, body, {**auth_headers("openai"), "Origin": APP, "x-mock-scenario": "error-429"}
    )
    assert limited.status == 429 and limited.headers["access-control-allow-origin"] == "*"


def test_anthropic_browser_header_rule(mock: MockProviders) -> None:
    path, body = chat("anthropic", "hi", stream=True)
    # Preflight passes (the browser then sends the request and meets the 401 below).
    assert preflight(mock, path, "x-api-key,anthropic-version,content-type").status == 204
    refused = request(mock, "POST", path, body, {**auth_headers("anthropic"), "Origin": APP})
    assert refused.status == 401 and "access-control-allow-origin" not in refused.headers
    assert "anthropic-dangerous-direct-browser-access" in refused.json()["error"]["message"]
    opted_in = {
        **auth_headers("anthropic"),
        "Origin": APP,
        "anthropic-dangerous-direct-browser-access": "true",
    }
    ok = request(mock, "POST", path, body, opted_in)
    assert ok.status == 200 and ok.headers["access-control-allow-origin"] == "*"
    assert ok.headers["content-type"].startswith("text/event-stream")
    # Without Origin (an SDK or server), the header is not needed.
    assert request(mock, "POST", path, body, auth_headers("anthropic")).status == 200


@pytest.mark.parametrize(
    ("origin", "ok"),
    [
        ("http://localhost:3000", True),
        ("http://127.0.0.1:8000", True),
        ("https://localhost", True),
        ("app://switchboard", True),
        ("https://switchboard.example", False),
        ("http://localhost.evil.example", False),
    ],
)
def test_ollama_origins(mock: MockProviders, origin: str, ok: bool) -> None:
    pre = preflight(mock, "/api/chat", "content-type", origin=origin, host="localhost:11434")
    assert pre.status == (204 if ok else 403)
    assert (pre.headers.get("access-control-allow-origin") == origin) is ok
    _, body = chat("ollama", "hi", stream=True)
    r = request(mock, "POST", "/api/chat", body, {"Origin": origin}, host="localhost:11434")
    assert r.status == (200 if ok else 403)
    assert mock.last("ollama")["provider"] == "ollama"


def test_ollama_configured_origins_and_header_list(mock: MockProviders) -> None:
    origin = "https://switchboard.example"
    mock.configure(ollama_origins=[origin])
    assert preflight(mock, "/api/chat", "content-type", origin=origin, host="localhost").status == 204
    assert preflight(mock, "/api/chat", "content-type,x-api-key", origin=APP, host="localhost").status == 403
    assert preflight(mock, "/api/chat", "anthropic-version", origin=APP, host="localhost").status == 403
    mock.configure(ollama_origins=["*"])
    assert (
        preflight(mock, "/api/chat", "content-type", origin="https://any.example", host="localhost").status
        == 204
    )


@pytest.mark.parametrize("provider", ["gemini", "cohere", "groq", "deepseek", "xai", "together", "mistral"])
def test_streamed_and_error_responses_carry_acao(mock: MockProviders, provider: str) -> None:
    path, body = chat(provider, "hi", stream=True)
    r = request(mock, "POST", path, body, {**auth_headers(provider), "Origin": APP})
    assert r.status == 200 and r.headers["access-control-allow-origin"] == "*"
    r = request(mock, "POST", path, body, {**auth_headers(provider, "bad"), "Origin": APP})
    assert r.status in (400, 401) and r.headers["access-control-allow-origin"] == "*"


def test_cors_on_the_tls_port_by_host(mock: MockProviders) -> None:
    ok = preflight(
        mock,
        "/v1beta/models/x:generateContent",
        "x-goog-api-key",
        host="generativelanguage.googleapis.com",
        tls=True,
    )
    assert ok.status == 204
    bad = preflight(
        mock,
        "/v1beta/models/x:generateContent",
        "authorization",
        host="generativelanguage.googleapis.com",
        tls=True,
    )
    assert bad.status == 403
    assert mock.last("gemini", preflight=True)["port"] == "https"
