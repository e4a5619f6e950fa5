"""Helpers for the conformance tests: raw HTTP to the mock, an independent SSE splitter, per-protocol
chat bodies, and a walk over pydantic models that finds fields the SDK type does not declare."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
from dataclasses import dataclass
from typing import Any

import pydantic
from scripts.mock_providers import MockProviders


@dataclass
class Raw:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    mock: MockProviders,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    *,
    host: str | None = None,
    tls: bool = False,
    timeout: float = 10.0,
    context: ssl.SSLContext | None = None,
) -> Raw:
    """One request with http.client (no SDK in the way). `host` sets the Host header, and on TLS also the
    SNI name, as a browser mapped with --host-resolver-rules would send them. `context` verifies TLS."""
    if tls:
        if context is None:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        assert mock.https_port
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            "127.0.0.1", mock.https_port, timeout=timeout, context=context
        )
        sock = socket.create_connection(("127.0.0.1", mock.https_port), timeout=timeout)
        conn.sock = context.wrap_socket(sock, server_hostname=host)  # connect once, to loopback
    else:
        conn = http.client.HTTPConnection("127.0.0.1", mock.http_port, timeout=timeout)
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    hdrs = dict(headers or {})
    if data is not None:
        hdrs.setdefault("Content-Type", "application/json")
    if host:
        hdrs["Host"] = host
    try:
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        return Raw(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def sse_events(body: bytes) -> list[tuple[str | None, str]]:
    """(event name, data) pairs; comments dropped. Independent of the app's decoder on purpose."""
    out: list[tuple[str | None, str]] = []
    text = body.decode("utf-8").replace("\r\n", "\n")
    for block in text.split("\n\n"):
        event, data = None, []
        for line in block.split("\n"):
            if line.startswith(":") or not line:
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
        if data:
            out.append((event, "\n".join(data)))
    return out


def sse_comments(body: bytes) -> list[str]:
    return [line for line in body.decode().replace("\r\n", "\n").split("\n") if line.startswith(":")]


def ndjson_lines(body: bytes) -> list[Any]:
    return [json.loads(line) for line in body.decode().splitlines() if line.strip()]


def extras(model: pydantic.BaseModel, prefix: str = "") -> set[str]:
    """Dotted paths of every value the SDK type did not declare (types with extra="allow" keep them)."""
    found: set[str] = set()
    for name in model.model_extra or {}:
        found.add(prefix + name)
    for name in type(model).model_fields:
        found |= _extras_in(getattr(model, name), f"{prefix}{name}.")
    return found


def _extras_in(value: Any, prefix: str) -> set[str]:
    if isinstance(value, pydantic.BaseModel):
        return extras(value, prefix)
    if isinstance(value, list | tuple):
        out: set[str] = set()
        for item in value:
            out |= _extras_in(item, prefix)
        return out
    return set()


def key_paths(obj: Any, prefix: str = "") -> set[str]:
    """`a.b[].c:type` for every leaf and container in a JSON value (shape comparison with recordings)."""
    kind = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(obj))
    if kind is None:
        kind = "number"
    out = {f"{prefix}:{kind}"} if prefix else set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            out |= key_paths(v, f"{prefix}.{k}" if prefix else k)
    elif isinstance(obj, list):
        for v in obj:
            out |= key_paths(v, f"{prefix}[]")
    return out


# Chat bodies in each provider's own shape, with the usual path on the HTTP port (provider prefix).
def chat(
    provider: str, prompt: str, stream: bool, model: str | None = None, **extra: Any
) -> tuple[str, dict]:
    """(path, body) for a chat request to `provider` on the HTTP port."""
    msgs = [{"role": "user", "content": prompt}]
    if provider == "anthropic":
        body = {"model": model or "claude-haiku-4-5", "max_tokens": 256, "messages": msgs, "stream": stream}
        return "/anthropic/v1/messages", body | extra
    if provider == "gemini":
        m = model or "gemini-2.5-flash"
        verb = "streamGenerateContent?alt=sse" if stream else "generateContent"
        return f"/gemini/v1beta/models/{m}:{verb}", {
            "contents": [{"role": "user", "parts": [{"text": prompt}]}]
        } | extra
    if provider == "cohere":
        return "/cohere/v2/chat", {
            "model": model or "command-a-03-2025",
            "messages": msgs,
            "stream": stream,
        } | extra
    if provider == "ollama":
        return "/ollama/api/chat", {
            "model": model or "llama3.2:latest",
            "messages": msgs,
            "stream": stream,
        } | extra
    paths = {
        "openai": "/openai/v1",
        "mistral": "/mistral/v1",
        "groq": "/groq/openai/v1",
        "openrouter": "/openrouter/api/v1",
        "deepseek": "/deepseek",
        "xai": "/xai/v1",
        "together": "/together/v1",
        "openai-compatible": "/openai-compatible/v1",
    }
    body = {"model": model or "some-model", "messages": msgs, "stream": stream}
    if stream and provider in ("openai", "groq", "deepseek", "xai", "openai-compatible"):
        body["stream_options"] = {"include_usage": True}
    return paths[provider] + "/chat/completions", body | extra


def auth_headers(provider: str, key: str = "test-key") -> dict[str, str]:
    if provider == "anthropic":
        return {"x-api-key": key, "anthropic-version": "2023-06-01"}
    if provider == "gemini":
        return {"x-goog-api-key": key}
    if provider == "ollama":
        return {}
    return {"Authorization": f"Bearer {key}"}


ALL = (
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
)
OPENAI_FAMILY = (
    "openai",
    "mistral",
    "groq",
    "openrouter",
    "deepseek",
    "xai",
    "together",
    "openai-compatible",
)
