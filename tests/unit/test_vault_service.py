"""Vault lifecycle and key management over the CPython fakes."""

from __future__ import annotations

import json

import pytest

from switchboard.vault import layout
from switchboard.vault.entries import EntryRef
from switchboard.vault.envelope import DEFAULT_ITERATIONS, Envelope
from switchboard.vault.errors import (
    InvalidEntry,
    NoVault,
    TooManyAttempts,
    UnknownEntry,
    VaultCorrupt,
    VaultExists,
    VaultLocked,
    WeakPassword,
    WrongPassword,
)
from tests.fakes import FAST_ITERATIONS, CryptographyCipher, FakeClock, MemoryStore, async_test, make_vault

PW = "correct horse battery staple"
OPENAI = EntryRef.provider("openai")
ANTHROPIC = EntryRef.provider("anthropic")
LOCAL = EntryRef.endpoint("local-llm")
OPENAI_KEY = "sk-proj-AAAABBBBCCCCDDDDabcd"


@async_test
async def test_create_unlock_lock() -> None:
    store = MemoryStore()
    vault = make_vault(store)
    assert not await vault.exists() and not vault.is_unlocked and vault.generation is None
    await vault.create(PW)
    assert await vault.exists() and vault.is_unlocked
    assert vault.generation == await vault.stored_generation()
    vault.lock()
    assert not vault.is_unlocked and vault.generation is None
    await vault.unlock(PW)
    assert vault.is_unlocked
    assert set(store.data) == {"meta"}


@async_test
async def test_create_refuses_existing_vault_and_weak_passwords() -> None:
    vault = make_vault()
    for weak in ("short", "password", "Password", "12345678", ""):
        with pytest.raises(WeakPassword):
            await vault.create(weak)
    assert not await vault.exists()
    await vault.create(PW)
    with pytest.raises(VaultExists):
        await make_vault(vault._store).create("another long password meadow")


@async_test
async def test_unlock_without_vault() -> None:
    with pytest.raises(NoVault):
        await make_vault().unlock(PW)


@async_test
async def test_twenty_wrong_passwords_leave_the_vault_intact() -> None:
    store, clock = MemoryStore(), FakeClock()
    vault = make_vault(store, clock)
    await vault.create(PW)
    await vault.set_provider_key("openai", OPENAI_KEY)
    vault.lock()
    snapshot, commits = dict(store.data), store.commits
    for i in range(20):
        if i >= 5:  # after five, each attempt first waits out the backoff (test_vault_backoff.py)
            with pytest.raises(TooManyAttempts) as wait:
                await vault.unlock(f"{PW} {i}")
            clock.advance(wait.value.seconds)
        with pytest.raises(WrongPassword, match="wrong master password"):
            await vault.unlock(f"{PW} {i}")
        assert not vault.is_unlocked
    assert store.data == snapshot and store.commits == commits
    clock.advance(3600)
    await vault.unlock(PW)
    assert await vault.get_key(OPENAI) == OPENAI_KEY


@async_test
async def test_unlock_costs_one_key_derivation() -> None:
    cipher = CryptographyCipher()
    vault = make_vault(cipher=cipher)
    await vault.create(PW)
    await vault.set_provider_key("openai", OPENAI_KEY)
    await vault.set_provider_key("anthropic", "sk-ant-0000000000000000wxyz")
    vault.lock()
    before = cipher.derivations
    await vault.unlock(PW)
    await vault.entries()
    await vault.get_key(OPENAI)
    assert cipher.derivations - before == 1


@async_test
async def test_real_600k_iterations_end_to_end() -> None:
    store = MemoryStore()
    vault = make_vault(store, iterations=DEFAULT_ITERATIONS)
    await vault.create(PW)
    await vault.set_provider_key("openai", OPENAI_KEY)
    vault.lock()
    await vault.unlock(PW)
    assert await vault.get_key(OPENAI) == OPENAI_KEY
    meta = layout.Meta.from_json(store.data["meta"])
    assert meta.verifier.iterations == 600_000
    envelopes = [text for name, text in store.data.items() if name != "meta"]
    assert len(envelopes) == 1, sorted(store.data)  # the OpenAI key's record
    for text in envelopes:
        assert Envelope.from_json(text).iterations == 600_000


