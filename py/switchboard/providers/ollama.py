"""Ollama native /api/chat: NDJSON lines, the last one ``done: true`` with the counts."""

from __future__ import annotations

import json
from typing import Any

from ..chat import (
    ChatRequest,
    Completion,
    Event,
    FinishReason,
    ReasoningDelta,
    TextDelta,
    ToolCallDelta,
    Usage,
    UsageUpdate,
    collect,
)
from ..http import HttpRequest
from .base import ModelInfo, Provider, StreamDecoder, as_dict, as_int, as_list

FINISH: dict[str, FinishReason] = {"stop": "stop", "length": "length"}


class OllamaDecoder(StreamDecoder):
    """One JSON object per line; ``{"error": ...}`` mid-stream is an error."""

    def __init__(self, provider: Provider, api_key: str | None) -> None:
        super().__init__(provider, api_key)
        self._calls = 0

    def on_payload(self, event: str, data: str, out: list[Event]) -> None:
        self.line_events(json.loads(data), out)

    def line_events(self, obj: object, out: list[Event]) -> None:
        """Events from one parsed line (or a whole non-streamed answer)."""
        if not isinstance(obj, dict):
            raise ValueError("line is not an object")
        if obj.get("error"):
            self.fail_with(obj, out)
            return
        self.start(obj.get("model"), None, out)
        message = as_dict(obj.get("message"))
        if isinstance(message.get("thinking"), str) and message["thinking"]:
            out.append(ReasoningDelta(message["thinking"]))
        if isinstance(message.get("content"), str) and message["content"]:
            out.append(TextDelta(message["content"]))
        for call in map(as_dict, as_list(message.get("tool_calls"))):
            function = as_dict(call.get("function"))
            out.append(
                ToolCallDelta(
                    self._calls,
                    call.get("id"),
                    function.get("name"),
                    json.dumps(function.get("arguments", {})),
                )
            )
            self._calls += 1
        if obj.get("done") is True:
            out.append(
                UsageUpdate(Usage(as_int(obj.get("prompt_eval_count")), None, as_int(obj.get("eval_count"))))
            )
            native = obj.get("done_reason")
            reason = FINISH.get(native) if isinstance(native, str) else None
            self.finish("tool_calls" if self._calls and reason == "stop" else reason, native, out)
            self.ended = True  # the last line


class Ollama(Provider):
    """A local Ollama server; no key, browser calls need OLLAMA_ORIGINS to allow the page."""

    framing = "ndjson"

    def build_request(self, request: ChatRequest, api_key: str, base_url: str | None = None) -> HttpRequest:
        messages = [{"role": "system", "content": request.system}] if request.system else []
        messages += [{"role": m.role, "content": m.content} for m in request.messages]
        body: dict[str, Any] = {"model": request.model, "messages": messages, "stream": request.stream}
        options: dict[str, Any] = {}
        if request.temperature is not None:
            options["temperature"] = request.temperature
        if request.max_output_tokens is not None:
            options["num_predict"] = request.max_output_tokens
        if options:
            body["options"] = options
        return self._post(self.base(base_url) + "/api/chat", {}, body)

    def list_models_request(self, api_key: str, base_url: str | None = None) -> HttpRequest:
        return self._get(self.base(base_url) + "/api/tags", {})

    def key_check_request(self, api_key: str, base_url: str | None = None) -> HttpRequest:
        return self._get(self.base(base_url) + "/api/version", {})

    def decoder(self, api_key: str | None = None) -> OllamaDecoder:
        return OllamaDecoder(self, api_key)

    def completion_from_json(self, obj: Any) -> Completion:
        events: list[Event] = []
        OllamaDecoder(self, None).line_events(obj, events)
        return collect(events)

    def parse_models(self, obj: Any) -> list[ModelInfo]:
        return [
            ModelInfo(m["name"])
            for m in map(as_dict, as_list(as_dict(obj).get("models")))
            if isinstance(m.get("name"), str)
        ]
