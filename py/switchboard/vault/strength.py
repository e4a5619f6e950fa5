"""Password strength estimate: simple but honest about what it measures (guessing entropy in bits).

It counts characters by class, gives almost nothing for what guessers try first (common passwords,
this app's own words and its providers' names, sequences, keyboard runs, repeats, years, a capital
first letter with digits or symbols stuck on the end), and estimates passphrases by word count. It
cannot know whether a phrase is a famous quote.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from switchboard.vault.common_passwords import COMMON_PASSWORDS

LABELS = ("very weak", "weak", "fair", "good", "strong")
# Score boundaries in bits. With 600,000 PBKDF2 rounds one GPU tries roughly 10^4 passwords a second:
# 48 bits is about 450 GPU-years on average, 60 bits about two million.
THRESHOLDS = (28.0, 36.0, 48.0, 60.0)
# Few people pick words uniformly from a large list; 11 bits per word is a generous middle ground.
BITS_PER_WORD = 11.0
SEQUENCE_BITS = 1.0  # a character continuing 'abc', '321', 'qwe' or 'aaa'
# What a guesser aiming at this app tries first: its name, its words, and the providers it serves.
# Matched like common passwords (4+ letters inside a password; shorter ones only as the whole of it).
_APP_WORDS = """
    switchboard switch board vault keyvault apikey apikeys api key keys master passphrase secret
    llm llms prompt prompts chatbot chatgpt openai gpt anthropic claude gemini google mistral groq
    openrouter router deepseek xai grok together cohere ollama llama
