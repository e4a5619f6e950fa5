"""Answers on the page: one pane per answer of each Run, newest round on top, drawn from the Run.

The Run holds the state; this view subscribes and redraws panes at most every RENDER_EVERY seconds
while they stream (not once per token; further apart when drawing is slow), and at once when one
ends. Pane buttons (Stop, Retry, Copy) are delegated from #answers: panes need no listener each.
No part of a pane is a live region: a screen reader hears a round start and each answer end (or fail)
through web/announcer.py, coalesced, never the streaming text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import js

from switchboard.announce import ended, started
from switchboard.answer import STATUS, meta_text
from switchboard.escaping import Markup
from switchboard.run import Answer, Clock, Run
from switchboard.spend import earlier_note, spent
from switchboard.throttle import Throttle
from switchboard.web import markdown_view
from switchboard.web.announcer import Announcer
from switchboard.web.dom import absent, append_html, by_id, create, on, spawn

RENDER_EVERY = 0.08  # seconds between redraws of a streaming pane
PANE = Markup("""
<article class="answer" data-run="{run}" data-index="{index}" aria-label="{source} answer">
 <section class="answer-pane" aria-label="{label}">
  <header class="answer-head">
    <strong class="answer-model">{model}</strong> <span class="answer-source muted">{source}</span>
    <span class="answer-status">Sending…</span>
    <span class="answer-tools">
      <button type="button" class="answer-stop">Stop</button>
      <button type="button" class="answer-retry" hidden>Retry</button>
      <button type="button" class="answer-copy" disabled>Copy</button>
    </span>
  </header>
  <p class="answer-route" hidden></p>
  <details class="answer-reasoning" hidden><summary>Reasoning</summary><div class="reasoning-text"></div></details>
  <div class="answer-text"></div>
  <p class="answer-meta">Sending…</p>
  <button type="button" class="answer-set-price" hidden>Set a price</button>
 </section>
