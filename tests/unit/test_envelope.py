"""Envelope format: exact bytes, strict validation, precise errors, and sealing through a Cipher."""

from __future__ import annotations

import base64
import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.vault import aad as aad_mod
from switchboard.vault.envelope import Envelope
from switchboard.vault.errors import (
    AuthenticationFailed,
    EnvelopeError,
    MalformedEnvelope,
    TruncatedEnvelope,
    UnsupportedEnvelope,
)
from switchboard.vault.sealing import open_with_password, password_bytes, seal_with_password
from tests.fakes import FAST_ITERATIONS, CryptographyCipher, async_test, run

SALT, IV, CT = bytes(range(16)), bytes(range(100, 112)), b"\xaa" * 20
GOOD = Envelope(iterations=600_000, salt=SALT, iv=IV, ct=CT)
AAD = aad_mod.aad("test")


def good_dict() -> dict[str, object]:
    return GOOD.to_dict()


def test_json_form_is_byte_exact() -> None:
    assert GOOD.to_json() == (
        '{"v":1,"kdf":"PBKDF2-SHA256","iterations":600000,'
        '"salt":"AAECAwQFBgcICQoLDA0ODw==","iv":"ZGVmZ2hpamtsbW5v","ct":"qqqqqqqqqqqqqqqqqqqqqqqqqqo="}'
    )


def test_round_trip() -> None:
    assert Envelope.from_json(GOOD.to_json()) == GOOD
    assert Envelope.from_json(GOOD.to_json().encode()) == GOOD
    assert Envelope.from_dict(good_dict()) == GOOD


def test_aad_bytes_are_documented_form() -> None:
    assert aad_mod.aad("test") == b'["switchboard",1,"test"]'
    assert aad_mod.key_record_aad("0011223344556677", "provider:openai") == (
        b'["switchboard",1,"key","0011223344556677","provider:openai"]'
    )
    assert aad_mod.verifier_aad("0011223344556677") == b'["switchboard",1,"verifier","0011223344556677"]'


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        ({"v": 2}, UnsupportedEnvelope, "version 2"),
        ({"v": "1"}, MalformedEnvelope, "'v' must be an integer"),
        ({"v": True}, MalformedEnvelope, "'v' must be an integer"),
        ({"kdf": "scrypt"}, UnsupportedEnvelope, "'scrypt'"),
        ({"iterations": 999}, MalformedEnvelope, "between 1000"),
        ({"iterations": 10_000_001}, MalformedEnvelope, "between 1000"),
        ({"iterations": 600000.0}, MalformedEnvelope, "'iterations' must be an integer"),
        ({"iterations": True}, MalformedEnvelope, "'iterations' must be an integer"),
        (
            {"salt": base64.b64encode(b"x" * 15).decode()},
            MalformedEnvelope,
            "'salt' must be 16 bytes, got 15",
        ),
        ({"iv": base64.b64encode(b"x" * 16).decode()}, MalformedEnvelope, "'iv' must be 12 bytes, got 16"),
        ({"ct": base64.b64encode(b"x" * 15).decode()}, TruncatedEnvelope, "fewer than the 16-byte tag"),
        ({"ct": ""}, TruncatedEnvelope, "fewer than the 16-byte tag"),
        ({"salt": "AAECAwQFBgcICQoLDA0ODw"}, TruncatedEnvelope, "'salt' is cut off"),
        ({"salt": "AAECAwQFBgcICQoLDA0OD!=="}, MalformedEnvelope, "'salt' is not valid base64"),
        ({"salt": "AAECAwQFBgcICQoLDA0ODx=="}, MalformedEnvelope, "not canonical"),
        ({"salt": " AAECAwQFBgcICQoLDA0ODw=="}, MalformedEnvelope, "'salt'"),
        ({"iv": 12}, MalformedEnvelope, "'iv' must be a base64 string, not a number"),
        ({"ct": None}, MalformedEnvelope, "'ct' must be a base64 string, not null"),
        ({"extra": 1}, MalformedEnvelope, "unexpected field 'extra'"),
    ],
)
def test_precise_errors(change: dict[str, object], error: type[EnvelopeError], words: str) -> None:
    with pytest.raises(error, match=None) as info:
        Envelope.from_dict({**good_dict(), **change})
    assert words in str(info.value)


