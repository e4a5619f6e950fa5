"""The first-run guide panel and the Help dialog.

The guide shows on a first visit (no vault, no key, no run yet) until it is skipped, and again from Help;
each step's state comes from `switchboard.guide` over the vault and history, redrawn when either changes.
"""

from __future__ import annotations

from typing import Any

import js

from switchboard.escaping import Markup
from switchboard.guide import Facts, current, facts_from, progress
from switchboard.history.service import History
from switchboard.settings import GUIDE_CLOSED, Settings
from switchboard.vault import Vault
from switchboard.web.dom import absent, by_id, on, set_html, spawn

STEP = Markup("""<li class="{state}"{current}><span class="guide-title">{title}</span>
<span class="guide-state">{said}</span><p class="guide-how"{hidden}>{how}</p></li>""")


def served() -> bool:
    """True on a site (where the saved one-file copy can be downloaded), False in that copy opened from disk."""
    return str(js.location.protocol) in ("http:", "https:")


class GuideView:
    """Owns #guide, the Help dialog, and About's offer of the saved copy."""

    def __init__(self, vault: Vault, history: History, settings: Settings) -> None:
        self._vault = vault
        self._history = history
        self._settings = settings
        self._panel = by_id("guide")
        self._facts = Facts()
        on(by_id("guide-skip"), "click", self._skip)
        on(by_id("open-help"), "click", lambda _e: by_id("help").showModal())
        by_id("open-help").disabled = False
        on(by_id("help-guide"), "click", self._show_again)
        offer = js.document.getElementById("about-offline")  # the saved copy has no such offer
        if not absent(offer):
            offer.hidden = not served()
        # Only a visible guide follows changes: a streaming run saves every second, which a hidden one ignores.
        vault.subscribe(self.changed)
        history.subscribe(self.changed)

    def changed(self) -> None:
        """Something a step depends on may have changed."""
        if not self._panel.hidden:
            spawn(self.refresh())

    async def start(self) -> None:
        """Show the guide on a first visit: nothing in the vault or history yet, and never skipped."""
        await self.refresh()
        first_visit = not self._facts.vault and not self._facts.keys and not await self._history.count()
        if first_visit and not self._settings.get(GUIDE_CLOSED):
            self._panel.hidden = False

    async def refresh(self) -> None:
        records = (await self._history.page(limit=50)).records
        keys = bool(await self._vault.entries())  # session keys, and stored ones while unlocked
        self._facts = facts_from(records, vault=await self._vault.exists() or keys, keys=keys)
        self._draw()

    def _draw(self) -> None:
        now = current(self._facts)
        items = []
        for step, done in progress(self._facts):
            is_current = step is now
            items.append(STEP.fill(
                state="done" if done else ("current" if is_current else "todo"),
                current=Markup(' aria-current="step"') if is_current else Markup(""),
                title=step.title, said="Done" if done else ("Next" if is_current else "To do"),
                how=step.how, hidden=Markup("") if is_current else Markup(" hidden")))
        set_html(by_id("guide-steps"), Markup.concat(items))
        by_id("guide-end").hidden = now is not None
        download = js.document.getElementById("guide-download")
        if not absent(download):
            download.hidden = not served()

    def _skip(self, _event: Any) -> None:
        self._settings.set(GUIDE_CLOSED, True)
        self._panel.hidden = True
        by_id("open-help").focus()

    def _show_again(self, _event: Any) -> None:
        by_id("help").close()
        self._panel.hidden = False
        spawn(self.refresh())
        self._panel.scrollIntoView()
        by_id("guide-skip").focus()
