"""The official openai SDK, pointed at the mock, streams, answers and fails the way it does against the
real service; the OpenAI-compatible providers work through it too."""

from __future__ import annotations

import openai
import pytest
from scripts.mock_providers import MockProviders

from ._support import OPENAI_FAMILY

MSG = [{"role": "user", "content": "Count the  words in this prompt"}]


def client(mock: MockProviders, provider: str = "openai", key: str = "sk-test") -> openai.OpenAI:
    return openai.OpenAI(base_url=mock.base_url(provider), api_key=key, max_retries=0, timeout=10)


def test_plain_v1_base_url_is_openai(mock: MockProviders) -> None:
    # The documented shortest form: base URL http://127.0.0.1:PORT/v1 speaks the OpenAI protocol.
    c = openai.OpenAI(base_url=mock.http_url + "/v1", api_key="x", max_retries=0)
    r = c.chat.completions.create(model="gpt-4o-mini", messages=MSG)
    assert r.choices[0].message.content == "Mock openai reply to: Count the words in this prompt"
    assert mock.last()["provider"] == "openai"


def test_non_stream(mock: MockProviders) -> None:
    r = client(mock).chat.completions.create(model="gpt-4o-mini", messages=MSG)
    sent = mock.last()["reply"]
    assert r.choices[0].message.content == sent["text"]
    assert r.choices[0].finish_reason == "stop"
    assert r.usage is not None
    assert (
        (r.usage.prompt_tokens, r.usage.completion_tokens)
        == (6, 10)
        == (sent["input_tokens"], sent["output_tokens"])
    )
    assert r.usage.total_tokens == 16


def test_stream_with_include_usage(mock: MockProviders) -> None:
    chunks = list(
        client(mock).chat.completions.create(
            model="gpt-4o-mini", messages=MSG, stream=True, stream_options={"include_usage": True}
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == mock.last()["reply"]["text"]
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    # include_usage: every chunk says usage null except a last one with no choices.
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == sum(
        1 for c in chunks if c.choices and c.choices[0].delta.content
    )
    assert all(c.usage is None for c in chunks[:-1])


def test_stream_without_include_usage_has_no_usage(mock: MockProviders) -> None:
    chunks = list(client(mock).chat.completions.create(model="gpt-4o-mini", messages=MSG, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == mock.last()["reply"]["text"] and len(chunks) > mock.last()["reply"]["output_tokens"] > 0
    assert all(c.usage is None for c in chunks) and all(c.choices for c in chunks)


def test_max_tokens_truncates_with_finish_length(mock: MockProviders) -> None:
    r = client(mock).chat.completions.create(model="gpt-4o-mini", messages=MSG, max_completion_tokens=3)
    assert r.choices[0].message.content == "Mock openai reply"
    assert r.choices[0].finish_reason == "length"


@pytest.mark.parametrize(
    ("how", "error"),
    [
        ("error-401", openai.AuthenticationError),
        ("error-429", openai.RateLimitError),
        ("error-500", openai.InternalServerError),
        ("error-503", openai.InternalServerError),
    ],
)
def test_errors_before_streaming(mock: MockProviders, how: str, error: type[Exception]) -> None:
    c = client(mock)
    with pytest.raises(error) as info:
        c.chat.completions.create(
            model="gpt-4o-mini", messages=MSG, stream=True, extra_headers={"x-mock-scenario": how}
        )
    assert info.value.status_code == int(how.split("-")[1])  # type: ignore[attr-defined]
    if how == "error-429":
        assert info.value.response.headers["retry-after"] == "1"  # type: ignore[attr-defined]
        assert info.value.code == "rate_limit_exceeded"  # type: ignore[attr-defined]


@pytest.mark.parametrize("key", ["sk-bad-key", "sk-mock-invalid"])
def test_bad_key_is_401_invalid_api_key(mock: MockProviders, key: str) -> None:
    with pytest.raises(openai.AuthenticationError) as info:
        client(mock, key=key).chat.completions.create(model="gpt-4o-mini", messages=MSG)
    assert info.value.code == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError):
        client(mock, key=key).models.list()


def test_magic_word_in_model_and_prompt(mock: MockProviders) -> None:
    with pytest.raises(openai.RateLimitError):
        client(mock).chat.completions.create(model="gpt-4o-mini-mock-error-429-7", messages=MSG)
    assert mock.last()["scenario"] == "error-429"
    with pytest.raises(openai.InternalServerError):
        client(mock).chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "please mock-error-500 now"}]
        )


def test_mid_stream_error_raises_api_error(mock: MockProviders) -> None:
    stream = client(mock).chat.completions.create(
        model="gpt-4o-mini", messages=MSG, stream=True, extra_query={"mock": "midstream-error"}
    )
    got = []
    with pytest.raises(openai.APIError) as info:
        for chunk in stream:
            got.append(chunk)
    assert got, "some chunks arrive before the error"
    assert info.value.type == "server_error"  # type: ignore[attr-defined]


def test_dropped_connection_is_an_error_not_an_end(mock: MockProviders) -> None:
    stream = client(mock).chat.completions.create(
        model="gpt-4o-mini", messages=MSG, stream=True, extra_headers={"x-mock-scenario": "drop"}
    )
    got = []
    with pytest.raises(openai.APIConnectionError):  # the SDK wraps the truncated chunked body
        for chunk in stream:
            got.append(chunk)
    assert got, "some chunks arrive before the cut"


def test_models_list(mock: MockProviders) -> None:
    ids = [m.id for m in client(mock).models.list()]
    assert "gpt-4o-mini" in ids


@pytest.mark.parametrize("provider", [p for p in OPENAI_FAMILY if p != "openai"])
def test_compatible_providers_through_the_openai_sdk(mock: MockProviders, provider: str) -> None:
    c = client(mock, provider)
    r = c.chat.completions.create(model="m", messages=MSG)
    assert r.choices[0].message.content == f"Mock {provider} reply to: Count the words in this prompt"
    chunks = list(c.chat.completions.create(model="m", messages=MSG, stream=True))
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert text == r.choices[0].message.content
    assert mock.last()["provider"] == provider


def test_ollama_v1_through_the_openai_sdk(mock: MockProviders) -> None:
    c = openai.OpenAI(base_url=mock.base_url("ollama") + "/v1", api_key="ollama", max_retries=0)
    r = c.chat.completions.create(model="llama3.2", messages=MSG)
    assert r.choices[0].message.content == "Mock ollama reply to: Count the words in this prompt"


def test_mistral_rejects_stream_options_with_422(mock: MockProviders) -> None:
    with pytest.raises(openai.UnprocessableEntityError):
        client(mock, "mistral").chat.completions.create(
            model="mistral-small-latest", messages=MSG, stream=True, stream_options={"include_usage": True}
        )
