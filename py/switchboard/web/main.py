"""Composition root: wires the browser implementations of the ports and starts the first screen."""

from __future__ import annotations

import traceback

import js

from switchboard.vault import Vault
from switchboard.web import capabilities, idb, shell, webcrypto
from switchboard.web.compose_view import ComposeView
from switchboard.web.dom import by_id, on
from switchboard.web.keys_view import KeysDialog
from switchboard.web.session import BrowserClock, TabSync
from switchboard.web.vault_view import VaultPanel, idle_minutes


class App:
    """The running page: one vault, its panel, the keys dialog, and the tab sync between them."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        self.panel = VaultPanel(vault, self._changed_here)
        self.keys = KeysDialog(vault)
        self.sync = TabSync(vault, self._changed_elsewhere)
        self.compose = ComposeView(vault)
        self.lock_button = by_id("lock-vault")
        on(self.lock_button, "click", self._lock)
        # Endpoints added or removed in the keys dialog join the provider list when it closes.
        on(by_id("keys-dialog"), "close", lambda _e: self.compose.show_endpoints())

    async def _lock(self, _event: object) -> None:
        await self.panel.lock()

    async def _changed_here(self, what: str) -> None:
        self.sync.announce("locked" if what == "locked" else "changed")
        await self.reflect()

    async def _changed_elsewhere(self, _what: str) -> None:
        await self.panel.render()
        await self.reflect()

    async def reflect(self) -> None:
        unlocked = self.vault.is_unlocked
        self.lock_button.hidden = not unlocked
        if not unlocked:
            await self.keys.close()  # a locked vault leaves no decrypted state on the page
        elif self.keys.is_open:
            await self.keys.refresh()
        await self.compose.show_endpoints()


def _reload_notice() -> None:
    shell.fail("Switchboard was updated in another tab. Reload this page to continue.")


async def start() -> None:
    """Bring the app up; any failure is shown to the user with its reason, then re-raised for the console."""
    js.performance.mark("switchboard:main")  # the app's modules are imported by now
    try:
        verdict = capabilities.check()
        if verdict.fatal:
            shell.fail(verdict.fatal)
            return
        shell.notice(verdict.notices)
        shell.progress("Opening your vault…")
        db = await idb.open_database(
            on_blocked=lambda: shell.progress("Close Switchboard's other tabs so it can update its storage…"),
            on_versionchange=_reload_notice,
        )
        idle = idle_minutes() * 60 or None
        vault = Vault(webcrypto.cipher(), idb.vault_store(db), BrowserClock(), idle_timeout=idle)
        app = App(vault)
        await app.panel.render()
        await app.reflect()
        shell.ready()
    except Exception as exc:
        traceback.print_exc()
        shell.fail(f"{type(exc).__name__}: {exc}")
        raise
