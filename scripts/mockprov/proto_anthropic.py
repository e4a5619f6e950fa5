"""Anthropic Messages: named SSE events (with `ping`), input usage in message_start, cumulative output
usage in message_delta, the browser-header rule, and 529 overloaded."""

from __future__ import annotations

from typing import Any

from .base import Call, ChatInfo, Protocol, Response, json_response, retry_seconds, route, sse
from .text import Reply, content_text, count_tokens

BROWSER_HEADER = "anthropic-dangerous-direct-browser-access"


class Anthropic(Protocol):
    name = "anthropic"
    routes = (
        route("POST", "/v1/messages", "chat", chat=True),
        route("POST", "/v1/messages/count_tokens", "count_tokens"),
        route("GET", "/v1/models", "list_models"),
        route("GET", r"/v1/models/(?P<model>[^/]+)", "get_model"),
    )
    models = ("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5")

    def key(self, call: Call) -> str | None:
        # x-api-key is the documented header; anthropic SDK >= 2 sends Authorization: Bearer instead.
        return call.headers.get("x-api-key") or call.bearer()

    def precheck(self, call: Call) -> Response | None:
        if call.origin is not None and call.headers.get(BROWSER_HEADER, "").lower() != "true":
            # The real API refuses browser calls lacking the opt-in header, and sends no CORS headers,
            # so a browser only sees a failed fetch.
            msg = f"CORS requests must set '{BROWSER_HEADER}' header"
            return self.err(call, 401, "authentication_error", msg, cors=False)
        if not call.headers.get("anthropic-version"):
            return self.err(call, 400, "invalid_request_error", "anthropic-version: header is required")
        return None

    # ---- request -----------------------------------------------------------------------------------
    def validate(self, call: Call) -> Response | None:
        body = call.body
        for name, kind in (("model", str), ("messages", list), ("max_tokens", int)):
            if name not in body:
                return self.error(call, "invalid", message=f"{name}: Field required")
            if not isinstance(body[name], kind) or isinstance(body[name], bool):
                return self.error(call, "invalid", message=f"{name}: Input should be a valid {kind.__name__}")
        for i, m in enumerate(body["messages"]):
            role = m.get("role") if isinstance(m, dict) else None
            if role not in ("user", "assistant"):
                return self.error(
                    call,
                    "invalid",
                    message=f'messages.{i}.role: Unexpected role "{role}". The Messages API accepts a '
                    'top-level `system` parameter, not "system" as an input message role.',
                )
        return None

    def chat_info(self, call: Call, groups: dict[str, str]) -> ChatInfo:
        body = call.body
        users = [m for m in body["messages"] if m.get("role") == "user"]
        texts = [content_text(body.get("system"))] + [
            content_text(m.get("content")) for m in body["messages"]
        ]
        return ChatInfo(
            model=str(body.get("model", "")),
            prompt=content_text(users[-1].get("content")) if users else "",
            input_text=" ".join(texts),
            max_tokens=body.get("max_tokens"),
            stream=body.get("stream") is True,
        )

    # ---- payloads ----------------------------------------------------------------------------------
    @staticmethod
    def stop_reason(reply: Reply) -> str:
        return "max_tokens" if reply.finish == "length" else "end_turn"

    def message(self, call: Call, info: ChatInfo, reply: Reply | None) -> dict[str, Any]:
        usage = {
            "input_tokens": reply.input_tokens if reply else 0,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "output_tokens": reply.output_tokens if reply else 0,
            "service_tier": "standard",
            "inference_geo": "not_available",
        }
        return {
            "id": f"msg_mock{call.seq:06d}",
            "type": "message",
            "role": "assistant",
            "model": info.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }

    def events(self, call: Call, info: ChatInfo, reply: Reply) -> list[bytes]:
        start = self.message(call, info, reply)
        start["usage"]["output_tokens"] = 1  # the real API reports 1 output token at message_start
        out = [
            sse({"type": "message_start", "message": start}, "message_start"),
            sse(
                {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                "content_block_start",
            ),
            sse({"type": "ping"}, "ping"),
        ]
        for chunk in reply.chunks:
            delta = {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": chunk},
            }
            out.append(sse(delta, "content_block_delta"))
        out.append(sse({"type": "content_block_stop", "index": 0}, "content_block_stop"))
        # message_delta.usage is cumulative: the final output count, plus the input fields (as recorded).
        usage = {
            "input_tokens": reply.input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": reply.output_tokens,
        }
        delta = {
            "type": "message_delta",
            "delta": {"stop_reason": self.stop_reason(reply), "stop_sequence": None},
            "usage": usage,
        }
        out.append(sse(delta, "message_delta"))
        out.append(sse({"type": "message_stop"}, "message_stop"))
        return out

    def chat(self, call: Call, info: ChatInfo, reply: Reply) -> Response:
        if not info.stream:
            msg = self.message(call, info, reply)
            msg["content"] = [{"type": "text", "text": reply.text}]
            msg["stop_reason"] = self.stop_reason(reply)
            return json_response(200, msg, {"request-id": self.request_id(call)})
        error = {
            "type": "error",
            "error": {"type": "overloaded_error", "message": "Overloaded"},
            "request_id": self.request_id(call),
        }
        return Response(
            content_type="text/event-stream; charset=utf-8",
            headers={"request-id": self.request_id(call)},
            frames=self.events(call, info, reply),
            error_frames=[sse(error, "error")],
        )

    # ---- errors ------------------------------------------------------------------------------------
    @staticmethod
    def request_id(call: Call) -> str:
        return f"req_mock{call.seq:06d}"

    def err(
        self,
        call: Call,
        status: int,
        type_: str,
        message: str,
        headers: dict[str, str] | None = None,
        cors: bool = True,
    ) -> Response:
        obj = {
            "type": "error",
            "error": {"type": type_, "message": message},
            "request_id": self.request_id(call),
        }
        return json_response(status, obj, {"request-id": self.request_id(call), **(headers or {})}, cors=cors)

    def error(self, call: Call, kind: str, retry_after: float = 1.0, message: str = "") -> Response:
        if kind == "bad_key":
            return self.err(call, 401, "authentication_error", "invalid x-api-key")
        if kind == "missing_key":
            return self.err(call, 401, "authentication_error", "x-api-key header is required")
        if kind == "rate_limit":
            return self.err(
                call,
                429,
                "rate_limit_error",
                "Number of requests has exceeded your rate limit.",
                {"retry-after": retry_seconds(retry_after)},
            )
        if kind == "overloaded":
            return self.err(call, 529, "overloaded_error", "Overloaded")
        if kind == "server":
            return self.err(call, 500, "api_error", "Internal server error")
        if kind == "not_found":
            return self.err(call, 404, "not_found_error", f"Not found: {message}")
        return self.err(call, 400, "invalid_request_error", message)

    # ---- other endpoints ---------------------------------------------------------------------------
    def count_tokens(self, call: Call) -> Response:
        if not isinstance(call.body, dict) or not isinstance(call.body.get("messages"), list):
            return self.error(call, "invalid", message="messages: Field required")
        return json_response(200, {"input_tokens": count_tokens(self.chat_info(call, {}).input_text)})

    def model_entry(self, model: str) -> dict[str, Any]:
        return {
            "type": "model",
            "id": model,
            "display_name": model.replace("-", " ").title(),
            "created_at": "2025-09-29T00:00:00Z",
            "lifecycle": "active",
            "max_input_tokens": 200000,
            "max_tokens": 64000,
        }

    def list_models(self, call: Call) -> Response:
        data = [self.model_entry(m) for m in self.models]
        return json_response(
            200, {"data": data, "has_more": False, "first_id": data[0]["id"], "last_id": data[-1]["id"]}
        )

    def get_model(self, call: Call, model: str) -> Response:
        return json_response(200, self.model_entry(model))
