"""`scripts/prices.py check`: LiteLLM's table read through our provider ids, disagreements found exactly."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scripts import prices_check

from switchboard.pricing import Catalog

AT = datetime(2026, 12, 1, 12, tzinfo=UTC)
CATALOG = Catalog({"format": "switchboard-prices", "version": 1,
                   "source": {"package": "genai-prices", "version": "1", "as_of": "2026-11-30"},
                   "providers": {
                       "gemini": [{"id": "g", "context": 1000, "prices": [
                           {"input": "1.25", "output": "10", "cached": "0.125",
                            "tiers": [{"above": 200000, "input": "2.5", "output": "15", "cached": "0.25"}]}]}],
                       "together": [{"id": "org/m", "prices": [{"input": "0.88", "output": "0.88"}]}],
                   }})


def entry(**fields: Any) -> dict[str, Any]:
    return {"mode": "chat", **fields}


def test_prices_per_token_are_read_exactly_and_compared_per_million() -> None:
    table = {
        "gemini/g": entry(litellm_provider="gemini", input_cost_per_token=1.25e-06, output_cost_per_token=1e-05,
                          cache_read_input_token_cost=1.25e-07, input_cost_per_token_above_200k_tokens=2.5e-06,
                          output_cost_per_token_above_200k_tokens=1.5e-05, max_input_tokens=1000),
        "gemini/g-embed": {"mode": "embedding", "litellm_provider": "gemini", "input_cost_per_token": 1e-07},
        "together_ai/org/m": entry(litellm_provider="together_ai", input_cost_per_token=1.04e-06,
                                   output_cost_per_token=8.8e-07, cache_read_input_token_cost=1e-07),
        "together_ai/org/unknown": entry(litellm_provider="together_ai", input_cost_per_token=1e-06),
        "sample_spec": {"litellm_provider": "one of many"},
    }
    tallies, found = prices_check.compare(CATALOG, table, AT)
    assert (tallies["gemini"].compared, tallies["gemini"].agree) == (1, 1)
    assert tallies["together"].unknown_to_us == ["together_ai/org/unknown"]
    assert found == [
        prices_check.Disagreement("together", "together_ai/org/m", "input", "0.88", "1.04"),
        prices_check.Disagreement("together", "together_ai/org/m", "cached", "(0.88, as input)", "0.1"),
    ]
    assert prices_check.side_by_side(CATALOG, table, {"gemini": "g", "ollama": "x"}, AT) == [
        f"  {'gemini':10} {'g':42} ours {'1.25 / 0.125 / 10':24} LiteLLM 1.25 / 0.125 / 10"]