@async_test
async def test_set_replace_remove_provider_key() -> None:
    vault = make_vault()
    await vault.create(PW)
    info = await vault.set_provider_key("openai", f"  {OPENAI_KEY}\n")  # pasted with whitespace
    assert info.masked == "•••• abcd" and not info.session
    assert await vault.get_key(OPENAI) == OPENAI_KEY
    await vault.set_provider_key("openai", "sk-proj-replacement-key-9999")
    assert await vault.get_key(OPENAI) == "sk-proj-replacement-key-9999"
    assert [(i.ref, i.masked) for i in await vault.entries()] == [(OPENAI, "•••• 9999")]
    await vault.remove_key(OPENAI)
    assert await vault.entries() == []
    with pytest.raises(UnknownEntry, match="no key is stored for provider:openai"):
        await vault.get_key(OPENAI)
    await vault.remove_key(OPENAI)  # idempotent


@async_test
async def test_endpoint_keys_carry_their_base_url() -> None:
    vault = make_vault()
    await vault.create(PW)
    await vault.set_endpoint_key("local-llm", "http://localhost:8080/v1/", "local-key-0000000000zz")
    cred = await vault.get_credential(LOCAL)
    assert (cred.key, cred.base_url) == ("local-key-0000000000zz", "http://localhost:8080/v1")
    [info] = await vault.entries()
    assert (info.ref, info.base_url, info.masked) == (LOCAL, "http://localhost:8080/v1", "•••• 00zz")
    with pytest.raises(InvalidEntry, match="plain http"):
        await vault.set_endpoint_key("lan", "http://192.168.1.10:11434", "k" * 20)
    with pytest.raises(InvalidEntry):
        await vault.set_key(LOCAL, "k" * 20)  # an endpoint needs its URL
    with pytest.raises(InvalidEntry):
        await vault.set_key(OPENAI, "k" * 20, base_url="https://evil.example")


@async_test
async def test_listing_is_sorted_and_never_shows_keys() -> None:
    vault = make_vault()
    await vault.create(PW)
    await vault.set_provider_key("openai", OPENAI_KEY)
    await vault.set_provider_key("anthropic", "sk-ant-api03-secretsecret-wxyz")
    await vault.set_endpoint_key("local-llm", "http://127.0.0.1:1234", "short")
    infos = await vault.entries()
    assert [str(i.ref) for i in infos] == ["endpoint:local-llm", "provider:anthropic", "provider:openai"]
    assert [i.masked for i in infos] == ["••••", "•••• wxyz", "•••• abcd"]
    assert OPENAI_KEY not in repr(infos)


@async_test
async def test_operations_need_unlock() -> None:
    vault = make_vault()
    await vault.create(PW)
    await vault.set_provider_key("openai", OPENAI_KEY)
    vault.lock()
    assert await vault.entries() == []  # listing works, but shows nothing it would have to decrypt
    for op in (
        vault.get_key(OPENAI),
        vault.set_provider_key("openai", OPENAI_KEY),
        vault.remove_key(OPENAI),
        vault.export_keys(PW, "export passphrase 1"),
    ):
        with pytest.raises(VaultLocked):
            await op


@async_test
async def test_storing_without_a_vault_says_so() -> None:
    vault = make_vault()
    with pytest.raises(NoVault):
        await vault.set_provider_key("openai", OPENAI_KEY)
    with pytest.raises(UnknownEntry):
        await vault.get_key(OPENAI)
    assert await vault.entries() == []


