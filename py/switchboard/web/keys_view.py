"""The "API keys" dialog: one row per provider to save, replace, test or remove its key.

Keys typed here go straight into the vault and the field is emptied; the page only ever shows the
masked form (`•••• abcd`), and only while the vault can read it. The rows are built when the dialog
opens and emptied when it closes; in between, a refresh (unlock, lock, another tab's change) only
rewrites statuses, so nothing the user is typing is lost. Two listeners on the dialog's body serve
every row (event delegation), so re-rendering creates no listeners.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from switchboard.errors import ProviderError
from switchboard.escaping import Markup
from switchboard.http import Transport
from switchboard.providers import Provider, all_providers
from switchboard.service import check_key
from switchboard.vault import EntryRef, KeyInfo, UnknownEntry, Vault, VaultError, VaultLocked
from switchboard.web.dom import absent, by_id, on, set_html

ADVICE = Markup("""
<details class="advice" open><summary>How your keys are kept, and the risks</summary>
<ul>
  <li>Saved keys are encrypted with your master password (AES-256-GCM, key derived with 600,000 rounds
  of PBKDF2) before they are stored in this browser. Switchboard has no server: a key is decrypted
  only to call its provider, directly from this page.</li>
  <li>While the vault is unlocked, anything that can run code in this page (a malicious browser
  extension, a compromised copy of this site) could read your keys. Lock the vault when you step
  away, and do not unlock it on a shared computer.</li>
  <li>Best practice: set a monthly spend limit at each provider, create a key just for Switchboard
  (scoped to the models you use where the provider allows it), and revoke it at once if you think
  it leaked. The links beside each provider go to its key page.</li>
  <li>"This session only" keeps a key in memory until you lock or reload, never on disk.</li>
</ul>
</details>
<p id="keys-state" class="muted"></p>
<div id="keys-rows"></div>
<section class="endpoints" aria-labelledby="endpoints-title">
  <h3 id="endpoints-title">Custom endpoints (OpenAI-compatible)</h3>
  <p class="muted">LM Studio, vLLM, llama.cpp, LocalAI or any server with the OpenAI chat API. Servers
  on localhost work as they are; a remote server must also be allowed by this site's
  Content-Security-Policy (docs/deploy.md says how).</p>
  <ul id="endpoint-list" class="endpoint-list"></ul>
  <form id="endpoint-form" class="endpoint-form" novalidate>
    <div class="field"><label for="endpoint-name">Endpoint name</label>
      <input id="endpoint-name" autocomplete="off" spellcheck="false" placeholder="lm-studio"></div>
    <div class="field"><label for="endpoint-url">Base URL</label>
      <input id="endpoint-url" type="url" autocomplete="off" spellcheck="false"
        placeholder="http://127.0.0.1:1234/v1"></div>
    <div class="field"><label for="endpoint-key">Endpoint API key</label>
      <input id="endpoint-key" type="password" autocomplete="off" spellcheck="false"
        placeholder="Any text if the server needs no key"></div>
    <label><input type="checkbox" id="endpoint-session"> This session only</label>
    <button type="submit">Save endpoint</button>
    <p id="endpoint-message" class="key-message" aria-live="polite"></p>
  </form>
</section>""")

ENDPOINT = Markup("""
<li data-endpoint="{id}"><strong>{name}</strong> <span class="muted">{url}</span>
  <span class="key-status">{status}</span>
  <button type="button" class="endpoint-test">Test key</button>
  <button type="button" class="endpoint-remove">Remove</button>
  <span class="key-message" aria-live="polite"></span></li>""")

ROW = Markup("""
<form class="key-row" data-provider="{id}" novalidate>
  <div class="key-head"><strong>{name}</strong> <span class="key-status" id="key-status-{id}"></span></div>
  <div class="key-input">
    <label for="key-{id}">{name} API key</label>
    <input id="key-{id}" type="password" autocomplete="off" spellcheck="false" placeholder="{placeholder}">
    <button type="submit">Save key</button>
  </div>
  <div class="key-tools">
    <label><input type="checkbox" class="key-session"> This session only</label>
    <button type="button" class="key-test">Test key</button>
    <button type="button" class="key-remove">Remove</button>
    {links}
  </div>
  <p class="key-message" id="key-message-{id}" aria-live="polite"></p>
