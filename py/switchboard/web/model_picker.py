"""Which models a prompt goes to: provider boxes, any number of models per provider, saved model sets.

Ticking a provider adds its last-used (or default) model; more come from the provider's model list
(fetched on request, cached with its date, filtered as you type by the browser's datalist) or are
typed by hand. The picks persist per provider; named sets of (provider, model) pairs are saved,
applied and deleted. All listeners are delegated: rows come and go without a proxy each.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import js

from switchboard.answer import DEFAULT_MODELS
from switchboard.errors import ProviderError
from switchboard.escaping import Markup
from switchboard.http import Transport
from switchboard.run import ENDPOINT, Target
from switchboard.service import list_models
from switchboard.settings import (
    CHOSEN_PROVIDERS,
    MODEL_SETS,
    ModelList,
    Settings,
    cached_models,
    chosen_models,
    last_model,
)
from switchboard.vault import EntryRef, Vault, VaultError
from switchboard.web.dom import absent, append_html, by_id, create, on, set_html, spawn

ROW = Markup("""
<div class="model-row" data-slot="{slot}" role="group" aria-label="Models for {name}">
  <ul class="model-chips"></ul>
  <label for="model-{dom}">{name} model</label>
  <input id="model-{dom}" class="model-input" list="models-{dom}" autocomplete="off" spellcheck="false"
    placeholder="{placeholder}">
  <datalist id="models-{dom}"></datalist>
  <button type="button" class="model-add">Add model</button>
  <button type="button" class="list-models">List models</button>
  <span class="model-message" aria-live="polite"></span>
