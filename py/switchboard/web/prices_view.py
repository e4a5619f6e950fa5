"""The Prices dialog: the price of each model in use and of each the user priced, their own prices set and
dropped, and OpenRouter's list fetched when (and only when) the user clicks "Refresh from OpenRouter".

Rows are drawn from the price book (never read back from the DOM) and their buttons are delegated from
the table, so a redraw creates no listener. A pane's "Set a price" button (answers view) opens the
dialog at that model; another tab's change of the kept prices is read again on its `storage` event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import js

from switchboard.escaping import Markup
from switchboard.http import Transport
from switchboard.pricing.book import KEYS, PriceBook
from switchboard.pricing.openrouter import fetch_models
from switchboard.pricing.price import Price
from switchboard.pricing.table import Row, read_price, rows, tiers_note, usd, window
from switchboard.providers import all_providers
from switchboard.run import ENDPOINT, Target
from switchboard.web.dom import absent, by_id, on, set_html
from switchboard.web.storage import on_stored

FIELDS = ("prices-input", "prices-output", "prices-cached", "prices-reasoning", "prices-window")
SHOWN_CHANGES = 12  # a refresh lists this many moved and new models, then says how many more
ROW = Markup("""
<tr class="{kind}" data-provider="{provider}" data-model="{model}">
  <td>{provider_name}</td><th scope="row" id="price-row-{n}">{model}</th><td>{listed}</td>
  <td class="num">{input}</td><td class="num">{cached}</td><td class="num">{output}</td><td class="num">{reasoning}</td>
  <td class="num">{window}</td><td>{source}</td><td>{actions}</td>
