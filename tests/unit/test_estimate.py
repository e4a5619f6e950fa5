"""The estimate of a send's cost: token counts from text, one answer's range, the fan-out's, and words."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from switchboard.chat import Message
from switchboard.pricing import Price, Source, format_usd
from switchboard.pricing.estimate import (
    PER_MESSAGE,
    PER_REQUEST,
    Estimate,
    estimate_answer,
    estimate_run,
    estimate_tokens,
    input_tokens,
    output_cap,
)
from switchboard.run import Answer, Params, Run, Target

CATALOG = Source("catalog", "genai-prices", "0.2.3", "2026-11-30")
D = Decimal
PRICE = Price(D("2"), D("8"), context_window=10_000, source=CATALOG)


def test_tokens_are_utf8_bytes_over_four_rounded_up() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd") == 1 and estimate_tokens("abcde") == 2
    assert estimate_tokens("日本語") == 3  # 9 bytes: errs high for scripts a tokenizer packs less tightly than English
    assert input_tokens([Message("user", "abcd")], "be brief") == PER_REQUEST + PER_MESSAGE + 1 + PER_MESSAGE + 2


def test_one_answer_runs_from_its_input_to_input_plus_the_output_cap() -> None:
    estimate = estimate_answer([Message("user", "x" * 400)], None, PRICE, 1000)
    tokens = PER_REQUEST + PER_MESSAGE + 100
    assert estimate.input_tokens == tokens
    assert estimate.low == D(tokens) * 2 / 1_000_000
    assert estimate.high == (D(tokens) * 2 + 1000 * 8) / 1_000_000


def test_without_a_cap_the_rest_of_the_context_window_bounds_the_output() -> None:
    estimate = estimate_answer([Message("user", "hi")], None, PRICE, None)
    assert estimate.max_output_tokens == 10_000 - estimate.input_tokens
    unbounded = estimate_answer([Message("user", "hi")], None, Price(D(1), D(1), source=CATALOG), None)
    assert unbounded.high is None and unbounded.low is not None


def test_reasoning_dearer_than_output_raises_the_high_end() -> None:
    dear = Price(D(1), D(2), reasoning=D(10), source=CATALOG)
    assert estimate_answer([Message("user", "hi")], None, dear, 100).high == (D(PER_REQUEST + PER_MESSAGE + 1)
                                                                             + 100 * 10) / 1_000_000


def test_a_prompt_larger_than_the_window_does_not_fit() -> None:
    assert not estimate_answer([Message("user", "x" * 50_000)], None, PRICE, 10).fits


def test_the_fan_out_sums_answers_and_names_what_it_cannot_price_or_bound() -> None:
    one = estimate_answer([Message("user", "hi")], None, PRICE, 100)
    none = estimate_answer([Message("user", "hi")], None, None, 100)
    both = Estimate((one, one))
    assert both.low == 2 * one.low and both.high == 2 * one.high  # type: ignore[operator]
    assert both.text(format_usd) == f"{format_usd(both.low)} – {format_usd(both.high)}"  # type: ignore[arg-type]
    assert Estimate((one, none)).text(format_usd).endswith("plus 1 model with no known price")
    assert Estimate((none,)).text(format_usd) == "price unknown"
    open_ended = estimate_answer([Message("user", "hi")], None, Price(D(1), D(1), source=CATALOG), None)
    assert "no limit (set Maximum output tokens)" in Estimate((one, open_ended)).text(format_usd)


def test_when_one_model_answers_the_range_runs_from_the_cheapest_to_the_dearest() -> None:
    cheap = estimate_answer([Message("user", "hi")], None, Price(D(1), D(1), source=CATALOG), 100)
    dear = estimate_answer([Message("user", "hi")], None, PRICE, 100)
    assert Estimate((cheap, dear)).text(format_usd, one=True) == f"{format_usd(cheap.low)} – {format_usd(dear.high)}"  # type: ignore[arg-type]


def test_anthropics_default_cap_bounds_its_output_and_the_run_is_estimated_as_sent() -> None:
    assert output_cap("anthropic", "claude-haiku-4-5", None) == 8192
    assert output_cap("openai", "gpt-4o", None) is None and output_cap("openai", "gpt-4o", 50) == 50
    history = (Message("user", "earlier question"), Message("assistant", "an earlier, longer answer " * 10))
    run = Run("next?", [Answer(Target("openai", "gpt-4o"), history), Answer(Target("anthropic", "claude-haiku-4-5"))],
              Params(system="be brief", max_output_tokens=200))
    asked: list[tuple[str, str | None]] = []

    def prices(target: Target, served: str | None) -> Price:
        asked.append((target.model, served))
        return PRICE

    estimate = estimate_run(run, prices)
    first, second = estimate.answers
    assert first.input_tokens > second.input_tokens  # the conversation so far counts
    assert first.max_output_tokens == second.max_output_tokens == 200
    assert asked == [("gpt-4o", None), ("claude-haiku-4-5", None)]


@given(st.text(max_size=300), st.integers(min_value=1, max_value=5000))
def test_the_range_is_ordered_and_grows_with_the_cap(text: str, cap: int) -> None:
    low = estimate_answer([Message("user", text)], None, PRICE, cap)
    high = estimate_answer([Message("user", text)], None, PRICE, cap + 1)
    assert low.low is not None and low.high is not None and high.high is not None
    assert 0 <= low.low <= low.high < high.high


def test_a_fallback_chain_counts_as_its_dearest_model_still_to_come() -> None:
    from switchboard.routing import fallback

    cheap, dear = Target("openai", "gpt-4o-mini"), Target("openai", "gpt-4o")
    table = {cheap.model: Price(D("0.1"), D("0.4"), source=CATALOG), dear.model: PRICE}

    def prices(target: Target, served: str | None) -> Price:
        return table[target.model]

    run = Run("hi", [Answer(cheap)], Params(max_output_tokens=100), route=fallback([cheap, dear]))
    (only,) = estimate_run(run, prices).answers
    assert only.price == PRICE
    last = Run("hi", [Answer(dear)], Params(max_output_tokens=100), route=fallback([cheap, dear]))
    assert estimate_run(last, prices).answers[0].price == PRICE
    single = Run("hi", [Answer(cheap)], Params(max_output_tokens=100), route=fallback([dear, cheap]))
    assert estimate_run(single, prices).answers[0].price == table[cheap.model]  # nothing comes after it


def test_a_chain_model_with_no_price_or_no_bound_never_hides_a_dearer_priced_one() -> None:
    from switchboard.pricing.price import LOCAL
    from switchboard.routing import fallback

    head, local, lab = Target("openai", "o1"), Target("ollama", "llama3"), Target("endpoint:lab", "m")
    table = {head: Price(D("15"), D("60"), context_window=200_000, source=CATALOG),
             local: Price(D(0), D(0), source=LOCAL), lab: None}  # free at any length; no known price

    def prices(target: Target, served: str | None) -> Price | None:
        return table[target]

    priced = estimate_answer([Message("user", "hi")], None, table[head], None)
    assert priced.high is not None and priced.high > D("11")  # o1 may write ~200k tokens
    to_local = Run("hi", [Answer(head)], route=fallback([head, local]))
    (chain,) = estimate_run(to_local, prices).answers
    assert chain == priced  # a free local model costs $0 whatever it writes: o1's range is the chain's
    free = estimate_answer([Message("user", "hi")], None, table[local], None)
    assert free.high == free.low == 0  # bounded, so a budget neither holds it back nor calls it unbounded
    unbounded = Price(D("1"), D("2"), source=CATALOG)  # priced, no window, no cap: no upper bound
    head_then_unbounded = Run("hi", [Answer(head)], route=fallback([head, Target("openai", "x")]))
    table[Target("openai", "x")] = unbounded
    (chain,) = estimate_run(head_then_unbounded, prices).answers
    assert chain.price == table[head] and chain.high is None and chain.low == priced.high  # counted, unbounded
    to_lab = Run("hi", [Answer(head)], route=fallback([head, lab]))
    assert estimate_run(to_lab, prices).answers[0] == priced
    only_unpriced = Run("hi", [Answer(lab)], route=fallback([lab]))
    assert not estimate_run(only_unpriced, prices).answers[0].priced
