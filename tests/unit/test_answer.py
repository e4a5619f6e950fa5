"""An answer in words: the status line and summary a pane shows while and after it arrives."""

from __future__ import annotations

from decimal import Decimal

from switchboard.answer import DEFAULT_MODELS, meta_text, summary
from switchboard.chat import Finish, ReasoningDelta, StreamError, TextDelta, Usage, UsageUpdate
from switchboard.errors import ProviderError
from switchboard.providers import get, ids
from switchboard.run import Answer, Target


def answer(*events: object, sent: float = 10.0, first: float | None = None, end: float | None = None) -> Answer:
    record = Answer(Target("openai", "gpt-4o"), sent_at=sent, first_token_at=first, finished_at=end)
    for event in events:
        record.fold.feed(event)  # type: ignore[arg-type]
    return record


def test_text_timing_speed_and_usage_add_up() -> None:
    record = answer(ReasoningDelta("thinking"), TextDelta("Hel"), TextDelta("lo"),
                    UsageUpdate(Usage(input_tokens=1200)),
                    UsageUpdate(Usage(output_tokens=34, reasoning_tokens=20, cost_usd=Decimal("0.000123"))),
                    Finish("length"), first=10.25, end=12.25)
    record.status = "done"
    assert (record.text, record.reasoning) == ("Hello", "thinking")
    assert summary(record) == (
        "first token 0.25 s · 2.2 s · 17 tok/s · 1,200 in / 34 out tokens (20 reasoning) · "
        "$0.000123 reported by the provider · cut off at the output limit"
    )
    assert meta_text(record) == summary(record)


def test_an_error_is_told_first_and_the_text_before_it_is_kept() -> None:
    error = ProviderError("overloaded", "Anthropic is overloaded")
    record = answer(TextDelta("partial"), StreamError(error), sent=0.0, first=0.1, end=0.3)
    record.status, record.error = "failed", error
    assert record.text == "partial"
    assert meta_text(record) == "Anthropic is overloaded · first token 0.10 s · 0.3 s"


def test_stopped_and_running_answers_say_so() -> None:
    record = answer(TextDelta("so far"), sent=0.0, first=0.5, end=2.0)
    record.status = "stopped"
    assert meta_text(record) == "Stopped · first token 0.50 s · 2.0 s"
    record.status = "streaming"
    assert meta_text(record) == "Streaming…"
    assert meta_text(Answer(Target("openai", "gpt-4o"))) == "Sending…"


def test_unknown_token_counts_say_so() -> None:
    record = answer(UsageUpdate(Usage(output_tokens=5)))
    assert summary(record) == "? in / 5 out tokens"


def test_every_built_in_provider_has_a_default_model() -> None:
    built_in = {i for i in ids() if get(i).default_base_url is not None}
    assert set(DEFAULT_MODELS) == built_in
