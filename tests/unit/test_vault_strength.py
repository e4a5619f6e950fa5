"""Password strength estimate: common choices score 0, length and randomness score high."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchboard.providers import all_providers
from switchboard.vault.common_passwords import COMMON_PASSWORDS
from switchboard.vault.strength import APP_WORD, APP_WORDS, LABELS, estimate


@pytest.mark.parametrize(
    "password",
    [
        "",
        "password",
        "Password1!",
        "P@ssw0rd2024",
        "abcdefgh",
        "qwertyuiop",
        "aaaaaaaaaaaa",
        "abcabcabcabc",
        "iloveyou2024",
        "Summer2023!",
        "mypassword123456",
        "hunter2hunter2",
        "1qaz2wsx3edc",
        "Michael1987",
        "x7#Lq",
        "12345678901234",
    ],
)
def test_weak_choices_score_zero(password: str) -> None:
    result = estimate(password)
    assert result.score == 0 and result.label == "very weak"
    assert result.suggestions


@pytest.mark.parametrize(
    ("password", "score"),
    [
        ("kx7#qLp2", 2),  # random but short: capped
        ("zq8vmxk2pw", 3),
        ("correct horse battery staple", 2),  # four words: fair
        ("correct horse battery staple orbit", 3),
        ("correct horse battery staple orbit lantern", 4),  # six words: strong
        ("q8Vz#2LmN!pX4rT7", 4),
        ("mZ4tR9wQ2xL7vB3k", 4),
    ],
)
def test_scores(password: str, score: int) -> None:
    assert estimate(password).score == score


def test_feedback_words() -> None:
    assert estimate("password").warning == "This is one of the most common passwords."
    assert estimate("Password1!").warning == "It contains a common password."
    assert "Years" in (estimate("Zebrafish1999").warning or "")
    assert estimate("q8Vz#2LmN!pX4rT7xk").suggestions == ()
    assert "12 characters" in estimate("zq8vmxk2pw").suggestions[0]


def test_nfc_and_nfd_spellings_score_alike() -> None:
    assert estimate("caf\u00e9 au lait sur la table") == estimate("cafe\u0301 au lait sur la table")


@given(st.text(max_size=80))
def test_any_text_gives_a_score_and_its_label(password: str) -> None:
    result = estimate(password)
    assert 0 <= result.score <= 4 and result.label == LABELS[result.score] and result.bits >= 0


# The hardening issue's examples: each was accepted as a master password although the meter rated it
# very weak, and the app's own name scored "strong".
ISSUE_EXAMPLES = ["aaaaaaaa", "Summer2024", "Password123!", "12345678a", "Switchboard1!"]


@pytest.mark.parametrize("password", ISSUE_EXAMPLES)
def test_the_issue_examples_rate_weak(password: str) -> None:
    assert estimate(password).score <= 1


def test_the_apps_own_words_are_guessed_first() -> None:
    assert estimate("Switchboard1!").warning == APP_WORD
    assert estimate("switchboard").warning == APP_WORD
    for provider in all_providers():
        for word in re.split(r"[\s-]+", provider.display_name.lower()):
            if word not in {"ai", "compatible"}:
                assert estimate(f"{word.capitalize()}2024!").score <= 1, word
                assert word in APP_WORDS or word in COMMON_PASSWORDS, word