@async_test
async def test_session_only_keys() -> None:
    store = MemoryStore()
    vault = make_vault(store)
    # No vault needed: a session key lives in memory only.
    info = await vault.set_provider_key("openai", OPENAI_KEY, session=True)
    assert info.session and store.data == {}
    assert await vault.get_key(OPENAI) == OPENAI_KEY
    assert [(i.ref, i.session) for i in await vault.entries()] == [(OPENAI, True)]
    vault.lock()
    with pytest.raises(UnknownEntry):
        await vault.get_key(OPENAI)

    await vault.create(PW)
    await vault.set_provider_key("openai", "sk-stored-000000000000stor")
    await vault.set_provider_key("openai", OPENAI_KEY, session=True)  # overrides while it lives
    assert await vault.get_key(OPENAI) == OPENAI_KEY
    assert [(i.masked, i.session) for i in await vault.entries()] == [
        ("•••• stor", False),
        ("•••• abcd", True),
    ]
    assert all(OPENAI_KEY not in v for v in store.data.values())
    await vault.set_provider_key("openai", "sk-stored-000000000000new1")  # storing drops the override
    assert await vault.get_key(OPENAI) == "sk-stored-000000000000new1"
    await vault.set_provider_key("anthropic", "sk-ant-session-only-000000", session=True)
    vault.lock()
    await vault.unlock(PW)
    assert [i.ref for i in await vault.entries()] == [OPENAI]  # session key gone with the lock


@async_test
async def test_credential_repr_masks_the_key() -> None:
    vault = make_vault()
    await vault.create(PW)
    await vault.set_provider_key("openai", OPENAI_KEY)
    cred = await vault.get_credential(OPENAI)
    assert OPENAI_KEY not in repr(cred) and OPENAI_KEY not in str(cred) and "abcd" in repr(cred)


@async_test
async def test_tampered_record_is_reported_and_isolated() -> None:
    store = MemoryStore()
    vault = make_vault(store)
    await vault.create(PW)
    await vault.set_provider_key("openai", OPENAI_KEY)
    await vault.set_provider_key("anthropic", "sk-ant-0000000000000000wxyz")
    name = layout.key_record(vault.generation, OPENAI)
    env = json.loads(store.data[name])
    env["ct"] = ("A" if env["ct"][0] != "A" else "B") + env["ct"][1:]
    store.data[name] = json.dumps(env, separators=(",", ":"))
    infos = {i.ref: i for i in await vault.entries()}
    assert infos[OPENAI].damaged and infos[OPENAI].masked == ""
    assert not infos[ANTHROPIC].damaged
    with pytest.raises(VaultCorrupt, match="provider:openai was modified or damaged"):
        await vault.get_key(OPENAI)
    assert await vault.get_key(ANTHROPIC) == "sk-ant-0000000000000000wxyz"
    await vault.set_provider_key("openai", OPENAI_KEY)  # re-entering repairs it
    assert await vault.get_key(OPENAI) == OPENAI_KEY


@async_test
async def test_records_cannot_be_swapped_between_entries() -> None:
    store = MemoryStore()
    vault = make_vault(store)
    await vault.create(PW)
    await vault.set_provider_key("openai", OPENAI_KEY)
    await vault.set_endpoint_key("local-llm", "http://localhost:9", "endpoint-key-00000000")
    gen = vault.generation
    # An attacker with storage access moves the OpenAI record into the endpoint's slot, hoping the
    # OpenAI key gets sent to the endpoint's URL: the additional data no longer matches.
    store.data[layout.key_record(gen, LOCAL)] = store.data[layout.key_record(gen, OPENAI)]
    with pytest.raises(VaultCorrupt):
        await vault.get_credential(LOCAL)


@async_test
async def test_damaged_meta_record() -> None:
    store = MemoryStore()
    vault = make_vault(store)
    await vault.create(PW)
    vault.lock()
    good = store.data["meta"]
    for bad, error in (
        ("{", VaultCorrupt),
        ('{"format":"something-else"}', VaultCorrupt),
        (good.replace('"v":1,"generation"', '"v":9,"generation"'), VaultCorrupt),
        (good.replace('"generation":"', '"generation":"f'), VaultCorrupt),
        (good[:40], VaultCorrupt),
        (good.replace('"revision":', '"extra":1,"revision":'), VaultCorrupt),
        (good.replace('"iterations":1000', '"iterations":1'), VaultCorrupt),
    ):
        store.data["meta"] = bad
        with pytest.raises(error):
            await vault.unlock(PW)
    # A different generation id with a valid shape: the verifier's additional data no longer matches.
    meta = layout.Meta.from_json(good)
    store.data["meta"] = layout.Meta("ffffffffffffffff", meta.revision, meta.verifier).to_json()
    with pytest.raises(WrongPassword):
        await vault.unlock(PW)


