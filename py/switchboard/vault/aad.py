"""AES-GCM additional data: binds each ciphertext to its purpose and place so records cannot be swapped."""

from __future__ import annotations

from switchboard.vault import strictjson

# Bump only together with a new envelope version: readers rebuild this exact byte string.
AAD_VERSION = 1

VERIFIER = "verifier"
KEY_RECORD = "key"
KEYS_FILE_CHECK = "keys-check"
KEYS_FILE = "keys"


def aad(purpose: str, *context: str) -> bytes:
    """Return the compact ASCII JSON array ["switchboard", 1, purpose, *context] as bytes."""
    return strictjson.dumps(["switchboard", AAD_VERSION, purpose, *context]).encode("ascii")


def verifier_aad(generation: str) -> bytes:
    """Bind the verifier to its generation, so an old generation's verifier cannot stand in."""
    return aad(VERIFIER, generation)


def key_record_aad(generation: str, entry: str) -> bytes:
    """Bind a key record to its generation and entry, so a record moved to another entry fails."""
    return aad(KEY_RECORD, generation, entry)