</article>""")


class AnswersView:
    """Owns #answers: rounds of panes, each redrawn from its Answer record."""

    def __init__(self, clock: Clock, allow_retry: Callable[[Run, int], Awaitable[bool]]) -> None:
        self._area = by_id("answers")
        self._allow_retry = allow_retry  # the budget check: False holds the retry back (nothing is sent)
        self._clock = clock
        # One throttle for every pane: draws come at most every RENDER_EVERY s, further apart if slow.
        self._throttle = Throttle(RENDER_EVERY, clock.now)
        self._runs: dict[str, Run] = {}
        self._dirty: set[tuple[str, int]] = set()
        self._flush_at: asyncio.TimerHandle | None = None
        self._markdown: dict[tuple[str, int], markdown_view.LiveMarkdown] = {}
        self._merged: set[str] = set()
        self._announcer = Announcer(clock)
        self._announced: set[tuple[str, int]] = set()  # answers whose end was announced (a retry forgets it)
        on(self._area, "click", self._clicked)

    def show(self, run: Run, *, merged: bool = False) -> None:
        """Add a round of panes for run, on top, and follow it until it ends."""
        self._runs[run.id] = run
        if merged:
            self._merged.add(run.id)
        kind = "Merged from the answers above:" if merged else (
            f"Follow-up {run.round - 1}:" if run.round > 1 else "You asked:")
        group = create("div", class_="round", role="group", data_run=run.id,
                       aria_label="Merge" if merged else f"Round {run.round}")
        line = create("p", class_="round-prompt")
        line.append(create("span", kind, class_="muted"), "" if merged else f" {run.prompt}")
        panes = create("div", class_="round-panes")
        group.append(line, panes)
        self._area.prepend(group)
        for index, answer in enumerate(run.answers):
            target = answer.target
            label = "Merged answer" if merged else target.label
            append_html(panes, PANE.fill(run=run.id, index=str(index), source=target.source, label=label,
                                         model=target.model))
        run.subscribe(lambda index, answer: self._changed(run, index, answer))
        # The answers started before their panes existed: draw what each has reached so far.
        self._dirty.update((run.id, index) for index in range(len(run.answers)))
        self._flush()
        if run.running:  # a saved run opened from history is not news
            self._announcer.say(started(len(run.answers), merged))
        else:
            self._announced.update((run.id, index) for index in range(len(run.answers)))

    def _pane(self, run_id: str, index: int) -> Any:
        return self._area.querySelector(f'article[data-run="{run_id}"][data-index="{index}"]')

    def _changed(self, run: Run, index: int, answer: Answer) -> None:
        if run.id not in self._runs:  # cleared by a new conversation
            return
        self._dirty.add((run.id, index))
        self._announce(run, index, answer)
        wait = self._throttle.changed()
        if not answer.running or wait == 0:
            self._flush()  # the end shows at once
        elif self._flush_at is None:
            self._flush_at = asyncio.get_event_loop().call_later(wait, self._flush)

    def _announce(self, run: Run, index: int, answer: Answer) -> None:
        key = (run.id, index)
        if answer.running:
            self._announced.discard(key)
            return
        said = None if key in self._announced else ended(
            "Merged answer" if run.id in self._merged else answer.target.label, answer)
        if said is not None:
            self._announced.add(key)
            text, urgent = said
            if urgent:
                self._announcer.alert(text)
            else:
                self._announcer.say(text)

    def _flush(self) -> None:
        if self._flush_at is not None:
            self._flush_at.cancel()
            self._flush_at = None
        dirty, self._dirty = self._dirty, set()
        started = self._clock.now()
        for run_id, index in dirty:
            run = self._runs.get(run_id)
            pane = self._pane(run_id, index)
            if run is not None and not absent(pane):
                self._draw(pane, run, index)
        self._throttle.drawn(started)

    def _draw(self, pane: Any, run: Run, index: int) -> None:
        answer, key = run.answers[index], (run.id, index)
        pane.querySelector(".answer-status").textContent = STATUS[answer.status]
        if run.route is not None:  # a routed answer says which model and why; a fallback shows each takeover
            line = pane.querySelector(".answer-route")
            line.hidden = False
            line.textContent = run.route.text()
        markdown = self._markdown.get(key)
        if markdown is None:
            markdown = self._markdown[key] = markdown_view.LiveMarkdown(pane.querySelector(".answer-text"))
        if markdown.text != answer.text:
            markdown.draw(answer.text)
        if answer.reasoning:
            details = pane.querySelector(".answer-reasoning")
            details.hidden = False
            details.querySelector(".reasoning-text").textContent = answer.reasoning
        target = answer.target  # a fallback's next model takes the pane over
        served = answer.model_served
        model = f"{target.model} → {served}" if served and served != target.model else target.model
        if str(pane.querySelector(".answer-model").textContent) != model:
            pane.querySelector(".answer-model").textContent = model
            pane.querySelector(".answer-source").textContent = target.source
            pane.setAttribute("aria-label", f"{target.source} answer")
            if run.id not in self._merged:
                pane.querySelector(".answer-pane").setAttribute("aria-label", target.label)
        earlier = earlier_note(spent(run.replaced_in(index)))
        meta = pane.querySelector(".answer-meta").textContent = " · ".join(filter(None, [meta_text(answer), earlier]))
        # The Prices dialog (web/prices_view.py) listens for this button: a price set there fixes the next answer.
        unknown = answer.cost is not None and answer.cost.source is None and "price unknown" in meta
        set_price = pane.querySelector(".answer-set-price")
        set_price.hidden = not unknown
        if unknown:
            set_price.dataset.provider, set_price.dataset.model = target.slot, target.model  # see PriceBook.price
        pane.classList.toggle("failed", answer.status == "failed")
        pane.querySelector(".answer-stop").hidden = not answer.running
        pane.querySelector(".answer-retry").hidden = answer.running
        pane.querySelector(".answer-copy").disabled = not answer.text

    def _clicked(self, event: Any) -> None:
        if markdown_view.clicked(event):
            return
        button = event.target.closest("button")
        pane = event.target.closest("article[data-run]")
        if absent(button) or absent(pane):
            return
        run = self._runs.get(str(pane.dataset.run))
        index = int(pane.dataset.index)
        if run is None:
            return
        kind = str(button.className)
        if kind == "answer-stop":
            run.stop(index)
        elif kind == "answer-retry":
            spawn(self._retry(run, index))
        elif kind == "answer-copy":
            spawn(self._copy(pane, run.answers[index]))

    async def _retry(self, run: Run, index: int) -> None:
        if await self._allow_retry(run, index):
            await run.retry(index)

    async def _copy(self, pane: Any, answer: Answer) -> None:
        status = pane.querySelector(".answer-status")
        try:
            await js.navigator.clipboard.writeText(answer.text)
        except Exception as exc:  # no permission, or no clipboard in this context
            status.textContent = f"Could not copy: {exc}"
            self._announcer.alert(f"Could not copy: {exc}")
            return
        status.textContent = "Copied the Markdown"
        self._announcer.say("Copied the Markdown.")

    def clear(self) -> None:
        """Forget every round (a new conversation); running answers are stopped first."""
        for run in self._runs.values():
            run.stop_all()
        self._runs.clear()
        self._merged.clear()
        self._markdown.clear()
        self._announced.clear()
        self._area.replaceChildren()
