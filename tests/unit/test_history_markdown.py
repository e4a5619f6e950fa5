"""One saved run as Markdown: everything a reader needs, in order, and nothing the record lacks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from markdown_it import MarkdownIt

from switchboard.chat import Message, Usage
from switchboard.history.markdown_export import run_markdown
from switchboard.history.record import AnswerRecord, RunRecord, SavedCost, SavedError
from switchboard.run import Params
from tests.unit.test_history_schema import run_records

NOW = 1_790_000_000.0  # 2026-09-21 14:13 UTC

RUN = RunRecord(
    id="abc123",
    created=NOW,
    prompt="Compare Rust and Go.\nKeep it short.",
    params=Params(system="You are terse.", temperature=0.7, max_output_tokens=1000),
    answers=(
        AnswerRecord("openai", "gpt-4o", "done", "Rust: safety. Go: simplicity.", reasoning="Think of both.",
                     history=(Message("user", "Hi"), Message("assistant", "Hello")), model_served="gpt-4o-2024-08-06",
                     usage=Usage(1200, 200, 300, 100, Decimal("0.0042")), ttft_ms=420, duration_ms=3100),
        AnswerRecord("anthropic", "claude-sonnet", "failed", "",
                     error=SavedError("rate_limit", "Too many requests; wait a minute.", 429)),
        AnswerRecord("endpoint:home-box", "llama3", "streaming", "Rust is"),
        AnswerRecord("gemini", "gemini-pro", "stopped", "Go is simple"),
    ),
)


def test_the_document_holds_the_prompt_settings_and_every_answer_in_order() -> None:
    text = run_markdown(RUN)
    assert text.startswith("# Compare Rust and Go.\n")
    assert "2026-09-21 14:13 UTC" in text
    assert "> Compare Rust and Go.\n> Keep it short." in text
    assert "> You are terse." in text
    assert "temperature 0.7, at most 1,000 output tokens" in text
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## Prompt", "## System prompt", "## gpt-4o (OpenAI)", "## claude-sonnet (Anthropic)",
                        "## llama3 (home-box)", "## gemini-pro (Google Gemini)"]
    for answer in RUN.answers:
        assert answer.text in text
    assert text.index("Rust: safety") < text.index("Too many requests") < text.index("Rust is") < text.index("Go is")


def test_a_failed_incomplete_or_stopped_answer_says_so() -> None:
    text = run_markdown(RUN)
    assert "**Failed: Too many requests; wait a minute. (HTTP 429)**" in text
    assert "**Incomplete" in text
    assert "**Stopped before the end**" in text
    assert text.count("**Failed") == 1  # the done answer carries no status line


def test_reasoning_and_numbers_follow_the_answer() -> None:
    text = run_markdown(RUN)
    assert "**Reasoning**\n\n> Think of both." in text
    assert ("*served by gpt-4o-2024-08-06 · 1,200 tokens in (200 cached) · 300 out (100 reasoning) · $0.0042 · "
            "0.4 s to first token · 3.1 s in all*") in text


def test_a_bare_run_has_no_empty_sections() -> None:
    bare = RunRecord("r", NOW, "Hi", (AnswerRecord("openai", "gpt-4o", "done", "Hello"),), title="Greeting")
    text = run_markdown(bare)
    assert text == ("# Greeting\n\n*2026-09-21 14:13 UTC*\n\n## Prompt\n\n> Hi\n\n"
                    "## gpt-4o (OpenAI)\n\nHello\n")


def test_the_saved_cost_and_the_attempts_a_retry_replaced_are_listed_last() -> None:
    retried = RunRecord("r", NOW, "Hi", (AnswerRecord("openai", "gpt-4o", "done", "Hello",
                                                      cost=SavedCost(Decimal("0.0021"), "catalog")),),
                        replaced=(AnswerRecord("openai", "gpt-4o", "stopped", "Hel", usage=Usage(12, None, 3),
                                               cost=SavedCost(Decimal("0.0001"), "catalog")),
                                  AnswerRecord("openai", "gpt-4o", "failed",
                                               error=SavedError("server", "Overloaded", 529))))
    text = run_markdown(retried)
    assert "Hello\n\n*$0.0021*\n\n## Earlier attempts (replaced by Retry or by the next model of the chain)\n\n" in text
    assert text.endswith("- gpt-4o (OpenAI): Stopped before the end · 12 tokens in · 3 out · $0.0001\n"
                         "- gpt-4o (OpenAI): Failed\n")


def test_a_tiny_or_free_cost_is_written_as_a_plain_amount() -> None:
    for usd, plain in ((Decimal("1.5E-7"), "$0.00000015"), (Decimal("0E-6"), "$0.000000")):
        answer = AnswerRecord("ollama", "llama3", "done", "hi", cost=SavedCost(usd, "local"))
        assert f"*{plain}*" in run_markdown(RunRecord("r", NOW, "q", (answer,)))


def test_a_code_fence_left_open_is_closed_before_the_next_answer() -> None:
    cut = RunRecord("r", NOW, "Code?", (AnswerRecord("openai", "a", "stopped", "Here:\n~~~~python\nx = 1\n~~~"),
                                        AnswerRecord("openai", "b", "done", "Fine")))
    text = run_markdown(cut)
    assert "x = 1\n~~~\n~~~~\n\n## b (OpenAI)" in text


def test_an_unknown_provider_and_a_merged_run_are_named() -> None:
    merged = RunRecord("r", NOW, "Q", (AnswerRecord("from-the-future", "m", "done", "x"),), kind="merge")
    assert "## Merged answer: m (from-the-future)" in run_markdown(merged)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run_records)
def test_any_record_becomes_markdown(record: RunRecord) -> None:
    text = run_markdown(record)
    assert text.startswith("# ") and text.endswith("\n")
    assert len(headings(text)) == 1 + bool(record.params.system) + len(record.answers) + bool(record.replaced)


VIEWER = MarkdownIt("commonmark")  # raw HTML on, as GitHub, editors and note apps read a .md file
HONEST = AnswerRecord("anthropic", "honest", "done", "Honest answer")


def headings(text: str) -> list[str]:
    tokens = VIEWER.parse(text)
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]


@pytest.mark.parametrize("hostile", [
    AnswerRecord("openai", "evil", "done", "Here:\n```py`x\nprint(1)"),  # no fence to CommonMark: ` in its info
    *(AnswerRecord("openai", "evil", "done", f"```\ncode{end}```") for end in "\x0b\x0c\x1c\x85\u2028"),
    *(AnswerRecord("openai", "evil", "done", f"Sure.\n\n{html}\nrest")  # an HTML block runs to its end marker
      for html in ("<!--", "<pre>", "<script>", "<style>", "<textarea>")),
    AnswerRecord("openai", "evil", "failed", "", error=SavedError("server", "Bad request\n```", 400)),
    AnswerRecord("openai", "evil", "done", "hi", model_served="m\n```"),
    AnswerRecord("openai", "evil\n```", "done", "hi"),
])
def test_no_answer_reaches_into_the_next_one(hostile: AnswerRecord) -> None:
    # Line ends CommonMark does not know, a backtick fence that is none, an HTML block, a provider's
    # error or model name: each used to turn the rest of the document into code or hide it.
    text = run_markdown(RunRecord("r", NOW, "Q", (hostile, HONEST)))
    assert headings(text)[-1] == "honest (Anthropic)", text


@pytest.mark.parametrize("field", ["text", "reasoning"])
def test_no_answer_points_another_answers_links_elsewhere(field: str) -> None:
    # A link definition applies to the whole document, and the first one of a label wins.
    evil = AnswerRecord("openai", "evil", "done", **{"text": "ok", field: "ok\n\n> [1]: https://attacker.example/"})
    good = AnswerRecord("anthropic", "honest", "done", "See [the docs][1].\n\n[1]: https://docs.example/")
    html = VIEWER.render(run_markdown(RunRecord("r", NOW, "Q", (evil, good))))
    assert 'href="https://attacker.example/"' not in html and "attacker.example" in html  # shown, not used


def test_html_and_definitions_inside_code_keep_an_answer_as_markdown() -> None:
    answer = AnswerRecord("openai", "m", "done", "**Page:**\n\n```html\n<!-- a comment -->\n[1]: x\n```")
    assert "**Page:**\n\n```html\n<!-- a comment -->" in run_markdown(RunRecord("r", NOW, "Q", (answer,)))
