"""The official google-genai SDK against the mock: generateContent, SSE streaming (data-only, no
[DONE]), the error statuses it maps to ClientError / ServerError, and the models list."""

from __future__ import annotations

import pytest
from google import genai
from google.genai import errors, types
from scripts.mock_providers import MockProviders


def client(mock: MockProviders, key: str = "AIza-test", scenario: str | None = None) -> genai.Client:
    """Keep the returned client in a variable: a collected Client closes its HTTP client under you."""
    headers = {"x-mock-scenario": scenario} if scenario else None
    options = types.HttpOptions(base_url=mock.http_url, api_version="v1beta", headers=headers, timeout=10_000)
    return genai.Client(api_key=key, http_options=options)


def test_generate_content(mock: MockProviders) -> None:
    c = client(mock)
    r = c.models.generate_content(
        model="gemini-2.5-flash",
        contents="Tell me about mocks",
        config=types.GenerateContentConfig(system_instruction="be brief", temperature=0.2),
    )
    sent = mock.last()["reply"]
    assert r.text == sent["text"] == "Mock gemini reply to: Tell me about mocks"
    assert r.candidates and r.candidates[0].finish_reason == types.FinishReason.STOP
    u = r.usage_metadata
    assert u and (u.prompt_token_count, u.candidates_token_count, u.total_token_count) == (6, 8, 14)
    assert mock.last()["headers"]["x-goog-api-key"] == "AIza-test"


def test_stream(mock: MockProviders) -> None:
    c = client(mock)
    chunks = list(c.models.generate_content_stream(model="gemini-2.5-flash", contents="Tell me"))
    assert "".join(c.text or "" for c in chunks) == mock.last()["reply"]["text"] == "Mock gemini reply to: Tell me"
    assert len(chunks) == mock.last()["reply"]["output_tokens"] == 6  # one per word: the checks below see a stream
    assert mock.last()["query"] == "alt=sse"
    last = chunks[-1]
    assert last.candidates and last.candidates[0].finish_reason == types.FinishReason.STOP
    assert all(c.candidates[0].finish_reason is None for c in chunks[:-1])  # type: ignore[index]
    # usageMetadata rides on every chunk and grows; the last one is final.
    counts = [c.usage_metadata.candidates_token_count for c in chunks]  # type: ignore[union-attr]
    assert counts == list(range(1, len(chunks) + 1))


def test_max_output_tokens(mock: MockProviders) -> None:
    c = client(mock)
    r = c.models.generate_content(
        model="gemini-2.5-flash", contents="x", config=types.GenerateContentConfig(max_output_tokens=2)
    )
    assert r.text == "Mock gemini"
    assert r.candidates[0].finish_reason == types.FinishReason.MAX_TOKENS  # type: ignore[index]


@pytest.mark.parametrize(
    ("scenario", "error", "code", "status"),
    [
        ("error-401", errors.ClientError, 400, "INVALID_ARGUMENT"),  # Gemini answers a bad key with 400
        ("error-429", errors.ClientError, 429, "RESOURCE_EXHAUSTED"),
        ("error-500", errors.ServerError, 500, "INTERNAL"),
        ("error-503", errors.ServerError, 503, "UNAVAILABLE"),
    ],
)
def test_errors(mock: MockProviders, scenario: str, error: type[Exception], code: int, status: str) -> None:
    c = client(mock, scenario=scenario)
    with pytest.raises(error) as info:
        list(c.models.generate_content_stream(model="gemini-2.5-flash", contents="x"))
    assert (info.value.code, info.value.status) == (code, status)  # type: ignore[attr-defined]


def test_bad_key(mock: MockProviders) -> None:
    c = client(mock, key="AIza-bad")
    with pytest.raises(errors.ClientError) as info:
        c.models.generate_content(model="gemini-2.5-flash", contents="x")
    assert info.value.code == 400
    assert info.value.details["error"]["details"][0]["reason"] == "API_KEY_INVALID"  # type: ignore[index]


def test_mid_stream_error(mock: MockProviders) -> None:
    c, got = client(mock), []
    with pytest.raises(errors.ServerError) as info:
        for chunk in c.models.generate_content_stream(
            model="gemini-2.5-flash", contents="mock-midstream-error please"
        ):
            got.append(chunk.text)
    assert got and info.value.code == 500


def test_models(mock: MockProviders) -> None:
    c = client(mock)
    names = [m.name for m in c.models.list()]
    assert "models/gemini-2.5-flash" in names
