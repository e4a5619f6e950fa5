"""AnswerProgress: what one streaming answer shows while and after it arrives."""

from __future__ import annotations

from decimal import Decimal

from switchboard.answer import DEFAULT_MODELS, AnswerProgress
from switchboard.chat import Finish, ReasoningDelta, StreamError, TextDelta, Usage, UsageUpdate
from switchboard.errors import ProviderError
from switchboard.providers import get, ids


def test_text_timing_and_usage_add_up() -> None:
    progress = AnswerProgress(started_at=10.0)
    assert progress.feed(ReasoningDelta("thinking"), 10.25) == ""  # reasoning counts as the first token
    assert progress.feed(TextDelta("Hel"), 10.5) == "Hel"
    assert progress.feed(TextDelta("lo"), 10.75) == "lo"
    progress.feed(UsageUpdate(Usage(input_tokens=1200)), 10.8)
    progress.feed(UsageUpdate(Usage(output_tokens=34, reasoning_tokens=20, cost_usd=Decimal("0.000123"))), 10.9)
    progress.feed(Finish("length"), 11.0)
    progress.finish(12.5)
    assert (progress.text, progress.reasoning) == ("Hello", "thinking")
    assert progress.summary() == (
        "first token 0.25 s · 2.5 s · 1,200 in / 34 out tokens (20 reasoning) · "
        "$0.000123 reported by the provider · cut off at the output limit"
    )


def test_error_is_kept_with_the_text_before_it() -> None:
    progress = AnswerProgress(started_at=0.0)
    progress.feed(TextDelta("partial"), 0.1)
    error = ProviderError("overloaded", "Anthropic is overloaded")
    progress.feed(StreamError(error), 0.2)
    progress.finish(0.3)
    assert progress.text == "partial" and progress.error is error
    assert progress.summary() == "first token 0.10 s · 0.3 s"


def test_unknown_token_counts_say_so() -> None:
    progress = AnswerProgress(started_at=0.0)
    progress.feed(UsageUpdate(Usage(output_tokens=5)), 0.1)
    assert progress.summary() == "? in / 5 out tokens"


def test_every_built_in_provider_has_a_default_model() -> None:
    built_in = {i for i in ids() if get(i).default_base_url is not None}
    assert set(DEFAULT_MODELS) == built_in
