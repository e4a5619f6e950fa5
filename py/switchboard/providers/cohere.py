"""Cohere v2 chat: named SSE events (message-start ... content-delta ... message-end) then [DONE]."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..chat import (
    ChatRequest,
    Completion,
    Event,
    FinishReason,
    ReasoningDelta,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageUpdate,
)
from ..http import HttpRequest
from .base import ModelInfo, Provider, StreamDecoder, as_dict, as_int, as_list, as_str, dig

FINISH: dict[str, FinishReason] = {
    "COMPLETE": "stop",
    "STOP_SEQUENCE": "stop",
    "MAX_TOKENS": "length",
    "ERROR_LIMIT": "length",
    "TOOL_CALL": "tool_calls",
    "ERROR_TOXIC": "content_filter",
    "ERROR": "error",
    "TIMEOUT": "error",
}


def usage_from(usage: dict[str, Any]) -> Usage:
    """Billed units (what Cohere charges, without its own preamble) when given, raw token counts if not.

    ``cached_tokens`` counts raw tokens, not billed ones, so it is only kept with the raw counts.
    """
    billed = as_dict(usage.get("billed_units"))
    if as_int(billed.get("input_tokens")) is not None or as_int(billed.get("output_tokens")) is not None:
        return Usage(as_int(billed.get("input_tokens")), None, as_int(billed.get("output_tokens")))
    tokens = as_dict(usage.get("tokens"))
    return Usage(
        as_int(tokens.get("input_tokens")),
        as_int(usage.get("cached_tokens")),
        as_int(tokens.get("output_tokens")),
    )


def _text_parts(content: object) -> tuple[str, str]:
    text, thinking = [], []
    for part in map(as_dict, as_list(content) if isinstance(content, list) else [content]):
        if isinstance(part.get("text"), str):
            text.append(part["text"])
        if isinstance(part.get("thinking"), str):
            thinking.append(part["thinking"])
    return "".join(text), "".join(thinking)


class CohereDecoder(StreamDecoder):
    """Cohere v2 events; tool plans count as reasoning."""

    def on_payload(self, event: str, data: str, out: list[Event]) -> None:
        if data.strip() == "[DONE]":
            self.done = self.ended = True
            return
        obj = json.loads(data)
        if not isinstance(obj, dict):
            raise ValueError("event is not an object")
        kind = obj.get("type") or event
        delta = as_dict(obj.get("delta"))
        if kind == "content-delta":
            text, thinking = _text_parts(dig(delta, "message", "content"))
            if thinking:
                out.append(ReasoningDelta(thinking))
            if text:
                out.append(TextDelta(text))
        elif kind == "message-start":
            self.start(None, obj.get("id"), out)
        elif kind == "tool-plan-delta":
            plan = dig(delta, "message", "tool_plan")
            if isinstance(plan, str) and plan:
                out.append(ReasoningDelta(plan))
        elif kind in ("tool-call-start", "tool-call-delta"):
            call = as_dict(dig(delta, "message", "tool_calls"))
            function = as_dict(call.get("function"))
            out.append(
                ToolCallDelta(
                    as_int(obj.get("index")) or 0,
                    call.get("id"),
                    function.get("name"),
                    function.get("arguments") or "",
                )
            )
        elif kind == "message-end":
            usage = delta.get("usage")
            if isinstance(usage, dict):
                out.append(UsageUpdate(usage_from(usage)))
            native = delta.get("finish_reason")
            if native == "ERROR" or delta.get("error"):
                self.fail(self.provider.error("server", str(delta.get("error") or "the model failed")), out)
            else:
                self.finish(FINISH.get(native) if isinstance(native, str) else None, native, out)
            self.ended = True  # Cohere's last event
        elif kind == "error" or obj.get("error") or (obj.get("message") and "type" not in obj):
            self.fail_with(obj, out)


class Cohere(Provider):
    """Cohere's /v2/chat."""

    def _auth(self, api_key: str) -> dict[str, str]:
        return {"authorization": f"Bearer {api_key}"}

    def build_request(self, request: ChatRequest, api_key: str, base_url: str | None = None) -> HttpRequest:
        messages = [{"role": "system", "content": request.system}] if request.system else []
        messages += [{"role": m.role, "content": m.content} for m in request.messages]
        body: dict[str, Any] = {"model": request.model, "messages": messages, "stream": request.stream}
        if request.max_output_tokens is not None:
            body["max_tokens"] = request.max_output_tokens
        if request.temperature is not None:
            body["temperature"] = request.temperature
        return self._post(self.base(base_url) + "/v2/chat", self._auth(api_key), body)

    def list_models_request(self, api_key: str, base_url: str | None = None) -> HttpRequest:
        return self._get(self.base(base_url) + "/v1/models?endpoint=chat&page_size=1000", self._auth(api_key))

    def key_check_request(self, api_key: str, base_url: str | None = None) -> HttpRequest:
        return self._post(self.base(base_url) + "/v1/check-api-key", self._auth(api_key), {})

    def check_key_response(
        self, status: int, headers: Mapping[str, str], body: bytes, api_key: str | None = None
    ) -> None:
        # check-api-key answers 200 with {"valid": false} for a bad key.
        obj = self.load_body(status, headers, body, api_key)
        if isinstance(obj, dict) and obj.get("valid") is False:
            raise self.error("auth", "check-api-key says the key is not valid", status=status)

    def decoder(self, api_key: str | None = None) -> CohereDecoder:
        return CohereDecoder(self, api_key)

    def completion_from_json(self, obj: Any) -> Completion:
        message = as_dict(obj.get("message"))
        text, thinking = _text_parts(message.get("content"))
        plan = message.get("tool_plan")
        calls = tuple(
            ToolCall(
                c.get("id"),
                as_dict(c.get("function")).get("name"),
                as_dict(c.get("function")).get("arguments") or "",
            )
            for c in map(as_dict, as_list(message.get("tool_calls")))
        )
        native = obj.get("finish_reason")
        usage = obj.get("usage")
        return Completion(
            text=text,
            reasoning_text=thinking or (plan if isinstance(plan, str) else ""),
            finish_reason=FINISH.get(native) if isinstance(native, str) else None,
            usage=usage_from(usage) if isinstance(usage, dict) else Usage(),
            response_id=as_str(obj.get("id")),
            tool_calls=calls,
            native_finish_reason=as_str(native),
        )

    def parse_models(self, obj: Any) -> list[ModelInfo]:
        return [
            ModelInfo(m["name"], None, as_int(m.get("context_length")))
            for m in map(as_dict, as_list(as_dict(obj).get("models")))
            if isinstance(m.get("name"), str)
        ]
