"""Shared pieces of every mock protocol: the parsed request, the planned response, framing helpers and
the request flow (validate, authenticate, pick a scenario, answer) that all providers go through.

Protocols are sans-I/O: they turn a `Call` into a `Response` plan. The server writes the plan, applying
pace and the stream scenarios (slow, drop, stall, mid-stream error), so every provider gets the same
misbehaviour machinery and only describes its own bytes.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .scenario import Scenario, resolve
from .text import Reply, count_tokens, make_reply

# A key is invalid if it contains "bad" or equals this value (documented in docs/mock-providers.md).
INVALID_KEY = "sk-mock-invalid"


def key_is_bad(key: str) -> bool:
    return "bad" in key.lower() or key == INVALID_KEY


def mask(key: str) -> str:
    """How providers echo a rejected key: a short prefix and suffix only."""
    return (key[:3] + "*" * 4 + key[-2:]) if len(key) > 6 else "****"


def dumps(obj: Any, compact: bool = True) -> str:
    # ensure_ascii=False: real providers send raw UTF-8, which exercises clients' UTF-8 decoding.
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":") if compact else None)


def sse(data: Any, event: str | None = None, compact: bool = True, eol: str = "\n") -> bytes:
    """One SSE event; `data` is JSON-encoded unless it is already a string (e.g. "[DONE]")."""
    text = data if isinstance(data, str) else dumps(data, compact)
    head = f"event: {event}{eol}" if event else ""
    return f"{head}data: {text}{eol}{eol}".encode()


def ndjson(obj: Any) -> bytes:
    return (dumps(obj) + "\n").encode()


@dataclass
class Call:
    """One request as a protocol sees it. `path` is the provider's real path (any routing prefix gone)."""

    provider: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON, or None when absent or not JSON
    raw: bytes
    seq: int  # request number: makes ids unique and deterministic within a run
    default_scenario: str = "ok"
    scenario: Scenario = field(default_factory=Scenario)
    reply_text: str | None = None  # the server's configured verbatim reply, if any

    @property
    def origin(self) -> str | None:
        return self.headers.get("origin")

    def bearer(self) -> str | None:
        auth = self.headers.get("authorization", "")
        return auth[7:].strip() if auth.lower().startswith("bearer ") else None


@dataclass
class Response:
    """What to send. A stream has `frames` (each written and flushed alone, `pace` seconds apart)."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    cors: bool = True  # False: no Access-Control-* headers at all (e.g. OpenAI's 401)
    frames: list[bytes] | None = None
    prelude: list[bytes] = field(default_factory=list)  # sent at once before content (comment lines)
    keepalive: bytes | None = None  # repeated while a slow first token is awaited
    error_frames: list[bytes] = field(default_factory=list)  # the provider's mid-stream error
    trailer: list[bytes] = field(default_factory=list)  # sent after error_frames (e.g. Cohere's [DONE])
    reply: Reply | None = None


def json_response(status: int, obj: Any, headers: dict[str, str] | None = None, **kw: Any) -> Response:
    return Response(status=status, body=dumps(obj).encode(), headers=headers or {}, **kw)


@dataclass
class ChatInfo:
    """What the flow needs from a chat request body, read by each protocol from its own shape."""

    model: str
    prompt: str  # text of the last user message: where magic words are looked for
    input_text: str  # system prompt + all messages: counted as input tokens
    max_tokens: int | None
    stream: bool


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: str  # name of the protocol method answering it
    chat: bool = False  # chat routes get validation, scenarios and a Reply
    auth: bool = True


def route(method: str, pattern: str, handler: str, chat: bool = False, auth: bool = True) -> Route:
    return Route(method, re.compile(pattern + r"\Z"), handler, chat, auth)


class Protocol:
    """Base for a provider protocol. Subclasses set `routes` and override the hooks they need."""

    name = "base"
    routes: tuple[Route, ...] = ()

    # ---- hooks -------------------------------------------------------------------------------------
    def key(self, call: Call) -> str | None:
        return call.bearer()

    def precheck(self, call: Call) -> Response | None:
        """Checks the real service makes before anything else (Anthropic's browser header rule)."""
        return None

    def validate(self, call: Call) -> Response | None:
        """Reject a malformed chat body the way the provider does; None when acceptable."""
        return None

    def chat_info(self, call: Call, groups: dict[str, str]) -> ChatInfo:
        """Read the chat body; `groups` are the route's named groups (Gemini's model is in the path)."""
        raise NotImplementedError

    def chat(self, call: Call, info: ChatInfo, reply: Reply) -> Response:
        raise NotImplementedError

    def error(self, call: Call, kind: str, retry_after: float = 1.0, message: str = "") -> Response:
        """kind: bad_key, missing_key, rate_limit, overloaded, server, not_found, invalid."""
        raise NotImplementedError

    # ---- shared flow -------------------------------------------------------------------------------
    def match(self, call: Call) -> tuple[Route, re.Match[str]] | None:
        for r in self.routes:
            if r.method == call.method and (m := r.pattern.match(call.path)):
                return r, m
        return None

    def handle(self, call: Call) -> Response:
        if (early := self.precheck(call)) is not None:
            return early
        found = self.match(call)
        if found is None:
            return self.error(call, "not_found", message=f"{call.method} {call.path}")
        r, m = found
        if r.auth:  # real services authenticate before they read the body
            key = self.key(call)
            if not key:
                return self.error(call, "missing_key")
            if key_is_bad(key):
                return self.error(call, "bad_key")
        if r.chat:
            if not isinstance(call.body, dict):
                return self.error(call, "invalid", message="request body must be a JSON object")
            if (bad := self.validate(call)) is not None:
                return bad
        handler: Callable[..., Response] = getattr(self, r.handler)
        if not r.chat:
            return handler(call, **m.groupdict())
        return self._chat(call, handler, m.groupdict())

    def _chat(self, call: Call, handler: Callable[..., Response], groups: dict[str, str]) -> Response:
        info = self.chat_info(call, groups)
        call.scenario = s = resolve(
            call.headers.get("x-mock-scenario"),
            call.query.get("mock"),
            info.model,
            info.prompt,
            call.default_scenario,
        )
        if s.name == "error-401":
            return self.error(call, "bad_key")
        if s.name == "error-429":
            return self.error(call, "rate_limit", retry_after=1.0 if s.arg is None else s.arg)
        if s.name == "error-500" or (s.name == "midstream-error" and not info.stream):
            return self.error(call, "server")
        if s.name == "error-503":
            return self.error(call, "overloaded")
        reply = make_reply(
            self.name, info.model, info.prompt, count_tokens(info.input_text), info.max_tokens, s.words,
            call.reply_text,
        )
        resp = handler(call, info, reply)
        resp.reply = reply
        return resp


def now() -> int:
    return int(time.time())


def retry_seconds(value: float) -> str:
    """Retry-After is whole seconds (RFC 9110)."""
    return str(max(0, round(value)))
