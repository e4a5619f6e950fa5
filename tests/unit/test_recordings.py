"""Every recorded real interaction decodes to what the recording says, however the bytes are split."""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard import ChatRequest, Completion, Message, ProviderError, Usage, collect
from switchboard.chat import Event
from switchboard.http import MockResponse, MockTransport
from switchboard.providers import get
from switchboard.service import stream_chat

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"

# Formats Switchboard does not speak: the Responses API, Cohere v1 and Gemini's JSON-array stream.
UNSUPPORTED = {
    "openai-responses/error-400-context-window.json",
    "openai-responses/error-401-invalid-key.json",
    "openai-responses/nonstream-basic.json",
    "openai-responses/stream-basic.json",
    "openai-responses/stream-function-call.json",
    "cohere/v1-chat-stream-json.json",
    "gemini/json-array-stream-thinking.json",
}


@dataclass(frozen=True)
class Expect:
    text: str = ""
    reasoning: str = ""
    finish: str | None = "stop"
    usage: Usage = field(default_factory=Usage)
    error: str | None = None
    retry_after: float | None = None
    tool: tuple[str, str] | None = None  # (name, arguments)


MISTRAL_THINKING = (
    "The user is asking for the product of 12 multiplied by 12. I know that 12 times 12 is a basic "
    "multiplication fact. Let me calculate it:\n\n12 * 12 = 144\n\nSo, the answer is 144."
)
ANTHROPIC_THINKING = (
    "The user wants two names for a pet pelican, and they want me to be brief. I'll suggest two names "
    "that would suit a pelican well.\n\nSome good options:\n- Pelé (play on pelican)\n- Pouch (referencing "
    "their bill pouch)\n- Captain Beak\n- Squirt\n- Scoop\n- Wing\n\nLet me give two brief, catchy names:"
)

EXPECTED: dict[str, Expect] = {
    # Anthropic: input = input + cache_creation + cache_read (all 0 here); message_delta output wins.
    "anthropic/stream-text-usage.json": Expect("- Captain\n- Scoop", usage=Usage(17, 0, 10)),
    "anthropic/stream-thinking.json": Expect(
        '1. **Pouch** - references their iconic bill pouch\n2. **Pelé** - playful take on "pelican"',
        ANTHROPIC_THINKING,
        usage=Usage(46, 0, 133),
    ),
    "anthropic/stream-tool-use.json": Expect(
        "", finish="tool_calls", usage=Usage(543, 0, 40), tool=("pelican_name_generator", "")
    ),
    "anthropic/nonstream-basic.json": Expect("2 + 2 = 4", usage=Usage(16, 0, 13)),
    "anthropic/error-401-invalid-key.json": Expect(finish="error", error="auth"),
    "anthropic/error-400-prompt-too-long.json": Expect(finish="error", error="context_length"),
    # OpenAI: usage arrives in the choices: [] chunk.
    "openai/stream-tool-call-include-usage.json": Expect(
        "", finish="tool_calls", usage=Usage(54, 0, 20, 0), tool=("multiply", '{"a":1231,"b":2331}')
    ),
    "openai/stream-text-after-tool-include-usage.json": Expect(
        "The result of \\( 1231 \\times 2331 \\) is \\( 2,869,461 \\).", usage=Usage(87, 0, 26, 0)
    ),
    "openai/nonstream-tool-call.json": Expect(
        "",
        finish="tool_calls",
        usage=Usage(92, 0, 17, 0),
        tool=("lookup_population", '{"country":"Crumpet"}'),
    ),
    "openai/stream-obfuscation-include-usage.json": Expect("1, 2, 3, 4, 5", usage=Usage(14, 0, 13, 0)),
    # Gemini: output = candidates + thoughts (= total - prompt); reasoning = thoughts.
    "gemini/sse-stream-basic.json": Expect("1, 2, 3", usage=Usage(8, None, 27, 20)),
    "gemini/sse-stream-thoughts-usage.json": Expect(
        "Let's think step-by-step:\n\n1.  You have the number 2.\n2.  You are adding another 2 to it.\n"
        "3.  If you count two items, and then count two more items, you will have a total of four items."
        "\n\nSo, 2 + 2 = 4.",
        usage=Usage(13, None, 208, 137),
    ),
    "gemini/nonstream-basic.json": Expect("2 + 2 = **4**", usage=Usage(10, None, 31, 23)),
    "gemini/error-400-invalid-key.json": Expect(finish="error", error="auth"),
    "gemini/error-429-quota.json": Expect(finish="error", error="rate_limit", retry_after=48.0),
    "mistral/stream-basic-usage.json": Expect("1, 2, 3", usage=Usage(22, 0, 8)),
    "mistral/stream-thinking.json": Expect("144", MISTRAL_THINKING, usage=Usage(31, 0, 66)),
    "mistral/nonstream-basic.json": Expect("2 + 2 equals **4**.", usage=Usage(23, 0, 9)),
    "mistral/error-401-invalid-key.json": Expect(finish="error", error="auth"),
    "groq/stream-chat-x_groq-usage.json": Expect(
        "As a sprinkle of stardust falls from the sky, hello shines brightly, just for you.",
        usage=Usage(52, None, 21),
    ),
    "openrouter/stream-processing-comments-usage.json": Expect(
        "1\n2\n3", usage=Usage(15, 0, 9, 0, Decimal("0.00006"))
    ),
    "openrouter/nonstream-leading-whitespace.json": Expect(
        "2 + 2 = 4", usage=Usage(16, 0, 13, 0, Decimal("0.000081"))
    ),
    "openrouter/error-429-rate-limit.json": Expect(finish="error", error="rate_limit"),
    "openrouter/error-401-missing-auth.json": Expect(finish="error", error="auth"),
    # DeepSeek: cached = prompt_cache_hit_tokens.
    "deepseek/stream-basic-usage.json": Expect("1, 2, 3.", usage=Usage(11, 0, 8)),
    "deepseek/nonstream-basic.json": Expect("4", usage=Usage(12, 0, 1)),
    "deepseek/error-401-invalid-key.json": Expect(finish="error", error="auth"),
    "deepseek/error-400-context-length.json": Expect(finish="error", error="context_length"),
    # xAI: total 270 > 137 + 7, so output = 270 - 137 = 133; cost = 3693500 ticks / 1e10 USD.
    "xai/stream-chat-reasoning-usage.json": Expect(
        "1, 2, 3",
        'The user said: "Count from 1 to 3"\n',
        usage=Usage(137, 128, 133, 126, Decimal("0.00036935")),
    ),
    "xai/error-400-invalid-key.json": Expect(finish="error", error="auth"),
    "ollama/api-chat-stream-ndjson.json": Expect(
        "Okay, here we go!\n\n1, 2, 3, 4, 5\n", usage=Usage(16, None, 22)
    ),
    "ollama/api-chat-stream-format-json.json": Expect('{"answer": "600"}', usage=Usage(25, None, 9)),
    # Cohere v2: billed units (7 in, 21 out), not raw tokens (502 / 24).
    "cohere/v2-chat-stream-sse.json": Expect(
        "Sure! Here's counting from 1 to 3:\n\n1, 2, 3.", usage=Usage(7, None, 21)
    ),
}


