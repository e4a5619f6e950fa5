"""The "API keys" dialog: one row per provider to save, replace, test or remove its key.

Keys typed here go straight into the vault and the field is emptied; the page only ever shows the
masked form (`•••• abcd`). A locked vault empties the dialog, so nothing decrypted stays in the DOM.
"""

from __future__ import annotations

from typing import Any

from switchboard.errors import ProviderError
from switchboard.escaping import escape
from switchboard.providers import Provider, all_providers
from switchboard.service import check_key
from switchboard.vault import EntryRef, KeyInfo, UnknownEntry, Vault, VaultError, VaultLocked
from switchboard.web.dom import by_id, on
from switchboard.web.fetch import FetchTransport

ADVICE = """
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
</section>"""

ENDPOINT = """
<li data-endpoint="{id}"><strong>{name}</strong> <span class="muted">{url}</span>
  <span class="key-status">{status}</span>
  <button type="button" class="endpoint-test">Test key</button>
  <button type="button" class="endpoint-remove">Remove</button>
  <span class="key-message" aria-live="polite"></span></li>"""

ROW = """
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
</form>"""


def _links(provider: Provider) -> str:
    if not provider.key_page_url:
        return ""
    url = escape(provider.key_page_url)
    return f'<a href="{url}" target="_blank" rel="noopener noreferrer">Get or revoke a key</a>'


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
    """Owns #keys-dialog; rows are rebuilt on open and emptied on lock."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._dialog = by_id("keys-dialog")
        self._providers = [p for p in all_providers() if p.id != "openai-compatible"]
        on(by_id("open-keys"), "click", self.open)
        on(self._dialog, "close", lambda _e: self.clear())

    @property
    def is_open(self) -> bool:
        return bool(self._dialog.open)

    async def open(self, _event: Any = None) -> None:
        await self.refresh()
        if not self._dialog.open:
            self._dialog.showModal()

    def clear(self) -> None:
        by_id("keys-body").innerHTML = ""

    async def close(self) -> None:
        if self._dialog.open:
            self._dialog.close()
        self.clear()

    async def refresh(self) -> None:
        body = by_id("keys-body")
        body.innerHTML = ADVICE
        by_id("keys-state").textContent = await self._state_text()
        rows = by_id("keys-rows")
        rows.innerHTML = "".join(
            ROW.format(id=p.id, name=escape(p.display_name), links=_links(p),
                       placeholder="Optional" if not p.needs_key else "Paste a key")
            for p in self._providers)
        for provider in self._providers:
            self._bind_row(provider)
        on(by_id("endpoint-form"), "submit", self._save_endpoint)
        await self._show_entries()

    def _bind_row(self, provider: Provider) -> None:
        form = self._dialog.querySelector(f'form[data-provider="{provider.id}"]')
        on(form, "submit", lambda event: self._save(event, provider))
        on(form.querySelector(".key-test"), "click", lambda _event: self._test(provider))
        on(form.querySelector(".key-remove"), "click", lambda _event: self._remove(provider))

    async def _state_text(self) -> str:
        if self._vault.is_unlocked:
            return "Vault unlocked: saved keys are encrypted."
        if await self._vault.exists():
            return "The vault is locked: unlock it to save keys, or use a key for this session only."
        return "No vault yet: create one to save keys, or use a key for this session only."

    async def _show_entries(self) -> None:
        try:
            infos = {i.ref: i for i in await self._vault.entries()}
        except VaultLocked:
            infos = {}
        for provider in self._providers:
            info = infos.get(EntryRef.provider(provider.id))
            by_id(f"key-status-{provider.id}").textContent = _status_text(info)
        endpoints = [i for i in infos.values() if i.ref.kind == "endpoint"]
        listing = by_id("endpoint-list")
        listing.innerHTML = "".join(
            ENDPOINT.format(id=escape(i.ref.id), name=escape(i.ref.id),
                            url=escape(i.base_url or ""), status=escape(_status_text(i)))
            for i in endpoints)
        for info in endpoints:
            item = listing.querySelector(f'li[data-endpoint="{info.ref.id}"]')
            self._bind_endpoint(item, info.ref)

    def _bind_endpoint(self, item: Any, ref: EntryRef) -> None:
        message = item.querySelector(".key-message")
        on(item.querySelector(".endpoint-test"), "click", lambda _e: self._test_endpoint(ref, message))
        on(item.querySelector(".endpoint-remove"), "click", lambda _e: self._remove_endpoint(ref, message))

    async def _save_endpoint(self, _event: Any) -> None:
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
        await self._show_entries()
        _tell(by_id("endpoint-message"), "Endpoint saved.")

    async def _test_endpoint(self, ref: EntryRef, message: Any) -> None:
        try:
            credential = await self._vault.get_credential(ref)
        except VaultError as exc:
            _tell(message, str(exc), error=True)
            return
        _tell(message, "Testing…")
        try:
            await check_key(FetchTransport(), "openai-compatible", credential.key, credential.base_url)
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
        await self._show_entries()

    def _say(self, provider: Provider, text: str, error: bool = False) -> None:
        _tell(by_id(f"key-message-{provider.id}"), text, error)

    async def _save(self, event: Any, provider: Provider) -> None:
        form = event.target
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
            await check_key(FetchTransport(), provider, credential.key, credential.base_url)
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
