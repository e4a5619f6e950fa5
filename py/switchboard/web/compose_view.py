"""The compose screen: one prompt, the chosen providers, and an answer card per provider as it streams.

Each answer runs as its own task, so a slow or failing provider never holds up the others; "Stop"
cancels that task, which aborts its fetch. Model output is only ever set as text, never as HTML.
"""

from __future__ import annotations

import asyncio
import html
import json
from typing import Any

import js

from switchboard.answer import DEFAULT_MODELS, AnswerProgress
from switchboard.chat import ChatRequest, Message
from switchboard.errors import ProviderError
from switchboard.providers import Provider, get
from switchboard.service import Timeouts, list_models, stream_chat
from switchboard.vault import EntryRef, UnknownEntry, Vault, VaultError, VaultLocked
from switchboard.web.dom import absent, by_id, create, on
from switchboard.web.fetch import FetchTransport

CHOSEN = "switchboard.providers"  # which boxes were ticked last time (not secret)
MODEL = "switchboard.model."  # + provider id: the model last used with it
TIMEOUTS = {"connect": "connect-timeout", "idle": "idle-timeout"}  # Timeouts field -> input id
TIMEOUT_SETTING = "switchboard.timeout."  # + field name

MODEL_ROW = """
<div class="model-row" data-provider="{id}">
  <label for="model-{id}">{name} model</label>
  <input id="model-{id}" list="models-{id}" autocomplete="off" spellcheck="false" placeholder="{default}">
  <datalist id="models-{id}"></datalist>
  <button type="button" class="list-models">List models</button>
  <span class="model-message" aria-live="polite"></span>
</div>"""


def _stored(key: str) -> str | None:
    value = js.localStorage.getItem(key)
    return None if absent(value) else str(value)


