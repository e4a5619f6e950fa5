"""Seal and open envelopes through any Cipher: the one code path the browser and CPython share."""

from __future__ import annotations

import unicodedata

from switchboard.vault.envelope import DEFAULT_ITERATIONS, IV_BYTES, SALT_BYTES, TAG_BYTES, Envelope
from switchboard.vault.ports import Cipher, KeyHandle


def password_bytes(password: str) -> bytes:
    """UTF-8 of the NFC form: the same typed password gives the same key on every OS and keyboard."""
    return unicodedata.normalize("NFC", password).encode("utf-8")


async def random_bytes(cipher: Cipher, n: int) -> bytes:
    """Draw n random bytes, refusing a Cipher that returns the wrong amount (a reused IV is fatal)."""
    data = await cipher.random_bytes(n)
    if len(data) != n:
        raise RuntimeError(f"cipher returned {len(data)} random bytes, expected {n}")
    return bytes(data)


async def new_salt(cipher: Cipher) -> bytes:
    """A fresh random 16-byte PBKDF2 salt."""
    return await random_bytes(cipher, SALT_BYTES)


async def derive(cipher: Cipher, password: str, salt: bytes, iterations: int) -> KeyHandle:
    """Derive the AES key for password with the given salt and iteration count."""
    return await cipher.derive_key(password_bytes(password), salt, iterations)


async def seal(
    cipher: Cipher, key: KeyHandle, *, salt: bytes, iterations: int, plaintext: bytes, aad: bytes
) -> Envelope:
    """Encrypt under an already-derived key with a fresh random 96-bit IV."""
    iv = await random_bytes(cipher, IV_BYTES)
    ct = await cipher.encrypt(key, iv, plaintext, aad)
    if len(ct) != len(plaintext) + TAG_BYTES:
        raise RuntimeError("cipher returned a ciphertext of unexpected length")
    return Envelope(iterations=iterations, salt=salt, iv=iv, ct=bytes(ct))


async def open_with_key(cipher: Cipher, key: KeyHandle, envelope: Envelope, aad: bytes) -> bytes:
    """Decrypt with an already-derived key; raises AuthenticationFailed on a wrong key or tampering."""
    return bytes(await cipher.decrypt(key, envelope.iv, envelope.ct, aad))


async def seal_with_password(
    cipher: Cipher, password: str, plaintext: bytes, aad: bytes, *, iterations: int = DEFAULT_ITERATIONS
) -> Envelope:
    """Encrypt one value under a password with a fresh salt and IV (one KDF run)."""
    salt = await new_salt(cipher)
    key = await derive(cipher, password, salt, iterations)
    return await seal(cipher, key, salt=salt, iterations=iterations, plaintext=plaintext, aad=aad)


async def open_with_password(
    cipher: Cipher, envelope: Envelope | str | bytes, password: str, aad: bytes
) -> bytes:
    """Open an envelope (object or JSON text) with a password, reading salt and iterations from it."""
    if not isinstance(envelope, Envelope):
        envelope = Envelope.from_json(envelope)
    key = await derive(cipher, password, envelope.salt, envelope.iterations)
    return await open_with_key(cipher, key, envelope, aad)
