"""Masked display of secrets: enough to recognise a key, never enough to use it."""

from __future__ import annotations

DOTS = "••••"
# Below this length the last four characters would be a large share of the secret; show none.
MIN_LEN_TO_SHOW_TAIL = 12


def mask(secret: str) -> str:
    """Return '•••• abcd' (last four characters), or just '••••' for short secrets."""
    if len(secret) < MIN_LEN_TO_SHOW_TAIL:
        return DOTS
    return f"{DOTS} {secret[-4:]}"
