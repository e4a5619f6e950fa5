"""What a screen reader is told of answers (switchboard/announce.py): starts and ends, never the tokens, and
polite news no more often than once every ANNOUNCE_EVERY seconds."""

from __future__ import annotations

from decimal import Decimal

from switchboard.announce import ANNOUNCE_EVERY, Coalescer, ended, started
from switchboard.errors import ProviderError
from switchboard.pricing.cost import REPORTED, Cost
from switchboard.run import Answer, Target
from tests.fakes import FakeClock

MINI = Target("openai", "gpt-4o-mini")


def test_a_running_answer_is_not_news_and_each_ending_says_how_it_ended() -> None:
    answer = Answer(MINI)
    assert ended(MINI.label, answer) is None
    answer.status = "streaming"
    assert ended(MINI.label, answer) is None
    answer.status = "done"
    assert ended(MINI.label, answer) == ("gpt-4o-mini (OpenAI) answered.", False)
    answer.cost = Cost(Decimal("0.0012"), REPORTED)
    text, urgent = ended(MINI.label, answer) or ("", True)
    assert text.startswith("gpt-4o-mini (OpenAI) answered. $0.0012") and "reported by the provider" in text
    assert not urgent
    answer.status = "stopped"
    assert ended(MINI.label, answer) == ("gpt-4o-mini (OpenAI) stopped.", False)
    answer.status = "failed"
    answer.error = ProviderError("auth", "OpenAI refused the key.")
    assert ended(MINI.label, answer) == ("gpt-4o-mini (OpenAI) failed: OpenAI refused the key.", True)


def test_start_says_how_many_models() -> None:
    assert started(1) == "Asking 1 model."
    assert started(3) == "Asking 3 models."
    assert started(2, merged=True) == "Merging the answers."


def test_polite_news_is_said_at_most_once_an_interval_and_what_comes_between_is_joined() -> None:
    clock = FakeClock(100.0)
    queue = Coalescer(ANNOUNCE_EVERY, clock.now)
    assert queue.add("Asking 5 models.") == 0.0
    assert queue.take() == "Asking 5 models."
    clock.advance(0.2)
    wait = queue.add("a answered.")
    assert abs(wait - (ANNOUNCE_EVERY - 0.2)) < 1e-9
    for name in "bcd":
        assert queue.add(f"{name} answered.") > 0
    assert queue.pending
    clock.advance(wait)
    assert queue.take() == "a answered. b answered. c answered. d answered."
    assert not queue.pending
    clock.advance(ANNOUNCE_EVERY)
    assert queue.add("e answered.") == 0.0
