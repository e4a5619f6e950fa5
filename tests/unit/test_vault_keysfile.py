"""Export and import of keys files: round trip, and a precise error with no change for every bad file."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchboard.vault import keysfile
from switchboard.vault.entries import EntryRef
from switchboard.vault.errors import (
    ImportWouldReplace,
    KeysFileError,
    NotAKeysFile,
    StaleImport,
    TamperedKeysFile,
    TruncatedKeysFile,
    UnsupportedKeysFile,
    VaultLocked,
    WeakPassword,
    WrongPassphrase,
    WrongPassword,
)
from switchboard.vault.service import Vault
from tests.fakes import FAST_ITERATIONS, CryptographyCipher, MemoryStore, async_test, make_vault, run

PW, PASSPHRASE = "master password one tulip", "export passphrase two walnut"
OPENAI, LOCAL = EntryRef.provider("openai"), EntryRef.endpoint("local-llm")


async def exported() -> bytes:
    vault = make_vault()
    await vault.create(PW)
    await vault.set_provider_key("openai", "sk-proj-exported-00000000001")
    await vault.set_endpoint_key("local-llm", "http://localhost:8080/v1", "endpoint-key-00000000000002")
    await vault.set_provider_key("groq", "gsk-session-only-0000000003", session=True)
    return await vault.export_keys(PW, PASSPHRASE)


FILE = run(exported())


async def target() -> tuple[MemoryStore, Vault]:
    store = MemoryStore()
    vault = make_vault(store)
    await vault.create("another master password cobalt")
    await vault.set_provider_key("openai", "sk-proj-existing-0000000000")
    await vault.set_provider_key("mistral", "mistral-existing-00000000000")
    return store, vault


def test_file_layout() -> None:
    doc = json.loads(FILE)
    assert list(doc) == ["format", "version", "check", "keys"]
    assert (doc["format"], doc["version"]) == ("switchboard-keys", 1)
    assert FILE.startswith(b'{"format":"switchboard-keys","version":1,') and FILE.endswith(b"}\n")
    assert doc["check"]["salt"] == doc["keys"]["salt"] and doc["check"]["iv"] != doc["keys"]["iv"]


@async_test
async def test_round_trip_into_another_vault_replaces_same_entries_only() -> None:
    _, vault = await target()
    plan = await vault.read_import(FILE, PASSPHRASE)
    refs = await vault.import_keys(plan, replace=True)
    assert sorted(refs) == [LOCAL, OPENAI]  # the session-only groq key was not exported
    assert await vault.get_key(OPENAI) == "sk-proj-exported-00000000001"
    assert (await vault.get_credential(LOCAL)).base_url == "http://localhost:8080/v1"
    assert await vault.get_key(EntryRef.provider("mistral")) == "mistral-existing-00000000000"
    assert len(await vault.entries()) == 3


@async_test
async def test_a_file_a_text_editor_saved_again_still_imports() -> None:
    # A byte order mark and Windows line ends: what an editor may add to a file it saves.
    for data in (b"\xef\xbb\xbf" + FILE, FILE.replace(b"\n", b"\r\n")):
        _, vault = await target()
        refs = await vault.import_keys(await vault.read_import(data, PASSPHRASE), replace=True)
        assert sorted(refs) == [LOCAL, OPENAI]


@async_test
async def test_export_asks_for_the_master_password_again() -> None:
    cipher = CryptographyCipher()
    store = MemoryStore()
    vault = make_vault(store, cipher=cipher)
    await vault.create(PW)
    await vault.set_provider_key("openai", "sk-proj-exported-00000000001")
    before = dict(store.data)
    # Someone at an unlocked machine does not know the password: no file, whatever passphrase they pick.
    for wrong in ("", "not the master password at all", PASSPHRASE):
        with pytest.raises(WrongPassword):
            await vault.export_keys(wrong, PASSPHRASE)
    assert store.data == before and vault.is_unlocked
    derivations = cipher.derivations
    data = await vault.export_keys(PW, PASSPHRASE)
    assert cipher.derivations - derivations == 2  # one to check the password, one for the file's key
    assert [c.key for c in await keysfile.read_keys_file(cipher, data, PASSPHRASE)] == [
        "sk-proj-exported-00000000001"
    ]


@async_test
async def test_export_needs_unlock_and_a_real_passphrase() -> None:
    vault = make_vault()
    await vault.create(PW)
    with pytest.raises(WeakPassword):
        await vault.export_keys(PW, "short")
    vault.lock()
    with pytest.raises(VaultLocked):
        await vault.export_keys(PW, PASSPHRASE)
    with pytest.raises(VaultLocked):
        await vault.read_import(FILE, PASSPHRASE)


@async_test
async def test_import_lists_what_it_would_replace_and_asks_first() -> None:
    store, vault = await target()
    await vault.set_provider_key("groq", "gsk-session-only-0000000003", session=True)
    snapshot, commits = dict(store.data), store.commits
    plan = await vault.read_import(FILE, PASSPHRASE)
    # Read and checked, nothing written: the file's entries, and which of them the vault holds already.
    assert plan.entries == (LOCAL, OPENAI) and plan.replaces == (OPENAI,)
    assert store.data == snapshot and store.commits == commits
    assert "sk-proj-exported" not in repr(plan)
    with pytest.raises(ImportWouldReplace, match=r"provider:openai") as asked:
        await vault.import_keys(plan)  # not confirmed: nothing changes
    assert asked.value.plan.replaces == (OPENAI,)
    assert store.data == snapshot and await vault.get_key(OPENAI) == "sk-proj-existing-0000000000"
    assert await vault.import_keys(plan, replace=True) == [LOCAL, OPENAI]
    assert await vault.get_key(OPENAI) == "sk-proj-exported-00000000001"
    assert await vault.get_key(EntryRef.provider("groq")) == "gsk-session-only-0000000003"
    with pytest.raises(StaleImport):  # a plan is imported once
        await vault.import_keys(plan, replace=True)


@async_test
async def test_cancel_or_lock_drops_the_read_file_and_changes_nothing() -> None:
    store, vault = await target()
    snapshot = dict(store.data)
    plan = await vault.read_import(FILE, PASSPHRASE)
    vault.discard_import()  # the user cancelled
    with pytest.raises(StaleImport):
        await vault.import_keys(plan, replace=True)
    plan = await vault.read_import(FILE, PASSPHRASE)
    vault.lock()  # lock drops every decrypted key, the file's included
    await vault.unlock("another master password cobalt")
    with pytest.raises(StaleImport):
        await vault.import_keys(plan, replace=True)
    assert store.data == snapshot


@async_test
async def test_session_keys_of_the_same_name_count_as_replaced() -> None:
    vault = make_vault()
    await vault.create(PW)
    await vault.set_endpoint_key("local-llm", "http://localhost:1/v1", "session-endpoint-key-000", session=True)
    plan = await vault.read_import(FILE, PASSPHRASE)
    assert plan.replaces == (LOCAL,)
    with pytest.raises(ImportWouldReplace):
        await vault.import_keys(plan)
    await vault.import_keys(plan, replace=True)
    assert (await vault.get_credential(LOCAL)).base_url == "http://localhost:8080/v1"


@async_test
async def test_no_same_names_imports_without_asking() -> None:
    vault = make_vault()
    await vault.create(PW)
    await vault.set_provider_key("mistral", "mistral-existing-00000000000")
    plan = await vault.read_import(FILE, PASSPHRASE)
    assert plan.replaces == ()
    assert await vault.import_keys(plan) == [LOCAL, OPENAI]


@async_test
async def test_a_same_name_added_in_another_tab_meanwhile_is_asked_about_again() -> None:
    store, a = await target()
    b = make_vault(store)
    await b.unlock("another master password cobalt")
    plan = await a.read_import(FILE, PASSPHRASE)
    assert plan.replaces == (OPENAI,)
    await b.set_endpoint_key("local-llm", "http://localhost:2/v1", "endpoint-from-tab-b-0000")
    snapshot = dict(store.data)
    with pytest.raises(ImportWouldReplace) as asked:
        await a.import_keys(plan, replace=True)  # confirmed for openai only
    assert store.data == snapshot
    assert asked.value.plan.replaces == (LOCAL, OPENAI)
    await a.import_keys(asked.value.plan, replace=True)
    assert (await b.get_credential(LOCAL)).base_url == "http://localhost:8080/v1"


def replace_in(doc_bytes: bytes, path: tuple[str, ...], value: object) -> bytes:
    doc = json.loads(doc_bytes)
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return json.dumps(doc, separators=(",", ":")).encode()


def flip_b64(text: str, at: int = 5) -> str:
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


DOC = json.loads(FILE)
BAD_FILES = {
    "wrong-passphrase": (FILE, WrongPassphrase),
    "empty-passphrase": (FILE, WrongPassphrase),
    "empty": (b"", NotAKeysFile),
    "binary": (bytes(range(256)), NotAKeysFile),
    "json-array": (b"[1,2,3]", NotAKeysFile),
    "other-json": (b'{"hello":"world"}', NotAKeysFile),
    "a-bare-envelope": (json.dumps(DOC["keys"]).encode(), NotAKeysFile),
    "too-large": (b" " * (keysfile.MAX_FILE_BYTES + 1), NotAKeysFile),
    "half": (FILE[: len(FILE) // 2], TruncatedKeysFile),
    "newer-version": (replace_in(FILE, ("version",), 2), UnsupportedKeysFile),
    "newer-envelope": (replace_in(FILE, ("keys", "v"), 2), UnsupportedKeysFile),
    "version-text": (replace_in(FILE, ("version",), "1"), TamperedKeysFile),
    "extra-field": (replace_in(FILE, ("note",), "hi"), TamperedKeysFile),
    "keys-ct-flipped": (replace_in(FILE, ("keys", "ct"), flip_b64(DOC["keys"]["ct"])), TamperedKeysFile),
    "keys-iv-flipped": (replace_in(FILE, ("keys", "iv"), flip_b64(DOC["keys"]["iv"])), TamperedKeysFile),
    "keys-ct-shortened": (replace_in(FILE, ("keys", "ct"), DOC["keys"]["ct"][:-8]), TamperedKeysFile),
    "keys-bad-base64": (replace_in(FILE, ("keys", "ct"), "!!" + DOC["keys"]["ct"][2:]), TamperedKeysFile),
    "parts-salt-differ": (replace_in(FILE, ("keys", "salt"), "A" * 22 + "=="), TamperedKeysFile),
    "parts-same-iv": (replace_in(FILE, ("keys", "iv"), DOC["check"]["iv"]), TamperedKeysFile),
    "iterations-changed": (
        replace_in(replace_in(FILE, ("keys", "iterations"), 2000), ("check", "iterations"), 2000),
        WrongPassphrase,  # a different KDF cost derives a different key: indistinguishable from a typo
    ),
    "garbled-json": (FILE.replace(b'"check":', b'"check"', 1), TamperedKeysFile),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
@async_test
async def test_bad_files_give_precise_errors_and_change_nothing(case: str) -> None:
    data, error = BAD_FILES[case]
    store, vault = await target()
    snapshot = dict(store.data)
    passphrase = {"wrong-passphrase": "not the passphrase", "empty-passphrase": ""}.get(case, PASSPHRASE)
    with pytest.raises(error):
        await vault.read_import(data, passphrase)
    assert store.data == snapshot


def test_every_truncation_is_reported() -> None:
    marker = len('{"format":"switchboard-keys"')
    for cut in range(marker, len(FILE) - 1):
        with pytest.raises(TruncatedKeysFile):
            keysfile.parse_keys_file(FILE[:cut])
    for cut in range(0, marker):
        with pytest.raises((NotAKeysFile, TruncatedKeysFile)):
            keysfile.parse_keys_file(FILE[:cut])
    keysfile.parse_keys_file(FILE[:-1])  # only the final newline gone: still a whole file


@settings(max_examples=80, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.data())
def test_random_damage_never_imports_and_only_raises_keys_file_errors(data: st.DataObject) -> None:
    raw = bytearray(FILE)
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(raw) - 2))  # leave the trailing newline: removing it is harmless
        raw[i] = data.draw(st.integers(0, 255).filter(lambda b, old=raw[i]: b != old))
    with pytest.raises(KeysFileError):
        run(keysfile.read_keys_file(CryptographyCipher(), bytes(raw), PASSPHRASE))


@async_test
async def test_import_rejects_authenticated_but_invalid_content() -> None:
    cipher = CryptographyCipher()
    from switchboard.vault.aad import KEYS_FILE, KEYS_FILE_CHECK, aad
    from switchboard.vault.sealing import derive, new_salt, seal

    salt = await new_salt(cipher)
    key = await derive(cipher, PASSPHRASE, salt, FAST_ITERATIONS)

    async def file_with(payload: bytes) -> bytes:
        check = await seal(
            cipher,
            key,
            salt=salt,
            iterations=FAST_ITERATIONS,
            plaintext=keysfile.CHECK_PLAINTEXT,
            aad=aad(KEYS_FILE_CHECK),
        )
        keys = await seal(
            cipher, key, salt=salt, iterations=FAST_ITERATIONS, plaintext=payload, aad=aad(KEYS_FILE)
        )
        doc = {"format": "switchboard-keys", "version": 1, "check": check.to_dict(), "keys": keys.to_dict()}
        return json.dumps(doc).encode()

    entry = {"v": 1, "kind": "provider", "id": "openai", "key": "sk-0000000000000000"}
    for payload, words in (
        (b"not json", "not valid"),
        (b'{"entries":{}}', "not a list"),
        (json.dumps({"entries": [entry, entry]}).encode(), "twice"),
        (json.dumps({"entries": [{**entry, "key": "has space"}]}).encode(), "entry 1"),
        (json.dumps({"entries": [{**entry, "kind": "endpoint"}]}).encode(), "entry 1"),
    ):
        with pytest.raises(TamperedKeysFile, match=words):
            await keysfile.read_keys_file(cipher, await file_with(payload), PASSPHRASE)
    ok = json.dumps({"entries": [entry]}).encode()
    assert len(await keysfile.read_keys_file(cipher, await file_with(ok), PASSPHRASE)) == 1


@async_test
async def test_every_file_the_writer_makes_the_reader_takes_and_it_refuses_what_the_reader_would() -> None:
    # 200 endpoints with 4,096-character keys made a 1.1 MB file the 1 MiB reader refused: an export
    # that could not be imported again.
    from switchboard.vault.entries import Credential
    from switchboard.vault.errors import KeysFileError

    cipher = CryptographyCipher()

    def endpoints(count: int, key_length: int) -> list[Credential]:
        return [Credential(EntryRef("endpoint", f"e{n}"), "k" * key_length, "https://example.com/v1")
                for n in range(count)]

    for fits in (endpoints(150, 4096), endpoints(keysfile.MAX_ENTRIES, 40)):
        data = await keysfile.write_keys_file(cipher, fits, "a passphrase", iterations=FAST_ITERATIONS)
        assert len(await keysfile.read_keys_file(cipher, data, "a passphrase")) == len(fits)
    with pytest.raises(KeysFileError, match="remove keys you no longer use"):
        await keysfile.write_keys_file(cipher, endpoints(200, 4096), "a passphrase", iterations=FAST_ITERATIONS)
    with pytest.raises(KeysFileError, match="at most 1000 keys"):
        await keysfile.write_keys_file(cipher, endpoints(keysfile.MAX_ENTRIES + 1, 40), "a passphrase",
                                       iterations=FAST_ITERATIONS)
