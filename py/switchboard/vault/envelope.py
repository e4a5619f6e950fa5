"""The versioned envelope: one AES-GCM ciphertext with its KDF parameters, as strict JSON.

Byte layout is specified in docs/security.md ("Envelope format"); this module is its only reader/writer.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from switchboard.vault import strictjson
from switchboard.vault.errors import MalformedEnvelope, TruncatedEnvelope, UnsupportedEnvelope

VERSION = 1
KDF = "PBKDF2-SHA256"
SALT_BYTES = 16
IV_BYTES = 12  # 96-bit GCM nonce: the size GCM is designed for (no extra GHASH step)
TAG_BYTES = 16  # WebCrypto appends a 128-bit tag to the ciphertext; so does `cryptography`
DEFAULT_ITERATIONS = 600_000  # OWASP's 2023 floor for PBKDF2-HMAC-SHA256
MIN_ITERATIONS = 1_000  # reading floor; tampering cannot exploit it (see docs/security.md)
MAX_ITERATIONS = 10_000_000  # ~3 s in a browser: a hostile file must not freeze the tab
MAX_CT_BYTES = 1 << 20  # a vault record or keys file payload is tiny; refuse absurd inputs early

_B64_CHARS = re.compile(r"[A-Za-z0-9+/]*")
FIELDS = ("v", "kdf", "iterations", "salt", "iv", "ct")


@dataclass(frozen=True, slots=True)
class Envelope:
    """One encrypted value: PBKDF2 parameters, GCM nonce, ciphertext with its tag appended."""

    iterations: int
    salt: bytes
    iv: bytes
    ct: bytes

    def __post_init__(self) -> None:
        check_iterations(self.iterations)
        _check_len("salt", self.salt, SALT_BYTES)
        _check_len("iv", self.iv, IV_BYTES)
        if len(self.ct) < TAG_BYTES:
            raise TruncatedEnvelope(
                f"field 'ct' has {len(self.ct)} bytes, fewer than the {TAG_BYTES}-byte tag"
            )
        if len(self.ct) > MAX_CT_BYTES + TAG_BYTES:
            raise MalformedEnvelope(f"field 'ct' is larger than {MAX_CT_BYTES} bytes")

    def to_dict(self) -> dict[str, object]:
        """Return the JSON object form, fields in the documented order."""
        return {
            "v": VERSION,
            "kdf": KDF,
            "iterations": self.iterations,
            "salt": b64encode(self.salt),
            "iv": b64encode(self.iv),
            "ct": b64encode(self.ct),
        }

    def to_json(self) -> str:
        """Return the compact ASCII JSON text (the byte-exact stored form)."""
        return strictjson.dumps(self.to_dict())

    @classmethod
    def from_dict(cls, obj: object) -> Envelope:
        """Validate a parsed JSON value as an envelope, raising a precise EnvelopeError."""
        if not isinstance(obj, dict):
            raise MalformedEnvelope(f"envelope must be a JSON object, not {_json_type(obj)}")
        # Version and KDF first: a newer writer may legitimately use other fields.
        if "v" not in obj:
            raise MalformedEnvelope("envelope is missing field 'v'")
        version = obj["v"]
        if type(version) is not int:
            raise MalformedEnvelope(f"field 'v' must be an integer, not {_json_type(version)}")
        if version != VERSION:
            raise UnsupportedEnvelope(
                f"envelope version {version} is not supported (this build reads {VERSION})"
            )
        missing = [f for f in FIELDS if f not in obj]
        if missing:
            raise MalformedEnvelope(f"envelope is missing field {missing[0]!r}")
        extra = sorted(set(obj) - set(FIELDS))
        if extra:
            raise MalformedEnvelope(f"envelope has unexpected field {extra[0]!r}")
        if obj["kdf"] != KDF:
            raise UnsupportedEnvelope(f"key derivation {obj['kdf']!r} is not supported (expected {KDF!r})")
        iterations = obj["iterations"]
        if type(iterations) is not int:
            raise MalformedEnvelope(f"field 'iterations' must be an integer, not {_json_type(iterations)}")
        return cls(
            iterations=iterations,
            salt=b64decode_field("salt", obj["salt"]),
            iv=b64decode_field("iv", obj["iv"]),
            ct=b64decode_field("ct", obj["ct"]),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Envelope:
        """Parse and validate envelope JSON text."""
        return cls.from_dict(parse_json(text, "envelope"))


def parse_json(text: str | bytes, what: str) -> object:
    """Parse strict JSON, mapping failures to TruncatedEnvelope / MalformedEnvelope."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise MalformedEnvelope(f"{what} is not UTF-8 text (byte {e.start})") from None
    try:
        return strictjson.loads(text)
    except strictjson.JsonTruncated as e:
        raise TruncatedEnvelope(f"{what} is truncated: {e}") from None
    except strictjson.JsonInvalid as e:
        raise MalformedEnvelope(f"{what} is not valid JSON: {e}") from None


def check_iterations(iterations: int) -> None:
    """Raise MalformedEnvelope unless MIN_ITERATIONS <= iterations <= MAX_ITERATIONS."""
    if type(iterations) is not int or not MIN_ITERATIONS <= iterations <= MAX_ITERATIONS:
        raise MalformedEnvelope(
            f"field 'iterations' must be between {MIN_ITERATIONS} and {MAX_ITERATIONS}, got {iterations!r}"
        )


def b64encode(data: bytes) -> str:
    """Standard base64 (RFC 4648 section 4) with padding, as ASCII text."""
    return base64.b64encode(data).decode("ascii")


def b64decode_field(name: str, value: object) -> bytes:
    """Decode canonical padded standard base64, naming the field in any error."""
    if not isinstance(value, str):
        raise MalformedEnvelope(f"field {name!r} must be a base64 string, not {_json_type(value)}")
    if len(value) > (MAX_CT_BYTES + TAG_BYTES) * 4 // 3 + 4:
        raise MalformedEnvelope(f"field {name!r} is too long")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        if len(value) % 4 and _B64_CHARS.fullmatch(value):
            # Well-formed base64 text always comes in 4-character groups; a short tail means it was cut.
            raise TruncatedEnvelope(f"field {name!r} is cut off (base64 length {len(value)})") from None
        raise MalformedEnvelope(f"field {name!r} is not valid base64") from None
    # Reject non-canonical spellings (stray padding bits): one value, one text, so tampering is visible.
    if b64encode(raw) != value:
        raise MalformedEnvelope(f"field {name!r} is not canonical base64")
    return raw


def _check_len(name: str, value: bytes, expected: int) -> None:
    if len(value) != expected:
        raise MalformedEnvelope(f"field {name!r} must be {expected} bytes, got {len(value)}")


def _json_type(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    if type(value) in (int, float):
        return "a number"
    return names.get(type(value), type(value).__name__)
