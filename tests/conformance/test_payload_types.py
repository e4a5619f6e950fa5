"""Every payload the mock emits validates STRICTLY against the official SDKs' pydantic types, with no
field the type does not declare except a short, explained list per provider. The SDKs themselves
parse leniently (they accept `{"bogus": 1}`), so passing the SDK tests alone would prove little."""

from __future__ import annotations

import json

import anthropic.types as at
import pydantic
import pytest
from google.genai import types as gt
from openai.types import Model as OpenAIModel
from openai.types.chat import ChatCompletion, ChatCompletionChunk
from openai.types.shared import ErrorObject
from scripts.mock_providers import MockProviders

from ._support import OPENAI_FAMILY, auth_headers, chat, extras, request, sse_events

# Fields real providers send that the openai SDK types do not declare; anything else is a mock bug.
OPENAI_EXTRAS: dict[str, set[str]] = {
    "openai": set(),
    "openai-compatible": set(),
    "together": set(),
    "mistral": {"p"},  # random padding
    "groq": {"x_groq", "usage.queue_time", "usage.prompt_time", "usage.completion_time", "usage.total_time"},
    "openrouter": {"provider", "choices.native_finish_reason", "usage.cost", "usage.is_byok"},
    "deepseek": {"usage.prompt_cache_hit_tokens", "usage.prompt_cache_miss_tokens"},
    "xai": {"usage.num_sources_used", "usage.cost_in_usd_ticks"},
}
RAW_EVENT = pydantic.TypeAdapter(at.RawMessageStreamEvent)


def post(mock: MockProviders, provider: str, prompt: str, stream: bool, **extra: object):
    path, body = chat(provider, prompt, stream, **extra)
    r = request(mock, "POST", path, body, auth_headers(provider))
    assert r.status == 200, r.body
    return r


@pytest.mark.parametrize("provider", OPENAI_FAMILY)
@pytest.mark.parametrize("prompt", ["plain words here", "mock-words-3 ünïcødé 🌍 世界", "mock-words-0"])
def test_openai_family_chunks(mock: MockProviders, provider: str, prompt: str) -> None:
    r = post(mock, provider, prompt, stream=True)
    events = sse_events(r.body)
    assert events[-1] == (None, "[DONE]")
    seen: set[str] = set()
    text, finish = "", None
    for name, data in events[:-1]:
        assert name is None  # data-only SSE
        chunk = ChatCompletionChunk.model_validate_json(data, strict=True)
        seen |= extras(chunk)
        for c in chunk.choices:
            text += c.delta.content or ""
            finish = c.finish_reason or finish
    sent = mock.last()["reply"]
    # Exactly the expected extras; an empty answer has no content chunk, so no Mistral padding.
    assert seen == OPENAI_EXTRAS[provider] - ({"p"} if not sent["text"] else set())
    assert text == sent["text"] and finish == "stop"


@pytest.mark.parametrize("provider", OPENAI_FAMILY)
def test_openai_family_usage_matches_stream(mock: MockProviders, provider: str) -> None:
    r = post(mock, provider, "one two three four", stream=True)
    chunks = [json.loads(d) for _, d in sse_events(r.body)[:-1]]
    usages = [c["usage"] for c in chunks if c.get("usage")]
    assert len(usages) == 1, "usage arrives exactly once"
    content_chunks = sum(1 for c in chunks for ch in c["choices"] if ch["delta"].get("content"))
    assert usages[0]["completion_tokens"] == content_chunks == mock.last()["reply"]["output_tokens"]
    assert usages[0]["prompt_tokens"] == 4
    assert usages[0]["total_tokens"] == 4 + content_chunks


@pytest.mark.parametrize("provider", OPENAI_FAMILY)
def test_openai_family_completion(mock: MockProviders, provider: str) -> None:
    r = post(mock, provider, "hello there", stream=False)
    completion = ChatCompletion.model_validate_json(r.body, strict=True)
    assert extras(completion) == {e for e in OPENAI_EXTRAS[provider] if e != "p" and e != "x_groq"}
    assert completion.choices[0].message.content == mock.last()["reply"]["text"]


@pytest.mark.parametrize("provider", ["openai", "groq", "together", "deepseek", "openai-compatible"])
@pytest.mark.parametrize("scenario", ["error-401", "error-429", "error-500", "error-503", "midstream-error"])
def test_openai_error_objects(mock: MockProviders, provider: str, scenario: str) -> None:
    path, body = chat(provider, "hi", stream=True)
    r = request(mock, "POST", path, body, {**auth_headers(provider), "x-mock-scenario": scenario})
    if scenario == "midstream-error":
        assert r.status == 200
        payload = json.loads(sse_events(r.body)[-1][1])
    else:
        assert r.status == int(scenario.split("-")[1])
        payload = json.loads(r.body)
    assert set(payload) == {"error"}
    ErrorObject.model_validate(payload["error"], strict=True)
    assert set(payload["error"]) == {"message", "type", "param", "code"}


