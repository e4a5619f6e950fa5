"""The adapters' outgoing request bodies validate against the providers' own definitions: the OpenAI
OpenAPI spec's CreateChatCompletionRequest (JSON Schema 2020-12), the openai / anthropic SDKs' request
TypedDicts, and google-genai's Content / GenerationConfig types. Also the mock's OpenAI answers against
the spec's response schemas, so spec and SDK agree on what the mock sends."""

from __future__ import annotations

import json
import typing
from typing import Any

import pydantic
import pytest
from anthropic.types import message_create_params as anthropic_params
from google.genai import types as gt
from openai.types.chat import completion_create_params as openai_params
from scripts.mock_providers import MockProviders
from scripts.mockprov.proto_openai import Mistral

from . import _spec
from ._support import OPENAI_FAMILY, auth_headers, chat, request, sse_events

switchboard = pytest.importorskip(
    "switchboard.providers", reason="switchboard.providers is not importable yet"
)
from switchboard import ChatRequest, Message  # noqa: E402

BASE = {"openai-compatible": "http://127.0.0.1:1/v1"}  # the one adapter without a default base URL

VARIANTS = [
    {"stream": True},
    {"stream": False},
    {"stream": True, "system": "You are terse.", "max_output_tokens": 64, "temperature": 0.2},
    {"stream": False, "system": "Sys", "max_output_tokens": 1, "temperature": 0.0},
]
CONVERSATION = [
    Message(role="user", content="hi"),
    Message(role="assistant", content="hello"),
    Message(role="user", content="ünïcødé 🌍 and more"),
]


def body_of(provider: str, variant: dict[str, Any]) -> dict[str, Any]:
    req = ChatRequest(model="model-x", messages=list(CONVERSATION), **variant)
    http = switchboard.get(provider).build_request(req, "test-key", base_url=BASE.get(provider))
    assert http.method == "POST"
    assert http.headers["content-type"] == "application/json"
    return json.loads(http.body)


def typed_dict_keys(td: type) -> set[str]:
    return set(typing.get_type_hints(td))


def check_typed_dict(td: type, body: dict[str, Any]) -> None:
    # TypedDict validation ignores unknown keys, so check the key set separately.
    pydantic.TypeAdapter(td).validate_python(body, strict=True)
    assert set(body) <= typed_dict_keys(td), set(body) - typed_dict_keys(td)


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(f"{k}={v[k]}" for k in v))
@pytest.mark.parametrize("provider", OPENAI_FAMILY)
def test_openai_family_bodies(provider: str, variant: dict[str, Any]) -> None:
    body = body_of(provider, variant)
    assert _spec.errors("CreateChatCompletionRequest", body) == []
    td = (
        openai_params.CompletionCreateParamsStreaming
        if variant["stream"]
        else openai_params.CompletionCreateParamsNonStreaming
    )
    check_typed_dict(td, body)
    if provider == "mistral":  # Mistral's schema has additionalProperties: false
        assert set(body) <= Mistral.allowed_keys


# anthropic 2.14's MessageCreateParams has no `temperature` (Anthropic deprecated it), so the adapter
# never sends one; every variant, with or without a temperature asked for, must validate.
ANTHROPIC_VARIANTS = VARIANTS


@pytest.mark.parametrize("variant", ANTHROPIC_VARIANTS, ids=lambda v: "-".join(f"{k}={v[k]}" for k in v))
def test_anthropic_bodies(variant: dict[str, Any]) -> None:
    body = body_of("anthropic", variant)
    td = (
        anthropic_params.MessageCreateParamsStreaming
        if variant["stream"]
        else anthropic_params.MessageCreateParamsNonStreaming
    )
    check_typed_dict(td, body)
    assert isinstance(body["max_tokens"], int)  # required by the API, optional nowhere


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(f"{k}={v[k]}" for k in v))
def test_gemini_bodies(variant: dict[str, Any]) -> None:
    body = body_of("gemini", variant)
    # The REST body: only fields GenerateContentRequest has; each part validated by google-genai's types.
    assert set(body) <= {"contents", "systemInstruction", "generationConfig", "safetySettings", "tools",
                         "toolConfig", "cachedContent"}  # fmt: skip
    # The whole conversation, in order (an empty list would validate vacuously; Gemini refuses it).
    assert [(c["role"], c["parts"]) for c in body["contents"]] == [
        ("user", [{"text": "hi"}]), ("model", [{"text": "hello"}]), ("user", [{"text": "ünïcødé 🌍 and more"}])
    ]
    for content in body["contents"]:
        gt.Content.model_validate_json(json.dumps(content), strict=True)
    if "systemInstruction" in body:
        gt.Content.model_validate_json(json.dumps(body["systemInstruction"]), strict=True)
    if "generationConfig" in body:
        gt.GenerationConfig.model_validate_json(json.dumps(body["generationConfig"]), strict=True)


def test_spec_validator_is_not_vacuous() -> None:
    good = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True,
            "stream_options": {"include_usage": True}, "max_completion_tokens": None}  # fmt: skip
    assert _spec.errors("CreateChatCompletionRequest", good) == []
    assert _spec.errors(
        "CreateChatCompletionRequest", {"model": "m", "messages": [{"role": "usr", "content": "x"}]}
    )
    assert _spec.errors("CreateChatCompletionRequest", {"model": "m", "messages": [], "stream": "yes"})
    with pytest.raises(pydantic.ValidationError):
        check_typed_dict(
            openai_params.CompletionCreateParamsStreaming, {"model": "m", "messages": [], "stream": False}
        )


def test_mock_openai_answers_match_the_spec(mock: MockProviders) -> None:
    path, body = chat("openai", "spec check ünï", stream=True)
    r = request(mock, "POST", path, body, auth_headers("openai"))
    events = sse_events(r.body)
    assert events[-1] == (None, "[DONE]")
    chunks = [json.loads(data) for _, data in events[:-1]]
    for chunk in chunks:
        assert _spec.errors("CreateChatCompletionStreamResponse", chunk) == []
    # The checked chunks carry the whole answer (no chunks at all would pass the loop).
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == mock.last("openai")["reply"]["text"] == "Mock openai reply to: spec check ünï"
    path, body = chat("openai", "spec check", stream=False)
    r = request(mock, "POST", path, body, auth_headers("openai"))
    assert _spec.errors("CreateChatCompletionResponse", r.json()) == []
