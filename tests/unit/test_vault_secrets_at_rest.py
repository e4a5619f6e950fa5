"""No stored record, export or error message ever holds a plaintext key, in any common encoding."""

from __future__ import annotations

import base64

import pytest

from switchboard.vault.entries import EntryRef, clean_key
from switchboard.vault.errors import InvalidEntry
from tests.fakes import MemoryStore, async_test, make_vault

PW, PASSPHRASE = "master password at rest", "export passphrase at rest"
SECRETS = {
    EntryRef.provider("openai"): "sk-proj-Zq81mXcV3nB7tYpLw0eRkA9s",
    EntryRef.provider("anthropic"): "sk-ant-api03-HJ4k9PzQwErTy7UiOp2",
    EntryRef.endpoint("local-llm"): "local-9f8e7d6c5b4a3f2e1d0c",
}
SESSION_ONLY = "gsk_SessionOnlyKeyMustNeverBeStored42"


def encodings(secret: str) -> set[bytes]:
    """The secret and its hex/base64 spellings, at every byte alignment base64 can start at."""
    raw = secret.encode()
    forms = {raw, raw.hex().encode(), raw.hex().upper().encode()}
    for pad in range(3):
        for enc in (base64.b64encode, base64.urlsafe_b64encode, base64.b32encode, base64.b85encode):
            # Drop the edges, which depend on the neighbouring bytes; the middle is fixed by the secret.
            forms.add(enc(b"\0" * pad + raw)[4:-4])
    return {f for f in forms if len(f) >= 12}


def assert_absent(blob: bytes, *secrets: str) -> None:
    for secret in secrets:
        for form in encodings(secret):
            assert form not in blob, f"found an encoding of {secret[:6]}..."


@async_test
async def test_store_and_export_hold_no_plaintext() -> None:
    store = MemoryStore()
    vault = make_vault(store)
    await vault.create(PW)
    for ref, key in SECRETS.items():
        await vault.set_key(ref, key, base_url="http://localhost:9/v1" if ref.kind == "endpoint" else None)
    await vault.set_provider_key("groq", SESSION_ONLY, session=True)
    exported = await vault.export_keys(PW, PASSPHRASE)
    await vault.change_password(PW, "second master password thistle")
    after_change = "\n".join(f"{k}={v}" for k, v in store.data.items()).encode()

    for blob in (after_change, exported):
        assert_absent(blob, *SECRETS.values(), SESSION_ONLY, PW, PASSPHRASE, "second master password thistle")
    # The session-only key is in no record at all, not even encrypted: the store holds exactly the
    # meta record and one record per stored entry.
    assert len(store.data) == 1 + len(SECRETS)


def test_encoding_detector_finds_what_it_should() -> None:
    secret = SECRETS[EntryRef.provider("openai")]
    for blob in (
        secret.encode(),
        secret.encode().hex().encode(),
        b"x" + base64.b64encode(b"ab" + secret.encode()) + b"y",
    ):
        with pytest.raises(AssertionError):
            assert_absent(blob, secret)


@async_test
async def test_listings_and_reprs_hide_keys() -> None:
    vault = make_vault()
    await vault.create(PW)
    for ref, key in SECRETS.items():
        await vault.set_key(ref, key, base_url="http://localhost:9/v1" if ref.kind == "endpoint" else None)
    text = repr(await vault.entries()) + repr([await vault.get_credential(r) for r in SECRETS])
    assert_absent(text.encode(), *SECRETS.values())


@pytest.mark.parametrize(
    "bad", ["sk-has space-in-it-000000", "sk-newline\r\nX-Evil: 1", "sk-ünicode-00000000"]
)
def test_errors_about_a_key_do_not_echo_it(bad: str) -> None:
    with pytest.raises(InvalidEntry) as info:
        clean_key(bad)
    assert bad.strip() not in str(info.value)