@async_test
async def test_forget_wipes_everything() -> None:
    store = MemoryStore()
    vault = make_vault(store)
    await vault.create(PW)
    await vault.set_provider_key("openai", OPENAI_KEY)
    await vault.set_provider_key("anthropic", "sk-ant-session-only-000000", session=True)
    await vault.set_endpoint_key("lab", "http://localhost:8080/v1", "endpoint-key-000000001")
    await vault.set_endpoint_key("session-lab", "http://localhost:8081/v1", "endpoint-key-000000002", session=True)
    await vault.change_password(PW, "a second password for the vault")  # records of two generations
    store.data["g/0123456789abcdef/key/endpoint:old-lab"] = "an earlier generation's, left over"
    # Named whatever it held, stored (read from the records' names: also when locked, as when the password
    # was forgotten) or for this session only, so the settings kept for them can go.
    assert [str(ref) for ref in await vault.forget()] == [
        "endpoint:lab", "endpoint:old-lab", "endpoint:session-lab", "provider:anthropic", "provider:openai"]
    assert store.data == {} and not vault.is_unlocked and not await vault.exists()
    with pytest.raises(UnknownEntry):
        await vault.get_key(ANTHROPIC)
    await vault.create("a brand new password")  # and a new vault can be made
    assert await vault.entries() == []


@async_test
async def test_create_clears_leftovers_of_an_interrupted_forget() -> None:
    store = MemoryStore({"g/0123456789abcdef/key/provider:openai": "stale"})
    vault = make_vault(store)
    await vault.create(PW)
    assert set(store.data) == {"meta"}


@async_test
async def test_unlock_upgrades_iterations_and_cleans_up() -> None:
    store = MemoryStore()
    old = make_vault(store, iterations=FAST_ITERATIONS)
    await old.create(PW)
    await old.set_provider_key("openai", OPENAI_KEY)
    generation = old.generation
    store.data["g/00000000deadbeef/key/provider:openai"] = "orphan from a crash"

    new = make_vault(store, iterations=FAST_ITERATIONS * 2)
    await new.unlock(PW)
    assert not new.needs_upgrade and new.generation != generation
    assert await new.get_key(OPENAI) == OPENAI_KEY
    assert layout.Meta.from_json(store.data["meta"]).verifier.iterations == FAST_ITERATIONS * 2
    # The key was rewritten under the new generation; the old one and the orphan are gone.
    assert set(store.data) == {"meta", f"g/{new.generation}/key/provider:openai"}, sorted(store.data)


def test_iteration_bounds_are_checked() -> None:
    for bad in (999, 10_000_001, 600_000.0):
        with pytest.raises(ValueError):
            make_vault(iterations=bad)


@async_test
async def test_holds_keys_covers_session_keys_without_an_unlocked_vault() -> None:
    clock = FakeClock()
    vault = make_vault(clock=clock)
    await vault.create(PW)
    vault.lock()
    assert not vault.holds_keys
    await vault.set_provider_key("groq", "gsk-session-only-0000000003", session=True)
    # A locked vault with a session key: still something to lock (the app shows "Lock").
    assert vault.holds_keys and not vault.is_unlocked
    vault.lock()
    assert not vault.holds_keys
    with pytest.raises(VaultLocked):  # the session key is gone: only the (locked) vault is asked
        await vault.get_key(EntryRef.provider("groq"))
    await vault.unlock(PW)
    assert vault.holds_keys and await vault.entries() == []
    clock.advance(901)  # past the idle time: nothing usable is held any more
    assert not vault.holds_keys


@async_test
async def test_subscribers_hear_every_change_of_what_is_held() -> None:
    vault = make_vault()
    heard: list[bool] = []
    unsubscribe = vault.subscribe(lambda: heard.append(vault.holds_keys))
    await vault.set_provider_key("groq", "gsk-session-only-0000000003", session=True)
    await vault.remove_key(EntryRef.provider("groq"))
    await vault.create(PW)
    vault.lock()
    await vault.unlock(PW)
    await vault.change_password(PW, "granite willow 64 softly")
    vault.lock()
    assert heard == [True, False, True, False, True, True, False]
    unsubscribe()
    await vault.set_provider_key("groq", "gsk-session-only-0000000003", session=True)
    assert len(heard) == 7
