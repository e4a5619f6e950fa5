"""Routing rules (cheapest, fastest, fallback chain) and the fallback's takeover in a live Run over MockTransport."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import pytest

from switchboard.chat import Message
from switchboard.history.record import AnswerRecord, RunRecord, ask_again, from_run, to_run
from switchboard.http import HttpRequest, MockResponse, MockTransport
from switchboard.pricing import Price, Source
from switchboard.pricing.estimate import estimate_answer
from switchboard.routing import (
    FASTEST_SAMPLES,
    TAKEOVER,
    TYPICAL_OUTPUT,
    Route,
    cheapest,
    fallback,
    fastest,
    first_token_times,
    recent,
    since,
)
from switchboard.run import Answer, Params, Run, Target
from tests.unit.test_run import SSE, Clock, anthropic_chunks, go, keys, model_of, openai_chunks

CATALOG = Source("catalog", "genai-prices", "0.2.3", "2026-11-30")
GPT = Target("openai", "gpt-4o")
MINI = Target("openai", "gpt-4o-mini")
CLAUDE = Target("anthropic", "claude-haiku-4-5")
D = Decimal


def price(inp: str, out: str, window: int | None = 128_000) -> Price:
    return Price(D(inp), D(out), context_window=window, source=CATALOG)


def estimates(prompt: str, prices: list[Price | None], max_output: int | None = None) -> list:  # type: ignore[type-arg]
    return [estimate_answer([Message("user", prompt)], None, p, max_output) for p in prices]


# --- cheapest -----------------------------------------------------------------------------------------


def test_cheapest_picks_the_lowest_estimated_cost_and_says_against_what() -> None:
    route = cheapest([GPT, MINI], estimates("hello", [price("2.5", "10"), price("0.15", "0.6")]), None)
    assert isinstance(route, Route) and route.chosen == (("openai", "gpt-4o-mini"),)
    assert route.text().startswith("Cheapest: gpt-4o-mini (OpenAI), about $")
    assert "; gpt-4o (OpenAI) about $" in route.text()
    assert f"a {TYPICAL_OUTPUT:,}-token answer (typical)" in route.text()


def test_cheapest_weighs_output_not_only_input() -> None:
    cheap_in = price("0.10", "40")  # cheap to read, dear to write
    balanced = price("1", "2")
    route = cheapest([GPT, CLAUDE], estimates("hi", [cheap_in, balanced]), 500)
    assert isinstance(route, Route) and route.chosen == ((CLAUDE.slot, CLAUDE.model),)
    assert "a 500-token answer (your output limit)" in route.reason


def test_cheapest_leaves_out_unpriced_models_and_windows_too_small() -> None:
    long_prompt = "word " * 4000  # about 5,000 tokens
    route = cheapest([GPT, MINI, CLAUDE],
                     estimates(long_prompt, [None, price("0.01", "0.01", window=1000), price("1", "5")]), None)
    assert isinstance(route, Route) and route.chosen == ((CLAUDE.slot, CLAUDE.model),)
    assert "gpt-4o (OpenAI) has no known price" in route.reason
    assert "gpt-4o-mini (OpenAI)'s context window is too small" in route.reason
    refused = cheapest([GPT], estimates("hi", [None]), None)
    assert isinstance(refused, str) and "known price" in refused


def test_cheapest_ties_keep_the_users_order() -> None:
    same = price("1", "1")
    route = cheapest([CLAUDE, GPT], estimates("hi", [same, same]), None)
    assert isinstance(route, Route) and route.chosen == ((CLAUDE.slot, CLAUDE.model),)


# --- fastest ------------------------------------------------------------------------------------------


def record(created: float, *answers: tuple[Target, int | None, str]) -> RunRecord:
    return RunRecord(id=f"r{created}", created=created, prompt="p", answers=tuple(
        AnswerRecord(t.slot, t.model, status, ttft_ms=ttft) for t, ttft, status in answers))  # type: ignore[arg-type]


def test_first_token_times_count_finished_answers_since_the_cutoff() -> None:
    records = [record(100, (GPT, 300, "done"), (MINI, 200, "failed")), record(50, (GPT, 900, "done")),
               record(120, (GPT, None, "done"), (CLAUDE, 150, "done"))]
    timings = first_token_times(records)
    assert timings[("openai", "gpt-4o")] == [(100, 0.3), (50, 0.9)]
    assert since(timings, 100) == {("openai", "gpt-4o"): [0.3], ("anthropic", CLAUDE.model): [0.15]}
    # A tab left open for weeks keeps only what the rule still reads: a model whose answers all aged out goes.
    assert recent(timings, 110) == {("anthropic", CLAUDE.model): [(120, 0.15)]}



def test_a_retrys_first_token_time_is_dated_when_it_was_asked() -> None:
    retried = RunRecord(id="r", created=50, prompt="p", answers=(AnswerRecord("openai", "gpt-4o", "done", ttft_ms=400,
                                                                              asked=200),))
    assert since(first_token_times([retried]), 100) == {("openai", "gpt-4o"): [0.4]}


def test_fastest_takes_the_lowest_median_among_models_with_enough_samples() -> None:
    samples = {("openai", "gpt-4o"): [0.9, 0.2, 0.8], ("openai", "gpt-4o-mini"): [0.5, 0.5, 0.6, 9.0],
               ("anthropic", CLAUDE.model): [0.01, 0.01]}  # fastest, but only two samples
    route = fastest([GPT, MINI, CLAUDE], samples)
    assert route.chosen == (("openai", "gpt-4o-mini"),)
    assert "first token in 0.55 s (median of your last 4" in route.reason
    assert "; gpt-4o (OpenAI) 0.80 s" in route.reason
    assert f"fewer than {FASTEST_SAMPLES} answers): claude-haiku-4-5 (Anthropic)" in route.reason


def test_fastest_without_enough_samples_keeps_the_users_order_and_says_so() -> None:
    route = fastest([CLAUDE, GPT], {("openai", "gpt-4o"): [0.1, 0.1]})
    assert route.chosen == ((CLAUDE.slot, CLAUDE.model),)
    assert "first in your order" in route.reason and "30 days" in route.reason


# --- fallback chain -------------------------------------------------------------------------------------


def error(status: int, kind: str = "rate_limit_error") -> MockResponse:
    body = json.dumps({"error": {"message": "slow down", "type": kind}}).encode()
    return MockResponse(status, {"content-type": "application/json", "retry-after": "1"}, body)


def chain(targets: list[Target], handler: object) -> Run:
    route = fallback(targets)
    run = Run("hello", [Answer(targets[0])], Params(), route=route)
    go(run.execute(MockTransport(handler), keys, Clock()))  # type: ignore[arg-type]
    return run


@pytest.mark.parametrize("status", [429, 529, 500, 503])
def test_the_next_model_takes_over_when_one_fails_before_any_text(status: int) -> None:
    asked: list[str] = []

    def handler(request: HttpRequest) -> MockResponse:
        asked.append(model_of(request))
        if model_of(request) == "gpt-4o":
            return error(status, "rate_limit_error" if status == 429 else "api_error")
        return MockResponse(200, SSE, anthropic_chunks("Hi from Claude"))

    run = chain([GPT, CLAUDE, MINI], handler)
    assert asked == ["gpt-4o", "claude-haiku-4-5"]  # the third is never asked
    (answer,) = run.answers
    assert answer.target == CLAUDE and answer.status == "done" and answer.text == "Hi from Claude"
    assert run.route is not None and len(run.route.takeovers) == 1
    assert run.answers[0].asked_on is not None  # asked when it took over: its spend's day
    failure = {429: "rate limited", 529: "overloaded", 500: "server error", 503: "server error"}[status]
    assert run.route.text() == f"Fallback chain: OpenAI: {failure} → claude-haiku-4-5 (Anthropic)"


def test_an_account_out_of_credit_passes_to_the_next_model_and_says_so() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        if model_of(request) == "gpt-4o":  # OpenAI's answer to an account with no credit left
            quota = "You exceeded your current quota, please check your plan and billing details."
            body = json.dumps({"error": {"message": quota, "type": "insufficient_quota", "code": "insufficient_quota"}})
            return MockResponse(429, {"content-type": "application/json"}, body.encode())
        return MockResponse(200, SSE, anthropic_chunks("Hi from Claude"))

    run = chain([GPT, CLAUDE], handler)
    assert run.answers[0].text == "Hi from Claude"
    assert run.route is not None and run.route.text().startswith("Fallback chain: OpenAI: out of credit →")


def test_every_model_failing_leaves_the_last_error_and_each_step() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        return error(429)

    run = chain([GPT, MINI, CLAUDE], handler)
    (answer,) = run.answers
    assert answer.target == CLAUDE and answer.status == "failed" and answer.error is not None
    assert run.route is not None and [t.model for t in run.route.takeovers] == ["gpt-4o", "gpt-4o-mini"]


def test_an_error_after_text_is_shown_not_retried_elsewhere() -> None:
    asked: list[str] = []

    def handler(request: HttpRequest) -> MockResponse:
        asked.append(model_of(request))
        return MockResponse(200, SSE, [*openai_chunks("gpt-4o", ["part"])[:1], b"data: {broken"])

    run = chain([GPT, CLAUDE], handler)
    assert asked == ["gpt-4o"]
    assert run.answers[0].status == "failed" and run.answers[0].text == "part"
    assert run.route is not None and not run.route.takeovers


def test_a_request_the_next_model_would_refuse_too_is_not_passed_on() -> None:
    asked: list[str] = []

    def handler(request: HttpRequest) -> MockResponse:
        asked.append(model_of(request))
        return error(400, "invalid_request_error")

    run = chain([GPT, CLAUDE], handler)
    assert asked == ["gpt-4o"] and "bad_request" not in TAKEOVER
    assert run.answers[0].target == GPT and run.answers[0].status == "failed"


def test_a_missing_key_passes_to_the_next_model() -> None:
    async def no_openai(target: Target) -> tuple[str, str | None]:
        if target.slot == "openai":
            from switchboard.providers import get

            raise get("openai").error("auth", lead="No OpenAI key yet: add one under API keys.")
        return await keys(target)

    route = fallback([GPT, CLAUDE])
    run = Run("hello", [Answer(GPT)], route=route)
    go(run.execute(MockTransport(lambda r: MockResponse(200, SSE, anthropic_chunks("ok"))), no_openai, Clock()))
    assert run.answers[0].text == "ok" and run.route is not None
    assert run.route.text() == "Fallback chain: OpenAI: key refused → claude-haiku-4-5 (Anthropic)"


def test_stopping_a_chain_stops_it_without_a_takeover() -> None:
    async def scenario() -> Run:
        async def slow(request: HttpRequest) -> MockResponse:
            await asyncio.sleep(5)
            return error(429)

        run = Run("hello", [Answer(GPT)], route=fallback([GPT, CLAUDE]))
        done = run.start(MockTransport(slow), keys, Clock())
        await asyncio.sleep(0.05)
        run.stop_all()
        await done
        return run

    run = go(scenario())
    assert run.answers[0].target == GPT and run.answers[0].status == "stopped"


def test_a_routed_run_keeps_its_route_in_history_and_a_follow_up_continues_the_conversation() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        if model_of(request) == "gpt-4o":
            return error(429)
        return MockResponse(200, SSE, anthropic_chunks("first answer"))

    run = chain([GPT, CLAUDE], handler)
    back = to_run(from_run(run))
    assert back.route == run.route and back.answers[0].target == CLAUDE
    cheaper = Route("cheapest", (("openai", "gpt-4o-mini"),), "why")
    follow = run.follow_up("and then?", [MINI], route=cheaper)
    assert follow.route == cheaper
    assert follow.answers[0].history == (Message("user", "hello"), Message("assistant", "first answer"))
    unrouted = run.follow_up("and then?", [MINI])
    assert unrouted.answers[0].history == ()  # side by side: a model new to the conversation starts fresh


def test_a_takeover_keeps_the_attempt_it_replaced_for_spend_once_the_provider_billed_it() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        if model_of(request) == "gpt-4o":  # thinks at length, is billed, then fails before any text
            def data(payload: object) -> bytes:
                return f"data: {json.dumps(payload)}\n\n".encode()

            return MockResponse(200, SSE, [
                data({"model": "gpt-4o", "choices": [{"index": 0, "delta": {"reasoning_content": "Let me think"}}]}),
                data({"model": "gpt-4o", "choices": [], "usage": {"prompt_tokens": 900, "completion_tokens": 4000}}),
                data({"error": {"message": "internal error", "type": "server_error"}}),
            ])
        return MockResponse(200, SSE, anthropic_chunks("Hi from Claude"))

    run = chain([GPT, CLAUDE], handler)
    assert run.answers[0].target == CLAUDE and run.answers[0].text == "Hi from Claude"
    (earlier,) = run.replaced
    assert earlier.target == GPT and earlier.reasoning == "Let me think" and earlier.usage.output_tokens == 4000
    assert to_run(from_run(run)).replaced[0].usage.output_tokens == 4000  # saved, so Spend counts it


def test_listeners_never_hear_a_failure_the_next_model_takes_over() -> None:
    # A screen reader was told "failed", and the pane flashed Failed, before the takeover.
    def handler(request: HttpRequest) -> MockResponse:
        if model_of(request) == "gpt-4o":
            return error(429)
        return MockResponse(200, SSE, anthropic_chunks("Hi from Claude"))

    heard: list[tuple[str, str]] = []
    run = Run("hello", [Answer(GPT)], Params(), route=fallback([GPT, CLAUDE]))
    run.subscribe(lambda _index, answer: heard.append((answer.target.model, answer.status)))
    go(run.execute(MockTransport(handler), keys, Clock()))  # type: ignore[arg-type]
    assert ("gpt-4o", "waiting") in heard and heard[-1] == ("claude-haiku-4-5", "done")
    assert all(status != "failed" for _model, status in heard), heard
    everyone_fails = chain([GPT, CLAUDE], lambda request: error(429))
    assert everyone_fails.answers[0].status == "failed"  # the chain's last failure is heard as ever


def test_a_pane_counts_every_attempt_it_replaced_whichever_model_made_it() -> None:
    billed, retried = Answer(GPT, status="failed"), Answer(CLAUDE, status="done")
    routed = Run("hello", [Answer(MINI)], route=fallback([CLAUDE, GPT, MINI]), replaced=[retried, billed])
    assert routed.replaced_in(0) == [retried, billed]  # a Retry of Claude, then two takeovers
    side = Run("hello", [Answer(GPT), Answer(CLAUDE)], replaced=[retried, billed])
    assert side.replaced_in(0) == [billed] and side.replaced_in(1) == [retried]


def test_asking_a_saved_chain_again_starts_from_its_first_model() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        if model_of(request) == "gpt-4o":
            return error(429)
        return MockResponse(200, SSE, anthropic_chunks("first answer"))

    saved = from_run(chain([GPT, CLAUDE, MINI], handler))
    again = ask_again(saved)
    assert [a.target for a in again.answers] == [GPT] and again.answers[0].text == ""
    assert again.route == fallback([GPT, CLAUDE, MINI]) and again.id != saved.id
    side = ask_again(from_run(Run.ask("hello", [GPT, CLAUDE])))
    assert [a.target for a in side.answers] == [GPT, CLAUDE] and side.route is None


def test_an_unreadable_saved_route_is_dropped_not_fatal() -> None:
    saved = from_run(Run("hello", [Answer(GPT)], route=fallback([GPT])))
    broken = RunRecord(**{**{f: getattr(saved, f) for f in saved.__dataclass_fields__}, "route": {"rule": "magic"}})
    assert to_run(broken).route is None


def test_a_chain_asks_each_model_once_even_when_picked_twice() -> None:
    # route.chosen.index() finds a model's first place: with a model twice the chain went round for ever.
    asked: list[str] = []

    def handler(request: HttpRequest) -> MockResponse:
        asked.append(model_of(request))
        assert len(asked) <= 5, asked  # bounded: the bug asked until Python's recursion limit
        return error(429)

    route = fallback([GPT, CLAUDE, GPT])
    assert route.chosen == (("openai", GPT.model), ("anthropic", CLAUDE.model))
    go(Run("hello", [Answer(GPT)], route=route).execute(MockTransport(handler), keys, Clock()))
    assert asked == [GPT.model, CLAUDE.model]


@pytest.mark.parametrize("chosen, takeovers", [
    ([], 1),  # nothing to show as the model that answered
    ([["openai", "gpt-4o"], ["openai", "gpt-4o"]], 0),  # a chain that never ends
    ([["openai", "gpt-4o"]], 1),  # more takeovers than models after the first
])
def test_a_saved_route_that_cannot_be_is_refused(chosen: list[list[str]], takeovers: int) -> None:
    step = {"slot": "openai", "model": "gpt-4o", "source": "OpenAI", "failure": "rate limited"}
    with pytest.raises(ValueError):
        Route.from_doc({"rule": "fallback", "chosen": chosen, "reason": "x", "takeovers": [step] * takeovers})
