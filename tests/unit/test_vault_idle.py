"""Auto-lock after the user-set idle time, driven by the Clock port."""

from __future__ import annotations

import pytest

from switchboard.vault.entries import EntryRef
from switchboard.vault.errors import UnknownEntry, VaultLocked
from switchboard.vault.idle import DEFAULT_IDLE_SECONDS, IdleTimer
from tests.fakes import FakeClock, async_test, make_vault

PW = "idle test master password"
OPENAI = EntryRef.provider("openai")


def test_default_is_fifteen_minutes() -> None:
    assert DEFAULT_IDLE_SECONDS == 900
    assert make_vault().idle_timeout == 900


@async_test
async def test_locks_after_idle_time_and_use_postpones_it() -> None:
    clock = FakeClock()
    vault = make_vault(clock=clock)
    await vault.create(PW)
    await vault.set_provider_key("openai", "sk-idle-0000000000000000")
    assert vault.seconds_until_lock() == 900
    clock.advance(899)
    assert vault.is_unlocked and not vault.check_idle()
    await vault.get_key(OPENAI)  # using the vault counts as activity
    clock.advance(899)
    vault.touch()  # so does user input reported by the UI
    clock.advance(899)
    assert vault.seconds_until_lock() == 1
    clock.advance(1)
    assert not vault.is_unlocked  # already reads as locked before the timer fires
    assert vault.check_idle() and not vault.check_idle()  # locks once
    assert vault.seconds_until_lock() is None
    assert vault.lock_reason == "the vault locked itself after 15 minutes idle; unlock again"
    with pytest.raises(VaultLocked):
        await vault.get_key(OPENAI)
    await vault.unlock(PW)
    vault.lock()
    assert vault.lock_reason == "the vault is locked"


@async_test
async def test_an_operation_after_the_deadline_locks_even_without_the_timer() -> None:
    # Background tabs throttle timers; the check on use is what guarantees the lock.
    clock = FakeClock()
    vault = make_vault(clock=clock)
    await vault.create(PW)
    await vault.set_provider_key("openai", "sk-idle-0000000000000000")
    clock.advance(901)
    with pytest.raises(VaultLocked, match="idle"):
        await vault.get_key(OPENAI)
    vault.touch()  # activity after the deadline does not revive the key
    assert not vault.is_unlocked


@async_test
async def test_session_keys_are_dropped_at_idle_too() -> None:
    clock = FakeClock()
    vault = make_vault(clock=clock)
    await vault.set_provider_key("openai", "sk-session-00000000000000", session=True)
    clock.advance(900)
    assert vault.check_idle()
    with pytest.raises(UnknownEntry):
        await vault.get_key(OPENAI)


@async_test
async def test_user_set_timeout_and_never() -> None:
    clock = FakeClock()
    vault = make_vault(clock=clock, idle_timeout=60)
    await vault.create(PW)
    clock.advance(60)
    assert vault.check_idle()
    await vault.unlock(PW)
    vault.idle_timeout = None
    clock.advance(10**6)
    assert vault.is_unlocked and vault.seconds_until_lock() is None
    vault.idle_timeout = 300
    clock.advance(300)
    assert vault.check_idle()
    for bad in (0, -5, 8 * 24 * 3600, True, "60"):
        with pytest.raises(ValueError):
            vault.idle_timeout = bad


def test_clock_set_back_counts_as_expired() -> None:
    clock = FakeClock()
    timer = IdleTimer(clock, 900)
    clock.advance(-1)
    assert not timer.expired()  # small NTP nudges are fine
    clock.advance(-10)
    assert timer.expired()


@async_test
async def test_listing_entries_does_not_postpone_the_lock() -> None:
    # Views list entries on their own (a dialog closing, another tab's change): when such a listing
    # finished late, it moved the deadline, and an idle lock due now came minutes later.
    clock = FakeClock()
    vault = make_vault(clock=clock, idle_timeout=300)
    await vault.create(PW)
    await vault.set_provider_key("openai", "sk-idle-0000000000000000")
    clock.advance(240)
    assert [i.ref for i in await vault.entries()] == [OPENAI]
    clock.advance(60)
    assert not vault.is_unlocked


@async_test
async def test_lock_count_sees_a_lock_whoever_noticed_the_deadline() -> None:
    clock = FakeClock()
    vault = make_vault(clock=clock, idle_timeout=60)
    await vault.create(PW)
    seen = vault.locks
    clock.advance(61)
    with pytest.raises(VaultLocked):
        await vault.get_key(OPENAI)  # this call noticed the deadline and locked, not the timer
    assert not vault.check_idle()  # so the timer's own check reports nothing new...
    assert vault.locks == seen + 1  # ...but the count shows a lock happened since the view last looked
    await vault.unlock(PW)
    vault.lock()
    assert vault.locks == seen + 2


@async_test
async def test_a_locked_vault_still_lists_its_session_keys() -> None:
    vault = make_vault()
    await vault.create(PW)
    await vault.set_provider_key("openai", "sk-stored-000000000000")
    vault.lock()
    await vault.set_provider_key("groq", "gsk-session-0000000000", session=True)
    assert [(i.ref, i.session) for i in await vault.entries()] == [(EntryRef.provider("groq"), True)]


@async_test
async def test_a_time_chosen_in_another_tab_is_no_activity_here() -> None:
    # It went through the setter, which counts as use: a tab idle for 30 of its 60 minutes got 5 more
    # when another tab chose 5, and every such choice postponed its lock.
    clock = FakeClock()
    vault = make_vault(clock=clock, idle_timeout=60 * 60)
    await vault.create(PW)
    clock.advance(30 * 60)
    vault.adopt_idle_timeout(5 * 60)
    assert vault.check_idle() and not vault.is_unlocked
    await vault.unlock(PW)
    clock.advance(60)
    vault.adopt_idle_timeout(None)  # "Never", chosen elsewhere
    clock.advance(24 * 3600)
    assert not vault.check_idle() and vault.is_unlocked