@pytest.mark.parametrize("field", ["v", "kdf", "iterations", "salt", "iv", "ct"])
def test_missing_field_is_named(field: str) -> None:
    d = good_dict()
    del d[field]
    with pytest.raises(MalformedEnvelope, match=f"missing field '{field}'"):
        Envelope.from_dict(d)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", MalformedEnvelope),
        ("[]", MalformedEnvelope),
        ("null", MalformedEnvelope),
        ("not json", MalformedEnvelope),
        ('{"v":1,"v":1}', MalformedEnvelope),  # duplicate keys could make two readers disagree
        ('{"v":NaN}', MalformedEnvelope),
        (b"\xff\xfe", MalformedEnvelope),
    ],
)
def test_non_envelopes(text: str | bytes, error: type[EnvelopeError]) -> None:
    with pytest.raises(error):
        Envelope.from_json(text)


def test_every_truncation_is_reported_as_truncated() -> None:
    text = GOOD.to_json()
    for cut in range(1, len(text)):
        with pytest.raises(TruncatedEnvelope):
            Envelope.from_json(text[:cut])


@given(st.text(max_size=300) | st.binary(max_size=300))
def test_arbitrary_input_only_raises_envelope_errors(data: str | bytes) -> None:
    with contextlib.suppress(EnvelopeError):
        Envelope.from_json(data)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20), lambda c: st.lists(c), max_leaves=8
    )
)
def test_arbitrary_json_values_only_raise_envelope_errors(value: object) -> None:
    with pytest.raises(EnvelopeError):
        Envelope.from_dict(value)


@given(
    st.integers(1_000, 10_000_000),
    st.binary(min_size=16, max_size=16),
    st.binary(min_size=12, max_size=12),
    st.binary(min_size=16, max_size=500),
)
def test_round_trip_property(iterations: int, salt: bytes, iv: bytes, ct: bytes) -> None:
    env = Envelope(iterations, salt, iv, ct)
    text = env.to_json()
    assert Envelope.from_json(text) == env
    assert text.isascii() and json.loads(text)["v"] == 1


# --- sealing through the cryptography-based Cipher -------------------------------------------------


@async_test
async def test_seal_and_open_with_password() -> None:
    cipher = CryptographyCipher()
    env = await seal_with_password(cipher, "pw-é", b"secret", AAD, iterations=FAST_ITERATIONS)
    assert await open_with_password(cipher, env.to_json(), "pw-é", AAD) == b"secret"
    # NFC and NFD spellings of the same password derive the same key.
    assert await open_with_password(cipher, env, "pw-e\u0301", AAD) == b"secret"
    with pytest.raises(AuthenticationFailed):
        await open_with_password(cipher, env, "pw-e", AAD)
    with pytest.raises(AuthenticationFailed):
        await open_with_password(cipher, env, "pw-é", aad_mod.aad("other"))


def test_password_bytes_are_utf8_of_nfc() -> None:
    assert password_bytes("e\u0301") == "é".encode() == b"\xc3\xa9"


@async_test
async def test_fresh_salt_and_iv_every_time() -> None:
    cipher = CryptographyCipher()
    envs = [
        await seal_with_password(cipher, "pw", b"same", AAD, iterations=FAST_ITERATIONS) for _ in range(20)
    ]
    assert len({e.iv for e in envs}) == 20 and len({e.salt for e in envs}) == 20
    assert len({e.ct for e in envs}) == 20


_SEALED = run(
    seal_with_password(CryptographyCipher(), "pw", b"attack at dawn", AAD, iterations=FAST_ITERATIONS)
)


@settings(max_examples=60)
@given(st.data())
def test_any_bit_flip_in_iv_or_ct_fails_authentication(data: st.DataObject) -> None:
    field = data.draw(st.sampled_from(["iv", "ct"]))
    raw = bytearray(getattr(_SEALED, field))
    bit = data.draw(st.integers(0, len(raw) * 8 - 1))
    raw[bit // 8] ^= 1 << (bit % 8)
    tampered = Envelope(
        _SEALED.iterations,
        _SEALED.salt,
        bytes(raw) if field == "iv" else _SEALED.iv,
        bytes(raw) if field == "ct" else _SEALED.ct,
    )
    with pytest.raises(AuthenticationFailed):
        run(open_with_password(CryptographyCipher(), tampered, "pw", AAD))


@async_test
async def test_changed_salt_or_iterations_fail_authentication() -> None:
    cipher = CryptographyCipher()
    for changed in (
        Envelope(_SEALED.iterations + 1, _SEALED.salt, _SEALED.iv, _SEALED.ct),
        Envelope(_SEALED.iterations, bytes(16), _SEALED.iv, _SEALED.ct),
        Envelope(_SEALED.iterations, _SEALED.salt, _SEALED.iv, _SEALED.ct[:-1]),
    ):
        with pytest.raises(AuthenticationFailed):
            await open_with_password(cipher, changed, "pw", AAD)