</form>""")



def _links(provider: Provider) -> Markup:
    if not provider.key_page_url:
        return Markup("")
    return Markup('<a href="{url}" target="_blank" rel="noopener noreferrer">Get or revoke a key</a>').fill(
        url=provider.key_page_url)


def _status_text(info: KeyInfo | None) -> str:
    if info is None:
        return "No key"
    if info.damaged:
        return "Damaged record: remove it and enter the key again"
    return f"{info.masked}{' (this session only)' if info.session else ''}"


def _tell(node: Any, text: str, error: bool = False) -> None:
    node.textContent = text
    node.className = "key-message error" if error else "key-message ok"


class KeysDialog:
    """Owns #keys-dialog: rows built on open, statuses refreshed in place, everything emptied on close."""

    def __init__(self, vault: Vault, transport: Transport, changed: Callable[[], Awaitable[None]]) -> None:
        self._vault = vault
        self._changed = changed  # tells the other tabs and views that the stored keys changed
        self._transport = transport
        self._dialog = by_id("keys-dialog")
        self._body = by_id("keys-body")
        self._providers = {p.id: p for p in all_providers() if p.id != "openai-compatible"}
        on(by_id("open-keys"), "click", self.open)
        on(self._dialog, "close", lambda _e: self.clear())
        on(self._body, "submit", self._submitted)
        on(self._body, "click", self._clicked)
        self._listing = Markup("")

    @property
    def is_open(self) -> bool:
        return bool(self._dialog.open)

    async def open(self, _event: Any = None) -> None:
        if not self._dialog.open:
            self._build()
            self._dialog.showModal()
        await self.refresh()

    def clear(self) -> None:
        set_html(self._body, Markup(""))
        self._listing = Markup("")

    async def close(self) -> None:
        if self._dialog.open:
            self._dialog.close()
        self.clear()

    def _build(self) -> None:
        rows = Markup.concat(
            ROW.fill(id=p.id, name=p.display_name, links=_links(p),
                     placeholder="Optional" if not p.needs_key else "Paste a key")
            for p in self._providers.values())
        set_html(self._body, ADVICE)
        set_html(by_id("keys-rows"), rows)

    async def refresh(self) -> None:
        """Rewrite the state line, the statuses and the endpoint list; typed input stays as it is."""
        if not self.is_open:
            return
        state = await self._state_text()
        try:
            infos = {i.ref: i for i in await self._vault.entries()}
        except VaultLocked:
            infos = {}
        if not self.is_open:  # closed (and emptied) while the vault was read: nothing left to update
            return
        by_id("keys-state").textContent = state
        for provider in self._providers.values():
            by_id(f"key-status-{provider.id}").textContent = _status_text(infos.get(EntryRef.provider(provider.id)))
        listing = Markup.concat(
            ENDPOINT.fill(id=i.ref.id, name=i.ref.id, url=i.base_url or "", status=_status_text(i))
            for i in infos.values() if i.ref.kind == "endpoint")
        if listing != self._listing:  # unchanged: keep each item's message (e.g. a test's result)
            self._listing = listing
            set_html(by_id("endpoint-list"), listing)

    async def _state_text(self) -> str:
        if self._vault.is_unlocked:
            return "Vault unlocked: saved keys are encrypted."
        if await self._vault.exists():
            return "The vault is locked: unlock it to save keys, or use a key for this session only."
        return "No vault yet: create one to save keys, or use a key for this session only."

    # --- events, delegated from the body ----------------------------------------------------------

    async def _submitted(self, event: Any) -> None:
        form = event.target
        if str(form.id) == "endpoint-form":
            await self._save_endpoint()
        elif str(form.dataset.provider) in self._providers:
            await self._save(form, self._providers[str(form.dataset.provider)])

    async def _clicked(self, event: Any) -> None:
        button = event.target.closest("button")
        if absent(button):
            return
        action = str(button.className)
        item = button.closest("li[data-endpoint]")
        if not absent(item):
            ref = EntryRef.endpoint(str(item.dataset.endpoint))
            message = item.querySelector(".key-message")
            if action == "endpoint-test":
                await self._test_endpoint(ref, message)
            elif action == "endpoint-remove":
                await self._remove_endpoint(ref, message)
            return
        form = button.closest("form[data-provider]")
        provider = None if absent(form) else self._providers.get(str(form.dataset.provider))
        if provider is None:
            return
        if action == "key-test":
            await self._test(provider)
        elif action == "key-remove":
            await self._remove(provider)

    async def _save_endpoint(self) -> None:
        message = by_id("endpoint-message")
        name, url, field = by_id("endpoint-name"), by_id("endpoint-url"), by_id("endpoint-key")
        session = bool(by_id("endpoint-session").checked)
        if not session and not self._vault.is_unlocked:
            _tell(message, "Unlock the vault to save endpoints, or tick \"This session only\".", error=True)
            return
        try:
            await self._vault.set_endpoint_key(str(name.value).strip(), str(url.value).strip(), str(field.value),
                                               session=session)
        except VaultError as exc:
            _tell(message, str(exc), error=True)
            return
        name.value = url.value = field.value = ""
        await self._changed()
        _tell(by_id("endpoint-message"), "Endpoint saved.")

    async def _test_endpoint(self, ref: EntryRef, message: Any) -> None:
        try:
            credential = await self._vault.get_credential(ref)
        except VaultError as exc:
            _tell(message, str(exc), error=True)
            return
        _tell(message, "Testing…")
        try:
            await check_key(self._transport, "openai-compatible", credential.key, credential.base_url)
        except ProviderError as exc:
            _tell(message, f"It failed: {exc.message}", error=True)
            return
        _tell(message, "The endpoint answered and accepted the key.")

    async def _remove_endpoint(self, ref: EntryRef, message: Any) -> None:
        try:
            await self._vault.remove_key(ref)
        except VaultError as exc:
            _tell(message, str(exc), error=True)
            return
        await self._changed()

    def _say(self, provider: Provider, text: str, error: bool = False) -> None:
        _tell(by_id(f"key-message-{provider.id}"), text, error)

    async def _save(self, form: Any, provider: Provider) -> None:
        field = by_id(f"key-{provider.id}")
        key = str(field.value)
        session = bool(form.querySelector(".key-session").checked)
        if not session and not self._vault.is_unlocked:
            self._say(provider, "Unlock the vault to save keys, or tick \"This session only\".", error=True)
            return
        try:
            info = await self._vault.set_provider_key(provider.id, key, session=session)
        except VaultError as exc:
            self._say(provider, str(exc), error=True)
            return
        field.value = ""
        by_id(f"key-status-{provider.id}").textContent = _status_text(info)
        self._say(provider, "Kept for this session only." if session else "Saved, encrypted.")
        await self._changed()

    async def _test(self, provider: Provider) -> None:
        try:
            credential = await self._vault.get_credential(EntryRef.provider(provider.id))
        except UnknownEntry:
            self._say(provider, "There is no key to test: save one first.", error=True)
            return
        except VaultError as exc:
            self._say(provider, str(exc), error=True)
            return
        self._say(provider, "Testing…")
        try:
            await check_key(self._transport, provider, credential.key, credential.base_url)
        except ProviderError as exc:
            self._say(provider, f"{provider.display_name} refused it: {exc.message}", error=True)
            return
        self._say(provider, f"The key works: {provider.display_name} accepted it.")

    async def _remove(self, provider: Provider) -> None:
        try:
            await self._vault.remove_key(EntryRef.provider(provider.id))
        except VaultError as exc:
            self._say(provider, str(exc), error=True)
            return
        by_id(f"key-status-{provider.id}").textContent = _status_text(None)
        self._say(provider, "Removed.")
        await self._changed()
