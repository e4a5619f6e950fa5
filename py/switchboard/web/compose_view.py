"""The compose screen: one prompt, the chosen providers, and an answer card per provider as it streams.

Each answer runs as its own task, so a slow or failing provider never holds up the others; "Stop"
cancels that task, which aborts its fetch. Model output is only ever set as text, never as HTML.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

import js

from switchboard.answer import DEFAULT_MODELS, AnswerProgress
from switchboard.chat import ChatRequest, Message
from switchboard.errors import ProviderError
from switchboard.escaping import Markup
from switchboard.http import Transport
from switchboard.providers import Provider, get
from switchboard.service import Timeouts, list_models, stream_chat
from switchboard.settings import CHOSEN_PROVIDERS, CONNECT_TIMEOUT, IDLE_TIMEOUT, Setting, Settings, last_model
from switchboard.vault import EntryRef, UnknownEntry, Vault, VaultError, VaultLocked
from switchboard.web.dom import absent, append_html, by_id, create, on, spawn

# Timeouts field -> the input that sets it and the setting that remembers it
TIMEOUTS = {"connect": ("connect-timeout", CONNECT_TIMEOUT), "idle": ("idle-timeout", IDLE_TIMEOUT)}

MODEL_ROW = Markup("""
<div class="model-row" data-slot="{slot}">
  <label for="model-{dom}">{name} model</label>
  <input id="model-{dom}" list="models-{dom}" autocomplete="off" spellcheck="false" placeholder="{default}">
  <datalist id="models-{dom}"></datalist>
  <button type="button" class="list-models">List models</button>
  <span class="model-message" aria-live="polite"></span>
