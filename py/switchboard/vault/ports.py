"""Ports the vault needs from its environment: WebCrypto and IndexedDB in the browser, fakes in tests."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Protocol

# A derived key as the Cipher represents it (a non-extractable CryptoKey in the browser).
# The vault only hands it back to the same Cipher, never inspects it.
KeyHandle = object


class Cipher(Protocol):
    """PBKDF2-SHA256 + AES-256-GCM with a 128-bit tag appended to the ciphertext (WebCrypto's layout)."""

    async def derive_key(self, password: bytes, salt: bytes, iterations: int) -> KeyHandle:
        """Derive a non-extractable AES-GCM-256 key from password bytes (UTF-8 of NFC) with PBKDF2-SHA256."""
        ...

    async def encrypt(self, key: KeyHandle, iv: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """Return ciphertext || 16-byte tag."""
        ...

    async def decrypt(self, key: KeyHandle, iv: bytes, ciphertext: bytes, aad: bytes) -> bytes:
        """Return the plaintext, or raise errors.AuthenticationFailed if the tag does not verify."""
        ...

    async def random_bytes(self, n: int) -> bytes:
        """Return n bytes from a cryptographically secure generator."""
        ...


class Store(Protocol):
    """String records keyed by string, with one atomic compare-and-write (an IndexedDB object store).

    Failures (quota, closed database) raise StorageFailed, in words for people; the vault lets them
    propagate and relies on commit() being all-or-nothing, with puts applied in the given order.
    """

    async def get(self, key: str) -> str | None:
        """Return the record, or None if absent."""
        ...

    async def items(self, prefix: str = "") -> dict[str, str]:
        """Return every record whose key starts with prefix, in key order."""
        ...

    async def commit(
        self,
        puts: Mapping[str, str],
        deletes: Collection[str] = (),
        expect: Mapping[str, str | None] | None = None,
    ) -> bool:
        """Atomically: if each `expect` key holds that value (None: absent), apply puts then deletes.

        Returns False and changes nothing when an expectation fails. This is what lets several tabs
        write per-record without losing each other's writes.
        """
        ...


class Clock(Protocol):
    """Seconds on a clock that keeps running while the machine sleeps (Date.now() in the browser)."""

    def now(self) -> float:
        """Return the current time in seconds. Synchronous: reading a clock never waits on I/O."""
        ...
