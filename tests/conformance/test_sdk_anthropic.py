"""The official anthropic SDK against the mock: messages, streams (named events, ping), errors (529
overloaded, mid-stream `event: error`), models; both auth header styles."""

from __future__ import annotations

import anthropic
import pytest
from scripts.mock_providers import MockProviders

from ._support import request

MSG = [{"role": "user", "content": "Say hello to the mock"}]


def client(mock: MockProviders, key: str = "sk-ant-test", **kw: object) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=mock.http_url, api_key=key, max_retries=0, timeout=10, **kw)  # type: ignore[arg-type]


def test_non_stream(mock: MockProviders) -> None:
    m = client(mock).messages.create(
        model="claude-haiku-4-5", max_tokens=100, system="be brief", messages=MSG
    )
    sent = mock.last()["reply"]
    assert (
        m.content[0].type == "text"
        and m.content[0].text == sent["text"] == "Mock anthropic reply to: Say hello to the mock"
    )
    assert m.stop_reason == "end_turn"
    # input = system words + message words: "be brief" + "Say hello to the mock"
    assert (m.usage.input_tokens, m.usage.output_tokens) == (7, 9)


def test_stream_helper_accumulates_text_and_usage(mock: MockProviders) -> None:
    with client(mock).messages.stream(model="claude-haiku-4-5", max_tokens=100, messages=MSG) as stream:
        deltas = list(stream.text_stream)
        final = stream.get_final_message()
    assert "".join(deltas) == final.content[0].text == mock.last()["reply"]["text"]  # type: ignore[union-attr]
    assert len(deltas) == final.usage.output_tokens == 9
    assert final.usage.input_tokens == 5 and final.stop_reason == "end_turn"


def test_raw_stream_event_order(mock: MockProviders) -> None:
    events = list(
        client(mock).messages.create(model="claude-haiku-4-5", max_tokens=100, messages=MSG, stream=True)
    )
    kinds = [e.type for e in events]
    assert kinds[:2] == ["message_start", "content_block_start"]
    assert kinds[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert set(kinds[2:-3]) == {"content_block_delta"}  # the SDK drops `ping` itself


def test_max_tokens_stop_reason(mock: MockProviders) -> None:
    m = client(mock).messages.create(model="claude-haiku-4-5", max_tokens=2, messages=MSG)
    assert m.content[0].text == "Mock anthropic" and m.stop_reason == "max_tokens"  # type: ignore[union-attr]


def test_x_api_key_and_bearer_both_accepted(mock: MockProviders) -> None:
    # SDK >= 2 sends Authorization: Bearer; browsers and older SDKs send x-api-key.
    client(mock).messages.create(model="claude-haiku-4-5", max_tokens=5, messages=MSG)
    assert mock.last()["headers"].get("authorization", "").startswith("Bearer ")
    body = {"model": "claude-haiku-4-5", "max_tokens": 5, "messages": MSG}
    r = request(mock, "POST", "/v1/messages", body, {"x-api-key": "k", "anthropic-version": "2023-06-01"})
    assert r.status == 200 and r.json()["type"] == "message"


@pytest.mark.parametrize(
    ("how", "error", "status"),
    [
        ("error-401", anthropic.AuthenticationError, 401),
        ("error-429", anthropic.RateLimitError, 429),
        ("error-500", anthropic.InternalServerError, 500),
        ("overloaded", anthropic.OverloadedError, 529),
    ],
)
def test_errors_before_streaming(mock: MockProviders, how: str, error: type[Exception], status: int) -> None:
    with pytest.raises(error) as info:
        client(mock).messages.create(
            model="claude-haiku-4-5",
            max_tokens=5,
            messages=MSG,
            stream=True,
            extra_headers={"x-mock-scenario": how},
        )
    assert info.value.status_code == status  # type: ignore[attr-defined]
    if status == 429:
        assert info.value.response.headers["retry-after"] == "1"  # type: ignore[attr-defined]


def test_bad_key(mock: MockProviders) -> None:
    with pytest.raises(anthropic.AuthenticationError) as info:
        client(mock, key="sk-ant-bad").messages.create(model="claude-haiku-4-5", max_tokens=5, messages=MSG)
    assert info.value.body["error"]["type"] == "authentication_error"  # type: ignore[index]


def test_mid_stream_error_event(mock: MockProviders) -> None:
    stream = client(mock).messages.create(
        model="claude-haiku-4-5",
        max_tokens=50,
        messages=[{"role": "user", "content": "mock-midstream-error hi"}],
        stream=True,
    )
    seen = []
    with pytest.raises(anthropic.APIStatusError) as info:
        for event in stream:
            seen.append(event.type)
    assert "content_block_delta" in seen
    assert info.value.body["error"]["type"] == "overloaded_error"  # type: ignore[index]


def test_missing_body_fields_are_400(mock: MockProviders) -> None:
    with pytest.raises(anthropic.BadRequestError):
        client(mock).messages.create(
            model="claude-haiku-4-5", max_tokens=5, messages=[{"role": "system", "content": "x"}]
        )  # type: ignore[list-item]


def test_models(mock: MockProviders) -> None:
    models = list(client(mock).models.list())
    assert [m.id for m in models][:1] == ["claude-sonnet-4-5"]
    assert client(mock).models.retrieve("claude-haiku-4-5").id == "claude-haiku-4-5"
