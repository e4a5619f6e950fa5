"""Entry names, key and URL validation, and masking."""

from __future__ import annotations

import pytest

from switchboard.vault.entries import (
    Credential,
    EntryRef,
    clean_base_url,
    clean_key,
    credential_from_dict,
    decode_credential,
    encode_credential,
    make_credential,
)
from switchboard.vault.errors import InvalidEntry
from switchboard.vault.masking import mask
from tests.fakes import async_test, make_vault


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        ("sk-proj-1234567890abcd", "•••• abcd"),
        ("123456789012", "•••• 9012"),
        ("12345678901", "••••"),
        ("", "••••"),
    ],
)
def test_mask(secret: str, shown: str) -> None:
    assert mask(secret) == shown


def test_entry_refs() -> None:
    assert str(EntryRef.provider("openai")) == "provider:openai"
    assert EntryRef.parse("endpoint:my-server.v2") == EntryRef.endpoint("my-server.v2")
    for bad in (
        "openai",
        "vendor:openai",
        "provider:",
        "provider:OpenAI",
        "provider:a/b",
        "provider:" + "a" * 65,
    ):
        with pytest.raises(InvalidEntry):
            EntryRef.parse(bad)
    with pytest.raises(InvalidEntry):
        EntryRef("vendor", "x")  # type: ignore[arg-type]


def test_clean_key() -> None:
    assert clean_key("  sk-abc\n") == "sk-abc"
    for bad in ("", "   ", "sk abc", "sk-\x00", "sk-\u00e9", "x" * 4097):
        with pytest.raises(InvalidEntry):
            clean_key(bad)


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("https://api.example.com/v1/", "https://api.example.com/v1"),
        ("HTTPS://api.example.com", "https://api.example.com"),
        ("http://localhost:11434/v1", "http://localhost:11434/v1"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]:8080/v1", "http://[::1]:8080/v1"),
        ("http://ollama.localhost:11434", "http://ollama.localhost:11434"),
    ],
)
def test_good_base_urls(url: str, clean: str) -> None:
    assert clean_base_url(url) == clean


@pytest.mark.parametrize(
    "url",
    [
        "",
        "api.example.com",
        "ftp://example.com",
        "javascript:alert(1)",
        "https://",
        "http://example.com",
        "http://192.168.1.2:11434",
        "https://user:pw@example.com",
        "https://example.com/?key=1",
        "https://example.com/#x",
        "https://exämple.com",
        "https://example.com:99999",
        "https://" + "a" * 2050,
        "http://evil.example\\.localhost/v1",  # a browser reads the backslash as "/": evil.example, over http
        "http://evil.example\\x.localhost",
        "https://example.com/v1 x",
        "https://example.com/\tv1",
    ],
)
def test_bad_base_urls(url: str) -> None:
    with pytest.raises(InvalidEntry):
        clean_base_url(url)


@async_test
async def test_a_new_endpoint_at_an_ipv6_address_is_refused_and_a_saved_one_still_reads() -> None:
    # No connect-src source can name [::1]: its requests failed with advice to add it to connect-src.
    vault = make_vault()
    await vault.create("master password one tulip")
    for session in (True, False):
        with pytest.raises(InvalidEntry, match="IPv6 address"):
            await vault.set_endpoint_key("local", "http://[::1]:8080/v1", "endpoint-key-0001", session=session)
    assert await vault.entries() == []
    saved = credential_from_dict({"v": 1, "kind": "endpoint", "id": "local", "key": "endpoint-key-0001",
                                  "base_url": "http://[::1]:8080/v1"})
    assert saved.base_url == "http://[::1]:8080/v1"


def test_credential_body_round_trip() -> None:
    for cred in (
        make_credential(EntryRef.provider("openai"), "sk-1"),
        make_credential(EntryRef.endpoint("x"), "k-2", "https://llm.example.com/v1"),
    ):
        assert decode_credential(encode_credential(cred)) == cred
    assert encode_credential(make_credential(EntryRef.provider("openai"), "sk-1")) == (
        b'{"v":1,"kind":"provider","id":"openai","key":"sk-1"}'
    )


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"v": 2, "kind": "provider", "id": "openai", "key": "k"},
        {"v": True, "kind": "provider", "id": "a", "key": "k"},
        {"v": 1, "kind": "provider", "id": "openai"},
        {"v": 1, "kind": "provider", "id": "openai", "key": "k", "x": 1},
        {"v": 1, "kind": "endpoint", "id": "e", "key": "k"},
        {"v": 1, "kind": "provider", "id": "p", "key": "k", "base_url": "https://a.example"},
        {"v": 1, "kind": "provider", "id": "p", "key": 5},
    ],
)
def test_invalid_bodies(body: object) -> None:
    with pytest.raises(InvalidEntry):
        credential_from_dict(body)


def test_credential_is_a_value() -> None:
    a = Credential(EntryRef.provider("openai"), "sk-1")
    assert a == Credential(EntryRef.provider("openai"), "sk-1") and hash(a) == hash(Credential(a.ref, "sk-1"))
