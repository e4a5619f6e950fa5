"""Anthropic Messages API: named SSE events, usage split between message_start and message_delta."""

from __future__ import annotations

import json
import re
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
from .base import ModelInfo, Provider, StreamDecoder, as_dict, as_int, as_list, as_str

API_VERSION = "2023-06-01"
# max_tokens is required. 8192 fits every current model's output limit; the Claude 3 generation
# (haiku / sonnet / opus, not 3.5 / 3.7) stops at 4096 and answers a larger value with a 400.
DEFAULT_MAX_TOKENS = 8192
LEGACY_MAX_TOKENS = 4096
_LEGACY = re.compile(r"^claude-3-(?:haiku|sonnet|opus)\b")

FINISH: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


def default_max_tokens(model: str) -> int:
    """The max_tokens sent when the request leaves it unset."""
    return LEGACY_MAX_TOKENS if _LEGACY.match(model) else DEFAULT_MAX_TOKENS


def usage_from(raw: dict[str, Any]) -> Usage:
    """Anthropic's input_tokens excludes cache writes and reads; ours counts all input."""
    base = as_int(raw.get("input_tokens"))
    written = as_int(raw.get("cache_creation_input_tokens"))
    read = as_int(raw.get("cache_read_input_tokens"))
    total_in = None if base is None else base + (written or 0) + (read or 0)
    return Usage(
        input_tokens=total_in,
        cached_input_tokens=read,
        output_tokens=as_int(raw.get("output_tokens")),
    )


class AnthropicDecoder(StreamDecoder):
    """message_start, content_block_*, ping, message_delta, message_stop, error; unknown events ignored."""

    def __init__(self, provider: Provider, api_key: str | None) -> None:
        super().__init__(provider, api_key)
        self._usage: dict[str, Any] = {}

    def _usage_update(self, raw: object, out: list[Event]) -> None:
        # message_delta's usage is cumulative and may omit what message_start said.
        if isinstance(raw, dict):
            self._usage.update({k: v for k, v in raw.items() if as_int(v) is not None})
            out.append(UsageUpdate(usage_from(self._usage)))

    def on_payload(self, event: str, data: str, out: list[Event]) -> None:
        obj = json.loads(data)
        if not isinstance(obj, dict):
            raise ValueError("event is not an object")
        kind = obj.get("type") or event
        if kind == "error" or obj.get("error"):
            self.fail_with(obj, out)
        elif kind == "content_block_delta":
            delta = as_dict(obj.get("delta"))
            dtype = delta.get("type")
            if dtype == "text_delta" and delta.get("text"):
                out.append(TextDelta(delta["text"]))
            elif dtype == "thinking_delta" and delta.get("thinking"):
                out.append(ReasoningDelta(delta["thinking"]))
            elif dtype == "input_json_delta" and delta.get("partial_json"):
                out.append(ToolCallDelta(as_int(obj.get("index")) or 0, arguments=delta["partial_json"]))
        elif kind == "content_block_start":
            block = as_dict(obj.get("content_block"))
            btype = block.get("type")
            if btype == "text" and block.get("text"):
                out.append(TextDelta(block["text"]))
            elif btype == "thinking" and block.get("thinking"):
                out.append(ReasoningDelta(block["thinking"]))
            elif btype in ("tool_use", "server_tool_use"):
                out.append(ToolCallDelta(as_int(obj.get("index")) or 0, block.get("id"), block.get("name")))
        elif kind == "message_start":
            message = as_dict(obj.get("message"))
            self.start(message.get("model"), message.get("id"), out)
            # Its output_tokens is a placeholder (1): counted as real, an answer stopped mid-stream would
            # be priced as one token. The count comes with message_delta.
            usage = {k: v for k, v in as_dict(message.get("usage")).items() if k != "output_tokens"}
            self._usage_update(usage, out)
        elif kind == "message_delta":
            self._usage_update(obj.get("usage"), out)
            native = as_dict(obj.get("delta")).get("stop_reason")
            if isinstance(native, str):
                self.finish(FINISH.get(native), native, out)
        elif kind == "message_stop":
            self.done = self.ended = True


class Anthropic(Provider):
    """Anthropic's /v1/messages."""

    def _auth(self, api_key: str) -> dict[str, str]:
        # The last header opts in to CORS: without it Anthropic answers browsers with no ACAO header.
        return {
            "x-api-key": api_key,
            "anthropic-version": API_VERSION,
            "anthropic-dangerous-direct-browser-access": "true",
        }

    def build_request(self, request: ChatRequest, api_key: str, base_url: str | None = None) -> HttpRequest:
        max_tokens = request.max_output_tokens
        body: dict[str, Any] = {
            "model": request.model,
            "max_tokens": default_max_tokens(request.model) if max_tokens is None else max_tokens,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        }
        if request.system:
            body["system"] = request.system
        # No temperature: Anthropic deprecated it and newer models answer 400 "temperature is deprecated".
        body["stream"] = request.stream
        return self._post(self.base(base_url) + "/v1/messages", self._auth(api_key), body)

    def list_models_request(self, api_key: str, base_url: str | None = None) -> HttpRequest:
        return self._get(self.base(base_url) + "/v1/models?limit=1000", self._auth(api_key))

    def key_check_request(self, api_key: str, base_url: str | None = None) -> HttpRequest:
        return self._get(self.base(base_url) + "/v1/models?limit=1", self._auth(api_key))

    def decoder(self, api_key: str | None = None) -> AnthropicDecoder:
        return AnthropicDecoder(self, api_key)

    def completion_from_json(self, obj: Any) -> Completion:
        text, reasoning, calls = [], [], []
        for block in map(as_dict, as_list(obj.get("content"))):
            btype = block.get("type")
            if btype == "text" and isinstance(block.get("text"), str):
                text.append(block["text"])
            elif btype == "thinking" and isinstance(block.get("thinking"), str):
                reasoning.append(block["thinking"])
            elif btype in ("tool_use", "server_tool_use"):
                calls.append(ToolCall(block.get("id"), block.get("name"), json.dumps(block.get("input", {}))))
        native = obj.get("stop_reason")
        usage = obj.get("usage")
        return Completion(
            text="".join(text),
            reasoning_text="".join(reasoning),
            finish_reason=FINISH.get(native) if isinstance(native, str) else None,
            usage=usage_from(usage) if isinstance(usage, dict) else Usage(),
            model=as_str(obj.get("model")),
            response_id=as_str(obj.get("id")),
            tool_calls=tuple(calls),
            native_finish_reason=as_str(native),
        )

    def parse_models(self, obj: Any) -> list[ModelInfo]:
        return [
            ModelInfo(m["id"], as_str(m.get("display_name")))
            for m in map(as_dict, as_list(as_dict(obj).get("data")))
            if isinstance(m.get("id"), str)
        ]
