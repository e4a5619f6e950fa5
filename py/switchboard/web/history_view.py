"""The history dialog: search and filters, pages of saved runs, their actions, export and import.

The list is drawn from `History` pages (never from the DOM): rows are one Markup each, and their
buttons are delegated from the list, so a redraw creates no listener. A redraw replaces only the rows
whose markup changed (a run saving as it streams redraws its own row, not the focus or the ticks of the
others). The search waits for a pause in typing. Export and import load pydantic on demand (never at
start-up) for the file's schema.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

import js
from pyodide.ffi import to_js

from switchboard.escaping import Markup
from switchboard.history.record import RunRecord
from switchboard.history.service import EXPORT_AGAIN, MAX_IMPORT_BYTES, PAGE_SIZE, History, Page, Query
from switchboard.history.store import Row, StoreError, row_key
from switchboard.run import Target
from switchboard.settings import KEEP_HISTORY, Settings
from switchboard.web.dom import absent, append_html, by_id, download, mark, on, set_html, spawn
from switchboard.web.storage import on_stored

SEARCH_PAUSE = 0.15  # seconds of no typing before a search runs
REFRESH_PAUSE = 0.3  # coalesces refreshes while runs stream into an open list
CHANNEL = "switchboard-history"  # tells other tabs that history changed
ROW = Markup("""
<li class="history-item" data-key="{key}">
  <div class="history-line">
    <input type="checkbox" class="history-select" aria-label="Select: {name}">
    <h3 class="history-name" id="history-name-{key}">{name}</h3>
    <button type="button" class="history-favorite" aria-pressed="{favorite}">Favorite</button>
  </div>
  <p class="history-facts muted">{when} · {models}{state}</p>
  <p class="history-snippet">{snippet}</p>
  <div class="history-actions">
    <button type="button" class="history-open" aria-describedby="history-name-{key}">Open</button>
    <button type="button" class="history-reuse" aria-describedby="history-name-{key}">Use prompt</button>
    <button type="button" class="history-rerun" aria-describedby="history-name-{key}">Run again</button>
    <button type="button" class="history-rename" aria-describedby="history-name-{key}">Rename</button>
    <button type="button" class="history-markdown" aria-describedby="history-name-{key}">Markdown</button>
    <button type="button" class="history-delete" aria-describedby="history-name-{key}">Delete</button>
  </div>
</li>""")
RENAME = Markup("""
<form class="history-rename-form">
  <label for="history-rename-input">New name</label>
  <input id="history-rename-input" maxlength="200" value="{title}" autocomplete="off">
  <button type="submit">Save name</button> <button type="button" class="history-rename-cancel">Cancel</button>