</div>""")

CHIP = Markup("""<li data-model="{model}"><span>{model}</span>
<button type="button" class="model-remove" aria-label="Remove {model}" title="Remove">×</button></li>""")
SET_OPTION = Markup('<option value="{name}">{name}</option>')
NO_SET = Markup('<option value="">Choose a saved set…</option>')

Credentials = Callable[[Target], Awaitable[tuple[str, str | None]]]


def _dom(slot: str) -> str:
    return slot.replace(":", "-")


def _name(slot: str) -> str:
    return Target(slot, "").source


class ModelPicker:
    """Owns #provider-list, #model-choices and #model-sets."""

    def __init__(self, settings: Settings, vault: Vault, transport: Transport, credentials: Credentials,
                 changed: Callable[[], None]) -> None:
        self._settings = settings
        self._vault = vault
        self._transport = transport
        self._credentials = credentials
        self._changed = changed  # the chosen targets changed: Send may enable or disable
        chosen = self._chosen()
        for box in self._boxes():
            box.checked = str(box.value) in chosen
        on(by_id("provider-list"), "change", self._ticked)
        on(by_id("model-choices"), "click", self._clicked)
        on(by_id("model-choices"), "keydown", self._key)
        on(by_id("model-set-use"), "click", lambda _e: self._use_set())
        on(by_id("model-set-save"), "click", lambda _e: self._save_set())
        on(by_id("model-set-delete"), "click", lambda _e: self._delete_set())
        for element_id in ("provider-list", "model-set", "model-set-name", "model-set-use", "model-set-save",
                           "model-set-delete"):
            by_id(element_id).disabled = False
        self._render_rows()
        self._render_sets()
        on(js.window, "storage", self._stored)

    def _stored(self, event: Any) -> None:
        """Another tab changed a provider's models, its model list or the saved sets: a Send here asks the
        models stored, so the chips must show them (they showed what this tab last drew). What is being
        typed here stays; a null key: storage cleared."""
        key = None if absent(event.key) else str(event.key)
        for slot in self._slots():
            if key in (None, chosen_models(slot).key, last_model(slot).key):
                self._render_chips(slot)
                self._changed()
            if key in (None, cached_models(slot).key):
                cached = self._settings.get(cached_models(slot))
                if cached is not None:
                    self._fill_list(slot, cached)
        if key in (None, MODEL_SETS.key):
            self._refresh_sets()

    # --- providers --------------------------------------------------------------------------------

    def _boxes(self) -> list[Any]:
        return list(js.document.querySelectorAll('#provider-list input[name="provider"]'))

    def _chosen(self) -> set[str]:
        """The ticked providers and endpoints as stored, those not shown now (a locked vault's) included."""
        chosen: list[str] = self._settings.get(CHOSEN_PROVIDERS)
        return set(chosen)

    def _slots(self) -> list[str]:
        return [str(box.value) for box in self._boxes() if box.checked]

    async def show_endpoints(self) -> None:
        """List the custom endpoints the vault can use now (call after it unlocks, locks or changes)."""
        try:
            endpoints = [str(i.ref) for i in await self._vault.entries() if i.ref.kind == "endpoint"]
        except VaultError:
            endpoints = []
        for box in self._boxes():
            if str(box.value).startswith(ENDPOINT) and str(box.value) not in endpoints:
                box.closest("label").remove()
        shown = {str(box.value) for box in self._boxes()}
        # Read each time, not kept: Forget vault, or another tab, may have changed the ticks since.
        chosen = self._chosen()
        for slot in endpoints:
            if slot in shown:
                continue
            box = create("input", type="checkbox", name="provider", value=slot)
            box.checked = slot in chosen
            label = create("label", class_="provider endpoint")
            label.append(box, f" {EntryRef.parse(slot).id}")
            by_id("provider-list").append(label)
        self._render_rows()
        self._refresh_sets()  # Forget vault takes a forgotten endpoint's models out of the sets

    def _ticked(self, _event: Any) -> None:
        # Endpoints absent while the vault is locked keep their tick for when they come back.
        shown = {str(box.value) for box in self._boxes()}
        chosen = (self._chosen() - shown) | set(self._slots())
        self._settings.set(CHOSEN_PROVIDERS, sorted(chosen))
        self._render_rows()

    # --- models per provider ----------------------------------------------------------------------

    def _models(self, slot: str) -> list[str]:
        models = self._settings.get(chosen_models(slot))
        if models is not None:  # the user's picks, even none at all
            return models
        first = self._settings.get(last_model(slot)) or DEFAULT_MODELS.get(slot, "")
        return [first] if first else []

    def _set_models(self, slot: str, models: list[str]) -> None:
        with contextlib.suppress(ValueError):  # more than the setting holds: used now, not remembered
            self._settings.set(chosen_models(slot), models)
        if models:
            with contextlib.suppress(ValueError):
                self._settings.set(last_model(slot), models[-1])
        self._render_chips(slot)
        self._changed()

    def _render_rows(self) -> None:
        area = by_id("model-choices")
        slots = self._slots()
        for row in list(area.querySelectorAll(".model-row")):
            if str(row.dataset.slot) not in slots:
                row.remove()
        present = {str(row.dataset.slot) for row in area.querySelectorAll(".model-row")}
        for slot in slots:
            if slot in present:
                continue
            placeholder = "model id, or List models" if slot.startswith(ENDPOINT) else "another model id"
            append_html(area, ROW.fill(slot=slot, dom=_dom(slot), name=_name(slot), placeholder=placeholder))
            self._render_chips(slot)
            cached = self._settings.get(cached_models(slot))
            if cached is not None:
                self._fill_list(slot, cached)
        self._changed()

    def _row(self, slot: str) -> Any:
        return js.document.querySelector(f'#model-choices .model-row[data-slot="{slot}"]')

    def _render_chips(self, slot: str) -> None:
        row = self._row(slot)
        if absent(row):
            return
        set_html(row.querySelector(".model-chips"), Markup.concat(CHIP.fill(model=m) for m in self._models(slot)))

    def _fill_list(self, slot: str, models: ModelList) -> None:
        row = self._row(slot)
        if absent(row):
            return
        by_id(f"models-{_dom(slot)}").replaceChildren(*[create("option", value=m) for m in models.ids[:2000]])
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(models.fetched_at))
        row.querySelector(".model-message").textContent = (
            f"{len(models.ids)} models listed {when}: type to filter, or List models to refresh.")

    def _add_typed(self, slot: str) -> bool:
        """Add what the row's field holds as a model; False if it held nothing."""
        field = by_id(f"model-{_dom(slot)}")
        model = str(field.value).strip()
        if not model:
            return False
        models = self._models(slot)
        if model not in models:
            self._set_models(slot, [*models, model])
        field.value = ""
        return True

    def _clicked(self, event: Any) -> None:
        # Synchronous on purpose: an add must read the field before the next keystroke can change it.
        button = event.target.closest("button")
        row = event.target.closest(".model-row")
        if absent(button) or absent(row):
            return
        slot = str(row.dataset.slot)
        kind = str(button.className)
        if kind == "model-add":
            self._add_typed(slot)
        elif kind == "model-remove":
            model = str(button.closest("li").dataset.model)
            self._set_models(slot, [m for m in self._models(slot) if m != model])
        elif kind == "list-models":
            spawn(self._list_models(slot, row))

    def _key(self, event: Any) -> None:
        if event.key == "Enter" and not (event.ctrlKey or event.metaKey) and not absent(
                event.target.closest(".model-input")):
            event.preventDefault()
            self._add_typed(str(event.target.closest(".model-row").dataset.slot))

    async def _list_models(self, slot: str, row: Any) -> None:
        message = row.querySelector(".model-message")
        message.textContent = "Asking…"
        target = Target(slot, "")
        try:
            key, base_url = await self._credentials(target)
            models = await list_models(self._transport, target.provider_id, key, base_url)
        except ProviderError as exc:
            message.textContent = exc.message
            return
        listing = ModelList(time.time(), tuple(m.id for m in models))
        with contextlib.suppress(ValueError):  # a list too large to remember is still shown
            self._settings.set(cached_models(slot), listing)
        self._fill_list(slot, listing)

    def targets(self) -> list[Target]:
        """The (provider, model) pairs to ask, in the order shown; a model typed but not added counts."""
        chosen = []
        for slot in self._slots():
            self._add_typed(slot)
            chosen += [Target(slot, model) for model in self._models(slot)]
        return chosen

    def chosen(self) -> list[Target]:
        """What `targets` would return, without adding a typed model (for the estimate while typing)."""
        chosen = []
        for slot in self._slots():
            models = self._models(slot)
            typed = str(by_id(f"model-{_dom(slot)}").value).strip() if not absent(self._row(slot)) else ""
            chosen += [Target(slot, model) for model in (models if not typed or typed in models else [*models, typed])]
        return chosen

    def has_targets(self) -> bool:
        return any(self._models(slot) or str(by_id(f"model-{_dom(slot)}").value).strip()
                   for slot in self._slots() if not absent(self._row(slot)))

    # --- saved sets -------------------------------------------------------------------------------

    def _refresh_sets(self) -> None:
        """Draw the saved sets as stored, keeping the one chosen while it is still there."""
        chosen = str(by_id("model-set").value)
        self._render_sets(chosen if chosen in self._settings.get(MODEL_SETS) else "")

    def _render_sets(self, selected: str = "") -> None:
        sets = self._settings.get(MODEL_SETS)
        picker = by_id("model-set")
        set_html(picker, Markup.concat([NO_SET, *(SET_OPTION.fill(name=name) for name in sets)]))
        picker.value = selected

    def _say(self, text: str) -> None:
        by_id("model-set-message").textContent = text

    def _save_set(self) -> None:
        name = str(by_id("model-set-name").value).strip()
        targets = self.targets()
        if not name or not targets:
            self._say("Name the set, and pick at least one model first.")
            return
        sets = {**self._settings.get(MODEL_SETS), name: [[t.slot, t.model] for t in targets]}
        try:
            self._settings.set(MODEL_SETS, sets)
        except ValueError as exc:
            self._say(f"Not saved: {exc}.")
            return
        by_id("model-set-name").value = ""
        self._render_sets(name)
        self._say(f"Saved the set “{name}” ({len(targets)} models).")

    def _use_set(self) -> None:
        name = str(by_id("model-set").value)
        pairs = self._settings.get(MODEL_SETS).get(name)
        if not pairs:
            self._say("Choose a saved set first.")
            return
        by_slot: dict[str, list[str]] = {}
        for slot, model in pairs:
            by_slot.setdefault(slot, []).append(model)
        shown = {str(box.value) for box in self._boxes()}
        missing = sorted(set(by_slot) - shown)
        for box in self._boxes():
            box.checked = str(box.value) in by_slot
        for slot, models in by_slot.items():
            if slot in shown:
                with contextlib.suppress(ValueError):
                    self._settings.set(chosen_models(slot), models)
        self._ticked(None)
        for slot in by_slot:
            self._render_chips(slot)
        absent_note = f" Not available now: {', '.join(missing)}." if missing else ""
        self._say(f"Using the set “{name}”.{absent_note}")

    def _delete_set(self) -> None:
        name = str(by_id("model-set").value)
        sets = self._settings.get(MODEL_SETS)
        if name not in sets:
            self._say("Choose a saved set first.")
            return
        self._settings.set(MODEL_SETS, {k: v for k, v in sets.items() if k != name})
        self._render_sets()
        self._say(f"Deleted the set “{name}”.")
