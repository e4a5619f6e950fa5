"""One answer as it streams: its text, when the first token came, usage and the outcome, in words."""

from __future__ import annotations

from dataclasses import dataclass, field

from .chat import Event, Finish, ReasoningDelta, StreamError, TextDelta, Usage, UsageUpdate
from .errors import ProviderError

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


@dataclass
class AnswerProgress:
    """Accumulates one streaming answer; times are seconds on one monotonic clock."""

    started_at: float
    text: str = ""
    reasoning: str = ""
    first_token_at: float | None = None
    finished_at: float | None = None
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    error: ProviderError | None = None

    def feed(self, event: Event, now: float) -> str:
        """Take one event; return the visible text it adds (may be empty)."""
        if isinstance(event, TextDelta | ReasoningDelta) and self.first_token_at is None:
            self.first_token_at = now
        if isinstance(event, TextDelta):
            self.text += event.text
            return event.text
        if isinstance(event, ReasoningDelta):
            self.reasoning += event.text
        elif isinstance(event, UsageUpdate):
            self.usage = self.usage.merge(event.usage)
        elif isinstance(event, Finish):
            self.finish_reason = event.reason
        elif isinstance(event, StreamError):
            self.error = event.error
        return ""

    def finish(self, now: float) -> None:
        self.finished_at = now

    def summary(self) -> str:
        """Timing and tokens in a short line, e.g. "first token 0.31 s · 2.4 s · 12 in / 240 out tokens"."""
        parts = []
        if self.first_token_at is not None:
            parts.append(f"first token {self.first_token_at - self.started_at:.2f} s")
        if self.finished_at is not None:
            parts.append(f"{self.finished_at - self.started_at:.1f} s")
        usage = self.usage
        if usage.input_tokens is not None or usage.output_tokens is not None:
            tokens = f"{_count(usage.input_tokens)} in / {_count(usage.output_tokens)} out tokens"
            if usage.reasoning_tokens:
                tokens += f" ({usage.reasoning_tokens:,} reasoning)"
            parts.append(tokens)
        if usage.cost_usd is not None:
            parts.append(f"${usage.cost_usd:.6f} reported by the provider")
        if self.finish_reason == "length":
            parts.append("cut off at the output limit")
        elif self.finish_reason == "content_filter":
            parts.append("stopped by the provider's content filter")
        return " · ".join(parts)


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"