def test_openai_models_list(mock: MockProviders) -> None:
    r = request(mock, "GET", "/openai/v1/models", headers=auth_headers("openai"))
    models = [OpenAIModel.model_validate(m, strict=True) for m in r.json()["data"]]
    assert [m.id for m in models] == ["gpt-4o-mini", "gpt-4.1-mini", "gpt-5-mini"]  # an empty list checks nothing
    for m in models:
        assert not extras(m)


# ---- Anthropic -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("prompt", ["plain words here", "mock-words-0", "ünïcødé 🌍"])
def test_anthropic_stream_events(mock: MockProviders, prompt: str) -> None:
    r = post(mock, "anthropic", prompt, stream=True)
    events = sse_events(r.body)
    text = ""
    for name, data in events:
        assert name is not None, "the Anthropic SDK drops events without an `event:` line"
        obj = json.loads(data)
        assert obj["type"] == name
        if name == "ping":
            assert obj == {"type": "ping"}
            continue
        event = RAW_EVENT.validate_json(data, strict=True)
        assert not extras(event), name
        if event.type == "content_block_delta":
            text += event.delta.text  # type: ignore[union-attr]
        if event.type == "message_delta":
            assert event.usage.output_tokens == mock.last()["reply"]["output_tokens"]
        if event.type == "message_start":
            assert event.message.usage.input_tokens == mock.last()["reply"]["input_tokens"]
    assert [n for n, _ in events][:3] == ["message_start", "content_block_start", "ping"]
    assert text == mock.last()["reply"]["text"]


def test_anthropic_message_and_models(mock: MockProviders) -> None:
    r = post(mock, "anthropic", "hello", stream=False)
    msg = at.Message.model_validate_json(r.body, strict=True)
    assert not extras(msg)
    models = request(mock, "GET", "/anthropic/v1/models", headers=auth_headers("anthropic")).json()
    infos = [at.ModelInfo.model_validate_json(json.dumps(m), strict=True) for m in models["data"]]
    assert [m.id for m in infos] == ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5"]
    for info in infos:
        assert not extras(info)
    assert set(models) == {"data", "has_more", "first_id", "last_id"}


@pytest.mark.parametrize("scenario", ["error-401", "error-429", "error-500", "overloaded", "midstream-error"])
def test_anthropic_errors(mock: MockProviders, scenario: str) -> None:
    path, body = chat("anthropic", "hi", stream=True)
    r = request(mock, "POST", path, body, {**auth_headers("anthropic"), "x-mock-scenario": scenario})
    if scenario == "midstream-error":
        name, data = sse_events(r.body)[-1]
        assert (r.status, name) == (200, "error")
    else:
        data = r.body.decode()
        assert r.status == {"error-401": 401, "error-429": 429, "error-500": 500, "overloaded": 529}[scenario]
    err = at.ErrorResponse.model_validate_json(data, strict=True)
    assert not extras(err)


# ---- Gemini --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prompt", ["plain words here", "mock-words-0", "ünïcødé 🌍"])
def test_gemini_stream_chunks(mock: MockProviders, prompt: str) -> None:
    r = post(mock, "gemini", prompt, stream=True)
    assert b"data: " in r.body and b"[DONE]" not in r.body and b"\r\n\r\n" in r.body
    chunks = [gt.GenerateContentResponse.model_validate_json(d, strict=True) for _, d in sse_events(r.body)]
    # extra="forbid" on google-genai types: an unknown field would already have failed validation.
    assert "".join(c.text or "" for c in chunks) == mock.last()["reply"]["text"]
    assert chunks[-1].usage_metadata.candidates_token_count in (
        None,
        mock.last()["reply"]["output_tokens"] or None,
    )  # type: ignore[union-attr]


def test_gemini_json_array_stream_and_response(mock: MockProviders) -> None:
    r = request(
        mock,
        "POST",
        "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent",
        {"contents": [{"parts": [{"text": "hi there"}]}]},
        auth_headers("gemini"),
    )
    assert r.status == 200, r.body
    array = json.loads(r.body)  # without alt=sse: one JSON array
    assert isinstance(array, list)
    chunks = [gt.GenerateContentResponse.model_validate_json(json.dumps(item), strict=True) for item in array]
    sent = mock.last("gemini")["reply"]
    # One element per streamed word; an empty (or short) array cannot rebuild the reply.
    assert len(chunks) == sent["output_tokens"] == len(sent["text"].split()) > 0
    assert "".join(c.text or "" for c in chunks) == sent["text"] == "Mock gemini reply to: hi there"
    assert chunks[-1].candidates[0].finish_reason == gt.FinishReason.STOP  # type: ignore[index]
    r = post(mock, "gemini", "hello", stream=False)
    response = gt.GenerateContentResponse.model_validate_json(r.body, strict=True)
    assert response.text == mock.last("gemini")["reply"]["text"] == "Mock gemini reply to: hello"


def test_gemini_error_shape(mock: MockProviders) -> None:
    path, body = chat("gemini", "mock-error-429-22", stream=True)
    r = request(mock, "POST", path, body, auth_headers("gemini"))
    err = r.json()["error"]
    assert (r.status, err["code"], err["status"]) == (429, 429, "RESOURCE_EXHAUSTED")
    assert err["details"][0]["retryDelay"] == "22s" and "retry-after" not in r.headers
