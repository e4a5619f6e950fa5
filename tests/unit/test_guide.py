"""The first-run guide's steps follow the app's state: the vault, keys, and what history holds."""

from __future__ import annotations

from decimal import Decimal

from switchboard.guide import STEPS, Facts, current, facts_from, progress
from switchboard.history.record import AnswerRecord, RunRecord, SavedCost


def run(*answers: tuple[str, Decimal | None]) -> RunRecord:
    return RunRecord(id="r", created=1.0, prompt="p", answers=tuple(
        AnswerRecord("openai", f"m{i}", "done", text=text, cost=None if usd is None else SavedCost(usd, "catalog"))
        for i, (text, usd) in enumerate(answers)))


def test_a_new_user_starts_at_the_vault_and_each_fact_moves_the_guide_on() -> None:
    assert current(Facts()) == STEPS[0]
    assert current(Facts(vault=True)) == STEPS[1]
    assert current(Facts(vault=True, keys=True)) == STEPS[2]
    assert current(Facts(vault=True, keys=True, compared=True)) == STEPS[3]
    assert current(Facts(True, True, True, True)) is None
    assert [done for _step, done in progress(Facts(keys=True))] == [False, True, False, False]


def test_history_says_whether_two_models_answered_and_whether_a_cost_is_known() -> None:
    one = run(("only one", Decimal("0.01")), ("", None))
    assert facts_from([one], vault=True, keys=True) == Facts(True, True, compared=False, priced=True)
    two_unpriced = run(("a", None), ("b", None))
    assert facts_from([one, two_unpriced], vault=False, keys=False) == Facts(False, True, True, True)
    assert facts_from([two_unpriced], vault=True, keys=True).priced is False
    assert facts_from([], vault=True, keys=False) == Facts(vault=True)
    assert facts_from([run(("", None))], vault=True, keys=False).keys is False  # a failed answer proves no key


def test_the_no_key_way_is_told_where_keys_are_asked_for() -> None:
    how = STEPS[1].how
    assert "python3 scripts/mock_providers.py" in how and "http://127.0.0.1:8787/v1" in how and "Ollama" in how
