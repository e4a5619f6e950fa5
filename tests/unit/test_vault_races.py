"""A lock, an idle deadline or another tab landing in the middle of a vault operation: never undone, never
a key handed out after it, never an unlock that returns while the tab is locked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from switchboard.vault.entries import EntryRef
from switchboard.vault.errors import VaultChanged, VaultLocked
from tests.fakes import FAST_ITERATIONS, CryptographyCipher, FakeClock, MemoryStore, async_test, make_vault

PW, NEW = "correct horse battery staple", "purple otter violin glacier"
OPENAI = EntryRef.provider("openai")
KEY = "sk-proj-AAAABBBBCCCCDDDDabcd"


class HookedCipher(CryptographyCipher):
    """Runs `on_derive` once, right after the next key derivation (the slow step of a password check)."""

    on_derive: Callable[[], None] | None = None

    async def derive_key(self, password: str, salt: bytes, iterations: int) -> object:
        key = await super().derive_key(password, salt, iterations)
        hook, self.on_derive = self.on_derive, None
        if hook is not None:
            hook()
        return key


class HookedStore(MemoryStore):
    """Runs `on_get` once after the next read of a key record, `on_items` once before the next listing."""

    on_get: Callable[[], None] | None = None
    on_items: Callable[[], Awaitable[None] | None] | None = None

    async def get(self, key: str) -> str | None:
        value = await super().get(key)
        if key.startswith("g/") and self.on_get is not None:
            hook, self.on_get = self.on_get, None
            hook()
        return value

    async def items(self, prefix: str = "") -> dict[str, str]:
        hook, self.on_items = self.on_items, None
        if hook is not None:
            result = hook()
            if result is not None:
                await result
        return await super().items(prefix)


async def made_by_an_older_build() -> HookedStore:
    """A vault with one key, made with fewer iterations than the build under test uses (its unlock re-encrypts)."""
    store = HookedStore()
    old = make_vault(store, FakeClock(), iterations=FAST_ITERATIONS)
    await old.create(PW)
    await old.set_provider_key("openai", KEY)
    return store


@async_test
async def test_a_lock_while_the_old_password_is_checked_is_not_undone_by_the_change() -> None:
    cipher = HookedCipher()
    vault = make_vault(MemoryStore(), FakeClock(), cipher)
    await vault.create(PW)
    await vault.set_provider_key("openai", KEY)
    cipher.on_derive = vault.lock  # Lock pressed, or heard from another tab, mid-change
    await vault.change_password(PW, NEW)
    assert not vault.is_unlocked
    await vault.unlock(NEW)
    assert await vault.get_key(OPENAI) == KEY  # the change itself went through


@async_test
async def test_a_lock_during_the_unlock_upgrade_is_not_undone() -> None:
    store = await made_by_an_older_build()
    vault = make_vault(store, FakeClock(), iterations=FAST_ITERATIONS * 2)  # a newer build re-encrypts
    store.on_items = vault.lock
    await vault.unlock(PW)
    assert not vault.is_unlocked


@async_test
async def test_no_key_is_handed_out_after_a_lock_that_lands_while_it_is_read() -> None:
    store = HookedStore()
    vault = make_vault(store, FakeClock())
    await vault.create(PW)
    await vault.set_provider_key("openai", KEY)
    store.on_get = vault.lock
    with pytest.raises(VaultLocked):
        await vault.get_credential(OPENAI)


@async_test
async def test_an_unlock_or_a_new_idle_time_after_the_deadline_does_not_revive_what_expired() -> None:
    clock = FakeClock()
    vault = make_vault(MemoryStore(), clock)
    await vault.create(PW)
    await vault.set_provider_key("openai", KEY)
    vault.lock()
    await vault.set_provider_key("groq", "gsk-session-only-0123456789", session=True)
    clock.advance(16 * 60)  # past the 15 minutes; the page's 5 s timer has not run yet
    await vault.unlock(PW)
    assert not any(info.session for info in await vault.entries())
    clock.advance(16 * 60)
    vault.idle_timeout = 3600  # "Lock automatically after", changed late
    with pytest.raises(VaultLocked):
        await vault.get_key(OPENAI)


@async_test
async def test_a_session_only_key_can_be_removed_while_the_vault_is_locked() -> None:
    vault = make_vault(MemoryStore(), FakeClock())
    await vault.create(PW)
    vault.lock()
    await vault.set_provider_key("groq", "gsk-pasted-into-the-wrong-row-01", session=True)
    await vault.remove_key(EntryRef.provider("groq"))
    assert not vault.holds_keys
    with pytest.raises(VaultLocked):  # a stored key still needs the vault unlocked
        await vault.remove_key(OPENAI)


@async_test
async def test_an_unlock_that_another_tab_overtook_says_so_instead_of_returning_locked() -> None:
    store = await made_by_an_older_build()
    tab_a = make_vault(store, FakeClock(), iterations=FAST_ITERATIONS * 2)  # one new build in two tabs
    tab_b = make_vault(store, FakeClock(), iterations=FAST_ITERATIONS * 2)
    store.on_items = lambda: tab_a.unlock(PW)  # A re-encrypts while B tidies up after its unlock
    with pytest.raises(VaultChanged, match="unlock again"):
        await tab_b.unlock(PW)
    assert not tab_b.is_unlocked
    await tab_b.unlock(PW)
    assert await tab_b.get_key(OPENAI) == KEY
