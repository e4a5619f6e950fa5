"""Budgets: limits kept as a checked setting, typed amounts, and the verdict before a send at its boundaries
(exactly at a limit, just over, 80 %), per provider and overall, over local days and months."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from switchboard.budget import BUDGETS, Budgets, Limit, Worst, check, parse_amount, reach, worst_case
from switchboard.budget.limits import decode_budgets, encode_budgets
from switchboard.pricing.estimate import Estimate, estimate_run
from switchboard.pricing.price import Price, Source
from switchboard.routing import Route
from switchboard.run import Params, Run, Target
from switchboard.settings import MemoryStore, Settings
from switchboard.spend import Ledger, zone_of
from tests.unit.test_spend import answer, at, run

BERLIN = zone_of(ZoneInfo("Europe/Berlin"))
TODAY = date(2026, 11, 30)
NAMES = {"openai": "OpenAI", "anthropic": "Anthropic"}


def d(text: str) -> Decimal:
    return Decimal(text)


def spent(*amounts: tuple[str, str, str]) -> Ledger:
    """A ledger of one-answer runs: (local time in Berlin, provider, usd)."""
    return Ledger.of([run(f"r{i}", at(when), answer(usd, slot=provider))
                      for i, (when, provider, usd) in enumerate(amounts)], BERLIN)


def verdict(budgets: Budgets, ledger: Ledger, worst: dict[str, str], today: date = TODAY) -> tuple[str, str]:
    result = check(budgets, ledger, today, Worst({p: d(v) for p, v in worst.items()}),
                   lambda p: NAMES.get(p, p))
    return result.level, result.text


DAILY_1 = Budgets(Limit(daily=d("1.00")))


# --- the check's boundaries ---------------------------------------------------------------------------


def test_a_send_that_would_pass_the_daily_limit_is_blocked_in_words() -> None:
    ledger = spent(("2026-11-30 09:00", "openai", "0.75"))
    assert verdict(DAILY_1, ledger, {"openai": "0.42"}) == ("block", (
        "This send could cost up to $0.42, which would pass your daily limit of $1.00 (spent today: $0.75)."))


def test_exactly_at_the_limit_is_allowed_and_a_hair_over_is_not() -> None:
    ledger = spent(("2026-11-30 09:00", "openai", "0.75"))
    assert verdict(DAILY_1, ledger, {"openai": "0.25"})[0] == "warn"  # 100 %: reached, not passed
    assert verdict(DAILY_1, ledger, {"openai": "0.250000000001"})[0] == "block"


def test_a_warning_from_80_percent() -> None:
    ledger = spent(("2026-11-30 09:00", "openai", "0.70"))
    assert verdict(DAILY_1, ledger, {"openai": "0.10"}) == ("warn", (
        "This send could bring you to 80% of your daily limit of $1.00 (spent today: $0.70); it could cost up "
        "to $0.10."))
    assert verdict(DAILY_1, ledger, {"openai": "0.099999"}) == ("ok", "")


def test_no_limits_no_verdict_and_an_empty_limit_is_no_limit() -> None:
    ledger = spent(("2026-11-30 09:00", "openai", "500"))
    assert verdict(Budgets(), ledger, {"openai": "1000"}) == ("ok", "")
    assert verdict(Budgets(Limit(monthly=d("10000"))), ledger, {"openai": "1000"}) == ("ok", "")


def test_yesterday_at_23_59_local_is_not_today_but_is_this_month() -> None:
    ledger = spent(("2026-11-29 23:59", "openai", "0.90"), ("2026-11-30 00:01", "openai", "0.05"))
    assert verdict(DAILY_1, ledger, {"openai": "0.96"}) == ("block", (
        "This send could cost up to $0.96, which would pass your daily limit of $1.00 (spent today: $0.05)."))
    assert verdict(DAILY_1, ledger, {"openai": "0.50"})[0] == "ok"
    monthly = Budgets(Limit(monthly=d("1.00")))
    assert verdict(monthly, ledger, {"openai": "0.10"}) == ("block", (
        "This send could cost up to $0.10, which would pass your monthly limit of $1.00 (spent this month: $0.95)."))


def test_a_new_month_starts_at_local_midnight() -> None:
    ledger = spent(("2026-11-30 23:59", "openai", "0.95"), ("2026-12-01 00:01", "openai", "0.01"))
    monthly = Budgets(Limit(monthly=d("1.00")))
    assert verdict(monthly, ledger, {"openai": "0.50"}, today=date(2026, 12, 1))[0] == "ok"  # 22:59 UTC was Nov
    assert verdict(monthly, ledger, {"openai": "0.05"}, today=date(2026, 11, 30))[0] == "warn"  # at it: allowed
    assert verdict(monthly, ledger, {"openai": "0.06"}, today=date(2026, 11, 30))[0] == "block"


def test_the_day_of_a_daylight_saving_change_is_one_day() -> None:
    # Berlin, 29 March 2026: 00:30 (UTC+1) and 23:30 (UTC+2) are the same local day; 30 March is another.
    ledger = spent(("2026-03-29 00:30", "openai", "0.50"), ("2026-03-29 23:30", "openai", "0.40"),
                   ("2026-03-30 00:10", "openai", "0.30"))
    assert verdict(DAILY_1, ledger, {"openai": "0.11"}, today=date(2026, 3, 29))[0] == "block"
    assert verdict(DAILY_1, ledger, {"openai": "0.11"}, today=date(2026, 3, 30))[0] == "ok"


def test_a_provider_limit_counts_that_provider_only_and_the_overall_counts_all() -> None:
    budgets = Budgets(Limit(daily=d("2.00")), {"openai": Limit(daily=d("0.50"))})
    ledger = spent(("2026-11-30 09:00", "openai", "0.40"), ("2026-11-30 09:00", "anthropic", "1.00"))
    assert verdict(budgets, ledger, {"anthropic": "0.50"}) == ("warn", (  # OpenAI's own limit is not touched
        "This send could bring you to 95% of your daily limit of $2.00 (spent today: $1.40); it could cost up to "
        "$0.50."))
    level, text = verdict(budgets, ledger, {"openai": "0.20", "anthropic": "0.10"})
    assert level == "block"
    assert text == ("This send could cost up to $0.20 on OpenAI, which would pass your OpenAI daily limit of "
                    "$0.50 (spent on OpenAI today: $0.40).")
    level, text = verdict(budgets, ledger, {"openai": "0.05", "anthropic": "0.56"})
    assert level == "block" and text.startswith(
        "This send could cost up to $0.61, which would pass your daily limit of $2.00 (spent today: $1.40).")


def test_a_provider_limit_ignores_sends_to_other_providers() -> None:
    budgets = Budgets(Limit(), {"openai": Limit(daily=d("0.10"))})
    ledger = spent(("2026-11-30 09:00", "openai", "5"))
    assert verdict(budgets, ledger, {"anthropic": "1"}) == ("ok", "")


def test_a_free_send_past_a_limit_is_allowed_and_a_zero_limit_blocks_any_cost() -> None:
    ledger = spent(("2026-11-30 09:00", "openai", "1.50"))
    assert verdict(DAILY_1, ledger, {"ollama": "0"})[0] == "ok"
    zero = Budgets(Limit(daily=d("0")))
    assert verdict(zero, Ledger(BERLIN), {"ollama": "0"})[0] == "ok"
    assert verdict(zero, Ledger(BERLIN), {"openai": "0.000001"})[0] == "block"


def test_unknown_spend_so_far_is_named_not_taken_as_zero() -> None:
    ledger = Ledger.of([run("x", at("2026-11-30 09:00"), answer(None), answer(None))], BERLIN)
    level, text = verdict(DAILY_1, ledger, {"openai": "0.10"})
    assert level == "ok"
    assert "2 answers today with no known price are not in the spend so far." in text


# --- the worst case from an estimate --------------------------------------------------------------------

PRICE = Price(input=d("1"), output=d("2"), source=Source("catalog"))


def prices(target: Target, _served: str | None) -> Price | None:
    return {"gpt": PRICE, "bounded": PRICE.__class__(input=d("1"), output=d("2"), context_window=1000,
                                                     source=Source("catalog"))}.get(target.model)


def test_the_worst_case_is_the_high_end_per_provider_and_says_what_it_left_out() -> None:
    send = Run.ask("hello there", [Target("openai", "gpt"), Target("anthropic", "gpt"), Target("mistral", "?")],
                   Params(max_output_tokens=1000))
    estimate = estimate_run(send, prices)
    worst = worst_case(estimate, [[a.target.provider_id] for a in send.answers])
    assert worst.usd["openai"] == estimate.answers[0].high
    assert worst.usd["anthropic"] == estimate.answers[1].high
    assert worst.unpriced == {"mistral": 1} and worst.usd["mistral"] == 0
    assert worst.total == estimate.high
    assert estimate_run(send, prices, send.answers[1:2]).answers == estimate.answers[1:2]  # one, as a retry


def test_an_unbounded_answer_counts_its_input_and_the_verdict_says_so() -> None:
    send = Run.ask("hello there", [Target("openai", "gpt"), Target("mistral", "?")])  # no output cap, no window
    estimate = estimate_run(send, prices)
    assert estimate.high is None
    worst = worst_case(estimate, [["openai"], ["mistral"]])
    assert worst.usd["openai"] == estimate.answers[0].low and worst.unbounded == {"openai": 1}
    result = check(DAILY_1, Ledger(BERLIN), TODAY, worst, {"openai": "OpenAI", "mistral": "Mistral"}.__getitem__)
    assert result.level == "ok"
    assert result.notes == (
        "1 answer has no upper bound on cost (set Maximum output tokens): only the input is counted.",
        "1 answer (Mistral) has no known price: not counted.")


# --- the setting and the form ---------------------------------------------------------------------------

BAD = ["", "null", "[]", '"1.00"', "{", '{"daily": 1}', '{"daily": 1.5}', '{"daily": "NaN"}', '{"daily": "Infinity"}',
       '{"daily": "-1"}', '{"daily": "1e3"}', '{"daily": " 1"}', '{"daily": "1000000001"}',
       '{"daily": "1.0000000000001"}', '{"daily": "' + "9" * 5000 + '"}', '{"weekly": "1"}', '{"providers": []}',
       '{"providers": {"OpenAI": {}}}', '{"providers": null}',
       '{"providers": {"openai": {"daily": "x"}}}', '{"providers": {"openai": {"hourly": "1"}}}',
       '{"providers": {"openai": "1"}}', '{"providers": {"<script>": {"daily": "1"}}}',
       '{"providers": {' + ",".join(f'"p{i}": {{"daily": "1"}}' for i in range(101)) + "}}",
       "[" * 5000 + "]" * 5000, '{"daily": "1", "daily": {"a": 1}}']


@pytest.mark.parametrize("raw", BAD, ids=range(len(BAD)))
def test_a_bad_stored_value_means_no_limits_and_a_warning(raw: str) -> None:
    messages: list[str] = []
    assert Settings(MemoryStore({BUDGETS.key: raw}), messages.append).get(BUDGETS) == Budgets()
    assert len(messages) == 1 and BUDGETS.key in messages[0], messages


def test_limits_round_trip_as_decimal_strings() -> None:
    budgets = Budgets.of(Limit(d("1.50"), None), {"openai": Limit(None, d("20")), "groq": Limit(),
                                                  "anthropic": Limit(d("0.000001"), d("1000000000"))})
    assert list(budgets.providers) == ["anthropic", "openai"]  # no-limit providers are not kept
    store = MemoryStore()
    Settings(store).set(BUDGETS, budgets)
    assert '"1.50"' in store.values[BUDGETS.key] and "0.000001" in store.values[BUDGETS.key]
    assert Settings(store).get(BUDGETS) == budgets
    assert decode_budgets(encode_budgets(Budgets())) == Budgets()
    with pytest.raises(ValueError):
        Settings(store).set(BUDGETS, Budgets(Limit(d("-1"))))


@pytest.mark.parametrize(("typed", "amount"), [("", None), ("  ", None), ("5", d("5")), ("0.50", d("0.50")),
                                               ("$12", d("12")), (" $ 0.0001 ", d("0.0001")), ("0", d("0"))])
def test_amounts_as_typed(typed: str, amount: Decimal | None) -> None:
    assert parse_amount(typed) == amount


@pytest.mark.parametrize(("typed", "words"), [
    ("1,000", "without commas"), ("1,5", "without commas"), ("abc", "not an amount in dollars"),
    ("-1", "not an amount"), ("1e3", "not an amount"), ("NaN", "not an amount"), ("Infinity", "not an amount"),
    ("0.0000000000001", "12 decimal places"), ("2000000000", "more than a billion")])
def test_amounts_refused_in_words(typed: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_amount(typed)


def test_an_answer_a_fallback_chain_may_pass_on_counts_once_overall_and_against_each_provider() -> None:
    send = Run.ask("hello there", [Target("openai", "gpt")], Params(max_output_tokens=1000))
    one = estimate_run(send, prices).answers[0]
    assert one.high is not None
    worst = worst_case(Estimate((one,)), [["openai", "anthropic", "openai"]])
    assert worst.total == one.high
    assert worst.usd == {"openai": one.high, "anthropic": one.high}
    budgets = Budgets(Limit(daily=one.high), {"anthropic": Limit(daily=one.high / 2)})
    result = check(budgets, Ledger(BERLIN), TODAY, worst, lambda p: NAMES.get(p, p))
    assert result.level == "block" and len(result.reasons) == 1 and "Anthropic daily limit" in result.reasons[0]


def test_a_fallback_chain_reaches_the_providers_of_the_models_still_to_come() -> None:
    chain = (("openai", "gpt"), ("anthropic", "claude"), ("endpoint:lab", "local"))
    send = Run.ask("hello there", [Target("openai", "gpt")], Params(max_output_tokens=10))
    send.route = Route("fallback", chain, "why")
    assert reach(send) == [["openai", "anthropic", "openai-compatible"]]
    plain = Run.ask("hello there", [Target("openai", "gpt"), Target("groq", "llama")])
    assert reach(plain) == [["openai"], ["groq"]]
    assert reach(plain, plain.answers[1:]) == [["groq"]]  # one answer, as a retry checks it


def test_a_chain_falling_back_to_a_free_local_model_is_held_at_its_priced_models_worst() -> None:
    from switchboard.pricing.price import LOCAL
    from switchboard.routing import fallback
    from switchboard.run import Answer

    head, local = Target("openai", "o1"), Target("ollama", "llama3")
    table = {head: Price(Decimal("15"), Decimal("60"), context_window=200_000, source=Source("catalog")),
             local: Price(Decimal(0), Decimal(0), source=LOCAL)}
    send = Run("hi", [Answer(head)], route=fallback([head, local]))
    worst = worst_case(estimate_run(send, lambda target, served: table[target]), reach(send))
    verdict = check(Budgets(Limit(daily=Decimal("1"))), Ledger(BERLIN), TODAY, worst)
    assert verdict.level == "block" and worst.total > Decimal("11")


def test_a_free_local_send_is_neither_held_back_nor_called_unbounded_past_a_limit() -> None:
    # $0 per output token bounds the answer at $0 whatever its length: it used to count as "no upper
    # bound", so once the day was past its limit every Ollama send was held back ("could cost up to $0.00").
    from switchboard.pricing.price import LOCAL

    send = Run.ask("hello", [Target("ollama", "llama3.2")])
    free = Price(Decimal(0), Decimal(0), source=LOCAL)
    worst = worst_case(estimate_run(send, lambda _t, _s: free), reach(send))
    assert worst.unbounded == {}
    ledger = Ledger.of([run("r", at("2026-11-30 09:00"), answer("1.50"))], BERLIN)  # $1.50 spent today
    assert check(Budgets(Limit(daily=Decimal("1.00"))), ledger, TODAY, worst).level == "ok"
