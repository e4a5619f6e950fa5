"""Stream decoding beyond the recordings: mid-stream errors, cut-off streams, usage rules, model lists."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from switchboard import Completion, ProviderError, Usage, collect
from switchboard.chat import Event, Finish, Started, StreamError, TextDelta, UsageUpdate, completion_events
from switchboard.providers import ModelInfo, get


def run(provider_id: str, body: bytes, size: int = 5) -> Completion:
    decoder = get(provider_id).decoder("sk-secret-0123456789")
    events: list[Event] = []
    for i in range(0, len(body), size):
        events += decoder.feed(body[i : i + size])
    events += decoder.close()
    return collect(events)


def sse(*payloads: object, event: str | None = None) -> bytes:
    out = []
    for payload in payloads:
        head = f"event: {event}\n" if event else ""
        data = payload if isinstance(payload, str) else json.dumps(payload)
        out.append(f"{head}data: {data}\n\n")
    return "".join(out).encode()


def oa_chunk(text: str | None = None, finish: str | None = None, **extra: object) -> dict[str, object]:
    delta = {} if text is None else {"content": text}
    return {
        "id": "c1",
        "model": "gpt-x",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }


def test_openai_mid_stream_error_keeps_text() -> None:
    body = sse(
        oa_chunk("Hello"),
        oa_chunk(" wor"),
        {"error": {"message": "The server had an error", "type": "server_error"}},
    )
    got = run("openai", body)
    assert got.text == "Hello wor"
    assert got.finish_reason == "error"
    assert got.error is not None and got.error.kind == "server"


def test_openrouter_error_chunk_with_finish_reason_error() -> None:
    chunk = {
        "error": {"code": 502, "message": "Provider returned error"},
        "choices": [{"index": 0, "delta": {}, "finish_reason": "error"}],
    }
    got = run("openrouter", sse(oa_chunk("Hi"), chunk))
    assert (got.text, got.finish_reason) == ("Hi", "error")
    assert got.error is not None and got.error.kind == "server"


def test_openai_stream_cut_off_is_invalid_response() -> None:
    got = run("openai", sse(oa_chunk("partial")))
    assert got.text == "partial"
    assert got.error is not None and got.error.kind == "invalid_response"


def test_openai_stream_that_ends_after_finish_without_done_is_fine() -> None:
    got = run("groq", sse(oa_chunk("ok"), oa_chunk(finish="length")))
    assert (got.text, got.finish_reason, got.error) == ("ok", "length", None)


def test_garbage_payload_is_invalid_response() -> None:
    got = run("openai", b"data: {not json\n\n")
    assert got.error is not None and got.error.kind == "invalid_response"
    got = run("openai", b"<html>proxy error</html>")
    assert got.error is not None and got.error.kind == "invalid_response"


def test_reasoning_fields_and_refusal() -> None:
    body = sse(
        {"choices": [{"index": 0, "delta": {"reasoning": "think "}}]},
        {"choices": [{"index": 0, "delta": {"reasoning_content": "more"}}]},
        {
            "choices": [
                {
                    "index": 0,
                    "delta": {"refusal": "I can't help with that."},
                    "finish_reason": "content_filter",
                }
            ]
        },
        "[DONE]",
    )
    got = run("openrouter", body)
    assert (got.reasoning_text, got.text, got.finish_reason) == (
        "think more",
        "I can't help with that.",
        "content_filter",
    )


def test_total_tokens_rule_and_costs() -> None:
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 40, "cost": 0.0125}
    got = run("openrouter", sse(oa_chunk("x", "stop"), {"choices": [], "usage": usage}, "[DONE]"))
    assert got.usage == Usage(10, None, 30, None, Decimal("0.0125"))
    # Equal or smaller totals change nothing.
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15, "cost_in_usd_ticks": 25_000_000}
    got = run("xai", sse(oa_chunk("x", "stop"), {"choices": [], "usage": usage}, "[DONE]"))
    assert got.usage == Usage(10, None, 5, None, Decimal("0.0025"))


def test_anthropic_overloaded_mid_stream_after_text() -> None:
    body = (
        sse(
            {
                "type": "message_start",
                "message": {"id": "m", "model": "claude", "usage": {"input_tokens": 5, "output_tokens": 1}},
            },
            event="message_start",
        )
        + sse(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hal"}},
            event="content_block_delta",
        )
        + sse(
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, event="error"
        )
    )
    got = run("anthropic", body)
    assert got.text == "Hal"
    assert got.error is not None and got.error.kind == "overloaded"
    assert got.usage == Usage(5, None, None)  # message_start's output_tokens (1) is a placeholder, not a count
    assert got.model == "claude"


def test_anthropic_cache_counts_are_input_and_unknown_events_ignored() -> None:
    start = {
        "type": "message_start",
        "message": {
            "usage": {
                "input_tokens": 10,
                "cache_creation_input_tokens": 100,
                "cache_read_input_tokens": 1000,
                "output_tokens": 1,
            }
        },
    }
    delta = {"type": "message_delta", "delta": {"stop_reason": "max_tokens"}, "usage": {"output_tokens": 42}}
    body = (
        sse(start)
        + sse({"type": "brand_new_event", "x": 1})
        + b'event: ping\ndata: {"type": "ping"}\n\n'
        + sse(delta)
        + sse({"type": "message_stop"})
    )
    got = run("anthropic", body)
    assert got.usage == Usage(1110, 1000, 42)
    assert (got.finish_reason, got.error) == ("length", None)


def test_gemini_error_chunk_safety_block_and_function_call() -> None:
    err = {"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}
    text = {"candidates": [{"content": {"parts": [{"text": "Hi"}], "role": "model"}}]}
    got = run("gemini", sse(text, err))
    assert got.text == "Hi" and got.error is not None and got.error.kind == "overloaded"

    blocked = {
        "promptFeedback": {"blockReason": "SAFETY"},
        "usageMetadata": {"promptTokenCount": 4, "totalTokenCount": 4},
    }
    got = run("gemini", sse(blocked))
    assert (got.text, got.finish_reason, got.error) == ("", "content_filter", None)

    call = {
        "candidates": [
            {
                "content": {"parts": [{"functionCall": {"name": "f", "args": {"a": 1}}}]},
                "finishReason": "STOP",
            }
        ]
    }
    got = run("gemini", sse(call))
    assert (got.text, got.finish_reason) == ("", "tool_calls")
    assert [(c.name, json.loads(c.arguments)) for c in got.tool_calls] == [("f", {"a": 1})]


def test_gemini_thought_parts_are_reasoning() -> None:
    chunk = {
        "candidates": [
            {
                "content": {"parts": [{"text": "hmm", "thought": True}, {"text": "Yes"}]},
                "finishReason": "MAX_TOKENS",
            }
        ]
    }
    got = run("gemini", sse(chunk))
    assert (got.reasoning_text, got.text, got.finish_reason) == ("hmm", "Yes", "length")


def test_gemini_stream_without_finish_reason_is_cut_off() -> None:
    got = run("gemini", sse({"candidates": [{"content": {"parts": [{"text": "Hi"}]}}]}))
    assert got.text == "Hi" and got.error is not None and got.error.kind == "invalid_response"


def test_ollama_error_line_and_cut_off() -> None:
    body = b'{"model":"g","message":{"content":"Hi"},"done":false}\n{"error":"model runner crashed"}\n'
    got = run("ollama", body)
    assert got.text == "Hi" and got.error is not None and got.error.kind == "server"
    assert "model runner crashed" in got.error.message
    got = run("ollama", b'{"model":"g","message":{"content":"Hi"},"done":false}\n')
    assert got.error is not None and got.error.kind == "invalid_response"


def test_cohere_error_finish() -> None:
    body = sse(
        {"type": "content-delta", "delta": {"message": {"content": {"text": "Hi"}}}},
        {"type": "message-end", "delta": {"finish_reason": "ERROR", "error": "boom"}},
    )
    got = run("cohere", body)
    assert got.text == "Hi" and got.error is not None and got.error.kind == "server"


def test_events_after_an_error_are_ignored() -> None:
    decoder = get("openai").decoder()
    events = decoder.feed(sse({"error": {"message": "x"}}, oa_chunk("late")))
    assert [type(e) for e in events] == [StreamError]
    assert decoder.feed(sse(oa_chunk("later"))) == []
    assert decoder.close() == []


def test_mid_stream_error_message_is_scrubbed() -> None:
    got = run(
        "openai",
        sse(
            {
                "error": {
                    "message": "Incorrect API key provided: sk-secret-0123456789",
                    "code": "invalid_api_key",
                }
            }
        ),
    )
    assert got.error is not None and got.error.kind == "auth"
    assert "0123456789" not in got.error.message


def test_collect_and_completion_events_round_trip() -> None:
    events: list[Event] = [
        Started("m", "r"),
        TextDelta("a"),
        UsageUpdate(Usage(input_tokens=3)),
        TextDelta("b"),
        UsageUpdate(Usage(output_tokens=4)),
        Finish("stop", "end_turn"),
    ]
    completion = collect(events)
    assert (completion.text, completion.usage, completion.finish_reason) == ("ab", Usage(3, None, 4), "stop")
    assert collect(completion_events(completion)) == completion
    assert collect([]) == Completion()
    error = ProviderError("timeout", "slow")
    failed = collect([TextDelta("x"), StreamError(error)])
    assert (failed.text, failed.finish_reason, failed.error) == ("x", "error", error)


def test_parse_response_error_inside_a_200_body() -> None:
    with pytest.raises(ProviderError) as info:
        get("openrouter").parse_response(
            200, {}, b'{"error": {"message": "No endpoints found", "code": 404}}'
        )
    assert info.value.kind == "not_found"
    with pytest.raises(ProviderError) as info:
        get("openai").parse_response(200, {}, b"not json")
    assert info.value.kind == "invalid_response"


MODEL_BODIES = [
    (
        "openai",
        {"object": "list", "data": [{"id": "gpt-b"}, {"id": "gpt-a"}]},
        [ModelInfo("gpt-a"), ModelInfo("gpt-b")],
    ),
    (
        "openrouter",
        {
            "data": [
                {
                    "id": "x/y",
                    "name": "Y",
                    "context_length": 1000,
                    "pricing": {"prompt": "0.000001", "completion": "0.000002"},
                }
            ]
        },
        [ModelInfo("x/y", "Y", 1000, Decimal("1.000000"), Decimal("2.000000"))],
    ),
    (
        "together",
        [
            {
                "id": "t",
                "display_name": "T",
                "context_length": 8192,
                "pricing": {"input": 0.88, "output": 0.88},
            }
        ],
        [ModelInfo("t", "T", 8192, Decimal("0.88"), Decimal("0.88"))],
    ),
    (
        "anthropic",
        {"data": [{"id": "claude-x", "display_name": "Claude X", "type": "model"}], "has_more": False},
        [ModelInfo("claude-x", "Claude X")],
    ),
    (
        "gemini",
        {
            "models": [
                {
                    "name": "models/gemini-x",
                    "displayName": "Gemini X",
                    "inputTokenLimit": 1048576,
                    "supportedGenerationMethods": ["generateContent"],
                },
                {"name": "models/embed", "supportedGenerationMethods": ["embedContent"]},
            ]
        },
        [ModelInfo("gemini-x", "Gemini X", 1048576)],
    ),
    (
        "cohere",
        {"models": [{"name": "command-a", "context_length": 256000}]},
        [ModelInfo("command-a", None, 256000)],
    ),
    ("ollama", {"models": [{"name": "gemma3:1b", "model": "gemma3:1b"}]}, [ModelInfo("gemma3:1b")]),
]


@pytest.mark.parametrize(("provider_id", "raw", "want"), MODEL_BODIES)
def test_parse_models(provider_id: str, raw: object, want: list[ModelInfo]) -> None:
    assert get(provider_id).parse_models_response(200, {}, json.dumps(raw).encode()) == want


def test_models_error_status_raises() -> None:
    with pytest.raises(ProviderError) as info:
        get("mistral").parse_models_response(401, {}, b'{"detail":"Invalid API Key"}\n')
    assert info.value.kind == "auth"


def test_cohere_check_key_valid_false_is_auth() -> None:
    provider = get("cohere")
    provider.check_key_response(200, {}, b'{"valid": true}')
    with pytest.raises(ProviderError) as info:
        provider.check_key_response(200, {}, b'{"valid": false}')
    assert info.value.kind == "auth"


def test_a_served_model_name_longer_than_any_model_id_is_not_kept() -> None:
    # Saved as it came, it made every history export holding the answer one the import refuses.
    from switchboard.history.schema import MAX_NAME
    from switchboard.providers.base import MAX_MODEL_NAME

    assert MAX_MODEL_NAME == MAX_NAME
    long = "m" * (MAX_NAME + 1)
    assert run("openai", sse({**oa_chunk("Hi"), "model": long}, oa_chunk(finish="stop"), "[DONE]")).model is None
    fits = "m" * MAX_NAME
    assert run("openai", sse({**oa_chunk("Hi"), "model": fits}, oa_chunk(finish="stop"), "[DONE]")).model == fits
