"""The browser Cipher: PBKDF2-SHA256 and AES-256-GCM through crypto.subtle, keys never extractable.

Follows spike/RECIPE.md Q5. Option objects go through to_js(..., dict_converter=Object.fromEntries)
because WebCrypto wants plain objects, not the Map that to_js makes by default; bytes go in as
Uint8Array copies and ArrayBuffers come back as bytes.
"""

from __future__ import annotations

from typing import Any

import js
from pyodide.ffi import JsException, to_js

from switchboard.vault.errors import AuthenticationFailed
from switchboard.vault.ports import Cipher, KeyHandle

_RANDOM_CHUNK = 65_536  # getRandomValues throws QuotaExceededError above this many bytes per call
_TAG_BITS = 128  # the vault's envelope format fixes a 16-byte tag appended to the ciphertext


class WebCryptoKey:
    """Opaque handle around a non-extractable CryptoKey; its bytes never exist in Python or JS."""

    __slots__ = ("crypto_key",)

    def __init__(self, crypto_key: Any) -> None:
        self.crypto_key = crypto_key

    def __repr__(self) -> str:
        return "<WebCrypto AES-GCM-256 key>"


def _object(values: dict[str, Any]) -> Any:
    """A plain JS object (not a Map) from a dict."""
    return to_js(values, dict_converter=js.Object.fromEntries)


def _u8(data: bytes) -> Any:
    """bytes -> a fresh Uint8Array copy."""
    return to_js(bytes(data))


def _bytes(buffer: Any) -> bytes:
    """ArrayBuffer / typed array -> bytes."""
    return bytes(buffer.to_py())


def _key(handle: KeyHandle) -> Any:
    if not isinstance(handle, WebCryptoKey):
        raise TypeError("this key was not derived by WebCryptoCipher")
    return handle.crypto_key


def _gcm(iv: bytes, aad: bytes) -> Any:
    return _object({"name": "AES-GCM", "iv": _u8(iv), "additionalData": _u8(aad), "tagLength": _TAG_BITS})


def _is_operation_error(error: BaseException) -> bool:
    # JsException exposes the DOMException's name; fall back to the text for older Pyodide builds.
    name = getattr(error, "name", None)
    return name == "OperationError" if isinstance(name, str) else "OperationError" in str(error)


class WebCryptoCipher:
    """Cipher over window.crypto.subtle (available on https, localhost and file:// pages)."""

    async def derive_key(self, password: bytes, salt: bytes, iterations: int) -> KeyHandle:
        """PBKDF2-HMAC-SHA256 straight into a non-extractable AES-GCM-256 key (~0.1-0.2 s at 600k)."""
        subtle = js.crypto.subtle
        base = await subtle.importKey("raw", _u8(password), "PBKDF2", False, to_js(["deriveKey"]))
        params = _object({"name": "PBKDF2", "salt": _u8(salt), "iterations": iterations, "hash": "SHA-256"})
        aes = _object({"name": "AES-GCM", "length": 256})
        key = await subtle.deriveKey(params, base, aes, False, to_js(["encrypt", "decrypt"]))
        return WebCryptoKey(key)

    async def encrypt(self, key: KeyHandle, iv: bytes, plaintext: bytes, aad: bytes) -> bytes:
        """AES-GCM encrypt; WebCrypto returns ciphertext || 16-byte tag, the envelope's layout."""
        result = await js.crypto.subtle.encrypt(_gcm(iv, aad), _key(key), _u8(plaintext))
        return _bytes(result)

    async def decrypt(self, key: KeyHandle, iv: bytes, ciphertext: bytes, aad: bytes) -> bytes:
        """AES-GCM decrypt; a tag mismatch (wrong key, tampering) arrives as OperationError."""
        try:
            result = await js.crypto.subtle.decrypt(_gcm(iv, aad), _key(key), _u8(ciphertext))
        except JsException as e:
            if _is_operation_error(e):
                raise AuthenticationFailed("AES-GCM authentication failed") from None
            raise
        return _bytes(result)

    async def random_bytes(self, n: int) -> bytes:
        """n bytes from crypto.getRandomValues (the browser's CSPRNG)."""
        out = bytearray()
        while len(out) < n:
            chunk = js.Uint8Array.new(min(_RANDOM_CHUNK, n - len(out)))
            out += _bytes(js.crypto.getRandomValues(chunk))
        return bytes(out)


def cipher() -> Cipher:
    """The browser's Cipher for the composition root (typed as the port, so mypy checks conformance)."""
    return WebCryptoCipher()
