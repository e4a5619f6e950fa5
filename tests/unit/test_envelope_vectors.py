"""Known-answer vectors: envelopes made on CPython with `cryptography` open through the pure decoder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from switchboard.vault.envelope import Envelope
from switchboard.vault.errors import WrongPassphrase
from switchboard.vault.keysfile import read_keys_file
from switchboard.vault.sealing import open_with_password, password_bytes
from tests.fakes import CryptographyCipher, async_test, pbkdf2_sha256

VECTORS = json.loads((Path(__file__).parents[1] / "fixtures" / "vault" / "vectors.json").read_text())
ENVELOPES = {v["name"]: v for v in VECTORS["envelopes"]}


@pytest.mark.parametrize("name", sorted(ENVELOPES))
@async_test
async def test_vector_opens_with_decoder_and_cipher(name: str) -> None:
    vector = ENVELOPES[name]
    env = Envelope.from_json(vector["envelope"])
    assert (env.salt.hex(), env.iv.hex(), env.iterations) == (
        vector["salt_hex"],
        vector["iv_hex"],
        vector["iterations"],
    )
    assert env.iterations == 600_000  # the real production cost, once per vector
    plain = await open_with_password(
        CryptographyCipher(), env, vector["password"], vector["aad"].encode("ascii")
    )
    assert plain == vector["plaintext"].encode("utf-8")


@pytest.mark.parametrize("name", sorted(ENVELOPES))
def test_vector_is_reproduced_byte_for_byte_by_the_encoder(name: str) -> None:
    vector = ENVELOPES[name]
    env = Envelope.from_json(vector["envelope"])
    assert env.to_json() == vector["envelope"]


def test_nfd_vector_password_is_normalized() -> None:
    vector = ENVELOPES["nfd-password-normalized-to-nfc"]
    assert password_bytes(vector["password"]).hex() == vector["password_utf8_hex"]
    assert vector["password"].encode("utf-8").hex() != vector["password_utf8_hex"]  # really typed as NFD


def test_derived_key_matches_pbkdf2() -> None:
    vector = ENVELOPES["ascii-password"]
    key = pbkdf2_sha256(
        bytes.fromhex(vector["password_utf8_hex"]), bytes.fromhex(vector["salt_hex"]), vector["iterations"]
    )
    assert key.hex() == vector["derived_key_hex"]


@async_test
async def test_keys_file_vector_imports() -> None:
    vector = VECTORS["keys_file"]
    creds = await read_keys_file(CryptographyCipher(), vector["file"].encode("ascii"), vector["passphrase"])
    assert [{"ref": str(c.ref), "key": c.key, "base_url": c.base_url} for c in creds] == vector["entries"]
    with pytest.raises(WrongPassphrase):
        await read_keys_file(CryptographyCipher(), vector["file"].encode("ascii"), "not the passphrase")


def test_security_doc_quotes_the_real_formats() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "security.md").read_text()
    from switchboard.vault import aad, keysfile, layout

    assert ENVELOPES["ascii-password"]["envelope"] in doc
    assert aad.verifier_aad("<generation>").decode() in doc
    assert aad.key_record_aad("<generation>", "provider:openai").decode() in doc
    assert aad.aad(aad.KEYS_FILE).decode() in doc and aad.aad(aad.KEYS_FILE_CHECK).decode() in doc
    assert layout.VERIFIER_PLAINTEXT.decode() in doc and keysfile.CHECK_PLAINTEXT.decode() in doc