</form>""")


class Actions(Protocol):
    """What the compose screen does with a saved run."""

    def open_run(self, record: RunRecord) -> None: ...

    def reuse(self, record: RunRecord) -> None: ...

    def rerun(self, record: RunRecord) -> Coroutine[Any, Any, None]: ...


class HistoryView:
    """Owns #history-dialog."""

    def __init__(self, history: History, settings: Settings, actions: Actions,
                 persist: Callable[[], Awaitable[bool]]) -> None:
        self._history = history
        self._settings = settings
        self._actions = actions
        self._persist = persist
        self._dialog = by_id("history-dialog")
        self._list = by_id("history-list")
        self._shown: dict[str, RunRecord] = {}
        self._drawn: dict[str, Markup] = {}  # by row key: the markup each row on the page was drawn from
        self._after: str | None = None
        self._draws = 0  # pages asked for so far: only the newest one is drawn
        self._reading = False  # the newest page is on its way
        self._last_page = Page([], None)
        self._deleted: list[Row] = []
        self._search_at: asyncio.TimerHandle | None = None
        self._refresh_at: asyncio.TimerHandle | None = None
        self._asked_persistence = False
        history.enabled = settings.get(KEEP_HISTORY)
        keep = by_id("history-keep")
        keep.checked = history.enabled
        on_stored({KEEP_HISTORY.key}, self._stored)
        by_id("history-import-hint").textContent = (
            f"A Switchboard history export (JSON), up to {MAX_IMPORT_BYTES // 2**20} MB. "
            "Runs already here are skipped; nothing saved is changed.")
        on(by_id("open-history"), "click", self.open)
        on(by_id("history-search"), "input", lambda _e: self._search_soon())
        on(by_id("history-filters"), "change", self._filter_changed)
        on(by_id("history-filters"), "submit", lambda _e: self._redraw())
        on(by_id("history-more"), "click", lambda _e: self._more())
        on(self._list, "click", self._clicked)
        on(self._list, "submit", self._renamed)
        on(self._list, "change", lambda _e: self._update_selection())
        on(by_id("history-undo-button"), "click", lambda _e: self._undo())
        on(by_id("history-export-all"), "click", lambda _e: self._export(Query(), "all"))
        on(by_id("history-export-favorites"), "click", lambda _e: self._export(Query(favorites=True), "favorites"))
        on(by_id("history-export-selected"), "click", lambda _e: self._export(None, "selected"))
        on(by_id("history-import"), "change", self._import)
        on(keep, "change", lambda _e: self._keep(bool(keep.checked)))
        on(by_id("history-clear"), "click", lambda _e: self._confirm_clear())
        on(by_id("history-clear-yes"), "click", lambda _e: self._clear())
        on(by_id("history-clear-no"), "click", lambda _e: self._hide_clear())
        history.subscribe(self._history_changed)
        # Other tabs save runs too: an open list shows theirs as they come.
        self._channel = js.BroadcastChannel.new(CHANNEL)
        on(self._channel, "message", lambda _e: self._refresh_soon())
        by_id("open-history").disabled = False

    # --- opening and drawing ----------------------------------------------------------------------

    async def open(self, _event: Any = None) -> None:
        mark("switchboard:history-open")  # scripts/bench_history.py: click -> first page
        if not self._dialog.open:
            self._dialog.showModal()
        self._say("")
        await self._redraw()  # the list first: the filters' choices and the storage figures follow
        await self._fill_choices()
        spawn(self._show_usage())

    def _query(self) -> Query:
        since, until = str(by_id("history-since").value), str(by_id("history-until").value)
        return Query(
            text=str(by_id("history-search").value),
            slot=str(by_id("history-slot").value) or None,
            model=str(by_id("history-model").value) or None,
            favorites=bool(by_id("history-favorites").checked),
            since=_local_day(since) if since else None,
            until=_local_day(until, 1) if until else None,  # "to" includes that whole day
        )

    async def _fill_choices(self) -> None:
        try:
            slots, models = await self._history.choices()
        except StoreError as exc:
            self._say(str(exc))
            return
        _options(by_id("history-slot"), "All providers", [(s, Target(s, "-").source) for s in slots])
        _options(by_id("history-model"), "All models", [(m, m) for m in models])

    async def _redraw(self, keep: int = PAGE_SIZE) -> None:
        """Draw the first page again (or as many rows as were shown, up to `keep`)."""
        self._after = None
        self._list.setAttribute("aria-busy", "true")
        await self._draw(self._query(), max(keep, PAGE_SIZE), replace=True)

    async def _more(self) -> None:
        if self._reading:
            return  # a page is on its way: a second click (a double click) would list it twice
        await self._draw(self._query(), PAGE_SIZE, replace=False)

    async def _draw(self, query: Query, limit: int, *, replace: bool) -> None:
        self._draws += 1
        number = self._draws
        self._reading = True
        try:
            page = await self._history.page(query, None if replace else self._after, limit)
        except StoreError as exc:
            self._say(str(exc))
            return
        finally:
            if number == self._draws:
                self._reading = False
        if number != self._draws or query != self._query():
            return  # a newer draw is on its way (the user typed on, or history changed meanwhile)
        if replace:
            self._shown.clear()
        rows: dict[str, Markup] = {}
        for record in page.records:
            key = row_key(record.created, record.id)
            self._shown[key] = record
            rows[key] = _row(record, key, self._history.answering(record.id))
        if replace:
            self._reconcile(rows)
        else:  # a page already drawn (Show more after a redraw that failed) is not listed twice
            rows = {key: markup for key, markup in rows.items() if key not in self._drawn}
            append_html(self._list, Markup.concat(list(rows.values())))
            self._drawn.update(rows)
        self._after = page.after
        by_id("history-more").hidden = page.after is None
        self._summarise(query, page)
        self._list.setAttribute("aria-busy", "false")
        self._update_selection()
        mark("switchboard:history-drawn")
        if not query.narrowed:
            spawn(self._count(query))  # counting reads the whole store: after the page is drawn

    def _reconcile(self, rows: dict[str, Markup]) -> None:
        """Make the list show `rows` in order, keeping each row whose markup is unchanged as it is."""
        old: dict[str, Any] = {}
        for li in self._list.querySelectorAll("li[data-key]"):
            if str(li.dataset.key) in old:
                li.remove()  # drawn twice, whatever the cause: one row per run
            else:
                old[str(li.dataset.key)] = li
        focused = js.document.activeElement
        nodes, refocus = [], None
        for key, markup in rows.items():
            node = old.pop(key, None)
            # A row holding the rename form is drawn again: Cancel asks for the row as it was.
            if node is None or self._drawn.get(key) != markup or not absent(node.querySelector("form")):
                fresh = _node(markup)
                if node is not None:
                    refocus = _carry(node, fresh, focused) or refocus
                    node.remove()
                node = fresh
            nodes.append(node)
        for gone in old.values():
            gone.remove()
        at = self._list.firstElementChild
        for node in nodes:
            if not absent(at) and node.isSameNode(at):
                at = at.nextElementSibling
            else:
                self._list.insertBefore(node, at)
        if refocus is not None:
            refocus.focus()
        self._drawn = rows

    def _summarise(self, query: Query, page: Page, total: int | None = None) -> None:
        shown = len(self._shown)
        narrowed = query.narrowed
        if not shown:
            summary = "No saved run matches." if narrowed else (
                "No saved runs yet. Every prompt you send is saved here as it streams.")
        elif total is not None:
            summary = f"Showing {shown} of {total:,} {'run' if total == 1 else 'runs'}."
        else:
            more = "; more with “Show more”" if page.after is not None else ""
            summary = f"Showing {shown} {'matching ' if narrowed else ''}{'run' if shown == 1 else 'runs'}{more}."
        if page.unreadable:
            summary += f" {page.unreadable} saved {'run is' if page.unreadable == 1 else 'runs are'} unreadable."
        by_id("history-summary").textContent = " ".join(filter(None, [summary, page.note]))
        self._last_page = page

    async def _count(self, query: Query) -> None:
        try:
            total = await self._history.count()
        except StoreError:
            return
        if query == self._query() and self._shown:
            self._summarise(query, self._last_page, total)

    def _search_soon(self) -> None:
        self._list.setAttribute("aria-busy", "true")  # until the results for what was typed are drawn
        if self._search_at is not None:
            self._search_at.cancel()
        self._search_at = asyncio.get_event_loop().call_later(SEARCH_PAUSE, self._search)

    def _search(self) -> None:
        mark("switchboard:history-search")  # after the typing pause: the search itself
        spawn(self._redraw())

    def _filter_changed(self, event: Any) -> None:
        if str(event.target.id) != "history-search":
            spawn(self._redraw())

    def _history_changed(self) -> None:
        problem = by_id("history-problem")
        problem.hidden = self._history.problem is None
        problem.textContent = self._history.problem or ""
        if self._history.problem is None:
            self._channel.postMessage("changed")
            if not self._asked_persistence:
                self._asked_persistence = True  # once history holds something: ask not to be evicted
                spawn(self._ask_persistence())
        self._refresh_soon()

    def _refresh_soon(self) -> None:
        if not self._dialog.open or not absent(self._list.querySelector("form")):
            return  # closed, or the user is renaming: a redraw would throw their typing away
        if self._refresh_at is None:
            self._refresh_at = asyncio.get_event_loop().call_later(REFRESH_PAUSE, self._refresh)

    def _refresh(self) -> None:
        self._refresh_at = None
        if self._dialog.open and absent(self._list.querySelector("form")):
            spawn(self._redraw(len(self._shown)))

    async def _ask_persistence(self) -> None:
        await self._persist()

    async def _show_usage(self) -> None:
        storage: Any = getattr(js.navigator, "storage", None)
        usage = by_id("history-usage")
        if absent(storage) or absent(getattr(storage, "estimate", None)):
            usage.textContent = "This browser does not say how much storage this site uses."
            return
        try:
            estimate = await storage.estimate()
            persisted = bool(await storage.persisted()) if not absent(getattr(storage, "persisted", None)) else False
        except Exception as exc:
            usage.textContent = f"Storage use is unknown ({exc})."
            return
        used, quota = float(estimate.usage or 0), float(estimate.quota or 0)
        kept = ("The browser keeps it even when space runs low." if persisted else
                "The browser may clear it if the disk runs low on space; export what you want to keep.")
        usage.textContent = f"This site stores {_size(used)} of {_size(quota)} available. {kept}"

    def _say(self, text: str) -> None:
        by_id("history-message").textContent = text

    # --- a row's buttons --------------------------------------------------------------------------

    def _clicked(self, event: Any) -> None:
        button = event.target.closest("button")
        item = event.target.closest("li[data-key]")
        if absent(button) or absent(item):
            return
        record = self._shown.get(str(item.dataset.key))
        if record is None:
            return
        kind = (str(button.className).split() or [""])[0]
        if kind == "history-open":
            self._dialog.close()
            spawn(self._open(record))
        elif kind == "history-reuse":
            self._dialog.close()
            self._actions.reuse(record)
        elif kind == "history-rerun":
            self._dialog.close()
            spawn(self._actions.rerun(record))
        elif kind == "history-favorite":
            spawn(self._favorite(button, record))
        elif kind == "history-rename":
            self._rename(item, record)
        elif kind == "history-rename-cancel":
            spawn(self._redraw(len(self._shown)))
        elif kind == "history-markdown":
            spawn(self._markdown(record))
        elif kind == "history-delete":
            spawn(self._delete([record]))

    async def _open(self, record: RunRecord) -> None:
        try:
            latest = await self._history.latest(record)
        except StoreError as exc:
            self._say(str(exc))
            return
        self._actions.open_run(latest)

    async def _favorite(self, button: Any, record: RunRecord) -> None:
        wanted = str(button.getAttribute("aria-pressed")) != "true"
        button.setAttribute("aria-pressed", "true" if wanted else "false")  # at once; the store follows
        try:
            await self._history.favorite(record, wanted)
        except StoreError as exc:
            button.setAttribute("aria-pressed", "false" if wanted else "true")
            self._say(str(exc))

    def _rename(self, item: Any, record: RunRecord) -> None:
        actions = item.querySelector(".history-actions")
        set_html(actions, RENAME.fill(title=record.title or record.name))
        field = actions.querySelector("input")
        field.focus()
        field.select()

    async def _renamed(self, event: Any) -> None:
        item = event.target.closest("li[data-key]")
        record = None if absent(item) else self._shown.get(str(item.dataset.key))
        if record is None:
            return
        title = str(event.target.querySelector("input").value)
        try:
            await self._history.rename(record, title)
        except StoreError as exc:
            self._say(str(exc))
        await self._redraw(len(self._shown))

    async def _delete(self, records: list[RunRecord]) -> None:
        try:
            self._deleted = await self._history.delete(records)
        except StoreError as exc:
            self._say(str(exc))
            return
        names = records[0].name if len(records) == 1 else f"{len(records)} runs"
        by_id("history-undo-text").textContent = f"Deleted “{names}”."
        by_id("history-undo").hidden = False
        by_id("history-undo-button").focus()
        await self._redraw(len(self._shown))

    async def _undo(self) -> None:
        deleted, self._deleted = self._deleted, []
        by_id("history-undo").hidden = True
        try:
            await self._history.undo(deleted)
        except StoreError as exc:
            self._say(str(exc))
        await self._redraw(len(self._shown) + len(deleted))

    def _update_selection(self) -> None:
        chosen = self._list.querySelectorAll(".history-select:checked").length
        button = by_id("history-export-selected")
        button.disabled = not chosen
        button.textContent = f"Export selected ({chosen})" if chosen else "Export selected"

    def _selected(self) -> list[RunRecord]:
        out = []
        for box in self._list.querySelectorAll(".history-select:checked"):
            record = self._shown.get(str(box.closest("li[data-key]").dataset.key))
            if record is not None:
                out.append(record)
        return out

    # --- keep, clear --------------------------------------------------------------------------------

    def _keep(self, keep: bool) -> None:
        self._settings.set(KEEP_HISTORY, keep)
        self._history.enabled = keep
        self._say("New runs are saved here as they stream." if keep else
                  "Nothing more is saved, not even runs still streaming. Runs saved before stay until you "
                  "delete them.")

    def _stored(self) -> None:
        """"Keep history" changed in another tab: this one keeps (or stops keeping) runs too."""
        self._history.enabled = by_id("history-keep").checked = self._settings.get(KEEP_HISTORY)

    async def _confirm_clear(self) -> None:
        try:
            count = await self._history.count()
        except StoreError as exc:
            self._say(str(exc))
            return
        if not count:
            self._say("History is already empty.")
            return
        by_id("history-clear-question").textContent = (
            f"Delete all {count} saved {'run' if count == 1 else 'runs'}? This cannot be undone: export first "
            "to keep a copy.")
        by_id("history-clear-confirm").hidden = False
        by_id("history-clear-no").focus()

    def _hide_clear(self) -> None:
        by_id("history-clear-confirm").hidden = True
        by_id("history-clear").focus()

    async def _clear(self) -> None:
        by_id("history-clear-confirm").hidden = True
        try:
            count = await self._history.clear()
        except StoreError as exc:
            self._say(str(exc))
            return
        self._deleted = []
        by_id("history-undo").hidden = True
        self._say(f"Deleted {count} saved {'run' if count == 1 else 'runs'}.")
        await self._fill_choices()
        await self._redraw()

    # --- export and import --------------------------------------------------------------------------

    async def _export(self, query: Query | None, what: str) -> None:
        self._say("Preparing the export…")
        try:
            await _load_pydantic()
            if query is None:
                records, unreadable = self._selected(), 0
            else:
                records, unreadable = await self._history.everything(query)
        except (StoreError, OSError) as exc:
            self._say(f"Could not export: {exc}")
            return
        if not records:
            self._say("Nothing to export." if what == "all" else f"No {what} runs to export.")
            return
        files = self._history.export_files(records, time.time())
        stamp = time.strftime("%Y-%m-%d", time.gmtime())
        for number, data in enumerate(files, start=1):
            part = f"-part{number}-of-{len(files)}" if len(files) > 1 else ""
            download(data, f"switchboard-history-{what}-{stamp}{part}.json", "application/json")
        parts = (f" in {len(files)} files of at most {MAX_IMPORT_BYTES // 2**20} MB, the most an import reads: "
                 "import each of them" if len(files) > 1 else "")
        note = f" {unreadable} unreadable {'run was' if unreadable == 1 else 'runs were'} left out." * bool(unreadable)
        self._say(f"Exported {len(records)} {'run' if len(records) == 1 else 'runs'}{parts} (no keys).{note}")

    async def _markdown(self, record: RunRecord) -> None:
        from switchboard.history.markdown_export import run_markdown

        try:
            stored = await self._history.latest(record)
        except StoreError as exc:
            self._say(str(exc))
            return
        name = "".join(c if c.isalnum() else "-" for c in stored.name.lower())[:40].strip("-") or "run"
        download(run_markdown(stored).encode(), f"switchboard-{name}.md", "text/markdown")
        self._say(f"Saved “{stored.name}” as Markdown.")

    async def _import(self, event: Any) -> None:
        field = event.target
        files = field.files
        if absent(files) or not files.length:
            return
        file = files.item(0)
        field.value = ""  # the same file can be chosen again after a fix
        if int(file.size) > MAX_IMPORT_BYTES:
            self._say(f"{file.name} is {_size(float(file.size))}; imports are limited to "
                      f"{MAX_IMPORT_BYTES // 2**20} MB. {EXPORT_AGAIN}")
            return
        self._say(f"Checking {file.name}…")
        try:
            await _load_pydantic()
            data = (await file.arrayBuffer()).to_bytes()
        except Exception as exc:  # the file could not be read (moved, permissions), or pydantic not loaded
            self._say(f"Could not read {file.name}: {exc}")
            return
        try:
            added, skipped = await self._history.import_file(data)
        except ValueError as exc:  # ImportRefused: the file, in words
            self._say(f"{file.name} was not imported: {exc}")
            return
        except StoreError as exc:
            self._say(f"{file.name} was not imported, nothing changed: {exc}")
            return
        self._say(f"Imported {added} {'run' if added == 1 else 'runs'} from {file.name}"
                  + (f"; {skipped} {'was' if skipped == 1 else 'were'} already here." if skipped else "."))
        await self._fill_choices()
        await self._redraw()


