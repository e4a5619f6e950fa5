"""change_password: everything re-encrypted; an interruption at any write leaves one password working."""

from __future__ import annotations

import pytest

from switchboard.vault import layout
from switchboard.vault.entries import EntryRef
from switchboard.vault.errors import VaultCorrupt, WeakPassword, WrongPassword
from tests.fakes import FlakyStore, MemoryStore, StoreFailure, async_test, make_vault

OLD, NEW = "old master password quartz", "new master password fennel"
KEYS = {
    EntryRef.provider("openai"): "sk-proj-openai-000000000001",
    EntryRef.provider("groq"): "gsk_groq_0000000000000000002",
    EntryRef.endpoint("local-llm"): "endpoint-key-00000000000003",
}


async def filled_store() -> dict[str, str]:
    store = MemoryStore()
    vault = make_vault(store)
    await vault.create(OLD)
    for ref, key in KEYS.items():
        await vault.set_key(ref, key, base_url="http://localhost:8080/v1" if ref.kind == "endpoint" else None)
    return dict(store.data)


async def opens_with(data: dict[str, str], password: str) -> bool:
    """True if password unlocks a copy of data and every key reads back intact."""
    vault = make_vault(MemoryStore(data))
    try:
        await vault.unlock(password)
    except WrongPassword:
        return False
    assert {ref: await vault.get_key(ref) for ref in KEYS} == KEYS
    return True


@async_test
async def test_change_password_reencrypts_everything() -> None:
    store = MemoryStore(await filled_store())
    before = dict(store.data)
    vault = make_vault(store)
    await vault.unlock(OLD)
    old_generation = vault.generation
    await vault.change_password(OLD, NEW)
    assert vault.is_unlocked and vault.generation != old_generation
    # Nothing of the old generation survives: every record was rewritten under a new salt and IV.
    assert not set(before.values()) & set(store.data.values())
    assert all(k == "meta" or k.startswith(f"g/{vault.generation}/") for k in store.data)
    assert len(store.data) == len(before)
    old_salt = layout.Meta.from_json(before["meta"]).verifier.salt
    assert layout.Meta.from_json(store.data["meta"]).verifier.salt != old_salt
    assert await opens_with(store.data, NEW) and not await opens_with(store.data, OLD)


@async_test
async def test_change_password_works_while_locked_and_checks_the_old_one() -> None:
    store = MemoryStore(await filled_store())
    vault = make_vault(store)
    snapshot = dict(store.data)
    with pytest.raises(WrongPassword):
        await vault.change_password("not the old password", NEW)
    with pytest.raises(WeakPassword):
        await vault.change_password(OLD, "short")
    assert store.data == snapshot and not vault.is_unlocked
    await vault.change_password(OLD, NEW)
    assert vault.is_unlocked and await opens_with(store.data, NEW)


@pytest.mark.parametrize("atomic", [True, False], ids=["atomic-commit", "torn-commit"])
@async_test
async def test_interrupted_change_leaves_exactly_one_working_password(atomic: bool) -> None:
    data = await filled_store()
    # 3 records + meta written in one commit, then the 3 old records deleted: 7 record writes.
    outcomes = []
    for budget in range(0, 9):
        store = FlakyStore(budget, atomic=atomic, data=data)
        vault = make_vault(store)
        try:
            await vault.change_password(OLD, NEW)
            finished = True
        except StoreFailure:
            finished = False
        old_ok, new_ok = await opens_with(store.data, OLD), await opens_with(store.data, NEW)
        assert old_ok != new_ok, f"budget {budget}: old={old_ok} new={new_ok}"
        # Until the meta record is written (the 4th write) the old password must still be the one.
        assert old_ok == (budget < 4), f"budget {budget}"
        assert finished == new_ok
        outcomes.append(new_ok)
        # The next unlock removes whatever the interruption left behind.
        survivor = MemoryStore(store.data)
        await make_vault(survivor).unlock(NEW if new_ok else OLD)
        generation = layout.Meta.from_json(survivor.data["meta"]).generation
        assert all(k == "meta" or k.startswith(f"g/{generation}/") for k in survivor.data)
        assert len(survivor.data) == 1 + len(KEYS)
    assert outcomes == [False] * 4 + [True] * 5


@async_test
async def test_change_stops_on_a_damaged_record_without_changing_anything() -> None:
    store = MemoryStore(await filled_store())
    vault = make_vault(store)
    await vault.unlock(OLD)
    name = layout.key_record(vault.generation, EntryRef.provider("groq"))
    store.data[name] = store.data[layout.key_record(vault.generation, EntryRef.provider("openai"))]
    snapshot = dict(store.data)
    with pytest.raises(VaultCorrupt, match="provider:groq"):
        await vault.change_password(OLD, NEW)
    assert store.data == snapshot
