"""CPython implementations of the vault ports (same Protocols as switchboard.web) and async test helpers."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import os
from collections.abc import Awaitable, Callable, Collection, Coroutine, Mapping
from typing import Any, ParamSpec, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from switchboard.vault.errors import AuthenticationFailed
from switchboard.vault.ports import KeyHandle
from switchboard.vault.service import Vault

P = ParamSpec("P")
T = TypeVar("T")
FAST_ITERATIONS = 1_000  # the decoder's floor: keeps hundreds of KDF runs per test file fast


def async_test(fn: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Run an async test function in a fresh event loop (no pytest-asyncio needed)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


def run(awaitable: Coroutine[Any, Any, T]) -> T:
    """Run one coroutine to completion (for hypothesis bodies, which must stay synchronous)."""
    return asyncio.run(awaitable)


class _AesKey:
    """Opaque handle, like a non-extractable CryptoKey: holds the AEAD object, shows nothing."""

    __slots__ = ("aead",)

    def __init__(self, raw: bytes) -> None:
        self.aead = AESGCM(raw)

    def __repr__(self) -> str:
        return "<AES-GCM-256 key>"


def pbkdf2_sha256(password: bytes, salt: bytes, iterations: int) -> bytes:
    """The raw 32-byte key WebCrypto's deriveKey would produce (exposed for known-answer vectors)."""
    return PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations).derive(password)


class CryptographyCipher:
    """Cipher over the `cryptography` package: PBKDF2-HMAC-SHA256 and AES-256-GCM (ct || 16-byte tag)."""

    def __init__(self, rng: Callable[[int], bytes] = os.urandom) -> None:
        self._rng = rng
        self.derivations = 0  # counts KDF runs: unlock must cost exactly one

    async def derive_key(self, password: bytes, salt: bytes, iterations: int) -> KeyHandle:
        self.derivations += 1
        return _AesKey(pbkdf2_sha256(password, salt, iterations))

    async def encrypt(self, key: KeyHandle, iv: bytes, plaintext: bytes, aad: bytes) -> bytes:
        assert isinstance(key, _AesKey)
        return key.aead.encrypt(iv, plaintext, aad)

    async def decrypt(self, key: KeyHandle, iv: bytes, ciphertext: bytes, aad: bytes) -> bytes:
        assert isinstance(key, _AesKey)
        try:
            return key.aead.decrypt(iv, ciphertext, aad)
        except InvalidTag:
            raise AuthenticationFailed("AES-GCM tag mismatch") from None

    async def random_bytes(self, n: int) -> bytes:
        return self._rng(n)


class SeededRandom:
    """Deterministic byte stream (SHA-256 in counter mode) for reproducible vectors; never for real use."""

    def __init__(self, seed: bytes) -> None:
        self._seed, self._counter = seed, 0

    def __call__(self, n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
        return out[:n]


class StoreFailure(OSError):
    """What a failing Store raises (IndexedDB: QuotaExceededError, an aborted transaction, a crash)."""


class MemoryStore:
    """Store over a dict with an all-or-nothing commit, like one IndexedDB readwrite transaction."""

    def __init__(self, data: Mapping[str, str] | None = None) -> None:
        self.data: dict[str, str] = dict(data or {})
        self.commits = 0
        # Runs (once per call) just before a commit checks its expectations: another tab's turn.
        self.before_commit: Callable[[], Awaitable[None]] | None = None

    async def get(self, key: str) -> str | None:
        return self.data.get(key)

    async def items(self, prefix: str = "") -> dict[str, str]:
        return {k: self.data[k] for k in sorted(self.data) if k.startswith(prefix)}

    async def commit(
        self,
        puts: Mapping[str, str],
        deletes: Collection[str] = (),
        expect: Mapping[str, str | None] | None = None,
    ) -> bool:
        hook, self.before_commit = self.before_commit, None
        if hook is not None:
            await hook()
        if any(self.data.get(k) != v for k, v in (expect or {}).items()):
            return False
        self._apply(list(puts.items()), list(deletes))
        self.commits += 1
        return True

    def _apply(self, puts: list[tuple[str, str]], deletes: list[str]) -> None:
        for k, v in puts:
            self.data[k] = v
        for k in deletes:
            self.data.pop(k, None)


class FlakyStore(MemoryStore):
    """Fails once `budget` record writes (puts + deletes) have been spent.

    atomic=True models the real contract (the failing commit changes nothing); atomic=False is worse
    than any IndexedDB: the failing commit applies its first writes, in order, then dies (a torn write).
    """

    def __init__(self, budget: int, *, atomic: bool, data: Mapping[str, str] | None = None) -> None:
        super().__init__(data)
        self.budget, self.atomic = budget, atomic

    def _apply(self, puts: list[tuple[str, str]], deletes: list[str]) -> None:
        ops = len(puts) + len(deletes)
        if ops <= self.budget:
            self.budget -= ops
            super()._apply(puts, deletes)
            return
        if not self.atomic:
            allowed = self.budget
            super()._apply(puts[:allowed], deletes[: max(0, allowed - len(puts))])
        self.budget = 0
        raise StoreFailure("injected storage failure")


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def make_vault(
    store: MemoryStore | None = None,
    clock: FakeClock | None = None,
    cipher: CryptographyCipher | None = None,
    **kwargs: Any,
) -> Vault:
    """A Vault over fakes, with the fast KDF setting unless told otherwise."""
    kwargs.setdefault("iterations", FAST_ITERATIONS)
    return Vault(cipher or CryptographyCipher(), store or MemoryStore(), clock or FakeClock(), **kwargs)
