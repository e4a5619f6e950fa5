"""Request building per provider: URL, the exact header set, and the body."""

from __future__ import annotations

import json
from typing import Any

import pytest

from switchboard import ChatRequest, Message
from switchboard.http import HttpRequest
from switchboard.providers import get, ids
from switchboard.providers.anthropic import DEFAULT_MAX_TOKENS, LEGACY_MAX_TOKENS

KEY = "test-key-0001"
FULL = ChatRequest(
    model="m-1",
    messages=[Message("user", "Hi"), Message("assistant", "Hello"), Message("user", "Thé?")],
    system="Be brief.",
    max_output_tokens=50,
    temperature=0.2,
)
BARE = ChatRequest(model="m-1", messages=[Message("user", "Hi")], stream=False)
CHAT_MESSAGES = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": "Hello"},
    {"role": "user", "content": "Thé?"},
]
BEARER = {"authorization": f"Bearer {KEY}", "content-type": "application/json"}


def body(request: HttpRequest) -> Any:
    return json.loads(request.body)


def test_ids_and_display_names() -> None:
    assert ids() == [
        "openai",
        "anthropic",
        "gemini",
        "mistral",
        "groq",
        "openrouter",
        "deepseek",
        "xai",
        "together",
        "cohere",
        "ollama",
        "openai-compatible",
    ]
    names = [get(i).display_name for i in ids()]
    assert names == [
        "OpenAI",
        "Anthropic",
        "Google Gemini",
        "Mistral",
        "Groq",
        "OpenRouter",
        "DeepSeek",
        "xAI",
        "Together AI",
        "Cohere",
        "Ollama",
        "OpenAI-compatible",
    ]
    with pytest.raises(KeyError, match="known: openai"):
        get("nope")


def test_metadata() -> None:
    for provider_id in ids():
        provider = get(provider_id)
        assert provider.id == provider_id
        keyless = provider_id in ("ollama", "openai-compatible")
        assert provider.needs_key is not keyless
        if not keyless:
            assert provider.key_page_url and provider.key_page_url.startswith("https://")
            assert provider.revoke_page_url and provider.revoke_page_url.startswith("https://")
    assert get("ollama").default_base_url == "http://localhost:11434"
    assert get("openai-compatible").default_base_url is None


OPENAI_FAMILY = {
    "openai": "https://api.openai.com/v1/chat/completions",
    "mistral": "https://api.mistral.ai/v1/chat/completions",
    "groq": "https://api.groq.com/openai/v1/chat/completions",
    "openrouter": "https://openrouter.ai/api/v1/chat/completions",
    "deepseek": "https://api.deepseek.com/chat/completions",
    "xai": "https://api.x.ai/v1/chat/completions",
    "together": "https://api.together.xyz/v1/chat/completions",
}


@pytest.mark.parametrize(("provider_id", "url"), sorted(OPENAI_FAMILY.items()))
def test_openai_family_request(provider_id: str, url: str) -> None:
    request = get(provider_id).build_request(FULL, KEY)
    assert (request.method, request.url) == ("POST", url)
    assert dict(request.headers) == BEARER
    want: dict[str, Any] = {"model": "m-1", "messages": CHAT_MESSAGES, "stream": True, "temperature": 0.2}
    # OpenAI: max_completion_tokens; Mistral rejects it and stream_options (422); Together gets usage unasked.
    want["max_completion_tokens" if provider_id == "openai" else "max_tokens"] = 50
    if provider_id not in ("mistral", "together"):
        want["stream_options"] = {"include_usage": True}
    assert body(request) == want


def test_non_streaming_and_optional_fields_left_out() -> None:
    request = get("openai").build_request(BARE, KEY)
    assert body(request) == {"model": "m-1", "messages": [{"role": "user", "content": "Hi"}], "stream": False}


def test_base_url_override_and_trailing_slash() -> None:
    request = get("openai-compatible").build_request(FULL, "", base_url="http://127.0.0.1:1234/v1/")
    assert request.url == "http://127.0.0.1:1234/v1/chat/completions"
    assert dict(request.headers) == {"content-type": "application/json"}  # no key, no Authorization
    assert body(request)["stream_options"] == {"include_usage": True}
    assert get("openai").build_request(FULL, KEY, base_url="https://proxy.test/v1").url == (
        "https://proxy.test/v1/chat/completions"
    )
    with pytest.raises(ValueError, match="base URL"):
        get("openai-compatible").build_request(FULL, "")


def test_headers_are_case_insensitive() -> None:
    request = get("openai").build_request(FULL, KEY)
    assert request.headers["Authorization"] == request.headers["authorization"] == f"Bearer {KEY}"
    assert "Content-Type" in request.headers


def test_anthropic_request() -> None:
    request = get("anthropic").build_request(FULL, KEY)
    assert (request.method, request.url) == ("POST", "https://api.anthropic.com/v1/messages")
    assert dict(request.headers) == {
        "x-api-key": KEY,
        "anthropic-version": "2023-06-01",
        "anthropic-dangerous-direct-browser-access": "true",
        "content-type": "application/json",
    }
    assert body(request) == {
        "model": "m-1",
        "max_tokens": 50,
        "system": "Be brief.",
        "messages": CHAT_MESSAGES[1:],
        "stream": True,
    }  # the request asked for temperature 0.2: Anthropic deprecated it, so it is not sent