async def _load_pydantic() -> None:
    """Make pydantic importable, for the export schema (a few hundred ms, the first time per page)."""
    import pyodide_js

    await pyodide_js.loadPackage("pydantic")


def _node(markup: Markup) -> Any:
    """The element one row's markup makes, not yet in the page."""
    template = js.document.createElement("template")
    set_html(template, markup)
    return template.content.firstElementChild


def _carry(old: Any, new: Any, focused: Any) -> Any:
    """Give a redrawn row the old one's tick; returns what in it should take the focus the old row had."""
    new.querySelector(".history-select").checked = old.querySelector(".history-select").checked
    if absent(focused) or not old.contains(focused) or focused.isSameNode(old):
        return None
    kind = (str(focused.className).split() or [""])[0]
    target = new.querySelector(f".{kind}") if kind else None
    return None if absent(target) else target


def _row(record: RunRecord, key: str, answering: bool) -> Markup:
    models = ", ".join(dict.fromkeys(a.target.label for a in record.answers))
    if answering:
        state = " · answering now"
    elif record.incomplete:
        state = " · incomplete: the page closed while it streamed"
    elif any(a.status == "failed" for a in record.answers):
        state = " · some answers failed"
    else:
        state = ""
    first = next((a.text for a in record.answers if a.text), "")
    snippet = " ".join(first.split())[:200]
    when = str(_when().format(record.created * 1000))
    kind = "Merge: " if record.kind == "merge" else (f"Round {record.round}: " if record.round > 1 else "")
    return ROW.fill(key=key, name=kind + record.name, favorite="true" if record.favorite else "false",
                    when=when, models=models, state=state, snippet=snippet or "(no answer text)")


@functools.cache
def _when() -> Any:
    """One date formatter in the user's locale (building one per row costs more than formatting)."""
    return js.Intl.DateTimeFormat.new(js.undefined, js.Object.fromEntries(to_js([["dateStyle", "medium"],
                                                                               ["timeStyle", "short"]])))


def _options(select: Any, everything: str, choices: list[tuple[str, str]]) -> None:
    current = str(select.value)
    select.replaceChildren()
    for value, text in [("", everything), *choices]:
        option = js.document.createElement("option")
        option.value, option.textContent = value, text
        select.append(option)
    if current in {value for value, _text in choices}:
        select.value = current


def _local_day(day: str, later: int = 0) -> float:
    """Unix seconds at the start of a YYYY-MM-DD day (or `later` days on) in the user's time zone;
    the browser's calendar knows the days that daylight saving makes 23 or 25 hours long."""
    moment = js.Date.new(f"{day}T00:00:00")
    moment.setDate(moment.getDate() + later)
    return float(moment.getTime()) / 1000


def _size(size: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} TB"
