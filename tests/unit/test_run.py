"""The Run: one prompt fanned out to many targets over MockTransport, answers as records, stop, follow-ups."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import pytest

from switchboard.chat import Message, TextDelta
from switchboard.http import HttpRequest, MockResponse, MockTransport
from switchboard.providers import get
from switchboard.run import MERGE_INSTRUCTIONS, Answer, Params, Run, Target, merge_prompt
from switchboard.service import Timeouts

T = TypeVar("T")
SSE = {"content-type": "text/event-stream"}
GPT = Target("openai", "gpt-4o")
MINI = Target("openai", "gpt-4o-mini")
CLAUDE = Target("anthropic", "claude-haiku-4-5")


class Clock:
    def now(self) -> float:
        return time.monotonic()


def go(coro: Awaitable[T]) -> T:
    async def bounded() -> T:
        async with asyncio.timeout(10):  # no test may hang
            return await coro

    return asyncio.run(bounded())


async def keys(target: Target) -> tuple[str, str | None]:
    return f"sk-{target.slot}-0123456789", None


def openai_chunks(model: str, words: list[str], usage: tuple[int, int] = (7, 3)) -> list[bytes]:
    def data(payload: dict[str, Any]) -> bytes:
        return f"data: {json.dumps(payload)}\n\n".encode()

    out = [data({"id": "c", "model": model, "choices": [{"index": 0, "delta": {"content": w}}]}) for w in words]
    out.append(data({"id": "c", "model": model, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                     "usage": {"prompt_tokens": usage[0], "completion_tokens": usage[1]}}))
    return [*out, b"data: [DONE]\n\n"]


def anthropic_chunks(text: str) -> list[bytes]:
    events = [
        ("message_start", {"type": "message_start", "message": {
            "id": "m", "model": "claude-haiku-4-5-20251001", "usage": {"input_tokens": 5, "output_tokens": 1}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta", "text": text}}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                           "usage": {"output_tokens": 4}}),
        ("message_stop", {"type": "message_stop"}),
    ]
    return [f"event: {name}\ndata: {json.dumps(body)}\n\n".encode() for name, body in events]


def paced(chunks: list[bytes], delay: float) -> AsyncIterator[bytes]:
    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            await asyncio.sleep(delay)
            yield chunk

    return body()


def model_of(request: HttpRequest) -> str:
    return str(json.loads(request.body or b"{}").get("model"))


def test_answers_run_at_once_so_the_round_takes_as_long_as_the_slowest() -> None:
    # No stopwatch (machines are noisy): every body waits until all five requests have been sent, so
    # answers run one after another would never finish and the bounded run would fail.
    models = ["gpt-4o", "gpt-4o-mini", "o3", "o4-mini", "gpt-4.1"]

    async def main() -> Run:
        all_sent = asyncio.Event()
        sent: list[str] = []

        def handler(request: HttpRequest) -> MockResponse:
            sent.append(model_of(request))
            if len(sent) == len(models):
                all_sent.set()

            async def body() -> AsyncIterator[bytes]:
                await all_sent.wait()
                for chunk in openai_chunks(model_of(request), ["a", "b", "c"]):
                    yield chunk

            return MockResponse(200, SSE, body())

        run = Run.ask("hello", [Target("openai", m) for m in models])
        await run.execute(MockTransport(handler), keys, Clock())
        assert sorted(sent) == sorted(models)
        return run

    run = go(main())
    assert [a.status for a in run.answers] == ["done"] * 5
    assert [a.text for a in run.answers] == ["abc"] * 5


def test_each_answer_is_a_record_with_usage_timing_and_the_model_served() -> None:
    seen: list[tuple[str, str, str]] = []

    def handler(request: HttpRequest) -> MockResponse:
        if "anthropic" in request.url:
            return MockResponse(200, SSE, anthropic_chunks("Hi from Claude"))
        return MockResponse(200, SSE, openai_chunks("gpt-4o-2024-08-06", ["Hi ", "there"]))

    run = Run.ask("hello", [GPT, CLAUDE], Params(system="Be brief.", temperature=0.2, max_output_tokens=50))
    run.subscribe(lambda _i, a: seen.append((a.target.model, a.status, a.text)))
    transport = MockTransport(handler)
    go(run.execute(transport, keys, Clock()))
    gpt, claude = run.answers
    assert (gpt.text, gpt.status, gpt.model_served) == ("Hi there", "done", "gpt-4o-2024-08-06")
    assert (gpt.usage.input_tokens, gpt.usage.output_tokens) == (7, 3)
    assert (claude.text, claude.model_served, claude.usage.output_tokens) == (
        "Hi from Claude", "claude-haiku-4-5-20251001", 4)
    for answer in run.answers:
        assert answer.sent_at is not None and answer.first_token_at is not None and answer.finished_at is not None
        assert answer.sent_at <= answer.first_token_at <= answer.finished_at
        assert answer.time_to_first_token is not None and answer.time_to_first_token >= 0
    assert gpt.target.label == "gpt-4o (OpenAI)" and claude.target.label == "claude-haiku-4-5 (Anthropic)"
    # Views heard every step: waiting, streaming with growing text, done.
    assert ("gpt-4o", "waiting", "") in seen and ("gpt-4o", "streaming", "Hi ") in seen
    assert seen[-1][1] == "done" or ("gpt-4o", "done", "Hi there") in seen
    bodies = {model_of(r): json.loads(r.body or b"{}") for r in transport.requests}
    assert bodies["gpt-4o"]["messages"][0] == {"role": "system", "content": "Be brief."}
    assert bodies["gpt-4o"]["temperature"] == 0.2
    assert bodies["claude-haiku-4-5"]["system"] == "Be brief."


def test_one_failing_target_leaves_the_others_intact() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        if model_of(request) == "gpt-4o-mini":
            return MockResponse(401, {"content-type": "application/json"},
                                b'{"error": {"message": "Incorrect API key", "type": "invalid_request_error"}}')
        if model_of(request) == "gpt-4o":
            return MockResponse(200, SSE, [*openai_chunks("gpt-4o", ["part"])[:1], b"data: {broken"])
        return MockResponse(200, SSE, anthropic_chunks("fine"))

    async def no_key_for_one(target: Target) -> tuple[str, str | None]:
        if target.slot == "mistral":
            raise get("mistral").error("auth", lead="No Mistral key yet: add one under API keys.")
        return await keys(target)

    run = Run.ask("hello", [MINI, GPT, CLAUDE, Target("mistral", "mistral-small-latest")])
    go(run.execute(MockTransport(handler), no_key_for_one, Clock()))
    mini, gpt, claude, mistral = run.answers
    assert mini.status == "failed" and mini.error is not None and mini.error.kind == "auth"
    assert gpt.status == "failed" and gpt.text == "part"  # broken mid-answer: the text so far is kept
    assert claude.status == "done" and claude.text == "fine"
    assert mistral.status == "failed" and mistral.sent_at is None and mistral.error is not None
    assert "No Mistral key" in mistral.error.message


def test_stop_all_cancels_every_answer_closes_each_response_and_keeps_the_text() -> None:
    first_chunks = asyncio.Event()
    arrived: set[str] = set()

    def handler(request: HttpRequest) -> MockResponse:
        model = model_of(request)

        async def body() -> AsyncIterator[bytes]:
            yield openai_chunks(model, [f"{model} says"])[0]
            arrived.add(model)
            if len(arrived) == 3:
                first_chunks.set()
            await asyncio.sleep(30)  # never finishes on its own
            yield b"data: [DONE]\n\n"

        return MockResponse(200, SSE, body())

    async def main() -> tuple[Run, MockTransport]:
        run = Run.ask("hello", [GPT, MINI, Target("openai", "o3")])
        transport = MockTransport(handler)
        task = asyncio.ensure_future(run.execute(transport, keys, Clock()))
        await first_chunks.wait()
        assert run.running
        run.stop_all()
        await task
        return run, transport

    run, transport = go(main())
    assert [a.status for a in run.answers] == ["stopped"] * 3
    assert [a.text for a in run.answers] == ["gpt-4o says", "gpt-4o-mini says", "o3 says"]
    assert len(transport.responses) == 3
    assert all(r.closed for r in transport.responses)  # type: ignore[attr-defined]
    assert not run.running


def test_stopping_one_answer_lets_the_others_finish() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        delay = 5.0 if model_of(request) == "o3" else 0.01
        return MockResponse(200, SSE, paced(openai_chunks(model_of(request), ["x", "y"]), delay))

    async def main() -> Run:
        run = Run.ask("hello", [GPT, Target("openai", "o3")])
        task = asyncio.ensure_future(run.execute(MockTransport(handler), keys, Clock()))
        await asyncio.sleep(0.02)
        run.stop(1)
        await task
        return run

    run = go(main())
    assert [a.status for a in run.answers] == ["done", "stopped"]
    assert run.answers[0].text == "xy" and run.answers[1].text == ""


def test_a_follow_up_carries_each_targets_own_history() -> None:
    replies = {"gpt-4o": "Paris.", "claude-haiku-4-5": "It is Paris."}
    seen: list[dict[str, Any]] = []

    def handler(request: HttpRequest) -> MockResponse:
        body = json.loads(request.body or b"{}")
        seen.append(body)
        if "anthropic" in request.url:
            return MockResponse(200, SSE, anthropic_chunks(replies["claude-haiku-4-5"]))
        if body["model"] == "gpt-4o-mini":
            return MockResponse(500, {"content-type": "application/json"}, b'{"error": {"message": "down"}}')
        return MockResponse(200, SSE, openai_chunks("gpt-4o", [replies["gpt-4o"]]))

    transport = MockTransport(handler)
    first = Run.ask("Capital of France?", [GPT, CLAUDE, MINI], Params(system="Short answers."))
    go(first.execute(transport, keys, Clock()))
    second = first.follow_up("And of Italy?")
    assert second.params == first.params and second.id != first.id
    go(second.execute(transport, keys, Clock()))
    gpt, claude, mini = second.answers
    assert gpt.history == (Message("user", "Capital of France?"), Message("assistant", "Paris."))
    assert claude.history == (Message("user", "Capital of France?"), Message("assistant", "It is Paris."))
    assert mini.history == ()  # no answer last round: it does not carry an unanswered question
    by_model = {b["model"]: b for b in seen[3:]}
    assert by_model["gpt-4o"]["messages"][1:] == [
        {"role": "user", "content": "Capital of France?"}, {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And of Italy?"}]
    assert by_model["claude-haiku-4-5"]["messages"] == [
        {"role": "user", "content": "Capital of France?"}, {"role": "assistant", "content": "It is Paris."},
        {"role": "user", "content": "And of Italy?"}]
    assert by_model["gpt-4o-mini"]["messages"][1:] == [{"role": "user", "content": "And of Italy?"}]


def test_a_run_needs_a_prompt_and_a_target() -> None:
    with pytest.raises(ValueError, match="prompt"):
        Run.ask("  ", [GPT])
    with pytest.raises(ValueError, match="target"):
        Run.ask("hi", [])


def test_merge_prompt_holds_the_question_and_every_answer_with_text() -> None:
    run = Run("Capital?", [Answer(GPT), Answer(CLAUDE), Answer(MINI)])
    run.answers[0].fold.feed(TextDelta("Paris"))
    run.answers[1].fold.feed(TextDelta("Paris, France"))
    prompt = merge_prompt(run, MERGE_INSTRUCTIONS)
    assert prompt.startswith(MERGE_INSTRUCTIONS)
    assert "The question was:\nCapital?" in prompt
    assert "Answer 1 (gpt-4o (OpenAI)):\nParis" in prompt and "Answer 2 (claude-haiku-4-5 (Anthropic)):" in prompt
    assert "gpt-4o-mini" not in prompt  # no text, nothing to merge


def test_timeouts_reach_each_answer() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        return MockResponse(200, SSE, paced(openai_chunks("gpt-4o", ["late"]), 1.0))

    run = Run.ask("hello", [GPT])
    go(run.execute(MockTransport(handler), keys, Clock(), Timeouts(connect=1, idle=0.05)))
    assert run.answers[0].status == "failed" and run.answers[0].error is not None
    assert run.answers[0].error.kind == "timeout"


def test_a_follow_up_may_add_and_drop_targets_and_counts_rounds() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        return MockResponse(200, SSE, openai_chunks(model_of(request), [f"{model_of(request)}!"]))

    transport = MockTransport(handler)
    first = Run.ask("one", [GPT, MINI])
    go(first.execute(transport, keys, Clock()))
    assert first.round == 1
    second = first.follow_up("two", [MINI, Target("openai", "o3")])
    assert [a.target for a in second.answers] == [MINI, Target("openai", "o3")]
    assert second.answers[0].history == (Message("user", "one"), Message("assistant", "gpt-4o-mini!"))
    assert second.answers[1].history == ()
    assert second.round == 2


def test_retry_asks_one_target_again_afresh() -> None:
    calls: list[str] = []

    def handler(request: HttpRequest) -> MockResponse:
        calls.append(model_of(request))
        if calls.count("gpt-4o") == 1 and model_of(request) == "gpt-4o":
            return MockResponse(429, {"content-type": "application/json"}, b'{"error": {"message": "slow down"}}')
        return MockResponse(200, SSE, openai_chunks(model_of(request), ["ok"]))

    async def main() -> Run:
        run = Run.ask("hello", [GPT, MINI])
        with pytest.raises(RuntimeError):
            await run.retry(0)
        await run.execute(MockTransport(handler), keys, Clock())
        assert [a.status for a in run.answers] == ["failed", "done"]
        mini = run.answers[1]
        before = time.time()
        await run.retry(0)
        assert run.answers[1] is mini  # the others are untouched
        # A Retry's spend falls on the day it was asked, which may be days after its run began.
        asked = run.answers[0].asked_on
        assert asked is not None and before <= asked <= time.time() and mini.asked_on is None
        return run

    run = go(main())
    assert [a.status for a in run.answers] == ["done", "done"] and run.answers[0].text == "ok"
    assert calls.count("gpt-4o") == 2 and calls.count("gpt-4o-mini") == 1


def test_a_retry_keeps_what_it_replaced_once_sent_as_it_ended_and_the_newest_few() -> None:
    """A sent answer may have been billed: its retry keeps it in `replaced` (what spend counts), stopped
    with its text so far when it was still streaming; one that never left is not kept."""
    streaming = asyncio.Event()
    have_key = True

    def handler(request: HttpRequest) -> MockResponse:
        async def body() -> AsyncIterator[bytes]:
            yield openai_chunks("gpt-4o", ["so far"])[0]
            streaming.set()
            await asyncio.sleep(30)  # until stopped

        return MockResponse(200, SSE, body())

    async def credentials(target: Target) -> tuple[str, str | None]:
        if not have_key:
            raise get("openai").error("auth", lead="No OpenAI key yet.")
        return await keys(target)

    async def main() -> Run:
        nonlocal have_key
        run = Run.ask("hello", [GPT])
        run.start(MockTransport(handler), credentials, Clock())
        await streaming.wait()
        streaming.clear()
        first = run.answers[0]
        retried = asyncio.ensure_future(run.retry(0))
        await streaming.wait()
        assert run.replaced == [first]
        assert first.status == "stopped" and first.text == "so far" and first.finished_at is not None
        retried.cancel()
        await asyncio.wait({retried})
        have_key = False  # the next attempts fail before anything is sent
        await run.retry(0)
        unsent = run.answers[0]
        assert unsent.sent_at is None
        await run.retry(0)
        assert unsent not in run.replaced and len(run.replaced) == 2  # the stopped retry counts, this one not
        return run

    go(main())


def test_a_run_keeps_at_most_max_replaced_of_the_answers_retries_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    from switchboard import run as run_module

    monkeypatch.setattr(run_module, "MAX_REPLACED", 2)

    def handler(request: HttpRequest) -> MockResponse:
        return MockResponse(200, SSE, openai_chunks(model_of(request), ["ok"]))

    async def main() -> Run:
        run = Run.ask("hello", [GPT])
        await run.execute(MockTransport(handler), keys, Clock())
        answers = [run.answers[0]]
        for _ in range(3):
            await run.retry(0)
            answers.append(run.answers[0])
        assert run.replaced == answers[1:3]  # the newest two the retries replaced
        return run

    go(main())


def test_retries_in_quick_succession_leave_one_answer_running() -> None:
    started: list[asyncio.Event] = []

    def handler(request: HttpRequest) -> MockResponse:
        async def body() -> AsyncIterator[bytes]:
            yield openai_chunks("gpt-4o", ["so far"])[0]
            started.append(asyncio.Event())
            await asyncio.sleep(30)  # until stopped

        return MockResponse(200, SSE, body())

    async def main() -> None:
        run = Run.ask("hello", [GPT])
        run.start(MockTransport(handler), keys, Clock())
        while not started:
            await asyncio.sleep(0.01)
        retries = [asyncio.ensure_future(run.retry(0)) for _ in range(3)]
        while len(started) < 2:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # time for any further stream to start
        assert [a.status for a in run.replaced] == ["stopped"] * len(run.replaced)
        assert run.answers[0].status == "streaming" and run.answers[0] not in run.replaced
        assert sum(1 for task in asyncio.all_tasks() if task.get_coro().__qualname__ == "Run._answer") == 1
        run.stop_all()
        await asyncio.wait(retries)

    go(main())


def test_an_unexpected_error_fails_the_answer_in_words_instead_of_leaving_it_running() -> None:
    run = Run("hello", [Answer(Target("perplexity", "sonar"))])  # e.g. saved by another version, then Retry
    run.bind(MockTransport(lambda r: MockResponse(200, SSE, openai_chunks("x", ["hi"]))), keys, Clock())
    go(run.retry(0))
    (answer,) = run.answers
    assert answer.status == "failed" and not run.running and answer.finished_at is not None
    assert answer.error is not None and "could not complete this answer (KeyError" in answer.error.message


def test_a_failing_listener_neither_stops_the_answer_nor_keeps_the_others_from_hearing() -> None:
    heard: list[str] = []
    run = Run.ask("hello", [GPT])

    def broken(index: int, answer: Answer) -> None:
        raise RuntimeError("a view's bug")

    run.subscribe(broken)
    run.subscribe(lambda index, answer: heard.append(answer.status))  # e.g. history's recorder
    transport = MockTransport(lambda r: MockResponse(200, SSE, openai_chunks("gpt-4o", ["hi"])))
    go(run.execute(transport, keys, Clock()))
    assert len(transport.requests) == 1 and run.answers[0].text == "hi"
    assert heard[0] == "waiting" and heard[-1] == "done"


def test_stop_all_in_the_turn_that_started_the_run_stops_every_answer() -> None:
    transport = MockTransport(lambda r: MockResponse(200, SSE, openai_chunks(model_of(r), ["hi"])))

    async def main() -> Run:
        run = Run.ask("hello", [GPT, MINI])
        done = run.start(transport, keys, Clock())
        run.stop_all()  # Esc, or a new round replacing this one, before any task took a step
        await done
        return run

    run = go(main())
    assert [a.status for a in run.answers] == ["stopped", "stopped"] and not run.running
    assert all(a.finished_at is not None for a in run.answers)


def test_a_claude_answer_stopped_mid_stream_has_no_output_count_and_no_exact_cost() -> None:
    from decimal import Decimal

    from switchboard.pricing import Price, Source

    streaming = asyncio.Event()

    def handler(request: HttpRequest) -> MockResponse:
        async def body() -> AsyncIterator[bytes]:
            for part in anthropic_chunks("word " * 200)[:3]:  # message_start says output_tokens 1, then text
                yield part
            streaming.set()
            await asyncio.sleep(30)

        return MockResponse(200, SSE, body())

    price = Price(Decimal(3), Decimal(15), source=Source("catalog", "genai-prices", "0", "2026-11-30"))

    async def main() -> Run:
        run = Run.ask("write a lot", [CLAUDE])
        done = run.start(MockTransport(handler), keys, Clock(), prices=lambda target, served: price)
        await streaming.wait()
        run.stop_all()
        await done
        return run

    (answer,) = go(main()).answers
    assert answer.status == "stopped" and answer.text.startswith("word word")
    assert answer.usage.input_tokens == 5 and answer.usage.output_tokens is None
    assert answer.cost is not None and answer.cost.usd is None  # not $0.000030 as if one token was written
