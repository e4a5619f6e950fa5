"""The key-vault panel: create, unlock, lock, auto-lock, change password, export/import, forget.

All state lives in the Vault service; this module only renders it and turns user actions into calls.
Password fields are cleared as soon as they have been read, so no secret outlives its form.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable
from typing import Any

import js
from pyodide.ffi import create_once_callable, to_js

from switchboard.escaping import escape
from switchboard.vault import Vault, VaultError, WeakPassword, WrongPassphrase, WrongPassword, estimate
from switchboard.web import idb
from switchboard.web.dom import absent, by_id, on, spawn

IDLE_CHOICES = ((5, "5 minutes"), (15, "15 minutes"), (30, "30 minutes"), (60, "1 hour"), (240, "4 hours"),
                (0, "Never"))
IDLE_SETTING = "switchboard.autoLockMinutes"  # not a secret: localStorage is fine

CREATE = """
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
</form>"""

UNLOCK = """
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
</details>"""

UNLOCKED = """
<p id="vault-summary" class="ok"></p>
<div class="field"><label for="vault-idle">Lock automatically after</label>
  <select id="vault-idle">{idle_options}</select></div>
<p id="vault-message" aria-live="polite"></p>
<div class="vault-actions">
  <button type="button" id="vault-change">Change master password</button>
  <button type="button" id="vault-export">Export keys</button>
  <button type="button" id="vault-import">Import keys</button>
  <button type="button" id="vault-forget" class="danger">Forget vault…</button>
</div>
<div id="vault-extra"></div>"""

CHANGE = """
<form id="vault-change-form" class="vault-form" novalidate>
  <div class="field"><label for="vault-old">Current master password</label>
    <input id="vault-old" type="password" autocomplete="current-password"></div>
  <div class="field"><label for="vault-new">New master password</label>
    <input id="vault-new" type="password" autocomplete="new-password"></div>
  <div class="field"><label for="vault-new2">Confirm new master password</label>
    <input id="vault-new2" type="password" autocomplete="new-password"></div>
  <button type="submit">Change password</button> <button type="button" id="vault-cancel">Cancel</button>
</form>"""

EXPORT = """
<form id="vault-export-form" class="vault-form" novalidate>
  <p>The file is encrypted with a passphrase of its own. Keep the passphrase somewhere else than the file.</p>
  <div class="field"><label for="vault-pass">Export passphrase</label>
    <input id="vault-pass" type="password" autocomplete="new-password"></div>
  <div class="field"><label for="vault-pass2">Confirm export passphrase</label>
    <input id="vault-pass2" type="password" autocomplete="new-password"></div>
  <button type="submit">Download encrypted keys</button>
  <button type="button" id="vault-cancel">Cancel</button>
</form>"""

IMPORT = """
<form id="vault-import-form" class="vault-form" novalidate>
  <div class="field"><label for="vault-file">Keys file</label>
    <input id="vault-file" type="file" accept=".json,application/json"></div>
  <div class="field"><label for="vault-pass">Import passphrase</label>
    <input id="vault-pass" type="password" autocomplete="off"></div>
  <button type="submit">Import</button> <button type="button" id="vault-cancel">Cancel</button>
</form>"""

FORGET = """
<div class="confirm" role="group" aria-label="Confirm forgetting the vault">
  <p class="error">This deletes the vault and every key in it from this browser. It cannot be undone.</p>
  <button type="button" id="vault-forget-yes" class="danger">Yes, forget the vault</button>
  <button type="button" id="vault-forget-no">Cancel</button>
