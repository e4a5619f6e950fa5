"""The provider registry: ``get(id)`` and ``ids()``; one adapter module per wire format."""

from __future__ import annotations

from .anthropic import Anthropic
from .base import ChatDecoder, ModelInfo, Provider
from .cohere import Cohere
from .gemini import Gemini
from .ollama import Ollama
from .openai_chat import OpenAIChat, Quirks

_CORS_UNCONFIRMED = (
    "{name}'s CORS support for browser calls is unconfirmed: a CORS refusal looks like a network failure"
)

_PROVIDERS: tuple[Provider, ...] = (
    OpenAIChat(
        id="openai",
        display_name="OpenAI",
        default_base_url="https://api.openai.com/v1",
        key_page_url="https://platform.openai.com/api-keys",
        revoke_page_url="https://platform.openai.com/api-keys",
        docs_url="https://platform.openai.com/docs/api-reference/chat",
        quirks=Quirks(max_tokens_field="max_completion_tokens"),
        network_hints=(
            "a wrong or revoked key: OpenAI answers a bad key with a 401 that carries no CORS headers, "
            "so the browser reports only a failed fetch; check the key with 'Check key'",
        ),
    ),
    Anthropic(
        id="anthropic",
        display_name="Anthropic",
        default_base_url="https://api.anthropic.com",
        key_page_url="https://console.anthropic.com/settings/keys",
        revoke_page_url="https://console.anthropic.com/settings/keys",
        docs_url="https://docs.anthropic.com/en/api/messages",
        network_hints=(
            "the anthropic-dangerous-direct-browser-access header did not reach Anthropic (a proxy or custom "
            "base URL dropped it); without it Anthropic answers browsers without CORS headers",
        ),
    ),
    Gemini(
        id="gemini",
        display_name="Google Gemini",
        default_base_url="https://generativelanguage.googleapis.com/v1beta",
        key_page_url="https://aistudio.google.com/app/apikey",
        revoke_page_url="https://aistudio.google.com/app/apikey",
        docs_url="https://ai.google.dev/api/generate-content",
        network_hints=(
            "a header outside Google's CORS allow-list (only x-goog-api-key, x-goog-api-client and "
            "content-type pass the preflight), e.g. added by an extension or proxy",
        ),
    ),
    OpenAIChat(
        id="mistral",
        display_name="Mistral",
        default_base_url="https://api.mistral.ai/v1",
        key_page_url="https://console.mistral.ai/api-keys",
        revoke_page_url="https://console.mistral.ai/api-keys",
        docs_url="https://docs.mistral.ai/api/",
        quirks=Quirks(include_usage=False),
    ),
    OpenAIChat(
        id="groq",
        display_name="Groq",
        default_base_url="https://api.groq.com/openai/v1",
        key_page_url="https://console.groq.com/keys",
        revoke_page_url="https://console.groq.com/keys",
        docs_url="https://console.groq.com/docs/api-reference",
    ),
    OpenAIChat(
        id="openrouter",
        display_name="OpenRouter",
        default_base_url="https://openrouter.ai/api/v1",
        key_page_url="https://openrouter.ai/settings/keys",
        revoke_page_url="https://openrouter.ai/settings/keys",
        docs_url="https://openrouter.ai/docs/api-reference/overview",
        quirks=Quirks(key_check_path="/key", price_unit="token"),
    ),
    OpenAIChat(
        id="deepseek",
        display_name="DeepSeek",
        default_base_url="https://api.deepseek.com",
        key_page_url="https://platform.deepseek.com/api_keys",
        revoke_page_url="https://platform.deepseek.com/api_keys",
        docs_url="https://api-docs.deepseek.com/",
        quirks=Quirks(key_check_path="/user/balance"),
        network_hints=(_CORS_UNCONFIRMED.format(name="DeepSeek"),),
    ),
    OpenAIChat(
        id="xai",
        display_name="xAI",
        default_base_url="https://api.x.ai/v1",
        key_page_url="https://console.x.ai/",
        revoke_page_url="https://console.x.ai/",
        docs_url="https://docs.x.ai/docs/api-reference",
        quirks=Quirks(key_check_path="/api-key"),
        network_hints=(_CORS_UNCONFIRMED.format(name="xAI"),),
    ),
    OpenAIChat(
        id="together",
        display_name="Together AI",
        default_base_url="https://api.together.xyz/v1",
        key_page_url="https://api.together.ai/settings/api-keys",
        revoke_page_url="https://api.together.ai/settings/api-keys",
        docs_url="https://docs.together.ai/reference/chat-completions-1",
        # Together reports usage on its last chunk unasked; stream_options is not in its documented body.
        quirks=Quirks(include_usage=False, price_unit="mtok"),
    ),
    Cohere(
        id="cohere",
        display_name="Cohere",
        default_base_url="https://api.cohere.com",
        key_page_url="https://dashboard.cohere.com/api-keys",
        revoke_page_url="https://dashboard.cohere.com/api-keys",
        docs_url="https://docs.cohere.com/reference/chat",
        network_hints=(_CORS_UNCONFIRMED.format(name="Cohere"),),
    ),
    Ollama(
        id="ollama",
        display_name="Ollama",
        default_base_url="http://localhost:11434",
        needs_key=False,
        docs_url="https://github.com/ollama/ollama/blob/main/docs/api.md",
        network_hints=(
            "Ollama is not running (start it with `ollama serve`)",
            "Ollama refuses this page's origin: restart it with OLLAMA_ORIGINS set to this page's origin "
            "(for example OLLAMA_ORIGINS=https://example.org)",
            "the browser blocks an https page from calling http://localhost (mixed content or "
            "private network access): serve Switchboard from http://localhost too",
        ),
    ),
    OpenAIChat(
        id="openai-compatible",
        display_name="OpenAI-compatible",
        default_base_url=None,
        needs_key=False,
        network_hints=(
            "the server does not send CORS headers (Access-Control-Allow-Origin) for this page's origin",
            "the base URL is wrong or the server is not running",
        ),
    ),
)
_REGISTRY: dict[str, Provider] = {p.id: p for p in _PROVIDERS}


def get(provider_id: str) -> Provider:
    """The adapter for ``provider_id`` (one of ``ids()``); KeyError names the known ids."""
    try:
        return _REGISTRY[provider_id]
    except KeyError:
        raise KeyError(f"unknown provider {provider_id!r}; known: {', '.join(_REGISTRY)}") from None


def ids() -> list[str]:
    """Every provider id, in display order."""
    return list(_REGISTRY)


def all_providers() -> list[Provider]:
    """Every provider adapter, in display order."""
    return list(_PROVIDERS)


__all__ = ["ChatDecoder", "ModelInfo", "Provider", "Quirks", "all_providers", "get", "ids"]
