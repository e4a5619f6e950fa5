"""Which provider answers a request.

Order (the same on both ports):
1. the Host header names a real provider host (api.openai.com, ..., `localhost` for Ollama): that
   provider, path unchanged. This is how the TLS port serves every provider at once.
2. the first path segment names a provider (`/mistral/v1/chat/completions`): that provider, prefix
   stripped. Every provider is reachable this way on the plain HTTP port.
3. otherwise the path's shape: `/v1beta/...` Gemini, `/api/v1/...` OpenRouter, `/api/...` Ollama,
   `/v2/...` and `/v1/check-api-key` Cohere, `/v1/messages` or an `anthropic-version` header Anthropic,
   `/chat/completions`, `/models`, `/user/balance` DeepSeek, anything else OpenAI.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import cors
from .base import Protocol
from .proto_anthropic import Anthropic
from .proto_cohere import Cohere
from .proto_gemini import Gemini
from .proto_ollama import Ollama
from .proto_openai import XAI, Compatible, DeepSeek, Groq, Mistral, OpenAIChat, OpenRouter, Together


@dataclass(frozen=True)
class Provider:
    name: str
    title: str
    protocol: Protocol
    cors: cors.CorsPolicy
    hosts: tuple[str, ...]  # real host names (TLS port); empty: reachable by path prefix only
    base: str  # path of the provider's usual base URL (PROVIDERS.md "Base URL" column)
    chat: str  # chat path relative to `base`, for the banner and docs


PROVIDERS: dict[str, Provider] = {
    p.name: p
    for p in (
        Provider(
            "openai", "OpenAI", OpenAIChat(), cors.PERMISSIVE, ("api.openai.com",), "/v1", "/chat/completions"
        ),
        Provider(
            "anthropic", "Anthropic", Anthropic(), cors.PERMISSIVE, ("api.anthropic.com",), "", "/v1/messages"
        ),
        Provider(
            "gemini",
            "Gemini",
            Gemini(),
            cors.GEMINI,
            ("generativelanguage.googleapis.com",),
            "/v1beta",
            "/models/{model}:streamGenerateContent?alt=sse",
        ),
        Provider(
            "mistral", "Mistral", Mistral(), cors.MISTRAL, ("api.mistral.ai",), "/v1", "/chat/completions"
        ),
        Provider(
            "groq", "Groq", Groq(), cors.PERMISSIVE, ("api.groq.com",), "/openai/v1", "/chat/completions"
        ),
        Provider(
            "openrouter",
            "OpenRouter",
            OpenRouter(),
            cors.OPENROUTER,
            ("openrouter.ai",),
            "/api/v1",
            "/chat/completions",
        ),
        Provider(
            "deepseek",
            "DeepSeek",
            DeepSeek(),
            cors.PERMISSIVE,
            ("api.deepseek.com",),
            "",
            "/chat/completions",
        ),
        Provider("xai", "xAI", XAI(), cors.PERMISSIVE, ("api.x.ai",), "/v1", "/chat/completions"),
        Provider(
            "together",
            "Together",
            Together(),
            cors.PERMISSIVE,
            ("api.together.xyz",),
            "/v1",
            "/chat/completions",
        ),
        Provider(
            "cohere", "Cohere", Cohere(), cors.PERMISSIVE, ("api.cohere.com", "api.cohere.ai"), "", "/v2/chat"
        ),
        Provider("ollama", "Ollama", Ollama(), cors.OLLAMA, ("localhost",), "", "/api/chat"),
        Provider(
            "openai-compatible",
            "OpenAI-compatible",
            Compatible(),
            cors.PERMISSIVE,
            (),
            "/v1",
            "/chat/completions",
        ),
    )
}

HOSTS: dict[str, str] = {h: p.name for p in PROVIDERS.values() for h in p.hosts}
TLS_HOSTS: tuple[str, ...] = tuple(h for h in HOSTS if h != "localhost")


def host_name(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:port
        return host[: host.find("]") + 1]
    return host.rsplit(":", 1)[0] if ":" in host else host


def by_shape(path: str, headers: dict[str, str]) -> str:
    if path.startswith(("/v1beta/", "/v1alpha/")) or path in ("/v1beta", "/v1alpha"):
        return "gemini"
    if path.startswith("/api/v1/"):
        return "openrouter"
    if path.startswith("/api/") or path == "/":
        return "ollama"
    if path.startswith("/v2/") or path == "/v1/check-api-key":
        return "cohere"
    if path.startswith("/v1/messages") or "anthropic-version" in headers:
        return "anthropic"
    if path in ("/chat/completions", "/models", "/user/balance") or path.startswith("/models/"):
        return "deepseek"
    return "openai"


def select(host_header: str, path: str, headers: dict[str, str]) -> tuple[Provider, str]:
    """The provider answering `path` and the path as that provider sees it."""
    name = HOSTS.get(host_name(host_header))
    if name:
        return PROVIDERS[name], path
    first, _, rest = path.lstrip("/").partition("/")
    if first in PROVIDERS:
        return PROVIDERS[first], "/" + rest
    return PROVIDERS[by_shape(path, headers)], path