</div>"""


def _take(element_id: str) -> str:
    """Read a password field and clear it at once."""
    node = by_id(element_id)
    value = str(node.value)
    node.value = ""
    return value


def _say(text: str, error: bool = False) -> None:
    node = by_id("vault-message")
    node.textContent = text
    node.className = "error" if error else "ok"


def _busy(selector: str, busy: bool) -> None:
    for button in js.document.querySelectorAll(selector):
        button.disabled = busy


def idle_minutes() -> int:
    stored = js.localStorage.getItem(IDLE_SETTING)
    if absent(stored) or not str(stored).isdigit():
        return 15
    return int(stored)


class VaultPanel:
    """Renders the vault panel for the vault's current state and reacts to it."""

    def __init__(self, vault: Vault, changed: Callable[[str], Awaitable[None]]) -> None:
        self._vault = vault
        # Called with "unlocked", "locked" or "changed" after this tab changes the vault.
        self._changed = changed
        self._body = by_id("vault-body")

    async def render(self) -> None:
        if self._vault.is_unlocked:
            self._render_unlocked()
        elif await self._vault.exists():
            self._render_locked()
        else:
            self._render_create()

    # --- create ---------------------------------------------------------------------------------

    def _render_create(self) -> None:
        self._body.innerHTML = CREATE
        on(by_id("vault-password"), "input", self._show_strength)
        on(by_id("vault-create"), "submit", self._create)

    def _show_strength(self, _event: Any) -> None:
        password = str(by_id("vault-password").value)
        strength = estimate(password)
        by_id("vault-strength-meter").value = strength.score if password else 0
        words = f"Strength: {strength.label}" if password else ""
        if password and strength.warning:
            words += f". {strength.warning}"
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
            _say(f"Choose a stronger password: {exc}.", error=True)
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
        self._body.innerHTML = UNLOCK
        reason = self._vault.lock_reason  # says so when it locked itself, so that is not taken for a fault
        by_id("vault-locked-why").textContent = reason[0].upper() + reason[1:] + "."
        on(by_id("vault-unlock"), "submit", self._unlock)
        on(by_id("vault-forget"), "click", lambda _e: self._confirm_forget("vault-forget-area"))

    async def _unlock(self, event: Any) -> None:
        _busy("#vault-unlock button", True)
        _say("Unlocking…")
        try:
            await self._vault.unlock(_take("vault-password"))
        except WrongPassword:
            _say("That password does not open this vault. Nothing was changed; try again.", error=True)
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
        current = idle_minutes()
        options = "".join(
            f'<option value="{m}"{" selected" if m == current else ""}>{escape(label)}</option>'
            for m, label in IDLE_CHOICES)
        self._body.innerHTML = UNLOCKED.format(idle_options=options)
        by_id("vault-summary").textContent = "Unlocked. Keys are decrypted only to send a request."
        on(by_id("vault-idle"), "change", self._set_idle)
        on(by_id("vault-change"), "click", lambda _e: self._show(CHANGE, "vault-change-form", self._change))
        on(by_id("vault-export"), "click", lambda _e: self._show(EXPORT, "vault-export-form", self._export))
        on(by_id("vault-import"), "click", lambda _e: self._show(IMPORT, "vault-import-form", self._import))
        on(by_id("vault-forget"), "click", lambda _e: self._confirm_forget("vault-extra"))

    def _set_idle(self, _event: Any) -> None:
        minutes = int(by_id("vault-idle").value)
        js.localStorage.setItem(IDLE_SETTING, str(minutes))
        self._vault.idle_timeout = minutes * 60 if minutes else None
        _say("Auto-lock never: lock by hand when you leave." if not minutes
             else f"Locks after {minutes} minutes without activity.")

    def _show(self, template: str, form_id: str, submit: Callable[[Any], Awaitable[None]]) -> None:
        by_id("vault-extra").innerHTML = template
        on(by_id(form_id), "submit", submit)
        on(by_id("vault-cancel"), "click", lambda _e: self._clear_extra())
        js.document.querySelector(f"#{form_id} input").focus()

    def _clear_extra(self) -> None:
        by_id("vault-extra").innerHTML = ""

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
        passphrase, again = _take("vault-pass"), _take("vault-pass2")
        if passphrase != again:
            _say("The passphrases differ. Type the same passphrase twice.", error=True)
            return
        try:
            data = await self._vault.export_keys(passphrase)
        except VaultError as exc:
            _say(f"Nothing was exported: {exc}", error=True)
            return
        day = datetime.date.today().isoformat()
        _download(data, f"switchboard-keys-{day}.json")
        self._clear_extra()
        _say("Exported. The file is encrypted; keep its passphrase apart from it.")

    async def _import(self, event: Any) -> None:
        files = by_id("vault-file").files
        passphrase = _take("vault-pass")
        if files.length == 0:
            _say("Choose a keys file first.", error=True)
            return
        data = bytes((await files.item(0).arrayBuffer()).to_py())
        try:
            refs = await self._vault.import_keys(data, passphrase)
        except WrongPassphrase:
            _say("That passphrase does not open this file. Nothing was imported.", error=True)
            return
        except VaultError as exc:
            _say(f"Nothing was imported: {exc}", error=True)
            return
        self._clear_extra()
        _say(f"Imported {len(refs)} key{'s' if len(refs) != 1 else ''}.")
        await self._changed("changed")

    # --- forget ---------------------------------------------------------------------------------

    def _confirm_forget(self, area_id: str) -> None:
        by_id(area_id).innerHTML = FORGET
        on(by_id("vault-forget-yes"), "click", self._forget)
        on(by_id("vault-forget-no"), "click", lambda _e: self._body_refresh())

    def _body_refresh(self) -> None:
        if self._vault.is_unlocked:
            self._render_unlocked()
        else:
            self._render_locked()

    async def _forget(self, _event: Any) -> None:
        await self._vault.forget()
        await self.render()
        await self._changed("changed")


def _download(data: bytes, filename: str) -> None:
    options = to_js({"type": "application/json"}, dict_converter=js.Object.fromEntries)
    blob = js.Blob.new(to_js([to_js(data)]), options)
    url = js.URL.createObjectURL(blob)
    link = js.document.createElement("a")
    link.href, link.download = url, filename
    js.document.body.appendChild(link)
    link.click()
    link.remove()
    js.setTimeout(create_once_callable(lambda: js.URL.revokeObjectURL(url)), 1000)
