"""The key-vault panel: create, unlock, lock, auto-lock, change password, export/import, forget.

All state lives in the Vault service; this module only renders it and turns user actions into calls.
Password fields are cleared as soon as they have been read, so no secret outlives its form.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable
from typing import Any

import js

from switchboard.escaping import Markup
from switchboard.pricing.book import PriceBook
from switchboard.providers import get as get_provider
from switchboard.settings import AUTO_LOCK_CHOICES, AUTO_LOCK_MINUTES, Settings, forget_slot
from switchboard.vault import (
    EntryRef,
    ImportPlan,
    ImportWouldReplace,
    TooManyAttempts,
    Vault,
    VaultError,
    WeakPassword,
    WrongPassphrase,
    WrongPassword,
    estimate,
)
from switchboard.vault.policy import ADVICE, MIN_SCORE
from switchboard.web import idb
from switchboard.web.dom import Listeners, absent, by_id, create, download, set_html, spawn
from switchboard.web.storage import on_stored

IDLE_LABELS = {5: "5 minutes", 15: "15 minutes", 30: "30 minutes", 60: "1 hour", 240: "4 hours", 0: "Never"}
IDLE_CHOICES = tuple((minutes, IDLE_LABELS[minutes]) for minutes in AUTO_LOCK_CHOICES)
OPTION = Markup('<option value="{value}"{selected}>{label}</option>')
SELECTED = Markup(" selected")

CREATE = Markup("""
<form id="vault-create" class="vault-form" novalidate>
  <p>Create a vault: your API keys are encrypted with this password before anything is stored in this
  browser.</p>
  <div class="field"><label for="vault-password">Master password</label>
    <input id="vault-password" type="password" autocomplete="new-password" required></div>
  <div class="strength"><meter id="vault-strength-meter" min="0" max="4" value="0"
    aria-label="Password strength"></meter> <span id="vault-strength-text" aria-live="polite"></span></div>
  <div class="field"><label for="vault-confirm">Confirm master password</label>
    <input id="vault-confirm" type="password" autocomplete="new-password" required></div>
  <p class="warning">A forgotten master password cannot be recovered, by us or anyone: you would have
  to add your keys again.</p>
  <p id="vault-message" class="error" aria-live="assertive"></p>
  <button type="submit" class="primary">Create vault</button>
</form>""")

UNLOCK = Markup("""
<form id="vault-unlock" class="vault-form" novalidate>
  <p id="vault-locked-why">Your keys are locked.</p>
  <div class="field"><label for="vault-password">Master password</label>
    <input id="vault-password" type="password" autocomplete="current-password" required></div>
  <p id="vault-message" class="error" aria-live="assertive"></p>
  <button type="submit" class="primary">Unlock</button>
</form>
<details class="forgot"><summary>Forgot the password?</summary>
  <p>It cannot be recovered. You can forget this vault, which deletes its keys from this browser,
  and start again.</p>
  <div id="vault-forget-area">
    <button type="button" id="vault-forget" class="danger">Forget vault…</button></div>
</details>""")

UNLOCKED = Markup("""
<div class="vault-unlocked">
  <p id="vault-summary" class="ok" title="Keys are decrypted only to send a request.">Unlocked</p>
  <div class="field inline"><label for="vault-idle">Lock automatically after</label>
    <select id="vault-idle">{idle_options}</select></div>
  <div class="vault-actions">
    <button type="button" id="vault-change">Change master password</button>
    <button type="button" id="vault-export">Export keys</button>
    <button type="button" id="vault-import">Import keys</button>
    <button type="button" id="vault-forget" class="danger">Forget vault…</button>
  </div>
</div>
<p id="vault-message" aria-live="polite"></p>
<div id="vault-extra"></div>""")

CHANGE = Markup("""
<form id="vault-change-form" class="vault-form" novalidate>
  <div class="field"><label for="vault-old">Current master password</label>
    <input id="vault-old" type="password" autocomplete="current-password"></div>
  <div class="field"><label for="vault-new">New master password</label>
    <input id="vault-new" type="password" autocomplete="new-password"></div>
  <div class="field"><label for="vault-new2">Confirm new master password</label>
    <input id="vault-new2" type="password" autocomplete="new-password"></div>
  <button type="submit">Change password</button> <button type="button" id="vault-cancel">Cancel</button>
</form>""")

EXPORT = Markup("""
<form id="vault-export-form" class="vault-form" novalidate>
  <p>The file is encrypted with a passphrase of its own. Keep the passphrase somewhere else than the file.</p>
  <div class="field"><label for="vault-export-master">Master password</label>
    <input id="vault-export-master" type="password" autocomplete="current-password"></div>
  <div class="field"><label for="vault-pass">Export passphrase</label>
    <input id="vault-pass" type="password" autocomplete="new-password"></div>
  <div class="field"><label for="vault-pass2">Confirm export passphrase</label>
    <input id="vault-pass2" type="password" autocomplete="new-password"></div>
  <button type="submit">Download encrypted keys</button>
  <button type="button" id="vault-cancel">Cancel</button>
