"""Ollama: native /api/chat (NDJSON, streams unless `"stream": false`), /api/tags, /api/version, and
its OpenAI-compatible /v1 endpoints. No key; the origin rule lives in cors.OLLAMA."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .base import Call, ChatInfo, Protocol, Response, json_response, ndjson, retry_seconds, route
from .proto_openai import Compatible
from .text import Reply, content_text

VERSION = "0.12.6"
NS_PER_TOKEN = 5_000_000  # durations are derived from token counts so they stay deterministic


class OllamaV1(Compatible):
    """Ollama's /v1 endpoints: OpenAI-compatible, the key is ignored."""

    name = "ollama"
    models = ("llama3.2:latest", "gemma3:1b")
    owner = "library"
    id_prefix = "chatcmpl-"

    def key(self, call: Call) -> str | None:
        return "ignored"


class Ollama(Protocol):
    name = "ollama"
    routes = (
        route("POST", "/api/chat", "chat", chat=True, auth=False),
        route("GET", "/api/tags", "tags", auth=False),
        route("GET", "/api/version", "version", auth=False),
        route("GET", "/", "root", auth=False),  # HEAD is answered as GET without a body
    )
    models = OllamaV1.models
    v1 = OllamaV1()

    def handle(self, call: Call) -> Response:
        if call.path.startswith("/v1/"):
            return self.v1.handle(call)
        return super().handle(call)

    def validate(self, call: Call) -> Response | None:
        if not isinstance(call.body.get("model"), str) or not call.body["model"]:
            return self.error(call, "invalid", message="model is required")
        if not isinstance(call.body.get("messages", []), list):
            return self.error(call, "invalid", message="messages must be an array")
        return None

    def chat_info(self, call: Call, groups: dict[str, str]) -> ChatInfo:
        body = call.body
        messages = [m for m in body.get("messages", []) if isinstance(m, dict)]
        users = [m for m in messages if m.get("role") == "user"]
        options = body.get("options") if isinstance(body.get("options"), dict) else {}
        num_predict = options.get("num_predict")
        return ChatInfo(
            model=body["model"],
            prompt=content_text(users[-1].get("content")) if users else "",
            input_text=" ".join(content_text(m.get("content")) for m in messages),
            max_tokens=num_predict if isinstance(num_predict, int) else None,
            stream=body.get("stream", True) is not False,  # Ollama streams by default
        )

    @staticmethod
    def created_at() -> str:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"

    def final(self, info: ChatInfo, reply: Reply, content: str) -> dict[str, Any]:
        eval_ns = reply.output_tokens * NS_PER_TOKEN
        prompt_ns = reply.input_tokens * NS_PER_TOKEN
        return {
            "model": info.model,
            "created_at": self.created_at(),
            "message": {"role": "assistant", "content": content},
            "done_reason": "length" if reply.finish == "length" else "stop",
            "done": True,
            "total_duration": eval_ns + prompt_ns + 1_000_000,
            "load_duration": 1_000_000,
            "prompt_eval_count": reply.input_tokens,
            "prompt_eval_duration": prompt_ns,
            "eval_count": reply.output_tokens,
            "eval_duration": eval_ns,
        }

    def chat(self, call: Call, info: ChatInfo, reply: Reply) -> Response:
        if not info.stream:
            return json_response(200, self.final(info, reply, reply.text))
        frames = [
            ndjson(
                {
                    "model": info.model,
                    "created_at": self.created_at(),
                    "message": {"role": "assistant", "content": c},
                    "done": False,
                }
            )
            for c in reply.chunks
        ]
        frames.append(ndjson(self.final(info, reply, "")))
        error = {"error": "an error was encountered while running the model: unexpected EOF"}
        return Response(content_type="application/x-ndjson", frames=frames, error_frames=[ndjson(error)])

    def error(self, call: Call, kind: str, retry_after: float = 1.0, message: str = "") -> Response:
        status, text = {
            "bad_key": (401, "unauthorized"),
            "missing_key": (401, "unauthorized"),
            "rate_limit": (429, "too many requests"),
            "overloaded": (503, "server busy, please try again.  maximum pending requests exceeded"),
            "server": (500, "an error was encountered while running the model"),
            "not_found": (404, "404 page not found"),
        }.get(kind, (400, message))
        if kind == "not_found":  # Ollama's router answers unknown paths in plain text
            return Response(status=404, body=text.encode(), content_type="text/plain")
        headers = {"Retry-After": retry_seconds(retry_after)} if kind == "rate_limit" else None
        return json_response(status, {"error": text}, headers)

    def tags(self, call: Call) -> Response:
        models = [
            {
                "name": m,
                "model": m,
                "modified_at": "2025-01-01T00:00:00Z",
                "size": 2019393189,
                "digest": f"{i:064x}",
                "details": {
                    "parent_model": "",
                    "format": "gguf",
                    "family": "llama",
                    "families": ["llama"],
                    "parameter_size": "3.2B",
                    "quantization_level": "Q4_K_M",
                },
            }
            for i, m in enumerate(self.models, 1)
        ]
        return json_response(200, {"models": models})

    def version(self, call: Call) -> Response:
        return json_response(200, {"version": VERSION})

    def root(self, call: Call) -> Response:
        return Response(body=b"Ollama is running", content_type="text/plain; charset=utf-8")
