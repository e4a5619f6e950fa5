"""CORS the way each real service answers it, so browser tests fail where real browsers fail.

What is known (PROVIDERS.md) is modelled; guesses are marked (?) in docs/mock-providers.md. A preflight
that asks for a header outside a provider's allow-list is answered 403 without any
Access-Control-* header: a browser then refuses the real request, as it would against the provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

METHODS = "GET, POST, OPTIONS"
# Ollama's default allowed origins (envconfig.AllowedOrigins) besides localhost / 127.0.0.1 / 0.0.0.0.
OLLAMA_SCHEMES = ("app", "file", "tauri", "vscode-webview", "vscode-file")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "[::1]", "::1")


@dataclass(frozen=True)
class CorsPolicy:
    allow_headers: frozenset[str] | None = None  # None: echo whatever the preflight asks for
    deny_headers: frozenset[str] = frozenset()  # refused even when allow_headers is None
    local_origins_only: bool = False  # Ollama: only localhost-like origins unless configured
    echo_origin: bool = False  # answer the caller's Origin instead of "*"

    def header_allowed(self, name: str) -> bool:
        name = name.strip().lower()
        if name in self.deny_headers:
            return False
        return self.allow_headers is None or name in self.allow_headers

    def origin_allowed(self, origin: str | None, extra_origins: tuple[str, ...] = ()) -> bool:
        if origin is None or not self.local_origins_only:
            return True
        if "*" in extra_origins or origin in extra_origins:
            return True
        parts = urlsplit(origin)
        if parts.scheme in OLLAMA_SCHEMES:
            return True
        return parts.scheme in ("http", "https") and (parts.hostname or "") in LOCAL_HOSTS

    def response_headers(self, origin: str | None) -> dict[str, str]:
        """Headers added to a normal (non-preflight) response."""
        if self.echo_origin:
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}
        return {"Access-Control-Allow-Origin": "*"}

    def preflight(
        self, origin: str | None, request_headers: str, extra_origins: tuple[str, ...] = ()
    ) -> tuple[int, dict[str, str], list[str]]:
        """Answer an OPTIONS preflight: (status, headers, refused header names)."""
        asked = [h.strip().lower() for h in request_headers.split(",") if h.strip()]
        refused = [h for h in asked if not self.header_allowed(h)]
        if not self.origin_allowed(origin, extra_origins):
            return 403, {}, refused
        if refused:
            return 403, {}, refused
        allowed = (
            ", ".join(sorted(self.allow_headers)) if self.allow_headers is not None else ", ".join(asked)
        )
        headers = {
            **self.response_headers(origin),
            "Access-Control-Allow-Methods": METHODS,
            "Access-Control-Max-Age": "600",
        }
        if allowed:
            headers["Access-Control-Allow-Headers"] = allowed
        return 204, headers, refused


# Per-provider policies. Header names are lower-case.
PERMISSIVE = CorsPolicy()
GEMINI = CorsPolicy(allow_headers=frozenset({"x-goog-api-key", "x-goog-api-client", "content-type"}))
# Mistral: a strict list (?): what a chat call needs and nothing else.
MISTRAL = CorsPolicy(allow_headers=frozenset({"authorization", "content-type", "accept"}))
OPENROUTER = CorsPolicy(deny_headers=frozenset({"openai-beta"}))
# Ollama (server/routes.go): gin-contrib/cors with these request headers; no x-api-key, no anthropic-*.
OLLAMA = CorsPolicy(
    allow_headers=frozenset(
        {
            "authorization",
            "content-type",
            "user-agent",
            "accept",
            "x-requested-with",
            "openai-beta",
            "x-stainless-arch",
            "x-stainless-async",
            "x-stainless-custom-poll-interval",
            "x-stainless-helper-method",
            "x-stainless-lang",
            "x-stainless-os",
            "x-stainless-package-version",
            "x-stainless-poll-helper",
            "x-stainless-retry-count",
            "x-stainless-runtime",
            "x-stainless-runtime-version",
            "x-stainless-timeout",
        }
    ),
    local_origins_only=True,
    echo_origin=True,
)