</form>""")

IMPORT = Markup("""
<form id="vault-import-form" class="vault-form" novalidate>
  <div class="field"><label for="vault-file">Keys file</label>
    <input id="vault-file" type="file" accept=".json,application/json"></div>
  <div class="field"><label for="vault-pass">Import passphrase</label>
    <input id="vault-pass" type="password" autocomplete="off"></div>
  <button type="submit">Import</button> <button type="button" id="vault-cancel">Cancel</button>
</form>""")

REPLACE = Markup("""
<div class="confirm" role="group" aria-label="Confirm replacing keys">
  <p class="error">This file holds keys for entries you have already. Importing it replaces these:</p>
  <ul id="vault-replace-list"></ul>
  <button type="button" id="vault-replace-yes" class="danger">Replace and import</button>
  <button type="button" id="vault-replace-no">Cancel</button>
</div>""")

FORGET = Markup("""
<div class="confirm" role="group" aria-label="Confirm forgetting the vault">
  <p class="error">This deletes the vault and every key in it from this browser. It cannot be undone.</p>
  <button type="button" id="vault-forget-yes" class="danger">Yes, forget the vault</button>
  <button type="button" id="vault-forget-no">Cancel</button>
</div>""")


def _take(element_id: str) -> str:
    """Read a password field and clear it at once."""
    node = by_id(element_id)
    value = str(node.value)
    node.value = ""
    return value


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _say(text: str, error: bool = False) -> None:
    node = by_id("vault-message")
    node.textContent = text
    node.className = "error" if error else "ok"


def _entry_name(ref: EntryRef) -> str:
    if ref.kind == "endpoint":
        return f"Endpoint {ref.id}"
    try:
        return f"{get_provider(ref.id).display_name} key"
    except KeyError:
        return f"Key for {ref}"


def _busy(selector: str, busy: bool) -> None:
    for button in js.document.querySelectorAll(selector):
        button.disabled = busy


class VaultPanel:
    """Renders the vault panel for the vault's current state and reacts to it."""

    def __init__(self, vault: Vault, settings: Settings, prices: PriceBook,
                 changed: Callable[[str], Awaitable[None]]) -> None:
        self._vault = vault
        self._prices = prices
        # Called with "unlocked", "locked" or "changed" after this tab changes the vault.
        self._changed = changed
        self._settings = settings
        self._body = by_id("vault-body")
        self._bound = Listeners()  # the panel's current form
        self._extra = Listeners()  # the form or confirmation shown below it
        self._shown = ""  # which form the panel shows: "create", "locked" or "unlocked"
        on_stored({AUTO_LOCK_MINUTES.key}, self._stored)

    def _stored(self) -> None:
        """Another tab chose another auto-lock time: this one locks after it too."""
        minutes = self._settings.get(AUTO_LOCK_MINUTES)
        self._vault.adopt_idle_timeout(minutes * 60 or None)
        shown = js.document.getElementById("vault-idle")
        if not absent(shown):
            shown.value = str(minutes)

    def _render(self, state: str, markup: Markup) -> None:
        self._shown = state
        # Unlocked, the panel shrinks to a bar above the prompt and leaves the width to the answers.
        by_id("vault-panel").classList.toggle("compact", state == "unlocked")
        js.document.querySelector(".layout").classList.toggle("vault-compact", state == "unlocked")
        self._extra.dispose()
        self._bound.dispose()
        set_html(self._body, markup)

    async def render(self) -> None:
        """Show the form for the vault's state; a form already shown stays, with what the user typed."""
        state = "unlocked" if self._vault.is_unlocked else "locked" if await self._vault.exists() else "create"
        if state == self._shown:
            if state == "locked":
                self._say_why_locked()
            return
        {"unlocked": self._render_unlocked, "locked": self._render_locked, "create": self._render_create}[state]()

    # --- create ---------------------------------------------------------------------------------

    def _render_create(self) -> None:
        self._render("create", CREATE)
        self._bound.on(by_id("vault-password"), "input", self._show_strength)
        self._bound.on(by_id("vault-create"), "submit", self._create)

    def _show_strength(self, _event: Any) -> None:
        password = str(by_id("vault-password").value)
        strength = estimate(password)
        by_id("vault-strength-meter").value = strength.score if password else 0
        words = f"Strength: {strength.label}." if password else ""
        if password and strength.warning:
            words += f" {strength.warning}"
        if password and strength.score < MIN_SCORE:
            words += f" Too weak to use. {ADVICE}"  # the vault refuses it: say so before the user submits
        by_id("vault-strength-text").textContent = words

    async def _create(self, event: Any) -> None:
        password, confirm = str(by_id("vault-password").value), str(by_id("vault-confirm").value)
        if password != confirm:
            _say("The two passwords differ. Type the same password twice.", error=True)
            return
        _busy("#vault-create button", True)
        try:
            await self._vault.create(password)
        except WeakPassword as exc:
            _say(_sentence(str(exc)), error=True)  # the vault's words say why, and what would pass
            return
        except VaultError as exc:
            _say(str(exc), error=True)
            return
        finally:
            _busy("#vault-create button", False)
        _take("vault-password")
        _take("vault-confirm")
        self._render_unlocked()
        message = by_id("vault-message")
        await self._changed("unlocked")
        # In the background: Firefox answers only once the user has answered its permission prompt.
        spawn(self._tell_persistence(message))

    async def _tell_persistence(self, message: Any) -> None:
        """Ask for persistent storage; say what the answer means while this unlocked view still shows."""
        persistent = await idb.request_persistence()
        if not message.isConnected or str(message.textContent):
            return  # locked or re-rendered meanwhile, or newer words are showing: do not mislead
        if persistent:
            _say("This browser has agreed to keep your vault even when disk space runs low.")
        else:
            _say("This browser may clear site data when space runs low: export your keys as a backup.")

    # --- unlock / lock ----------------------------------------------------------------------------

    def _render_locked(self) -> None:
        self._render("locked", UNLOCK)
        self._say_why_locked()
        self._bound.on(by_id("vault-unlock"), "submit", self._unlock)
        self._bound.on(by_id("vault-forget"), "click", lambda _e: self._confirm_forget("vault-forget-area"))

    def _say_why_locked(self) -> None:
        reason = self._vault.lock_reason  # says so when it locked itself, so that is not taken for a fault
        by_id("vault-locked-why").textContent = reason[0].upper() + reason[1:] + "."

    async def _unlock(self, event: Any) -> None:
        _busy("#vault-unlock button", True)
        _say("Unlocking…")
        try:
            await self._vault.unlock(_take("vault-password"))
        except WrongPassword:
            _say("That password does not open this vault. Nothing was changed; try again.", error=True)
            by_id("vault-password").focus()
            return
        except TooManyAttempts as exc:
            _say(f"{_sentence(str(exc))}.", error=True)  # "Too many wrong passwords: try again in N seconds."
            by_id("vault-password").focus()
            return
        except VaultError as exc:
            _say(str(exc), error=True)
            return
        finally:
            _busy("#vault-unlock button", False)
        self._render_unlocked()
        await self._changed("unlocked")

    async def lock(self) -> None:
        self._vault.lock()
        await self.render()
        await self._changed("locked")

    # --- unlocked -------------------------------------------------------------------------------

    def _render_unlocked(self) -> None:
        current = self._settings.get(AUTO_LOCK_MINUTES)
        options = Markup.concat(
            OPTION.fill(value=str(m), selected=SELECTED if m == current else Markup(""), label=label)
            for m, label in IDLE_CHOICES)
        self._render("unlocked", UNLOCKED.fill(idle_options=options))
        self._bound.on(by_id("vault-idle"), "change", self._set_idle)
        self._bound.on(by_id("vault-change"), "click", lambda _e: self._show(CHANGE, "vault-change-form", self._change))
        self._bound.on(by_id("vault-export"), "click", lambda _e: self._show(EXPORT, "vault-export-form", self._export))
        self._bound.on(by_id("vault-import"), "click", lambda _e: self._show(IMPORT, "vault-import-form", self._import))
        self._bound.on(by_id("vault-forget"), "click", lambda _e: self._confirm_forget("vault-extra"))

    def _set_idle(self, _event: Any) -> None:
        minutes = int(by_id("vault-idle").value)
        self._settings.set(AUTO_LOCK_MINUTES, minutes)
        self._vault.idle_timeout = minutes * 60 if minutes else None
        _say("Auto-lock never: lock by hand when you leave." if not minutes
             else f"Locks after {minutes} minutes without activity.")

    def _show(self, template: Markup, form_id: str, submit: Callable[[Any], Awaitable[None]]) -> None:
        self._extra.dispose()
        set_html(by_id("vault-extra"), template)
        self._extra.on(by_id(form_id), "submit", submit)
        self._extra.on(by_id("vault-cancel"), "click", lambda _e: self._clear_extra())
        js.document.querySelector(f"#{form_id} input").focus()

    def _clear_extra(self) -> None:
        self._extra.dispose()
        set_html(by_id("vault-extra"), Markup(""))

    async def _change(self, event: Any) -> None:
        old, new, again = _take("vault-old"), _take("vault-new"), _take("vault-new2")
        if new != again:
            _say("The new passwords differ. Type the same new password twice.", error=True)
            return
        _say("Re-encrypting your keys…")
        _busy("#vault-change-form button", True)
        try:
            await self._vault.change_password(old, new)
        except WrongPassword:
            _say("The current password is wrong. Nothing was changed.", error=True)
            return
        except VaultError as exc:
            _say(f"The password was not changed: {exc}", error=True)
            return
        finally:
            _busy("#vault-change-form button", False)
        self._clear_extra()
        _say("Master password changed. Other tabs must unlock again.")
        await self._changed("changed")

    async def _export(self, event: Any) -> None:
        master, passphrase, again = _take("vault-export-master"), _take("vault-pass"), _take("vault-pass2")
        if passphrase != again:
            _say("The passphrases differ. Type the same passphrase twice.", error=True)
            return
        _say("Checking the master password…")
        _busy("#vault-export-form button", True)
        try:
            data = await self._vault.export_keys(master, passphrase)
        except WrongPassword:
            _say("The master password is wrong. Nothing was exported.", error=True)
            return
        except VaultError as exc:
            _say(f"Nothing was exported: {exc}", error=True)
            return
        finally:
            _busy("#vault-export-form button", False)
        day = datetime.date.today().isoformat()
        download(data, f"switchboard-keys-{day}.json", "application/json")
        self._clear_extra()
        _say("Exported. The file is encrypted; keep its passphrase apart from it.")

    async def _import(self, event: Any) -> None:
        # Until this file is read and imported: a second click would read it again and find its own keys.
        _busy("#vault-import-form button", True)
        try:
            await self._read_import()
        finally:
            _busy("#vault-import-form button", False)

    async def _read_import(self) -> None:
        files = by_id("vault-file").files
        passphrase = _take("vault-pass")
        if files.length == 0:
            _say("Choose a keys file first.", error=True)
            return
        data = bytes((await files.item(0).arrayBuffer()).to_py())
        _say("Opening the file…")
        try:
            plan = await self._vault.read_import(data, passphrase)
        except WrongPassphrase:
            _say("That passphrase does not open this file. Nothing was imported.", error=True)
            return
        except VaultError as exc:
            _say(f"Nothing was imported: {exc}", error=True)
            return
        if plan.replaces:
            self._ask_replace(plan)
        else:
            await self._finish_import(plan, replace=False)

    def _ask_replace(self, plan: ImportPlan) -> None:
        """List the entries the file would replace and wait for the user's word; nothing is written yet."""
        self._extra.dispose()
        set_html(by_id("vault-extra"), REPLACE)
        listing = by_id("vault-replace-list")
        for ref in plan.replaces:
            listing.appendChild(create("li", _entry_name(ref)))
        _say("Nothing is imported until you confirm.")
        # The closures hold names only: the file's decrypted keys stay in the vault, which a lock clears.
        self._extra.on(by_id("vault-replace-yes"), "click", lambda _e: self._finish_import(plan, replace=True))
        self._extra.on(by_id("vault-replace-no"), "click", lambda _e: self._cancel_import())

    def _cancel_import(self) -> None:
        self._vault.discard_import()
        self._clear_extra()
        _say("Nothing was imported.")

    async def _finish_import(self, plan: ImportPlan, *, replace: bool) -> None:
        _busy("#vault-extra button", True)
        try:
            refs = await self._vault.import_keys(plan, replace=replace)
        except ImportWouldReplace as exc:
            self._ask_replace(exc.plan)  # another tab added a same-named key meanwhile: ask again
            return
        except VaultError as exc:
            _say(f"Nothing was imported: {exc}", error=True)
            return
        finally:
            _busy("#vault-extra button", False)
        self._clear_extra()
        replaced = f" ({len(plan.replaces)} replaced)" if replace else ""
        _say(f"Imported {len(refs)} key{'s' if len(refs) != 1 else ''}{replaced}.")
        await self._changed("changed")

    # --- forget ---------------------------------------------------------------------------------

    def _confirm_forget(self, area_id: str) -> None:
        self._extra.dispose()
        set_html(by_id(area_id), FORGET)
        self._extra.on(by_id("vault-forget-yes"), "click", self._forget)
        self._extra.on(by_id("vault-forget-no"), "click", lambda _e: self._body_refresh())

    def _body_refresh(self) -> None:
        if self._vault.is_unlocked:
            self._render_unlocked()
        else:
            self._render_locked()

    async def _forget(self, _event: Any) -> None:
        for ref in await self._vault.forget():
            if ref.kind == "endpoint":  # its name, address and key went: what names it here goes too
                forget_slot(self._settings, str(ref))
                self._prices.forget(str(ref))
        await self.render()
        await self._changed("changed")