</tr>""")
SET = Markup('<button type="button" class="prices-edit" aria-describedby="price-row-{n}">Set price</button>')
YOURS = Markup('<button type="button" class="prices-edit" aria-describedby="price-row-{n}">Edit</button> '
               '<button type="button" class="prices-clear" aria-describedby="price-row-{n}">Use catalog price</button>')
OPTION = Markup('<option value="{value}">{name}</option>')
CHANGES = Markup('<p>{summary}</p><ul>{items}</ul>')
ITEM = Markup("<li>{text}</li>")


class PricesView:
    """Owns #prices-dialog and the header's "Prices" button."""

    def __init__(self, book: PriceBook, transport: Transport, in_use: Callable[[], list[Target]]) -> None:
        self._book = book
        self._transport = transport
        self._in_use = in_use
        self._dialog = by_id("prices-dialog")
        self._rows = by_id("prices-rows")
        self._form = by_id("prices-form")
        self._extra: list[tuple[str, str]] = []  # opened at a model not picked: it stays listed while open
        self._editing: tuple[str, str] | None = None  # None: the form adds a price
        on(by_id("open-prices"), "click", lambda _e: self.open())
        on(self._rows, "click", self._clicked)
        on(by_id("prices-add"), "click", lambda _e: self._edit(None))
        on(self._form, "submit", lambda _e: self._save())
        on(by_id("prices-cancel"), "click", lambda _e: self._close_form())
        on(by_id("prices-refresh"), "click", lambda _e: self._refresh())
        on(self._dialog, "close", lambda _e: self._closed())
        # "Set a price" on a pane whose cost says "price unknown".
        on(by_id("answers"), "click", self._pane_clicked)
        # Another tab set a price or fetched the list: this tab's next answer must use it too.
        # (A null key: the other tab cleared all storage.)
        on_stored(KEYS, book.reload)
        book.subscribe(self._changed)
        by_id("open-prices").disabled = False

    # --- opening and drawing ----------------------------------------------------------------------

    def open(self, at: tuple[str, str] | None = None) -> None:
        """Show the dialog; ``at`` (provider, model): list that model, mark its row and open its form."""
        if at is not None and at not in self._extra:
            self._extra.append(at)
        if not self._dialog.open:
            self._dialog.showModal()
            self._say("")
            set_html(by_id("prices-changes"), Markup(""))
        self._draw()
        if at is not None:
            self._edit(at)

    def _closed(self) -> None:
        self._extra.clear()
        self._close_form()

    def _changed(self) -> None:
        if self._dialog.open:
            self._draw()

    def _draw(self) -> None:
        source = self._book.catalog.source
        by_id("prices-source").textContent = (
            f"Catalog: {source.package} {source.version}, as of {source.as_of}." if source is not None
            else "No price catalog in this build: only your own prices and OpenRouter's list apply.")
        listing = self._book.listing
        by_id("prices-fetched").textContent = (
            "Not fetched: nothing is asked of OpenRouter until you click." if listing is None
            else f"OpenRouter's list fetched {listing.fetched_on}: {len(listing.prices):,} models priced.")
        in_use = [(t.slot, t.model) for t in self._in_use()] + self._extra  # an endpoint's prices are its own
        self._list_providers(slot for slot, _model in in_use)
        found = rows(self._book, in_use)
        by_id("prices-empty").hidden = bool(found)
        set_html(self._rows, Markup.concat(_row(n, row) for n, row in enumerate(found)))
        current = self._editing
        for tr in self._rows.querySelectorAll("tr"):
            tr.classList.toggle("current", _key(tr) == current)

    def _list_providers(self, slots: Iterable[str]) -> None:
        """The form's choice of provider: every built-in one, and each custom endpoint in use (each has
        prices of its own), keeping the one chosen."""
        field = by_id("prices-provider")
        chosen = str(field.value)
        options = [(p.id, p.display_name) for p in all_providers()]
        options += [(slot, f"{Target(slot, '').source} (custom endpoint)")
                    for slot in sorted({slot for slot in slots if slot.startswith(ENDPOINT)})]
        set_html(field, Markup.concat(OPTION.fill(value=value, name=name) for value, name in options))
        if any(value == chosen for value, _name in options):  # an endpoint no longer in use: none
            field.value = chosen

    def _say(self, text: str) -> None:
        by_id("prices-message").textContent = text

    # --- setting and dropping the user's prices ------------------------------------------------------

    def _clicked(self, event: Any) -> None:
        button = event.target.closest("button")
        tr = event.target.closest("tr[data-model]")
        if absent(button) or absent(tr):
            return
        if str(button.className) == "prices-edit":
            self._edit(_key(tr))
        elif str(button.className) == "prices-clear":
            provider, model = _key(tr)
            self._book.clear_price(provider, model)
            self._say(f"{model}: your price is dropped; the listed price applies to new answers.")

    def _pane_clicked(self, event: Any) -> None:
        button = event.target.closest("button.answer-set-price")
        if not absent(button):
            self.open((str(button.dataset.provider), str(button.dataset.model)))

    def _edit(self, key: tuple[str, str] | None) -> None:
        """Open the form for ``key``'s price (filled with the one that applies now), or to add one."""
        self._editing = key
        provider_field, model_field = by_id("prices-provider"), by_id("prices-model")
        price = self._book.lookup(*key) if key is not None else None
        provider_field.disabled = model_field.readOnly = key is not None
        if key is not None:
            provider_field.value, model_field.value = key
        else:
            model_field.value = ""
        values = ((price.input, price.output, price.cached_input, price.reasoning, price.context_window) if price
                  else (None,) * 5)
        for element_id, value in zip(FIELDS, values, strict=True):
            by_id(element_id).value = "" if value is None else _plain(value)
        note = by_id("prices-form-tiers")
        note.textContent = tiers_note(self._book.below_user(*key) if key is not None else None)
        note.hidden = not note.textContent
        by_id("prices-form-title").textContent = f"Your price for {key[1]}" if key is not None else "Add a price"
        by_id("prices-form-error").textContent = ""
        self._form.hidden = False
        for tr in self._rows.querySelectorAll("tr"):
            tr.classList.toggle("current", _key(tr) == key)
        (by_id("prices-input") if key is not None else model_field).focus()

    def _close_form(self) -> None:
        self._form.hidden = True
        self._editing = None
        for tr in self._rows.querySelectorAll("tr.current"):
            tr.classList.remove("current")

    def _save(self) -> None:
        error = by_id("prices-form-error")
        provider = self._editing[0] if self._editing is not None else str(by_id("prices-provider").value)
        model = str(by_id("prices-model").value).strip()
        if not model or len(model) > 200 or any(c.isspace() for c in model):
            error.textContent = "Enter the model id as the provider writes it, without spaces."
            return
        input_, output, cached, reasoning, context_window = (_typed(by_id(i)) for i in FIELDS)
        price = read_price(input_, output, cached, context_window, reasoning)
        if isinstance(price, str):
            error.textContent = price
            return
        try:
            self._book.set_price(provider, model, price)
        except ValueError as exc:
            error.textContent = str(exc)
            return
        if (provider, model) not in self._extra:
            self._extra.append((provider, model))
        self._close_form()
        self._draw()
        self._say(f"{model}: your price is kept and applies to new answers.")

    # --- OpenRouter's list ------------------------------------------------------------------------------

    async def _refresh(self) -> None:
        button = by_id("prices-refresh")
        button.disabled = True
        status = by_id("prices-changes")
        status.textContent = "Fetching OpenRouter's model list…"
        try:
            listing = await fetch_models(self._transport, _today())
            changes = self._book.keep_listing(listing)
        except ValueError as exc:  # ListError says why in words; nothing was kept
            status.textContent = str(exc)
            return
        except Exception as exc:  # a transport's surprise must still be said, not lost in the console
            status.textContent = f"Could not fetch OpenRouter's list ({exc}); nothing was changed."
            return
        finally:
            button.disabled = False
        items = [f"{model}: {_rates(old)} → {_rates(new)}" for model, old, new in changes.moved]
        items += [f"{model}: newly priced, {_rates(listing.prices[model])}" for model in changes.added]
        shown = [ITEM.fill(text=text) for text in items[:SHOWN_CHANGES]]
        if len(items) > SHOWN_CHANGES:
            shown.append(ITEM.fill(text=f"and {len(items) - SHOWN_CHANGES:,} more"))
        summary = f"Fetched OpenRouter's list: {changes.text()}"
        set_html(status, CHANGES.fill(summary=summary, items=Markup.concat(shown)))


