"""The compose screen: one prompt, the models it goes to, options, and the conversation's rounds.

Send builds a Run (core) for the picked targets, or the next round of the current conversation, and
hands it to the answers view; the Run drives every answer as its own task over the one transport.
Ctrl/Cmd+Enter sends, Esc stops everything that is running. "Merge answers" asks one model to merge
the last round's answers into a region named "Merged answer".
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import js

from switchboard.errors import ProviderError
from switchboard.history.record import RunRecord, ask_again, to_run
from switchboard.history.service import History, Query
from switchboard.http import Transport
from switchboard.providers import get
from switchboard.routing import (
    FASTEST_DAYS,
    RULES,
    Route,
    Rule,
    Timings,
    cheapest,
    fallback,
    fastest,
    first_token_times,
    recent,
    since,
)
from switchboard.run import MERGE_INSTRUCTIONS, Answer, Clock, Params, Run, Target, merge_prompt
from switchboard.service import Timeouts
from switchboard.settings import CONNECT_TIMEOUT, IDLE_TIMEOUT, ROUTE, Setting, Settings
from switchboard.vault import EntryRef, UnknownEntry, Vault, VaultError, VaultLocked
from switchboard.web.answers_view import AnswersView
from switchboard.web.dom import absent, by_id, mark, measure, on, spawn
from switchboard.web.model_picker import ModelPicker

if TYPE_CHECKING:
    from switchboard.pricing.book import PriceBook
    from switchboard.pricing.estimate import Estimate

# Timeouts field -> the input that sets it and the setting that remembers it
TIMEOUTS = {"connect": ("connect-timeout", CONNECT_TIMEOUT), "idle": ("idle-timeout", IDLE_TIMEOUT)}
ESTIMATE_AFTER = 0.15  # seconds of quiet typing before the estimate is worked out again
ROUTE_HELP: dict[Rule, str] = {
    "side-by-side": "Every picked model answers, side by side.",
    "cheapest": "Only the picked model that should cost least for this prompt answers.",
    "fastest": f"Only the picked model quickest to its first token in your last {FASTEST_DAYS} days answers.",
    "fallback": "The first picked model answers; if it fails before any text, the next one takes over.",
}


class ComposeView:
    """Owns #compose: the prompt, the picker, options, Send / Stop all / Merge and the conversation."""

    def __init__(self, vault: Vault, settings: Settings, transport: Transport, clock: Clock,
                 history: History, prices: PriceBook, *, allow: Callable[[Run], Awaitable[bool]],
                 allow_retry: Callable[[Run, int], Awaitable[bool]]) -> None:
        self._vault = vault
        self._allow = allow  # the budget check: False holds the round back (nothing is sent)
        self._prices = prices
        self._history = history
        self._settings = settings
        self._transport = transport
        self._clock = clock
        self._answers = AnswersView(clock, allow_retry)
        self._last: Run | None = None  # the conversation's latest round; None: the next Send starts one
        self._runs: list[Run] = []  # the rounds on the page: Stop all and Esc reach every one, retries too
        self._asks = 0  # Sends, Run agains and Merges so far: a newer one supersedes one still being prepared
        self._merge_offer: tuple[Run | None, list[Target]] = (None, [])  # the round and models Merge offered
        self._estimate_at: asyncio.TimerHandle | None = None
        self._timings: Timings | None = None  # times to first token, for the Fastest rule
        self._picker = ModelPicker(settings, vault, transport, self._credentials, self._update_send)
        on(by_id("prompt"), "input", lambda _e: self._update_send())
        for element_id in ("system-prompt", "max-output-tokens"):
            on(by_id(element_id), "input", lambda _e: self._schedule_estimate())
        route = by_id("route")
        route.value = settings.get(ROUTE)
        route.disabled = False
        on(route, "change", self._route_changed)
        prices.subscribe(self._schedule_estimate)
        on(by_id("send"), "click", self._send)
        on(by_id("stop-all"), "click", lambda _e: self.stop_all())
        on(by_id("new-conversation"), "click", lambda _e: self._new_conversation())
        on(by_id("merge-open"), "click", lambda _e: self._open_merge())
        on(by_id("merge-form"), "submit", self._merge)
        on(js.document, "keydown", self._shortcut)
        for element_id, setting in TIMEOUTS.values():
            self._bind_number(element_id, setting)
        for element_id in ("system-prompt", "temperature", "max-output-tokens", "layout-toggle"):
            by_id(element_id).disabled = False
        on(by_id("layout-toggle"), "click", self._toggle_layout)
        self._route_changed(None)

    async def show_endpoints(self) -> None:
        await self._picker.show_endpoints()

    def targets(self) -> list[Target]:
        """The models picked in the form now, a half-typed one left alone (the Prices dialog lists theirs)."""
        return self._picker.chosen()

    # --- options ----------------------------------------------------------------------------------

    def _bind_number(self, element_id: str, setting: Setting[float]) -> None:
        field = by_id(element_id)
        field.value = f"{self._settings.get(setting):g}"
        field.disabled = False

        def remember(_event: Any) -> None:
            if field.checkValidity() and str(field.value):
                with contextlib.suppress(ValueError):
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

    def _params(self) -> Params | str:
        """The round's options, or what is wrong with them in words."""
        system = str(by_id("system-prompt").value).strip() or None
        temperature = _number(by_id("temperature"))
        tokens = _number(by_id("max-output-tokens"))
        if temperature is not None and not 0 <= temperature <= 2:  # NaN fails this too
            return "Temperature goes from 0 to 2; leave it empty for each provider's default."
        if tokens is not None and not (1 <= tokens <= 1_000_000 and tokens == int(tokens)):
            return "Maximum output tokens is a whole number from 1; leave it empty for each provider's default."
        return Params(system, temperature, None if tokens is None else int(tokens))

    def _toggle_layout(self, _event: Any) -> None:
        toggle = by_id("layout-toggle")
        stacked = str(toggle.getAttribute("aria-pressed")) != "true"
        toggle.setAttribute("aria-pressed", "true" if stacked else "false")
        by_id("answers").classList.toggle("stacked", stacked)

    # --- sending ----------------------------------------------------------------------------------

    def _update_send(self) -> None:
        prompt = str(by_id("prompt").value).strip()
        by_id("send").disabled = not prompt or not self._picker.has_targets()
        by_id("stop-all").disabled = not any(run.running for run in self._runs)
        last = self._last
        by_id("merge-open").disabled = last is None or last.running or sum(bool(a.text) for a in last.answers) < 2
        by_id("conversation-note").hidden = last is None
        if last is not None:
            by_id("conversation-round").textContent = str(last.round + 1)
        self._schedule_estimate()

    def _shortcut(self, event: Any) -> None:
        if event.key == "Enter" and (event.ctrlKey or event.metaKey) and event.target.id == "prompt":
            event.preventDefault()
            if not by_id("send").disabled:
                spawn(self._send(None))
        elif (event.key == "Escape" and any(run.running for run in self._runs)
              and absent(js.document.querySelector("dialog[open]"))):  # Esc in a dialog closes the dialog
            self.stop_all()

    def _say(self, text: str) -> None:
        by_id("compose-message").textContent = text

    def _ask(self) -> Callable[[], bool]:
        """Number a new round: the function says whether it is still the newest (a double click on Send
        while the first click still reads history or checks budgets must not send twice)."""
        self._asks += 1
        number = self._asks
        return lambda: number == self._asks

    async def _send(self, _event: Any) -> None:
        mark("switchboard:send")  # scripts/bench_fanout.py splits click → request here
        newest = self._ask()
        prompt = str(by_id("prompt").value).strip()
        targets = self._picker.targets()
        params = self._params()
        if isinstance(params, str):
            self._say(params)
            return
        if not prompt or not targets:
            self._say("Write a prompt and pick at least one model.")
            return
        chosen = await self._choose(self._rule(), prompt, targets, params)
        if not newest():
            return
        if isinstance(chosen, str):
            self._say(chosen)
            return
        targets, route = chosen
        self._say("")
        previous = self._last
        run = self._draft(prompt, targets, params, route)
        if not await self._allow(run) or not newest():
            return  # held back by a budget (the prompt and the conversation stay as they were) or superseded
        if self._last is not previous:  # New conversation, or a run opened from history, while it waited
            self._say("Not sent: the conversation changed while this send waited. Send again to ask it.")
            return
        if previous is not None:
            if previous.running:
                previous.stop_all()  # a new round supersedes the one still streaming
            # The draft was checked as the conversation stood at the click; its answers may have gone on
            # streaming while the check ran or waited for "Send anyway": carry them as they now stand.
            run = self._draft(prompt, targets, params, route)
        self._last = run
        by_id("prompt").value = ""
        await self._execute(run)

    def _draft(self, prompt: str, targets: list[Target], params: Params, route: Route | None) -> Run:
        """The round a Send would start: a first question, or the conversation's next round."""
        if self._last is None:
            run = Run.ask(prompt, targets, params)
            run.route = route
            return run
        return self._last.follow_up(prompt, targets, params, route=route)

    # --- routing and the estimate -------------------------------------------------------------------

    def _rule(self) -> Rule:
        value = str(by_id("route").value)
        return next((rule for rule in RULES if rule == value), "side-by-side")

    def _route_changed(self, _event: Any) -> None:
        rule = self._rule()
        self._settings.set(ROUTE, rule)
        by_id("route-help").textContent = ROUTE_HELP[rule]
        self._update_send()

    async def _choose(self, rule: Rule, prompt: str, targets: list[Target],
                      params: Params) -> tuple[list[Target], Route | None] | str:
        """The targets the rule sends to (and the Route saying why), or why it cannot choose."""
        if rule == "side-by-side":
            return targets, None
        if rule == "fallback":
            return targets[:1], fallback(targets)
        if rule == "cheapest":
            route = cheapest(targets, self._draft_estimate(prompt, targets, params, rule).answers,
                             params.max_output_tokens)
            if isinstance(route, str):
                return route
        else:
            cutoff = time.time() - FASTEST_DAYS * 86_400
            route = fastest(targets, since(await self._first_token_times(cutoff), cutoff))
        return [Target(*route.chosen[0])], route

    async def _first_token_times(self, cutoff: float) -> Timings:
        """This session's timings: read from history on first use, then added to as this tab's answers end
        (another tab's runs count from the next page load)."""
        if self._timings is None:
            records, _unreadable = await self._history.everything(Query(since=cutoff))
            self._timings = first_token_times(records)
        else:
            self._timings = recent(self._timings, cutoff)
        return self._timings

    def _draft_estimate(self, prompt: str, targets: list[Target], params: Params, rule: Rule) -> Estimate:
        """The estimate of every picked model's answer to the round a Send would start under rule."""
        from switchboard.pricing.estimate import estimate_run

        # A routed rule's route with nothing chosen yet: the draft carries the conversation as the routed
        # round will.
        routed = None if rule == "side-by-side" else Route(rule, (), "")
        return estimate_run(self._draft(prompt, targets, params, routed), self._prices.price)

    def _schedule_estimate(self) -> None:
        """Work the estimate out once typing pauses: never on the keystroke itself."""
        if self._estimate_at is not None:
            self._estimate_at.cancel()
        self._estimate_at = asyncio.get_event_loop().call_later(ESTIMATE_AFTER, self._show_estimate)

    def _show_estimate(self) -> None:
        self._estimate_at = None
        mark("switchboard:estimate")  # a measure from here: what an update costs the page
        try:
            self._estimate()
        finally:
            measure("switchboard:estimate", "switchboard:estimate")

    def _estimate(self) -> None:
        from switchboard.pricing import format_usd
        from switchboard.pricing.estimate import Estimate

        output = by_id("estimate")
        prompt = str(by_id("prompt").value).strip()
        targets = self._picker.chosen()
        params = self._params()
        if not prompt or not targets or isinstance(params, str):
            output.textContent = "—"
            return
        rule = self._rule()
        estimate = self._draft_estimate(prompt, targets, params, rule)
        if rule == "cheapest":
            route = cheapest(targets, estimate.answers, params.max_output_tokens)
            if isinstance(route, str):
                output.textContent = "no model to choose"
                return
            chosen = [Target(*pair) for pair in route.chosen]
            picked = [a for t, a in zip(targets, estimate.answers, strict=True) if t in chosen]
            output.textContent = f"{Estimate(tuple(picked)).text(format_usd)} ({chosen[0].label})"
        elif rule == "side-by-side":
            output.textContent = estimate.text(format_usd)
        else:  # one model answers, which one is known only once it does
            output.textContent = f"{estimate.text(format_usd, one=True)} (one of {len(targets)})"

    def _follow(self, run: Run) -> None:
        """Keep the buttons in step with run's answers from now on."""
        shown: dict[int, tuple[str, bool]] = {}

        def changed(index: int, answer: Answer) -> None:
            # Buttons depend on statuses and on whether answers have text: not on every token.
            state = (answer.status, bool(answer.text))
            if shown.get(index) != state:
                shown[index] = state
                self._update_send()
                ttft = answer.time_to_first_token
                if answer.status == "done" and ttft is not None and self._timings is not None:
                    key = (answer.target.slot, answer.target.model)
                    self._timings.setdefault(key, []).append((answer.asked_on or run.created_at, ttft))

        self._runs.append(run)
        run.subscribe(changed)

    async def _execute(self, run: Run, *, merged: bool = False) -> None:
        self._follow(run)
        # Requests first, panes second: the answers start at once and their fetches leave before the
        # page lays out the new panes (the panes then show whatever state the answers reached).
        done = run.start(self._transport, self._credentials, self._clock, self._timeouts(), self._prices.price)
        self._history.record(run)
        self._answers.show(run, merged=merged)
        self._update_send()
        try:
            await done
        finally:
            self._update_send()

    def stop_all(self) -> None:
        for run in self._runs:
            run.stop_all()

    def _clear(self) -> None:
        """Stop and forget every round on the page: the next Send starts a new conversation."""
        self.stop_all()
        self._runs.clear()
        self._last = None
        self._answers.clear()

    def _new_conversation(self) -> None:
        self._clear()
        self._update_send()
        by_id("prompt").focus()

    # --- runs from history --------------------------------------------------------------------------

    def open_run(self, record: RunRecord) -> None:
        """Show a saved run as the current conversation: a Send continues it, Retry asks again."""
        self._clear()
        run = to_run(record)
        run.bind(self._transport, self._credentials, self._clock, self._timeouts(), self._prices.price)
        self._last = run
        self._follow(run)
        self._history.record(run, record)  # a retry in it is saved to the same run
        self._answers.show(run, merged=record.kind == "merge")
        self._update_send()
        by_id("prompt").focus()

    def reuse(self, record: RunRecord) -> None:
        """Put a saved run's prompt and options back in the form, to edit and send."""
        by_id("prompt").value = record.prompt
        by_id("system-prompt").value = record.params.system or ""
        temperature, tokens = record.params.temperature, record.params.max_output_tokens
        by_id("temperature").value = "" if temperature is None else f"{temperature:g}"
        by_id("max-output-tokens").value = "" if tokens is None else str(tokens)
        self._update_send()
        by_id("prompt").focus()

    async def rerun(self, record: RunRecord) -> None:
        """Ask a saved run's prompt again (`ask_again`)."""
        newest = self._ask()
        run = ask_again(record)
        if not await self._allow(run) or not newest():
            return  # held back by a budget (the page stays as it was) or superseded
        self._clear()
        self._last = run
        await self._execute(run, merged=record.kind == "merge")

    async def _credentials(self, target: Target) -> tuple[str, str | None]:
        """Key and base URL to call target with; raises ProviderError(auth) in words when there is none."""
        try:
            provider = get(target.provider_id)
        except KeyError:  # a run saved by another version of Switchboard
            raise ProviderError("not_found", f"This version of Switchboard cannot ask {target.slot!r}: it has no "
                                "such provider.", provider=target.provider_id) from None
        ref = EntryRef.parse(target.slot) if target.slot.startswith("endpoint:") else EntryRef.provider(target.slot)
        try:
            credential = await self._vault.get_credential(ref)
        except UnknownEntry:
            if ref.kind == "endpoint":  # removed, or gone with a lock: no URL to send to
                raise provider.error("auth", lead=f"The endpoint {ref.id} is no longer set up: add it again "
                                     "under API keys.") from None
            if not provider.needs_key:
                return "", None
            raise provider.error("auth", lead=f"No {target.source} key yet: add one under API keys.") from None
        except VaultLocked:
            raise provider.error("auth", lead="The vault is locked: unlock it to use your saved keys.") from None
        except VaultError as exc:  # the key could not be read: its storage failed, or its record is damaged
            raise provider.error("auth", lead=f"Your {target.source} key could not be read: {exc}") from None
        return credential.key, credential.base_url

    # --- merge ------------------------------------------------------------------------------------

    def _open_merge(self) -> None:
        last = self._last
        if last is None:
            return
        picker = by_id("merge-model")
        picker.replaceChildren()
        # The options as offered, kept: a Retry meanwhile can take an answer's text away and shift positions.
        self._merge_offer = (last, [answer.target for answer in _with_text(last.answers)])
        for index, target in enumerate(self._merge_offer[1]):
            option = js.document.createElement("option")
            option.value, option.textContent = str(index), target.label
            picker.append(option)
        instructions = by_id("merge-instructions")
        if not str(instructions.value).strip():
            instructions.value = MERGE_INSTRUCTIONS
        by_id("merge-form").hidden = False
        picker.focus()

    async def _merge(self, _event: Any) -> None:
        last = self._last
        if last is None:
            return
        answers = _with_text(last.answers)
        if len(answers) < 2:
            self._say("Merging needs at least two answers with text.")
            return
        offered_for, offered = self._merge_offer
        if offered_for is not last:
            by_id("merge-form").hidden = True
            self._say("A new round started since Merge answers was opened: open it again.")
            return
        target = offered[int(by_id("merge-model").value or 0)]
        instructions = str(by_id("merge-instructions").value).strip() or MERGE_INSTRUCTIONS
        by_id("merge-form").hidden = True
        params = self._params()
        merge = Run(merge_prompt(last, instructions), [Answer(target)],
                    params if isinstance(params, Params) else Params(), thread=last.thread, kind="merge")
        newest = self._ask()
        if not await self._allow(merge) or not newest():
            return
        try:
            await self._execute(merge, merged=True)
        except ProviderError as exc:
            self._say(exc.message)


def _with_text(answers: list[Answer]) -> list[Answer]:
    return [answer for answer in answers if answer.text]


def _number(field: Any) -> float | None:
    text = str(field.value).strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value
