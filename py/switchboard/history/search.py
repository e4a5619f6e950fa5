"""The search index's words: what a run is found by, and what a query asks for.

Words are folded (accents dropped, case folded) so "Café" finds "cafe" and "CAFÉ"; a query's words
match as prefixes ("tok" finds "tokens"), and every query word must match. Only a bounded set of
words is indexed per run, so a pasted novel cannot blow up the index.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_WORD = 32  # longer words are indexed (and searched) by their first MAX_WORD characters
MAX_WORDS = 4000  # distinct words indexed per run; beyond that, the rarer text goes unindexed
MAX_QUERY_WORDS = 8
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower-case, accent-free text: what both the index and a query are compared in."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(texts: Iterable[str]) -> list[str]:
    """The distinct folded words of texts, in first-seen order, at most MAX_WORDS."""
    seen: dict[str, None] = {}
    for text in texts:
        for match in _WORD.finditer(fold(text)):
            seen.setdefault(match.group()[:MAX_WORD])
            if len(seen) >= MAX_WORDS:
                return list(seen)
    return list(seen)


def query_words(query: str) -> list[str]:
    """The folded words a query asks for (each a prefix), longest first: the rarest narrows best."""
    found = words([query])[:MAX_QUERY_WORDS]
    # A word that is a prefix of another asked-for word adds nothing: "tok tokens" is "tokens".
    kept = [w for w in found if not any(o != w and o.startswith(w) for o in found)]
    return sorted(kept, key=len, reverse=True)


def matches(index: Iterable[str], query: list[str]) -> bool:
    """True when every query word is a prefix of some indexed word (the in-memory twin of the index)."""
    indexed = list(index)
    return all(any(word.startswith(q) for word in indexed) for q in query)