def _row(n: int, row: Row) -> Markup:
    price = row.price
    provider_name = Target(row.provider, row.model).source  # a provider's name, or an endpoint's
    actions = (YOURS if row.yours else SET).fill(n=str(n))
    if price is None:
        dash = "—"
        return ROW.fill(kind="unknown", provider=row.provider, model=row.model, provider_name=provider_name, n=str(n),
                        listed=row.listed_as or "not listed", input=dash, cached=dash, output=dash, reasoning=dash,
                        window=dash, source="price unknown", actions=actions)
    source = price.source.describe()
    if price.tiers:
        source += f"; higher rates above {price.tiers[0].above:,} input tokens"
    return ROW.fill(
        kind="yours" if row.yours else "listed", provider=row.provider, model=row.model, provider_name=provider_name,
        n=str(n), listed=row.listed_as or "not listed", input=usd(price.input),
        cached="as input" if price.cached_input is None else usd(price.cached_input), output=usd(price.output),
        reasoning="as output" if price.reasoning is None else usd(price.reasoning),
        window=window(price.context_window), source=source, actions=actions)


def _rates(price: Price) -> str:
    text = f"{usd(price.input)} in / {usd(price.output)} out"
    return text if price.cached_input is None else f"{text} / {usd(price.cached_input)} cached"


def _key(tr: Any) -> tuple[str, str]:
    return str(tr.dataset.provider), str(tr.dataset.model)


def _plain(value: object) -> str:
    return format(value, "f") if not isinstance(value, int) else str(value)


def _typed(field: Any) -> str:
    # A number input holding what is no number reports "" as its value: say so rather than "enter a price".
    return "not a number" if field.validity.badInput else str(field.value)


def _today() -> str:
    """The user's local date, as the fetched list's date."""
    now = js.Date.new()
    return f"{int(now.getFullYear()):04d}-{int(now.getMonth()) + 1:02d}-{int(now.getDate()):02d}"