class ComposeView:
    """Owns #compose and #answers."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault
        self._transport = FetchTransport()
        self._running: dict[str, asyncio.Task[None]] = {}
        self._boxes = list(js.document.querySelectorAll('#provider-list input[name="provider"]'))
        chosen = set(json.loads(_stored(CHOSEN) or "[]"))
        for box in self._boxes:
            box.checked = str(box.value) in chosen
            on(box, "change", self._chosen_changed)
        by_id("provider-list").disabled = False
        on(by_id("prompt"), "input", lambda _e: self._update_send())
        on(by_id("send"), "click", self._send)
        on(by_id("prompt"), "keydown", self._shortcut)
        for name in TIMEOUTS:
            self._bind_timeout(name)
        self._render_models()
        self._update_send()

    def _bind_timeout(self, name: str) -> None:
        field = by_id(TIMEOUTS[name])
        field.value = _stored(TIMEOUT_SETTING + name) or field.value
        field.disabled = False

        def remember(_event: Any) -> None:
            if field.checkValidity() and str(field.value):
                js.localStorage.setItem(TIMEOUT_SETTING + name, str(field.value))

        on(field, "change", remember)

    def _timeouts(self) -> Timeouts:
        """The user's limits; a field left empty or invalid falls back to the default."""
        chosen = {}
        for name, element_id in TIMEOUTS.items():
            field = by_id(element_id)
            if field.checkValidity() and str(field.value):
                chosen[name] = float(field.value)
        return Timeouts(**chosen)

    def _chosen(self) -> list[Provider]:
        return [get(str(box.value)) for box in self._boxes if box.checked]

    def _chosen_changed(self, _event: Any) -> None:
        js.localStorage.setItem(CHOSEN, json.dumps([p.id for p in self._chosen()]))
        self._render_models()
        self._update_send()

    def _render_models(self) -> None:
        area = by_id("model-choices")
        keep = {str(row.dataset.provider) for row in area.querySelectorAll(".model-row")}
        chosen = self._chosen()
        for row in list(area.querySelectorAll(".model-row")):
            if str(row.dataset.provider) not in {p.id for p in chosen}:
                row.remove()
        for provider in chosen:
            if provider.id in keep:
                continue
            area.insertAdjacentHTML("beforeend", MODEL_ROW.format(
                id=provider.id, name=html.escape(provider.display_name),
                default=html.escape(DEFAULT_MODELS.get(provider.id, "model id"), quote=True)))
            field = by_id(f"model-{provider.id}")
            field.value = _stored(MODEL + provider.id) or ""
            self._bind_model_row(provider, area.querySelector(f'.model-row[data-provider="{provider.id}"]'))

    def _bind_model_row(self, provider: Provider, row: Any) -> None:
        on(row.querySelector(".list-models"), "click", lambda _e: self._list_models(provider, row))

    def _update_send(self) -> None:
        prompt = str(by_id("prompt").value).strip()
        by_id("send").disabled = not prompt or not self._chosen()

    def _shortcut(self, event: Any) -> None:
        if event.key == "Enter" and (event.ctrlKey or event.metaKey):
            event.preventDefault()
            if not by_id("send").disabled:
                self._spawn(self._send(None))

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._pending = task  # referenced: the loop keeps only weak references

    def _model(self, provider: Provider) -> str:
        chosen = str(by_id(f"model-{provider.id}").value).strip()
        if chosen:
            js.localStorage.setItem(MODEL + provider.id, chosen)
        return chosen or DEFAULT_MODELS.get(provider.id, "")

    async def _key(self, provider: Provider) -> str:
        """The key to call provider with; raises ProviderError(auth) in words when there is none."""
        try:
            return (await self._vault.get_credential(EntryRef.provider(provider.id))).key
        except UnknownEntry:
            if not provider.needs_key:
                return ""
            raise provider.error("auth", lead=f"No {provider.display_name} key yet: add one under API keys.") from None
        except VaultLocked:
            raise provider.error("auth", lead="The vault is locked: unlock it to use your saved keys.") from None

    async def _list_models(self, provider: Provider, row: Any) -> None:
        message = row.querySelector(".model-message")
        message.textContent = "Asking…"
        try:
            models = await list_models(self._transport, provider, await self._key(provider))
        except ProviderError as exc:
            message.textContent = exc.message
            return
        options = by_id(f"models-{provider.id}")
        options.replaceChildren(*[create("option", value=m.id) for m in models[:500]])
        message.textContent = f"{len(models)} models: pick one in the field."

    async def _send(self, _event: Any) -> None:
        prompt = str(by_id("prompt").value).strip()
        if not prompt:
            return
        request_for = {p.id: ChatRequest(model=self._model(p), messages=[Message("user", prompt)])
                       for p in self._chosen()}
        cards = []
        for provider in self._chosen():
            if provider.id in self._running:
                self._running.pop(provider.id).cancel()
            card = self._card(provider, request_for[provider.id].model)
            cards.append(card)
            self._running[provider.id] = asyncio.ensure_future(self._answer(provider, request_for[provider.id], card))
        by_id("answers").prepend(*cards)  # newest round on top, in the order the providers are listed

    def _card(self, provider: Provider, model: str) -> Any:
        card = create("article", class_="answer", aria_label=f"{provider.display_name} answer")
        head = create("header", class_="answer-head")
        head.append(create("strong", provider.display_name), create("span", f" {model}", class_="muted"))
        stop = create("button", "Stop", type="button", class_="answer-stop")
        head.append(stop)
        card.append(head, create("div", class_="answer-text"), create("p", "Sending…", class_="answer-meta"))
        on(stop, "click", lambda _e: self._stop(provider.id))
        return card

    def _stop(self, provider_id: str) -> None:
        task = self._running.pop(provider_id, None)
        if task is not None:
            task.cancel()

    def _forget_task(self, provider_id: str) -> None:
        """Drop this task's entry, unless a newer answer for the same provider already replaced it."""
        if self._running.get(provider_id) is asyncio.current_task():
            del self._running[provider_id]

    async def _answer(self, provider: Provider, request: ChatRequest, card: Any) -> None:
        text_node, meta = card.querySelector(".answer-text"), card.querySelector(".answer-meta")
        clock = js.performance.now
        progress = AnswerProgress(started_at=clock() / 1000)
        try:
            key = await self._key(provider)
        except (ProviderError, VaultError) as exc:
            # Nothing was sent, so there is no timing to report.
            card.querySelector(".answer-stop").remove()
            card.classList.add("failed")
            meta.textContent = exc.message if isinstance(exc, ProviderError) else str(exc)
            self._forget_task(provider.id)
            return
        try:
            meta.textContent = "Waiting for the first token…"
            async for event in stream_chat(self._transport, provider, request, key, timeouts=self._timeouts()):
                added = progress.feed(event, clock() / 1000)
                if added:
                    text_node.append(added)
                    meta.textContent = "Streaming…"
        except ProviderError as exc:
            progress.error = exc
        except asyncio.CancelledError:
            progress.finish(clock() / 1000)
            meta.textContent = " · ".join(filter(None, ["Stopped", progress.summary()]))
            raise
        finally:
            card.querySelector(".answer-stop").remove()
            self._forget_task(provider.id)
        progress.finish(clock() / 1000)
        summary = progress.summary()
        if progress.error is not None:
            card.classList.add("failed")
            meta.textContent = f"{progress.error.message}{' · ' + summary if summary else ''}"
        else:
            meta.textContent = summary or "Done."
