"""Composition root: wires the browser implementations of the ports and starts the first screen."""

from __future__ import annotations

import traceback

import js

from switchboard.history.service import History
from switchboard.http import Transport
from switchboard.netlog import LoggingTransport
from switchboard.pricing.book import PriceBook
from switchboard.settings import AUTO_LOCK_MINUTES, Settings
from switchboard.spend import SpendTracker
from switchboard.vault import Vault
from switchboard.web import capabilities, idb, local_time, network_view, shell, storage, webcrypto
from switchboard.web.budget_gate import BudgetGate
from switchboard.web.budgets_view import BudgetsView
from switchboard.web.compose_view import ComposeView
from switchboard.web.dom import by_id, on, spawn
from switchboard.web.fetch import FetchTransport
from switchboard.web.guide_view import GuideView
from switchboard.web.history_store import history_store
from switchboard.web.history_view import HistoryView
from switchboard.web.keyboard import Shortcuts
from switchboard.web.keys_view import KeysDialog
from switchboard.web.prices_view import PricesView
from switchboard.web.session import BrowserClock, MonotonicClock, TabSync
from switchboard.web.spend_view import SpendView
from switchboard.web.theme_view import ThemeSwitch
from switchboard.web.vault_view import VaultPanel


class App:
    """The running page: the vault with its panel, keys dialog and tab sync; compose; history."""

    def __init__(self, vault: Vault, settings: Settings, transport: Transport, history: History) -> None:
        self.vault = vault
        self.prices = PriceBook(settings, warn=storage.warn)  # reads the catalog when a price is first asked
        self.panel = VaultPanel(vault, settings, self.prices, self._changed_here)
        self.keys = KeysDialog(vault, transport, lambda: self._changed_here("changed"))
        self.sync = TabSync(vault, self._changed_elsewhere)
        self.spend = SpendTracker(history, local_time.offset)  # this month's spend, from history alone
        self.budget = BudgetGate(settings, history, self.spend, self.prices)
        self.compose = ComposeView(vault, settings, transport, MonotonicClock(), history, self.prices,
                                   allow=self.budget.allow, allow_retry=self.budget.allow_retry)
        self.budgets = BudgetsView(settings, self.spend, history)
        self.spend_view = SpendView(history, self.spend)
        self.history = HistoryView(history, settings, self.compose, idb.request_persistence)
        self.guide = GuideView(vault, history, settings)
        self.shortcuts = Shortcuts(settings, lambda: spawn(self.history.open()))
        self.prices_view = PricesView(self.prices, transport, self.compose.targets)
        self.lock_button = by_id("lock-vault")
        on(self.lock_button, "click", self._lock)
        # "Lock" shows whenever any key is held, session-only keys included, however they came or went.
        vault.subscribe(self._show_lock)
        # Endpoints added or removed in the keys dialog join the provider list when it closes.
        on(by_id("keys-dialog"), "close", lambda _e: self._keys_closed())

    async def _keys_closed(self) -> None:
        await self.compose.show_endpoints()
        self.guide.changed()  # a key saved in the dialog moves the guide on

    async def _lock(self, _event: object) -> None:
        await self.panel.lock()

    async def _changed_here(self, what: str) -> None:
        self.sync.announce("locked" if what == "locked" else "changed")
        await self.reflect()

    async def _changed_elsewhere(self, _what: str) -> None:
        await self.panel.render()
        await self.reflect()

    def _show_lock(self) -> None:
        self.lock_button.hidden = not self.vault.holds_keys

    async def reflect(self) -> None:
        self._show_lock()
        await self.keys.refresh()  # statuses only: a locked vault's masked keys leave the page
        await self.compose.show_endpoints()
        self.guide.changed()


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
        settings = Settings(storage.LocalStorage(), storage.warn)
        ThemeSwitch(settings)
        idle = settings.get(AUTO_LOCK_MINUTES) * 60 or None
        vault = Vault(webcrypto.cipher(), idb.vault_store(db), BrowserClock(), idle_timeout=idle)
        ledger = network_view.ledger_for_page()
        transport = LoggingTransport(FetchTransport(ledger), ledger)
        app = App(vault, settings, transport, History(history_store(db), storage.warn))
        network_view.NetworkView(ledger)
        await app.panel.render()
        await app.reflect()
        shell.ready()
        spawn(app.guide.start())  # after ready: a first visit's guide must not hold the page back
    except Exception as exc:
        traceback.print_exc()
        shell.fail(f"{type(exc).__name__}: {exc}")
        raise
