"""OpenAI Chat Completions wire format, shared by OpenAI and the compatible family (quirks as data)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

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
from .base import ModelInfo, Provider, StreamDecoder, as_decimal, as_dict, as_int, as_list, as_str, dig

FINISH: dict[str, FinishReason] = {
    "stop": "stop",
    "eos": "stop",
    "end_turn": "stop",
    "length": "length",
    "model_length": "length",
    "max_tokens": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
    "error": "error",
    "insufficient_system_resource": "error",  # DeepSeek cut the answer off: its servers ran short
}
XAI_TICKS_PER_USD = Decimal(10) ** 10


@dataclass(frozen=True, slots=True)
class Quirks:
    """How one OpenAI-compatible provider differs from the others."""

    max_tokens_field: str = "max_tokens"
    # Mistral's schema has additionalProperties: false, so stream_options there is a 422.
    include_usage: bool = True
    chat_path: str = "/chat/completions"
    models_path: str = "/models"
    key_check_path: str = "/models"
    # Unit of list-models prices: OpenRouter gives USD per token (strings), Together USD per million.
    price_unit: Literal["token", "mtok"] | None = None


def usage_from(u: dict[str, Any]) -> Usage:
    """Normalise an OpenAI-style usage object (DeepSeek, xAI, OpenRouter, Groq variants included)."""
    cached = as_int(u.get("prompt_cache_hit_tokens"))
    if cached is None:
        cached = as_int(dig(u, "prompt_tokens_details", "cached_tokens"))
    cost = as_decimal(u.get("cost"))
    ticks = as_int(u.get("cost_in_usd_ticks"))
    if cost is None and ticks is not None:
        cost = Decimal(ticks) / XAI_TICKS_PER_USD
    return Usage.normalised(
        input_tokens=as_int(u.get("prompt_tokens")),
        cached_input_tokens=cached,
        output_tokens=as_int(u.get("completion_tokens")),
        reasoning_tokens=as_int(dig(u, "completion_tokens_details", "reasoning_tokens")),
        total_tokens=as_int(u.get("total_tokens")),
        cost_usd=cost,
    )


def _content_events(content: object, out: list[Event]) -> None:
    if isinstance(content, str):
        if content:
            out.append(TextDelta(content))
        return
    # Mistral sends content as parts: {"type": "text"} and {"type": "thinking", "thinking": [parts]}.
    for part in as_list(content):
        if not isinstance(part, dict):
            continue
        if part.get("type") == "text" and isinstance(part.get("text"), str) and part["text"]:
            out.append(TextDelta(part["text"]))
        elif part.get("type") == "thinking":
            thinking = part.get("thinking")
            pieces = (
                [thinking]
                if isinstance(thinking, str)
                else [p.get("text") for p in as_list(thinking) if isinstance(p, dict)]
            )
            out.extend(ReasoningDelta(t) for t in pieces if isinstance(t, str) and t)


def _reasoning(obj: dict[str, Any]) -> str | None:
    # DeepSeek and xAI say reasoning_content, OpenRouter says reasoning.
    for key in ("reasoning_content", "reasoning"):
        value = obj.get(key)
        if isinstance(value, str) and value:
            return value
    return None


class OpenAIChatDecoder(StreamDecoder):
    """Data-only SSE chunks ending in ``data: [DONE]``."""

    def on_payload(self, event: str, data: str, out: list[Event]) -> None:
        if data.strip() == "[DONE]":
            self.done = self.ended = True
            return
        chunk = json.loads(data)
        if not isinstance(chunk, dict):
            raise ValueError("chunk is not an object")
        # OpenAI's shape, or Mistral's and vLLM's ({"object": "error", "message": ...}).
        if chunk.get("error") or chunk.get("object") == "error":
            self.fail_with(chunk, out)
            return
        self.start(chunk.get("model"), chunk.get("id"), out)
        for choice in as_list(chunk.get("choices")):
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = as_dict(choice.get("delta"))
            reasoning = _reasoning(delta)
            if reasoning:
                out.append(ReasoningDelta(reasoning))
            _content_events(delta.get("content"), out)
            if isinstance(delta.get("refusal"), str) and delta["refusal"]:
                out.append(TextDelta(delta["refusal"]))
            for i, call in enumerate(as_list(delta.get("tool_calls"))):
                call = as_dict(call)
                function = as_dict(call.get("function"))
                index = as_int(call.get("index"))
                out.append(
                    ToolCallDelta(
                        i if index is None else index,
                        as_str(call.get("id")),
                        as_str(function.get("name")),
                        as_str(function.get("arguments")) or "",
                    )
                )
            native = choice.get("finish_reason")
            if isinstance(native, str) and native:
                self.finish(FINISH.get(native), native, out)
        usage = chunk.get("usage") or dig(chunk, "x_groq", "usage")
        if isinstance(usage, dict):
            out.append(UsageUpdate(usage_from(usage)))


class OpenAIChat(Provider):
    """A provider speaking OpenAI's /chat/completions."""

    def __init__(self, *, quirks: Quirks = Quirks(), **meta: Any) -> None:
        super().__init__(**meta)
        self.quirks = quirks

    def _auth(self, api_key: str) -> dict[str, str]:
        return {"authorization": f"Bearer {api_key}"} if api_key else {}

    def build_request(self, request: ChatRequest, api_key: str, base_url: str | None = None) -> HttpRequest:
        messages: list[dict[str, str]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.extend({"role": m.role, "content": m.content} for m in request.messages)
        body: dict[str, Any] = {"model": request.model, "messages": messages, "stream": request.stream}
        if request.stream and self.quirks.include_usage:
            body["stream_options"] = {"include_usage": True}
        if request.max_output_tokens is not None:
            body[self.quirks.max_tokens_field] = request.max_output_tokens
        if request.temperature is not None:
            body["temperature"] = request.temperature
        return self._post(self.base(base_url) + self.quirks.chat_path, self._auth(api_key), body)

    def list_models_request(self, api_key: str, base_url: str | None = None) -> HttpRequest:
        return self._get(self.base(base_url) + self.quirks.models_path, self._auth(api_key))

    def key_check_request(self, api_key: str, base_url: str | None = None) -> HttpRequest:
        return self._get(self.base(base_url) + self.quirks.key_check_path, self._auth(api_key))

    def decoder(self, api_key: str | None = None) -> OpenAIChatDecoder:
        return OpenAIChatDecoder(self, api_key)

    def completion_from_json(self, obj: Any) -> Completion:
        choice = as_dict(as_list(obj.get("choices"))[0]) if as_list(obj.get("choices")) else {}
        message = as_dict(choice.get("message"))
        parts: list[Event] = []
        _content_events(message.get("content"), parts)
        text = "".join(e.text for e in parts if isinstance(e, TextDelta))
        if not text and isinstance(message.get("refusal"), str):
            text = message["refusal"]
        reasoning = _reasoning(message) or "".join(e.text for e in parts if isinstance(e, ReasoningDelta))
        calls = tuple(
            ToolCall(
                c.get("id"),
                as_dict(c.get("function")).get("name"),
                as_dict(c.get("function")).get("arguments") or "",
            )
            for c in map(as_dict, as_list(message.get("tool_calls")))
        )
        native = choice.get("finish_reason")
        usage = obj.get("usage")
        return Completion(
            text=text,
            reasoning_text=reasoning,
            finish_reason=FINISH.get(native) if isinstance(native, str) else None,
            usage=usage_from(usage) if isinstance(usage, dict) else Usage(),
            model=as_str(obj.get("model")),
            response_id=as_str(obj.get("id")),
            tool_calls=calls,
            native_finish_reason=as_str(native),
        )

    def parse_models(self, obj: Any) -> list[ModelInfo]:
        items = obj if isinstance(obj, list) else as_list(as_dict(obj).get("data"))
        models = []
        for item in map(as_dict, items):
            model_id = item.get("id")
            if not isinstance(model_id, str):
                continue
            name = item.get("name") or item.get("display_name")
            context = as_int(
                item.get("context_length") or item.get("context_window") or item.get("max_context_length")
            )
            pricing = as_dict(item.get("pricing"))
            prompt = as_decimal(pricing.get("prompt", pricing.get("input")))
            completion = as_decimal(pricing.get("completion", pricing.get("output")))
            scale = Decimal(1_000_000) if self.quirks.price_unit == "token" else Decimal(1)
            known = self.quirks.price_unit is not None
            models.append(
                ModelInfo(
                    model_id,
                    name if isinstance(name, str) else None,
                    context,
                    prompt * scale if known and prompt is not None and prompt >= 0 else None,
                    completion * scale if known and completion is not None and completion >= 0 else None,
                )
            )
        return models
