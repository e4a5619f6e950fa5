"""An answer in words: its status line and summary (timing, tokens, cost), and the default models."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # run imports the service, which this module (imported by the views) need not load
    from .run import Answer

# Model ids seen in real recorded traffic; the placeholder when the user has not chosen one.
# As of 2026-11: check each provider's model list (the "List models" button) for newer ones.
DEFAULT_MODELS: dict[str, str] = {
    "openai": "gpt-4o-mini",
    "anthropic": "claude-haiku-4-5",
    "gemini": "gemini-2.5-flash",
    "mistral": "mistral-small-latest",
    "groq": "llama-3.3-70b-versatile",
    "openrouter": "openrouter/auto",
    "deepseek": "deepseek-chat",
    "xai": "grok-4-1-fast-non-reasoning",
    "together": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
    "cohere": "command-a-03-2025",
    "ollama": "llama3.2",
}


STATUS = {"waiting": "Sending…", "streaming": "Streaming…", "done": "Done", "stopped": "Stopped",
          "failed": "Failed"}


def summary(answer: Answer) -> str:
    """Timing and tokens in a short line, e.g. "first token 0.31 s · 2.4 s · 98 tok/s · 12 in / 240 out tokens"."""
    parts = []
    if answer.time_to_first_token is not None:
        parts.append(f"first token {answer.time_to_first_token:.2f} s")
    if answer.finished_at is not None and answer.sent_at is not None:
        parts.append(f"{answer.finished_at - answer.sent_at:.1f} s")
    if answer.tokens_per_second is not None:
        parts.append(f"{answer.tokens_per_second:,.0f} tok/s")
    usage = answer.usage
    if usage.input_tokens is not None or usage.output_tokens is not None:
        tokens = f"{_count(usage.input_tokens)} in / {_count(usage.output_tokens)} out tokens"
        if usage.reasoning_tokens:
            tokens += f" ({usage.reasoning_tokens:,} reasoning)"
        parts.append(tokens)
    counted = usage.input_tokens is not None or usage.output_tokens is not None
    if answer.cost is not None and (answer.cost.usd is not None or counted):  # nothing to price: no line
        parts.append(answer.cost.text())
    elif usage.cost_usd is not None:
        parts.append(f"${usage.cost_usd:.6f} reported by the provider")
    if answer.fold.finish == "length":
        parts.append("cut off at the output limit")
    elif answer.fold.finish == "content_filter":
        parts.append("stopped by the provider's content filter")
    return " · ".join(parts)


def meta_text(answer: Answer) -> str:
    """The pane's status line: the outcome in words, then the summary."""
    line = summary(answer)
    if answer.status == "failed" and answer.error is not None:
        return f"{answer.error.message}{' · ' + line if line else ''}"
    if answer.status == "stopped":
        return " · ".join(filter(None, ["Stopped", line]))
    if answer.status == "done":
        return line or "Done."
    if answer.status == "streaming":
        return "Streaming…"
    return "Waiting for the first token…" if answer.sent_at is not None else "Sending…"


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"
