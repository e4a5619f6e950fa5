"""Cohere v2 chat: named SSE events (message-start ... content-delta ... message-end) then
`data: [DONE]`; usage in message-end as billed_units and raw tokens; a key-check endpoint."""

from __future__ import annotations

from typing import Any

from .base import Call, ChatInfo, Protocol, Response, json_response, key_is_bad, retry_seconds, route, sse
from .text import Reply, content_text

# Raw `tokens.input_tokens` include the chat template; billed units do not. The mock adds this fixed
# overhead so a client that bills raw tokens instead of billed units is caught.
TEMPLATE_TOKENS = 10


class Cohere(Protocol):
    name = "cohere"
    routes = (
        route("POST", "/v2/chat", "chat", chat=True),
        route("GET", "/v1/models", "list_models"),
        route("POST", "/v1/check-api-key", "check_key", auth=False),
    )
    models = ("command-a-03-2025", "command-r7b-12-2024")

    def validate(self, call: Call) -> Response | None:
        body = call.body
        if not isinstance(body.get("model"), str):
            return self.error(call, "invalid", message="invalid request: model must be a string")
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            return self.error(call, "invalid", message="invalid request: messages must not be empty")
        return None

    def chat_info(self, call: Call, groups: dict[str, str]) -> ChatInfo:
        body = call.body
        messages = [m for m in body["messages"] if isinstance(m, dict)]
        users = [m for m in messages if m.get("role") == "user"]
        max_tokens = body.get("max_tokens")
        return ChatInfo(
            model=body["model"],
            prompt=content_text(users[-1].get("content")) if users else "",
            input_text=" ".join(content_text(m.get("content")) for m in messages),
            max_tokens=max_tokens if isinstance(max_tokens, int) else None,
            stream=body.get("stream") is True,
        )

    @staticmethod
    def usage(reply: Reply) -> dict[str, Any]:
        return {
            "billed_units": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
            "tokens": {
                "input_tokens": reply.input_tokens + TEMPLATE_TOKENS,
                "output_tokens": reply.output_tokens,
            },
            "cached_tokens": 0,
        }

    @staticmethod
    def finish(reply: Reply) -> str:
        return "MAX_TOKENS" if reply.finish == "length" else "COMPLETE"

    def chat(self, call: Call, info: ChatInfo, reply: Reply) -> Response:
        msg_id = f"mock-{call.seq:08d}-cohere"
        if not info.stream:
            body = {
                "id": msg_id,
                "finish_reason": self.finish(reply),
                "message": {"role": "assistant", "content": [{"type": "text", "text": reply.text}]},
                "usage": self.usage(reply),
            }
            return json_response(200, body)
        start = {
            "id": msg_id,
            "type": "message-start",
            "delta": {
                "message": {
                    "role": "assistant",
                    "content": [],
                    "tool_plan": "",
                    "tool_calls": [],
                    "citations": [],
                }
            },
        }
        frames = [
            sse(start, "message-start"),
            sse(
                {
                    "type": "content-start",
                    "index": 0,
                    "delta": {"message": {"content": {"type": "text", "text": ""}}},
                },
                "content-start",
            ),
        ]
        for chunk in reply.chunks:
            frames.append(
                sse(
                    {"type": "content-delta", "index": 0, "delta": {"message": {"content": {"text": chunk}}}},
                    "content-delta",
                )
            )
        frames.append(sse({"type": "content-end", "index": 0}, "content-end"))
        end = {
            "type": "message-end",
            "delta": {"finish_reason": self.finish(reply), "usage": self.usage(reply)},
        }
        frames += [sse(end, "message-end"), sse("[DONE]")]
        # (?) not observed: a failure after the 200 ends the message with finish_reason ERROR.
        failed = {
            "type": "message-end",
            "delta": {"error": "internal server error", "finish_reason": "ERROR", "usage": self.usage(reply)},
        }
        return Response(
            content_type="text/event-stream",
            frames=frames,
            error_frames=[sse(failed, "message-end")],
            trailer=[sse("[DONE]")],
        )

    def err(self, status: int, message: str, call: Call, headers: dict[str, str] | None = None) -> Response:
        return json_response(status, {"id": f"mock-{call.seq:08d}-error", "message": message}, headers)

    def error(self, call: Call, kind: str, retry_after: float = 1.0, message: str = "") -> Response:
        if kind in ("bad_key", "missing_key"):
            return self.err(401, "invalid api token", call)
        if kind == "rate_limit":
            return self.err(
                429,
                "You are past the per minute request limit, please wait and try again later.",
                call,
                {"Retry-After": retry_seconds(retry_after)},
            )
        if kind == "overloaded":
            return self.err(503, "service unavailable, please try again later", call)
        if kind == "server":
            return self.err(500, "internal server error, this has been reported to our developers", call)
        if kind == "not_found":
            return self.err(404, f"not found: {message}", call)
        return self.err(400, message, call)

    def check_key(self, call: Call) -> Response:
        # (?) answered 200 with valid: false for a wrong key, as the response schema suggests.
        key = self.key(call)
        if not key:
            return self.error(call, "missing_key")
        if key_is_bad(key):
            return json_response(200, {"valid": False})
        return json_response(200, {"valid": True, "organization_id": "mock-org", "owner_id": "mock-owner"})

    def list_models(self, call: Call) -> Response:
        models = [
            {
                "name": m,
                "endpoints": ["chat"],
                "finetuned": False,
                "context_length": 256000,
                "default_endpoints": ["chat"],
                "features": ["tools", "json_mode"],
            }
            for m in self.models
        ]
        return json_response(200, {"models": models, "next_page_token": ""})