"""
APP_WORDS: frozenset[str] = frozenset(_APP_WORDS.split())
_GUESSED_FIRST = COMMON_PASSWORDS | APP_WORDS
COMMON_WORD_BITS = math.log2(len(_GUESSED_FIRST))
YEAR_BITS = 7.0  # ~128 plausible years
_KEYBOARD_ROWS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
COMMON = "This is one of the most common passwords."
CONTAINS_COMMON = "It contains a common password."
APP_WORD = "The names of this app and of its providers are tried first."
REPEAT = "Repeating a pattern adds almost nothing."
SEQUENCE = "Sequences like 'abc', '123', 'qwerty' or 'aaa' are easy to guess."
YEAR = "Years are easy to guess."
DECORATED = "A capital first letter and digits or symbols at the end are tried first."
FEW_WORDS = "Random words are good; six or more make a strong passphrase."
_PRIORITY = (COMMON, APP_WORD, CONTAINS_COMMON, REPEAT, SEQUENCE, YEAR, DECORATED, FEW_WORDS)
_YEAR = re.compile(r"(19|20)\d\d")
_WORD_SEP = re.compile(r"[\s\-_.,+]+")


@dataclass(frozen=True, slots=True)
class Strength:
    """Score 0-4 with its word, the bit estimate behind it, and advice."""

    score: int
    label: str
    bits: float
    warning: str | None
    suggestions: tuple[str, ...]


def estimate(password: str) -> Strength:
    """Estimate how hard password is to guess."""
    pw = unicodedata.normalize("NFC", password)
    if not pw:
        return Strength(0, LABELS[0], 0.0, None, ("Choose a password of at least 12 characters.",))
    warnings: set[str] = set()
    lowered = pw.lower()
    if lowered in _GUESSED_FIRST or lowered.translate(_LEET) in _GUESSED_FIRST:
        bits = COMMON_WORD_BITS / 2
        warnings.add(APP_WORD if _guessed_word_warning(lowered) == APP_WORD else COMMON)
    else:
        bits = _char_bits(pw, warnings)
        phrase = _passphrase_bits(pw)
        if phrase < bits:
            # Judged as a passphrase: character-level remarks no longer describe the estimate.
            bits, warnings = phrase, ({FEW_WORDS} if phrase < THRESHOLDS[-1] else set())
    score = sum(bits >= t for t in THRESHOLDS)
    # Short passwords stay low whatever their mix: that mix is exactly what cracking rules enumerate.
    score = min(score, 0 if len(pw) < 8 else 2 if len(pw) < 10 else 3 if len(pw) < 12 else 4)
    suggestions = []
    if len(pw) < 12:
        suggestions.append("Use at least 12 characters.")
    if score < 3:
        suggestions.append("Length helps most: several random words are strong and easy to remember.")
    warning = next((w for w in _PRIORITY if w in warnings), None)
    return Strength(score, LABELS[score], round(bits, 1), warning, tuple(suggestions))


def _char_bits(pw: str, warnings: set[str]) -> float:
    unit = re.fullmatch(r"(.+?)\1+", pw, flags=re.DOTALL)
    if unit:
        warnings.add(REPEAT)
        return _char_bits(unit.group(1), warnings) + math.log2(len(pw) // len(unit.group(1)))
    core, bits = pw, 0.0
    suffix = re.search(r"[\W\d_]+$", core)
    if suffix and suffix.start() > 0:
        tail = suffix.group()
        bits += _suffix_bits(tail, warnings)
        core = core[: suffix.start()]
    if len(core) > 1 and core[0].isupper() and not core[1:].isupper():
        bits += 1.0  # capitalising the first letter is the first rule every cracker applies
        core = core[0].lower() + core[1:]
        if suffix and suffix.start() > 0:
            warnings.add(DECORATED)
    return bits + _core_bits(core, warnings)


def _core_bits(core: str, warnings: set[str]) -> float:
    pool = _pool_size(core)
    per_char = math.log2(pool) if pool > 1 else 1.0
    lowered = core.lower()
    deleet = lowered.translate(_LEET)
    bits, i = 0.0, 0
    while i < len(core):
        word = _common_word_at(lowered, i) or _common_word_at(deleet, i)
        if word:
            warnings.add(_guessed_word_warning(word))
            bits += COMMON_WORD_BITS
            i += len(word)
            continue
        if _in_run(lowered, i):
            warnings.add(SEQUENCE)
            bits += SEQUENCE_BITS
        else:
            bits += per_char
        i += 1
    return bits


def _suffix_bits(tail: str, warnings: set[str]) -> float:
    if _YEAR.fullmatch(tail):
        warnings.add(YEAR)
        return YEAR_BITS
    bits = 0.0
    for i, ch in enumerate(tail):
        if _in_run(tail, i):
            bits += SEQUENCE_BITS
        else:
            bits += math.log2(10) if ch.isdigit() else 5.0
    return bits


def _passphrase_bits(pw: str) -> float:
    words = [w for w in _WORD_SEP.split(pw) if w]
    if len(words) < 3 or not all(w.isalpha() for w in words):
        return math.inf
    return len(words) * BITS_PER_WORD + 2.0  # + a little for the separator and capitalisation choices


def _pool_size(s: str) -> int:
    pool = 0
    if any(c.islower() and c.isascii() for c in s):
        pool += 26
    if any(c.isupper() and c.isascii() for c in s):
        pool += 26
    if any(c.isdigit() and c.isascii() for c in s):
        pool += 10
    if any(not c.isalnum() and c.isascii() for c in s):
        pool += 33
    if any(not c.isascii() for c in s):
        pool += 100
    return pool


def _in_run(s: str, i: int) -> bool:
    """True if s[i] is the third or later character of a run ('abc', '321', 'qwe', 'aaa')."""
    return i >= 2 and _continues(s[i - 2], s[i - 1]) and _continues(s[i - 1], s[i])


def _continues(prev: str, cur: str) -> bool:
    """True if cur repeats prev, steps by one from it ('ab', 'ba', '12'), or is its keyboard neighbour."""
    if abs(ord(cur) - ord(prev)) <= 1:
        return True
    return any(
        prev in row and cur in row and abs(row.index(prev) - row.index(cur)) == 1 for row in _KEYBOARD_ROWS
    )


def _common_word_at(text: str, i: int) -> str | None:
    # Longest guessed-first word (4+ letters) starting here; shorter ones match too much random text.
    for end in range(min(len(text), i + 16), i + 3, -1):
        if text[i:end] in _GUESSED_FIRST:
            return text[i:end]
    return None


def _guessed_word_warning(word: str) -> str:
    if word in APP_WORDS or word.translate(_LEET) in APP_WORDS:
        return APP_WORD
    return CONTAINS_COMMON
