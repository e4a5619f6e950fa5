"""Deterministic reply text and the token-counting rule every mock provider shares.

Rule (documented in docs/mock-providers.md): a token is a whitespace-separated word,
``count_tokens(s) == len(s.split())``. Input tokens are the words of the system prompt plus every
message's text; output tokens are the words of the reply. Streams send one word per content chunk, so
the output count also equals the number of content chunks: a test can check usage against what it saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_ECHO_WORDS = 64  # the reply echoes at most this many prompt words
MAX_REPLY_WORDS = 5000  # bound for `mock-words-N`
VOCABULARY = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")


def count_tokens(text: str) -> int:
    return len(text.split())


@dataclass
class Reply:
    """What a mock provider answers: the text, split into the chunks it streams, and its usage."""

    words: list[str]
    input_tokens: int
    finish: str  # "stop" or "length": each protocol maps it to its own finish-reason vocabulary
    chunks: list[str] = field(init=False)

    def __post_init__(self) -> None:
        # The first chunk carries no leading space; joining the chunks gives `text` exactly.
        self.chunks = [w if i == 0 else " " + w for i, w in enumerate(self.words)]

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def output_tokens(self) -> int:
        return len(self.words)

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def summary(self) -> dict[str, object]:
        """What the request log records, so tests can compare a client's result with what was sent."""
        return {
            "text": self.text,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "finish": self.finish,
        }


def make_reply(
    provider: str, model: str, prompt: str, input_tokens: int, max_tokens: int | None, words: int | None
) -> Reply:
    """Echo-derived text: `Mock <provider> reply to: <first prompt words>`, or N vocabulary words.

    `max_tokens` truncates the reply (finish "length") the way a real model stops at its output limit.
    """
    if words is not None:
        out = [VOCABULARY[i % len(VOCABULARY)] for i in range(min(words, MAX_REPLY_WORDS))]
    else:
        echo = prompt.split()[:MAX_ECHO_WORDS] or ["(empty", "prompt)"]
        out = ["Mock", provider, "reply", "to:", *echo]
    finish = "stop"
    if max_tokens is not None and 0 < max_tokens < len(out):
        out, finish = out[:max_tokens], "length"
    return Reply(words=out, input_tokens=input_tokens, finish=finish)


def content_text(content: object) -> str:
    """Text of a message `content` in any provider's shape: a string, or a list of parts with `text`."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(content_text(p) for p in content)
    if isinstance(content, dict):
        if isinstance(content.get("text"), str):
            return content["text"]
        if "parts" in content:  # Gemini `Content`
            return content_text(content["parts"])
    return ""