@pytest.mark.parametrize(
    ("model", "default"),
    [
        ("claude-sonnet-4-5", DEFAULT_MAX_TOKENS),
        ("claude-3-5-haiku-latest", DEFAULT_MAX_TOKENS),
        ("claude-3-7-sonnet-latest", DEFAULT_MAX_TOKENS),
        ("claude-3-haiku-20240307", LEGACY_MAX_TOKENS),
        ("claude-3-opus-latest", LEGACY_MAX_TOKENS),
    ],
)
def test_anthropic_default_max_tokens(model: str, default: int) -> None:
    request = get("anthropic").build_request(ChatRequest(model, [Message("user", "x")]), KEY)
    assert body(request)["max_tokens"] == default
    assert (DEFAULT_MAX_TOKENS, LEGACY_MAX_TOKENS) == (8192, 4096)


def test_gemini_request() -> None:
    request = get("gemini").build_request(FULL, KEY)
    assert request.url == (
        "https://generativelanguage.googleapis.com/v1beta/models/m-1:streamGenerateContent?alt=sse"
    )
    assert dict(request.headers) == {"x-goog-api-key": KEY, "content-type": "application/json"}
    assert body(request) == {
        "contents": [
            {"role": "user", "parts": [{"text": "Hi"}]},
            {"role": "model", "parts": [{"text": "Hello"}]},
            {"role": "user", "parts": [{"text": "Thé?"}]},
        ],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "generationConfig": {"temperature": 0.2, "maxOutputTokens": 50},
    }
    bare = get("gemini").build_request(
        ChatRequest("models/gemini-2.5-flash", BARE.messages, stream=False), KEY
    )
    assert bare.url.endswith("/v1beta/models/gemini-2.5-flash:generateContent")
    assert body(bare) == {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}


def test_cohere_request() -> None:
    request = get("cohere").build_request(FULL, KEY)
    assert request.url == "https://api.cohere.com/v2/chat"
    assert dict(request.headers) == BEARER
    assert body(request) == {
        "model": "m-1",
        "messages": CHAT_MESSAGES,
        "stream": True,
        "max_tokens": 50,
        "temperature": 0.2,
    }


def test_ollama_request() -> None:
    request = get("ollama").build_request(FULL, "ignored")
    assert request.url == "http://localhost:11434/api/chat"
    assert dict(request.headers) == {"content-type": "application/json"}
    assert body(request) == {
        "model": "m-1",
        "messages": CHAT_MESSAGES,
        "stream": True,
        "options": {"temperature": 0.2, "num_predict": 50},
    }


MODELS = {
    "openai": ("GET", "https://api.openai.com/v1/models"),
    "anthropic": ("GET", "https://api.anthropic.com/v1/models?limit=1000"),
    "gemini": ("GET", "https://generativelanguage.googleapis.com/v1beta/models?pageSize=1000"),
    "mistral": ("GET", "https://api.mistral.ai/v1/models"),
    "groq": ("GET", "https://api.groq.com/openai/v1/models"),
    "openrouter": ("GET", "https://openrouter.ai/api/v1/models"),
    "deepseek": ("GET", "https://api.deepseek.com/models"),
    "xai": ("GET", "https://api.x.ai/v1/models"),
    "together": ("GET", "https://api.together.xyz/v1/models"),
    "cohere": ("GET", "https://api.cohere.com/v1/models?endpoint=chat&page_size=1000"),
    "ollama": ("GET", "http://localhost:11434/api/tags"),
}
KEY_CHECKS = {
    **{p: MODELS[p] for p in ("openai", "mistral", "groq", "together")},
    "anthropic": ("GET", "https://api.anthropic.com/v1/models?limit=1"),
    "gemini": ("GET", "https://generativelanguage.googleapis.com/v1beta/models?pageSize=1"),
    "openrouter": ("GET", "https://openrouter.ai/api/v1/key"),
    "deepseek": ("GET", "https://api.deepseek.com/user/balance"),
    "xai": ("GET", "https://api.x.ai/v1/api-key"),
    "cohere": ("POST", "https://api.cohere.com/v1/check-api-key"),
    "ollama": ("GET", "http://localhost:11434/api/version"),
}


@pytest.mark.parametrize("provider_id", sorted(MODELS))
def test_models_and_key_check_requests(provider_id: str) -> None:
    provider = get(provider_id)
    models = provider.list_models_request(KEY)
    check = provider.key_check_request(KEY)
    assert (models.method, models.url) == MODELS[provider_id]
    assert (check.method, check.url) == KEY_CHECKS[provider_id]
    auth = {k: v for k, v in provider.build_request(FULL, KEY).headers.items() if k != "content-type"}
    assert dict(models.headers) == auth
    assert models.body == b""
    if check.method == "GET":
        assert dict(check.headers) == auth
