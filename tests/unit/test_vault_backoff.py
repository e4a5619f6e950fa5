"""Guessing the master password in the page: 5 free tries, then each further attempt waits longer."""

from __future__ import annotations

import pytest

from switchboard.vault.backoff import MAX_WAIT, Backoff, wait_after
from switchboard.vault.errors import TooManyAttempts, WrongPassword
from tests.fakes import CryptographyCipher, FakeClock, MemoryStore, async_test, make_vault

PW = "violet harbour 93 quietly"
PASSPHRASE = "export lantern 58 orbit"


def test_the_waits_grow_after_five_failures() -> None:
    assert [wait_after(n) for n in range(10)] == [0, 0, 0, 0, 0, 30, 60, 120, 240, 480]
    assert wait_after(12) == wait_after(10_000) == MAX_WAIT == 3600


def test_policy_on_a_fake_clock() -> None:
    clock = FakeClock()
    backoff = Backoff(clock)
    for _ in range(5):
        backoff.check()
        backoff.failed()
    with pytest.raises(TooManyAttempts, match=r"^too many wrong passwords: try again in 30 seconds$") as e:
        backoff.check()
    assert e.value.seconds == 30
    clock.advance(29.5)
    with pytest.raises(TooManyAttempts, match=r"in 1 second$"):
        backoff.check()
    clock.advance(0.5)
    backoff.check()
    backoff.failed()
    with pytest.raises(TooManyAttempts) as e:
        backoff.check()
    assert e.value.seconds == 60
    backoff.succeeded()
    backoff.check()
    assert backoff.failures == 0


def test_a_clock_set_back_never_makes_the_wait_longer() -> None:
    clock = FakeClock()
    backoff = Backoff(clock)
    for _ in range(5):
        backoff.failed()
    clock.advance(-10_000)
    assert backoff.seconds_left() == 30
    clock.advance(30)
    backoff.check()


@async_test
async def test_unlock_waits_after_five_wrong_passwords_and_tries_nothing_meanwhile() -> None:
    clock, cipher, store = FakeClock(), CryptographyCipher(), MemoryStore()
    vault = make_vault(store, clock, cipher)
    await vault.create(PW)
    await vault.set_provider_key("openai", "sk-proj-AAAABBBBCCCCDDDDabcd")
    vault.lock()
    snapshot, commits = dict(store.data), store.commits
    for i in range(5):
        with pytest.raises(WrongPassword):
            await vault.unlock(f"{PW} {i}")
    derivations = cipher.derivations
    # The sixth attempt waits, even with the right password: the check comes before any key derivation.
    with pytest.raises(TooManyAttempts) as e:
        await vault.unlock(PW)
    assert e.value.seconds == 30 and cipher.derivations == derivations and not vault.is_unlocked
    clock.advance(30)
    with pytest.raises(WrongPassword):
        await vault.unlock(f"{PW} 5")
    with pytest.raises(TooManyAttempts) as e:
        await vault.unlock(PW)
    assert e.value.seconds == 60
    assert store.data == snapshot and store.commits == commits  # nothing written by any of it
    clock.advance(60)
    await vault.unlock(PW)
    # A right password starts the count again: five more free tries.
    vault.lock()
    for i in range(5):
        with pytest.raises(WrongPassword):
            await vault.unlock(f"{PW} again {i}")
    with pytest.raises(TooManyAttempts):
        await vault.unlock(PW)


@async_test
async def test_change_password_and_export_count_and_wait_too() -> None:
    clock = FakeClock()
    vault = make_vault(clock=clock)
    await vault.create(PW)
    await vault.set_provider_key("openai", "sk-proj-AAAABBBBCCCCDDDDabcd")
    for i in range(3):
        with pytest.raises(WrongPassword):
            await vault.export_keys(f"{PW} {i}", PASSPHRASE)
    for i in range(2):
        with pytest.raises(WrongPassword):
            await vault.change_password(f"{PW} {i}", "granite willow 64 softly")
    with pytest.raises(TooManyAttempts):
        await vault.export_keys(PW, PASSPHRASE)
    with pytest.raises(TooManyAttempts):
        await vault.change_password(PW, "granite willow 64 softly")
    vault.lock()
    with pytest.raises(TooManyAttempts):
        await vault.unlock(PW)
    clock.advance(30)
    await vault.unlock(PW)
    assert await vault.export_keys(PW, PASSPHRASE)
