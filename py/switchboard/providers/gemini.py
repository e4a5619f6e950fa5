"""Google Gemini generateContent: every SSE event is a whole GenerateContentResponse, no [DONE]."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

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

_FILTERED = ("SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE")
FINISH: dict[str, FinishReason] = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "MALFORMED_FUNCTION_CALL": "error",
    "UNEXPECTED_TOOL_CALL": "error",
    **{name: "content_filter" for name in _FILTERED},
}


def usage_from(meta: dict[str, Any]) -> Usage:
    """candidatesTokenCount excludes thoughts: output is candidates + thoughts (as billed)."""
    prompt = as_int(meta.get("promptTokenCount"))
    tool_prompt = as_int(meta.get("toolUsePromptTokenCount"))
    candidates = as_int(meta.get("candidatesTokenCount"))
    thoughts = as_int(meta.get("thoughtsTokenCount"))
    output = None if candidates is None and thoughts is None else (candidates or 0) + (thoughts or 0)
    return Usage.normalised(
        input_tokens=None if prompt is None else prompt + (tool_prompt or 0),
        cached_input_tokens=as_int(meta.get("cachedContentTokenCount")),
        output_tokens=output,
        reasoning_tokens=thoughts,
        total_tokens=as_int(meta.get("totalTokenCount")),
    )


class GeminiDecoder(StreamDecoder):
    """``alt=sse`` stream; the answer is whole once a candidate carries finishReason."""

    def __init__(self, provider: Provider, api_key: str | None) -> None:
        super().__init__(provider, api_key)
        self._calls = 0

    def on_payload(self, event: str, data: str, out: list[Event]) -> None:
        chunk = json.loads(data)
        if isinstance(chunk, list):
            for item in chunk:
                self.response_events(item, out)
        else:
            self.response_events(chunk, out)

    def response_events(self, chunk: object, out: list[Event]) -> None:
        """Events from one GenerateContentResponse."""
        if not isinstance(chunk, dict):
            raise ValueError("chunk is not an object")
        if chunk.get("error"):
            self.fail_with(chunk, out)
            return
        self.start(chunk.get("modelVersion"), chunk.get("responseId"), out)
        candidates = as_list(chunk.get("candidates"))
        candidate = as_dict(candidates[0]) if candidates else {}
        for part in map(as_dict, as_list(as_dict(candidate.get("content")).get("parts"))):
            text = part.get("text")
            if isinstance(text, str) and text:
                out.append(ReasoningDelta(text) if part.get("thought") is True else TextDelta(text))
            call = part.get("functionCall")
            if isinstance(call, dict):
                out.append(
                    ToolCallDelta(
                        self._calls, call.get("id"), call.get("name"), json.dumps(call.get("args", {}))
                    )
                )
                self._calls += 1
        meta = chunk.get("usageMetadata")
        if isinstance(meta, dict):
            out.append(UsageUpdate(usage_from(meta)))
        native = candidate.get("finishReason")
        blocked = as_dict(chunk.get("promptFeedback")).get("blockReason")
        if isinstance(native, str):
            reason = FINISH.get(native)
            # Gemini says STOP after a function call; callers want to know a tool was asked for.
            self.finish("tool_calls" if reason == "stop" and self._calls else reason, native, out)
        elif isinstance(blocked, str):
            self.finish("content_filter", blocked, out)


class Gemini(Provider):
    """Google's Generative Language API (v1beta)."""

    def _auth(self, api_key: str) -> dict[str, str]:
        # Google's CORS allow-list admits only x-goog-api-key, x-goog-api-client and content-type.
        return {"x-goog-api-key": api_key}

    def build_request(self, request: ChatRequest, api_key: str, base_url: str | None = None) -> HttpRequest:
        contents = [
            {"role": "model" if m.role == "assistant" else "user", "parts": [{"text": m.content}]}
            for m in request.messages
        ]
        body: dict[str, Any] = {"contents": contents}
        if request.system:
            body["systemInstruction"] = {"parts": [{"text": request.system}]}
        config: dict[str, Any] = {}
        if request.temperature is not None:
            config["temperature"] = request.temperature
        if request.max_output_tokens is not None:
            config["maxOutputTokens"] = request.max_output_tokens
        if config:
            body["generationConfig"] = config
        model = quote(request.model.removeprefix("models/"), safe="-._~")
        method = ":streamGenerateContent?alt=sse" if request.stream else ":generateContent"
        return self._post(f"{self.base(base_url)}/models/{model}{method}", self._auth(api_key), body)

    def list_models_request(self, api_key: str, base_url: str | None = None) -> HttpRequest:
        return self._get(self.base(base_url) + "/models?pageSize=1000", self._auth(api_key))

    def key_check_request(self, api_key: str, base_url: str | None = None) -> HttpRequest:
        return self._get(self.base(base_url) + "/models?pageSize=1", self._auth(api_key))

    def decoder(self, api_key: str | None = None) -> GeminiDecoder:
        return GeminiDecoder(self, api_key)

    def completion_from_json(self, obj: Any) -> Completion:
        events: list[Event] = []
        GeminiDecoder(self, None).response_events(obj, events)
        return collect(events)

    def parse_models(self, obj: Any) -> list[ModelInfo]:
        models = []
        for m in map(as_dict, as_list(as_dict(obj).get("models"))):
            name = m.get("name")
            methods = as_list(m.get("supportedGenerationMethods"))
            if not isinstance(name, str) or (methods and "generateContent" not in methods):
                continue
            display = m.get("displayName")
            models.append(
                ModelInfo(
                    name.removeprefix("models/"),
                    display if isinstance(display, str) else None,
                    as_int(m.get("inputTokenLimit")),
                )
            )
        return models
