"""Several tabs over one store: per-record writes, no lost updates, stale tabs detect a changed vault."""

from __future__ import annotations

import asyncio

import pytest

from switchboard.vault import layout
from switchboard.vault.entries import EntryRef
from switchboard.vault.errors import VaultChanged, WrongPassword
from switchboard.vault.service import Vault
from tests.fakes import FakeClock, MemoryStore, async_test, make_vault

PW, NEW = "shared master password bramble", "a newer master password"
OPENAI, ANTHROPIC, GROQ = (
    EntryRef.provider("openai"),
    EntryRef.provider("anthropic"),
    EntryRef.provider("groq"),
)


async def two_tabs() -> tuple[MemoryStore, Vault, Vault]:
    store, clock = MemoryStore(), FakeClock()
    a, b = make_vault(store, clock), make_vault(store, clock)
    await a.create(PW)
    await b.unlock(PW)
    return store, a, b


@async_test
async def test_tabs_write_their_own_records_without_clobbering() -> None:
    _, a, b = await two_tabs()
    await a.set_provider_key("openai", "sk-from-tab-a-000000000000")
    await b.set_provider_key("anthropic", "sk-from-tab-b-000000000000")  # b's cached meta was stale
    for tab in (a, b):
        assert [i.ref for i in await tab.entries()] == [ANTHROPIC, OPENAI]


@async_test
async def test_write_racing_another_tabs_write_retries() -> None:
    store, a, b = await two_tabs()

    async def other_tab() -> None:
        await b.set_provider_key("anthropic", "sk-from-tab-b-000000000000")

    store.before_commit = other_tab  # b commits between a's read and a's commit
    await a.set_provider_key("openai", "sk-from-tab-a-000000000000")
    assert await a.get_key(ANTHROPIC) == "sk-from-tab-b-000000000000"
    assert await b.get_key(OPENAI) == "sk-from-tab-a-000000000000"


@async_test
async def test_password_change_in_one_tab_locks_the_other() -> None:
    _, a, b = await two_tabs()
    await a.set_provider_key("openai", "sk-openai-00000000000000aa")
    assert b.generation == await b.stored_generation()
    await a.change_password(PW, NEW)
    assert b.generation != await b.stored_generation()  # what a BroadcastChannel message would prompt
    with pytest.raises(VaultChanged, match="password was changed in another tab"):
        await b.get_key(OPENAI)
    assert not b.is_unlocked
    with pytest.raises(WrongPassword):
        await b.unlock(PW)
    await b.unlock(NEW)
    assert await b.get_key(OPENAI) == "sk-openai-00000000000000aa"


@async_test
async def test_refresh_reports_and_locks() -> None:
    _, a, b = await two_tabs()
    assert await b.refresh()
    await a.set_provider_key("openai", "sk-openai-00000000000000aa")
    assert await b.refresh()  # a new record is not a new vault
    await a.change_password(PW, NEW)
    assert not await b.refresh() and not b.is_unlocked


@async_test
async def test_stale_tab_cannot_write_into_an_old_generation() -> None:
    store, a, b = await two_tabs()
    await a.change_password(PW, NEW)
    with pytest.raises(VaultChanged):
        await b.set_provider_key("openai", "sk-written-by-stale-tab-00")
    assert set(store.data) == {"meta"}, sorted(store.data)  # no record from b, in any generation


@async_test
async def test_write_during_a_password_change_is_carried_over() -> None:
    store, a, b = await two_tabs()
    await a.set_provider_key("openai", "sk-openai-00000000000000aa")

    async def other_tab() -> None:
        await b.set_provider_key("groq", "gsk-written-mid-change-000")

    store.before_commit = other_tab  # b writes after a read the records, before a commits
    await a.change_password(PW, NEW)
    await b.unlock(NEW)
    assert await b.get_key(GROQ) == "gsk-written-mid-change-000"
    assert await a.get_key(OPENAI) == "sk-openai-00000000000000aa"


@async_test
async def test_concurrent_password_changes_leave_one_consistent_vault() -> None:
    store, a, b = await two_tabs()
    await a.set_provider_key("openai", "sk-openai-00000000000000aa")

    async def other_tab() -> None:
        await b.change_password(PW, "password chosen in tab b")

    store.before_commit = other_tab
    with pytest.raises(VaultChanged, match="changed in another tab"):
        await a.change_password(PW, NEW)
    assert not a.is_unlocked
    fresh = make_vault(MemoryStore(store.data))
    with pytest.raises(WrongPassword):
        await fresh.unlock(NEW)
    await fresh.unlock("password chosen in tab b")
    assert await fresh.get_key(OPENAI) == "sk-openai-00000000000000aa"
    generation = layout.Meta.from_json(store.data["meta"]).generation
    assert set(store.data) == {"meta", f"g/{generation}/key/provider:openai"}, sorted(store.data)


@async_test
async def test_forget_in_one_tab() -> None:
    store, a, b = await two_tabs()
    await a.set_provider_key("openai", "sk-openai-00000000000000aa")
    await a.forget()
    with pytest.raises(VaultChanged, match="removed in another tab"):
        await b.entries()
    assert not b.is_unlocked and store.data == {}


@async_test
async def test_lock_is_per_tab_and_session_keys_are_private() -> None:
    _, a, b = await two_tabs()
    await a.set_provider_key("openai", "sk-session-in-a-0000000000", session=True)
    a.lock()
    assert b.is_unlocked
    assert await b.entries() == []
    assert await a.entries() == []  # the lock dropped the session key; stored keys need the password


class YieldingStore(MemoryStore):
    """Reads give other tasks a turn, as IndexedDB's do: operations of one tab interleave."""

    async def get(self, key: str) -> str | None:
        await asyncio.sleep(0)
        return await super().get(key)


@async_test
async def test_operations_of_one_tab_overlapping_another_tabs_write_all_succeed() -> None:
    # Tab a holds a stale meta (b wrote since). Several of a's operations then read the meta at once:
    # the first to resume adopts the newer meta; the others used to take that for a lock and fail
    # with "the vault was locked" (seen in the browser once tasks started eagerly).
    store, clock = YieldingStore(), FakeClock()
    a, b = make_vault(store, clock), make_vault(store, clock)
    await a.create(PW)
    await b.unlock(PW)
    await b.set_provider_key("anthropic", "sk-from-tab-b-000000000000")
    results = await asyncio.gather(
        a.set_provider_key("openai", "sk-from-tab-a-000000000000"),
        a.entries(),
        a.get_key(EntryRef.provider("anthropic")),
        a.set_provider_key("mistral", "mistral-from-tab-a-0000000"),
        return_exceptions=True,
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert results[2] == "sk-from-tab-b-000000000000"
    assert a.is_unlocked
    assert {str(i.ref) for i in await a.entries()} == {"provider:anthropic", "provider:mistral", "provider:openai"}