def load(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def body_of(rec: dict[str, Any]) -> bytes:
    text: str = rec["response"]["body"]
    return text.encode("utf-8")


def is_stream(rec: dict[str, Any]) -> bool:
    return bool(rec["stream"]) and rec["response"]["status"] < 400


def decode(rec: dict[str, Any], chunks: list[bytes]) -> Completion:
    provider = get(rec["provider"])
    if not is_stream(rec):
        try:
            return provider.parse_response(
                rec["response"]["status"], rec["response"]["headers"], b"".join(chunks)
            )
        except ProviderError as error:
            return Completion(error=error, finish_reason="error")
    decoder = provider.decoder()
    events: list[Event] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    events += decoder.close()
    return collect(events)


def split_every(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def check(name: str, got: Completion) -> None:
    want = EXPECTED[name]
    assert got.text == want.text
    assert got.reasoning_text == want.reasoning
    assert got.finish_reason == want.finish
    assert got.usage == want.usage
    if want.error is None:
        assert got.error is None
    else:
        assert got.error is not None
        assert got.error.kind == want.error
        assert got.error.retry_after == want.retry_after
        assert got.error.message
    if want.tool is not None:
        assert [(c.name, c.arguments) for c in got.tool_calls] == [want.tool]


def test_every_recording_is_covered() -> None:
    on_disk = {str(p.relative_to(RECORDED)) for p in RECORDED.glob("*/*.json")}
    assert on_disk == set(EXPECTED) | UNSUPPORTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recording_decodes_for_every_chunk_size(name: str) -> None:
    rec = load(name)
    body = body_of(rec)
    for size in range(1, 65):
        check(name, decode(rec, split_every(body, size)))
    check(name, decode(rec, [body]))


STREAMS = sorted(n for n in EXPECTED if is_stream(load(n)))


@pytest.mark.parametrize("name", STREAMS)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_recording_decodes_for_random_splits(name: str, data: st.DataObject) -> None:
    body = body_of(load(name))
    cuts = sorted(data.draw(st.sets(st.integers(1, len(body) - 1), max_size=40)))
    bounds = [0, *cuts, len(body)]
    check(name, decode(load(name), [body[a:b] for a, b in itertools.pairwise(bounds)]))


def test_crlf_framing_decodes_the_same() -> None:
    for name in STREAMS:
        rec = load(name)
        if get(rec["provider"]).framing != "sse":
            continue
        body = rec["response"]["body"].replace("\n", "\r\n").encode("utf-8")
        for size in (1, 2, 3, 64):
            check(name, decode(rec, split_every(body, size)))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_recording_through_the_service(name: str) -> None:
    rec = load(name)
    response = rec["response"]

    def handler(_request: object) -> MockResponse:
        return MockResponse(response["status"], response["headers"], split_every(body_of(rec), 7))

    transport = MockTransport(handler)
    request = ChatRequest("m", [Message("user", "hi")], stream=bool(rec["stream"]))

    async def run() -> Completion:
        return collect(
            [e async for e in stream_chat(transport, rec["provider"], request, "sk-test-key-123456")]
        )

    got = asyncio.run(run())
    check(name, got)
    assert transport.responses[0].closed  # type: ignore[attr-defined]


def test_scrubbed_key_echo_in_recorded_errors() -> None:
    got = decode(
        load("deepseek/error-401-invalid-key.json"), [body_of(load("deepseek/error-401-invalid-key.json"))]
    )
    assert got.error is not None
    assert "****-key" not in got.error.message
    assert "[redacted]" in got.error.message
    assert got.error.status == 401
