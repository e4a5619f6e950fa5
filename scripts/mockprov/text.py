"""Deterministic reply text and the token-counting rule every mock provider shares.

Rule (documented in docs/mock-providers.md): a token is a whitespace-separated word,
``count_tokens(s) == len(s.split())``. Input tokens are the words of the system prompt plus every
message's text; output tokens are the words of the reply. Streams send one word per content chunk, so
the output count also equals the number of content chunks: a test can check usage against what it saw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_ECHO_WORDS = 64  # the reply echoes at most this many prompt words
MAX_REPLY_WORDS = 5000  # bound for `mock-words-N`
MAX_REPLY_TEXT = 1_000_000  # bound for a configured verbatim reply (characters)
VOCABULARY = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")


def count_tokens(text: str) -> int:
    return len(text.split())


@dataclass
class Reply:
    """What a mock provider answers: the text, split into the chunks it streams, and its usage."""

    words: list[str]
    input_tokens: int
    finish: str  # "stop" or "length": each protocol maps it to its own finish-reason vocabulary
    pieces: list[str] | None = None  # a verbatim reply's chunks, whitespace kept (see `verbatim_pieces`)
    chunks: list[str] = field(init=False)

    def __post_init__(self) -> None:
        if self.pieces is not None:
            self.chunks = list(self.pieces)
        else:
            # The first chunk carries no leading space; joining the chunks gives `text` exactly.
            self.chunks = [w if i == 0 else " " + w for i, w in enumerate(self.words)]

    @property
    def text(self) -> str:
        return "".join(self.chunks)

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


def verbatim_pieces(text: str) -> list[str]:
    """`text` cut into one chunk per word, each with the whitespace before it (newlines included) and the
    last with any whitespace after it: the chunks join to `text` exactly and count as its tokens."""
    pieces = re.findall(r"\s*\S+", text)
    if pieces:
        pieces[-1] += text[len("".join(pieces)):]
    return pieces


def make_reply(
    provider: str,
    model: str,
    prompt: str,
    input_tokens: int,
    max_tokens: int | None,
    words: int | None,
    verbatim: str | None = None,
) -> Reply:
    """Echo-derived text: `Mock <provider> reply to: <first prompt words>`, or N vocabulary words, or
    exactly `verbatim` (a configured reply text, Markdown and newlines kept; it wins over `words`).

    `max_tokens` truncates the reply (finish "length") the way a real model stops at its output limit.
    """
    if verbatim:
        pieces = verbatim_pieces(verbatim)
        finish = "stop"
        if max_tokens is not None and 0 < max_tokens < len(pieces):
            pieces, finish = pieces[:max_tokens], "length"
        return Reply(words=[p.strip() for p in pieces], input_tokens=input_tokens, finish=finish, pieces=pieces)
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
