"""The rule for new master passwords and export passphrases: refuse what the strength meter rates weak."""

from __future__ import annotations

import unicodedata

from switchboard.vault.errors import WeakPassword
from switchboard.vault.strength import LABELS, estimate

MIN_LENGTH = 8
# "fair" (36 bits and up): "weak" and "very weak" fall to one GPU in days to hours at 600,000 PBKDF2
# rounds, and the meter shows the same words, so what it calls weak is never accepted.
MIN_SCORE = 2
ADVICE = "Four or more random words pass, or 12 or more random letters, digits and symbols."


def check_new_password(password: str, what: str = "password") -> None:
    """Raise WeakPassword, saying why and what would pass, unless the meter rates password fair or better."""
    if not isinstance(password, str):
        raise WeakPassword(f"the {what} must be text")
    if len(unicodedata.normalize("NFC", password)) < MIN_LENGTH:
        raise WeakPassword(f"the {what} must have at least {MIN_LENGTH} characters. {ADVICE}")
    strength = estimate(password)
    if strength.score >= MIN_SCORE:
        return
    why = strength.warning or f"It is not yet {LABELS[MIN_SCORE]}."
    raise WeakPassword(f"the {what} rates {strength.label}: {why[0].lower()}{why[1:]} {ADVICE}")