</div>""")


@dataclass(frozen=True, slots=True)
class Target:
    """Where one answer comes from: a built-in provider, or a custom OpenAI-compatible endpoint."""

    slot: str  # "openai" or "endpoint:lm-studio": the checkbox value, DOM ids and remembered settings
    name: str
    provider: Provider
    ref: EntryRef

    @classmethod
    def of(cls, slot: str) -> Target:
        if slot.startswith("endpoint:"):
            ref = EntryRef.parse(slot)
            return cls(slot, ref.id, get("openai-compatible"), ref)
        provider = get(slot)
        return cls(slot, provider.display_name, provider, EntryRef.provider(slot))

    @property
    def dom(self) -> str:
        return self.slot.replace(":", "-")


class ComposeView:
    """Owns #compose and #answers."""

    def __init__(self, vault: Vault, settings: Settings, transport: Transport) -> None:
        self._vault = vault
        self._settings = settings
        self._transport = transport
        self._running: dict[str, asyncio.Task[None]] = {}
        chosen: list[str] = settings.get(CHOSEN_PROVIDERS)
        self._remembered = set(chosen)
        for box in self._boxes():
            box.checked = str(box.value) in self._remembered
        # Delegated listeners: boxes, model rows and answer cards come and go without a proxy each.
        on(by_id("provider-list"), "change", self._chosen_changed)
        on(by_id("model-choices"), "click", self._model_clicked)
        on(by_id("answers"), "click", self._answer_clicked)
        by_id("provider-list").disabled = False
        on(by_id("prompt"), "input", lambda _e: self._update_send())
        on(by_id("send"), "click", self._send)
        on(by_id("prompt"), "keydown", self._shortcut)
        for element_id, setting in TIMEOUTS.values():
            self._bind_timeout(element_id, setting)
        self._render_models()
        self._update_send()

    def _boxes(self) -> list[Any]:
        return list(js.document.querySelectorAll('#provider-list input[name="provider"]'))

    async def show_endpoints(self) -> None:
        """List the custom endpoints the vault can use now (call after it unlocks, locks or changes)."""
        try:
            endpoints = [i.ref for i in await self._vault.entries() if i.ref.kind == "endpoint"]
        except VaultError:
            endpoints = []
        wanted = {str(ref) for ref in endpoints}
        for box in self._boxes():
            if str(box.value).startswith("endpoint:") and str(box.value) not in wanted:
                box.closest("label").remove()
        shown = {str(box.value) for box in self._boxes()}
        for ref in endpoints:
            if str(ref) in shown:
                continue
            box = create("input", type="checkbox", name="provider", value=str(ref))
            box.checked = str(ref) in self._remembered
            label = create("label", class_="provider endpoint")
            label.append(box, f" {ref.id}")
            by_id("provider-list").append(label)
        self._render_models()
        self._update_send()

    def _bind_timeout(self, element_id: str, setting: Setting[float]) -> None:
        field = by_id(element_id)
        field.value = f"{self._settings.get(setting):g}"
        field.disabled = False

        def remember(_event: Any) -> None:
            if field.checkValidity() and str(field.value):
                self._settings.set(setting, float(field.value))

        on(field, "change", remember)

    def _timeouts(self) -> Timeouts:
        """The user's limits; a field left empty or invalid falls back to the default."""
        chosen = {}
        for name, (element_id, _setting) in TIMEOUTS.items():
            field = by_id(element_id)
            if field.checkValidity() and str(field.value):
                chosen[name] = float(field.value)
        return Timeouts(**chosen)

    def _chosen(self) -> list[Target]:
        return [Target.of(str(box.value)) for box in self._boxes() if box.checked]

    def _chosen_changed(self, _event: Any) -> None:
        # Endpoints absent while the vault is locked keep their tick for when they come back.
        shown = {str(box.value) for box in self._boxes()}
        self._remembered = (self._remembered - shown) | {t.slot for t in self._chosen()}
        self._settings.set(CHOSEN_PROVIDERS, sorted(self._remembered))
        self._render_models()
        self._update_send()

    def _render_models(self) -> None:
        area = by_id("model-choices")
        chosen = {t.slot: t for t in self._chosen()}
        for row in list(area.querySelectorAll(".model-row")):
            if str(row.dataset.slot) not in chosen:
                row.remove()
        present = {str(row.dataset.slot) for row in area.querySelectorAll(".model-row")}
        for target in chosen.values():
            if target.slot in present:
                continue
            append_html(area, MODEL_ROW.fill(
                slot=target.slot, dom=target.dom, name=target.name,
                default=DEFAULT_MODELS.get(target.slot, "model id (List models)")))
            by_id(f"model-{target.dom}").value = self._settings.get(last_model(target.slot))

    async def _model_clicked(self, event: Any) -> None:
        button = event.target.closest(".list-models")
        if not absent(button):
            row = button.closest(".model-row")
            await self._list_models(Target.of(str(row.dataset.slot)), row)

    def _update_send(self) -> None:
        prompt = str(by_id("prompt").value).strip()
        by_id("send").disabled = not prompt or not self._chosen()

    def _shortcut(self, event: Any) -> None:
        if event.key == "Enter" and (event.ctrlKey or event.metaKey):
            event.preventDefault()
            if not by_id("send").disabled:
                spawn(self._send(None))

    def _model(self, target: Target) -> str:
        chosen = str(by_id(f"model-{target.dom}").value).strip()
        if chosen:
            with contextlib.suppress(ValueError):  # an id we could not read back is used, not remembered
                self._settings.set(last_model(target.slot), chosen)
        return chosen or DEFAULT_MODELS.get(target.slot, "")

    async def _credential(self, target: Target) -> tuple[str, str | None]:
        """Key and base URL to call target with; raises ProviderError(auth) in words when there is none."""
        provider = target.provider
        try:
            credential = await self._vault.get_credential(target.ref)
        except UnknownEntry:
            if not provider.needs_key:
                return "", None
            raise provider.error("auth", lead=f"No {target.name} key yet: add one under API keys.") from None
        except VaultLocked:
            raise provider.error("auth", lead="The vault is locked: unlock it to use your saved keys.") from None
        return credential.key, credential.base_url

    async def _list_models(self, target: Target, row: Any) -> None:
        message = row.querySelector(".model-message")
        message.textContent = "Asking…"
        try:
            key, base_url = await self._credential(target)
            models = await list_models(self._transport, target.provider, key, base_url)
        except ProviderError as exc:
            message.textContent = exc.message
            return
        options = by_id(f"models-{target.dom}")
        options.replaceChildren(*[create("option", value=m.id) for m in models[:500]])
        message.textContent = f"{len(models)} models: pick one in the field."

    async def _send(self, _event: Any) -> None:
        prompt = str(by_id("prompt").value).strip()
        if not prompt:
            return
        cards = []
        for target in self._chosen():
            if target.slot in self._running:
                self._running.pop(target.slot).cancel()
            request = ChatRequest(model=self._model(target), messages=[Message("user", prompt)])
            card = self._card(target, request.model)
            cards.append(card)
            self._running[target.slot] = spawn(self._answer(target, request, card))
        by_id("answers").prepend(*cards)  # newest round on top, in the order the providers are listed

    def _card(self, target: Target, model: str) -> Any:
        card = create("article", class_="answer", aria_label=f"{target.name} answer", data_slot=target.slot)
        head = create("header", class_="answer-head")
        head.append(create("strong", target.name), create("span", f" {model}", class_="muted"))
        stop = create("button", "Stop", type="button", class_="answer-stop")
        head.append(stop)
        card.append(head, create("div", class_="answer-text"), create("p", "Sending…", class_="answer-meta"))
        return card

    def _answer_clicked(self, event: Any) -> None:
        stop = event.target.closest(".answer-stop")
        if not absent(stop):
            self._stop(str(stop.closest("article").dataset.slot))

    def _stop(self, slot: str) -> None:
        task = self._running.pop(slot, None)
        if task is not None:
            task.cancel()

    def _forget_task(self, slot: str) -> None:
        """Drop this task's entry, unless a newer answer for the same target already replaced it."""
        if self._running.get(slot) is asyncio.current_task():
            del self._running[slot]

    async def _answer(self, target: Target, request: ChatRequest, card: Any) -> None:
        text_node, meta = card.querySelector(".answer-text"), card.querySelector(".answer-meta")
        clock = js.performance.now
        progress = AnswerProgress(started_at=clock() / 1000)
        try:
            key, base_url = await self._credential(target)
        except (ProviderError, VaultError) as exc:
            # Nothing was sent, so there is no timing to report.
            card.querySelector(".answer-stop").remove()
            card.classList.add("failed")
            meta.textContent = exc.message if isinstance(exc, ProviderError) else str(exc)
            self._forget_task(target.slot)
            return
        try:
            meta.textContent = "Waiting for the first token…"
            events = stream_chat(self._transport, target.provider, request, key, base_url=base_url,
                                 timeouts=self._timeouts())
            async for event in events:
                added = progress.feed(event, clock() / 1000)
                if added:
                    text_node.append(added)
                    meta.textContent = "Streaming…"
        except asyncio.CancelledError:
            progress.finish(clock() / 1000)
            meta.textContent = " · ".join(filter(None, ["Stopped", progress.summary()]))
            raise
        finally:
            card.querySelector(".answer-stop").remove()
            self._forget_task(target.slot)
        progress.finish(clock() / 1000)
        summary = progress.summary()
        if progress.error is not None:
            card.classList.add("failed")
            meta.textContent = f"{progress.error.message}{' · ' + summary if summary else ''}"
        else:
            meta.textContent = summary or "Done."
