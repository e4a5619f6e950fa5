"""One prompt's fan-out: its targets, each answer as a record views subscribe to, stop, follow-ups.

A Run is one round: the same prompt sent to each target, each with its own conversation so far.
Every answer runs as its own task over the one service (`stream_chat`), so a round takes as long as
its slowest answer and a failing or stopped target leaves the others alone. Answers fold their events
with `chat.Fold`, the fold `collect` uses. `follow_up` builds the next round from a finished one.

    Run ──execute()──> one task per Answer ──stream_chat──> Transport
     │                      │ feed(event) → Answer.status/text/usage…
     └─ subscribe(listener) ◄┘ listener(answer) after every change
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol, TypeAlias

from .chat import ChatRequest, Fold, Message, ReasoningDelta, StreamError, TextDelta, Usage
from .errors import ProviderError
from .http import Transport
from .providers import get
from .service import Timeouts, stream_chat
from .tasks import eager_task

if TYPE_CHECKING:  # the pricing package loads with the first priced answer, not with the app
    from .pricing import Cost, Price
    from .routing import Route

Status: TypeAlias = Literal["waiting", "streaming", "done", "stopped", "failed"]
Kind: TypeAlias = Literal["ask", "merge"]
ENDPOINT = "endpoint:"
DEFAULT_TIMEOUTS = Timeouts()
MAX_REPLACED = 64  # answers a retry or a takeover replaced, kept per run (history's import takes as many)
MIN_SPEED_SPAN = 0.25  # seconds of streaming below which no speed is shown
STOP_WAIT = 2.0  # seconds a retry waits for the answer it stops to end
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Target:
    """Where one answer comes from: a provider (or custom endpoint, "endpoint:<name>") and a model id."""

    slot: str
    model: str

    @property
    def provider_id(self) -> str:
        return "openai-compatible" if self.slot.startswith(ENDPOINT) else self.slot

    @property
    def source(self) -> str:
        """The provider's display name, or the endpoint's own name (or the id of a provider this build
        does not know, e.g. in a run saved by another version)."""
        if self.slot.startswith(ENDPOINT):
            return self.slot.removeprefix(ENDPOINT)
        try:
            return get(self.slot).display_name
        except KeyError:
            return self.slot

    @property
    def label(self) -> str:
        """E.g. "gpt-4o-mini (OpenAI)": the answer region's accessible name."""
        return f"{self.model} ({self.source})"


@dataclass(frozen=True, slots=True)
class Params:
    """What the user set for the whole round; None leaves it to the provider."""

    system: str | None = None
    temperature: float | None = None
    max_output_tokens: int | None = None


class Credentials(Protocol):
    """The key and base URL to call a target with; raises ProviderError in words when there is none."""

    def __call__(self, target: Target) -> Awaitable[tuple[str, str | None]]: ...


class Prices(Protocol):
    """The price of a target's model (the one the provider says served it, if known); None: unknown."""

    def __call__(self, target: Target, served: str | None) -> Price | None: ...


def _priced(answer: Answer, prices: Prices) -> Cost:
    from .pricing import answer_cost  # here: the catalog's code loads with the first priced answer

    return answer_cost(answer.usage, prices(answer.target, answer.model_served))


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic clock."""
        ...


@dataclass(eq=False)
class Answer:
    """One target's answer in a round; `history` is that target's conversation before this round."""

    target: Target
    history: tuple[Message, ...] = ()
    status: Status = "waiting"
    fold: Fold = field(default_factory=Fold)
    sent_at: float | None = None
    first_token_at: float | None = None
    finished_at: float | None = None
    error: ProviderError | None = None
    cost: Cost | None = None  # set when the answer ends, if the run was given prices
    # Unix seconds a Retry or a takeover asked it, after its run began (perhaps days later, in a run
    # reopened from history): its spend falls on that day. None: asked with its run.
    asked_on: float | None = None

    @property
    def text(self) -> str:
        return self.fold.text

    @property
    def reasoning(self) -> str:
        return self.fold.reasoning

    @property
    def usage(self) -> Usage:
        return self.fold.usage

    @property
    def model_served(self) -> str | None:
        """The model the provider says answered (may differ from the one asked for, e.g. a router)."""
        return self.fold.model

    @property
    def running(self) -> bool:
        return self.status in ("waiting", "streaming")

    @property
    def sent(self) -> bool:
        """It reached the provider, which may bill it: it left here, or (reopened from history, where the
        send time is not kept when it never ended) it has text or counted tokens."""
        usage = self.usage
        return (self.sent_at is not None or bool(self.text or self.reasoning)
                or usage.input_tokens is not None or usage.output_tokens is not None)

    @property
    def time_to_first_token(self) -> float | None:
        if self.sent_at is None or self.first_token_at is None:
            return None
        return self.first_token_at - self.sent_at

    @property
    def tokens_per_second(self) -> float | None:
        """Output tokens over the time from first token to end (None until both are known, or when the
        answer came at once: 800 tokens in one piece is no speed, not 800,000 tok/s)."""
        out = self.usage.output_tokens
        if not out or self.first_token_at is None or self.finished_at is None:
            return None
        span = self.finished_at - self.first_token_at
        return out / span if span >= MIN_SPEED_SPAN else None

    def conversation(self, prompt: str) -> tuple[Message, ...]:
        """This target's messages for a round that asks `prompt`."""
        return (*self.history, Message("user", prompt))

    def history_after(self, prompt: str) -> tuple[Message, ...]:
        """This target's conversation once this round is over; without text, the round is left out,
        so a conversation never holds a question without its answer."""
        if not self.text:
            return self.history
        return (*self.conversation(prompt), Message("assistant", self.text))


Listener: TypeAlias = Callable[[int, Answer], None]


@dataclass(frozen=True, slots=True)
class Driver:
    """What a run needs to send its requests, and to price its answers."""

    transport: Transport
    credentials: Credentials
    clock: Clock
    timeouts: Timeouts
    prices: Prices | None = None


class Run:
    """One round of one prompt to several targets."""

    def __init__(
        self,
        prompt: str,
        answers: list[Answer],
        params: Params = Params(),
        *,
        run_id: str | None = None,
        created_at: float | None = None,
        thread: str | None = None,
        kind: Kind = "ask",
        route: Route | None = None,
        replaced: list[Answer] | None = None,
    ) -> None:
        if not prompt.strip():
            raise ValueError("the prompt is empty")
        if not answers:
            raise ValueError("a run needs at least one target")
        self.id = run_id or secrets.token_hex(8)
        self.created_at = time.time() if created_at is None else created_at
        self.thread = thread or self.id  # the conversation: its first round's id
        self.kind = kind
        self.prompt = prompt
        self.params = params
        self.answers = answers
        self.route = route  # set when a rule chose the targets; a fallback adds each takeover to it
        # Answers a retry or a fallback's takeover replaced after they were sent: the provider may have
        # billed them, so spend still counts them. The newest MAX_REPLACED are kept (a saved run stays bounded).
        self.replaced: list[Answer] = replaced or []
        self._listeners: list[Listener] = []
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._driver: Driver | None = None

    @classmethod
    def ask(cls, prompt: str, targets: list[Target], params: Params = Params()) -> Run:
        """A first round: every target starts a fresh conversation."""
        return cls(prompt, [Answer(t) for t in targets], params)

    def follow_up(self, prompt: str, targets: list[Target] | None = None, params: Params | None = None,
                  route: Route | None = None) -> Run:
        """The next round: each target continues its own conversation with this round's answer; a
        target new to the conversation starts fresh, and one left out is dropped. A routed round (one
        answer, chosen by a rule) continues the conversation whichever model the rule picks."""
        previous = {answer.target: answer for answer in self.answers}
        chosen = [answer.target for answer in self.answers] if targets is None else targets
        carried = self.answers[0].history_after(self.prompt) if len(self.answers) == 1 else ()

        def history(target: Target) -> tuple[Message, ...]:
            if target in previous:
                return previous[target].history_after(self.prompt)
            return carried if route is not None else ()

        answers = [Answer(t, history(t)) for t in chosen]
        return Run(prompt, answers, self.params if params is None else params, thread=self.thread, route=route)

    @property
    def round(self) -> int:
        """1 for a first question, 2 for its first follow-up, and so on."""
        return 1 + max(len(answer.history) // 2 for answer in self.answers)

    # --- views ------------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call listener(index, answer) after every change to an answer; returns the unsubscriber."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _changed(self, answer: Answer) -> None:
        if answer not in self.answers:  # replaced by a retry: its late news is nobody's business
            return
        index = self.answers.index(answer)
        for listener in list(self._listeners):
            try:
                listener(index, answer)
            except Exception:  # one failing view must not stop the answer, nor keep the others from hearing
                log.exception("a listener of run %s failed", self.id)

    @property
    def running(self) -> bool:
        return any(answer.running for answer in self.answers)

    # --- driving ----------------------------------------------------------------------------------

    def request(self, answer: Answer) -> ChatRequest:
        return ChatRequest(
            model=answer.target.model,
            messages=list(answer.conversation(self.prompt)),
            system=self.params.system or None,
            temperature=self.params.temperature,
            max_output_tokens=self.params.max_output_tokens,
        )

    async def execute(
        self, transport: Transport, credentials: Credentials, clock: Clock, timeouts: Timeouts = DEFAULT_TIMEOUTS,
        prices: Prices | None = None,
    ) -> None:
        """Run every answer at once, each in its own task; returns when all have ended."""
        await self.start(transport, credentials, clock, timeouts, prices)

    def start(
        self, transport: Transport, credentials: Credentials, clock: Clock, timeouts: Timeouts = DEFAULT_TIMEOUTS,
        prices: Prices | None = None,
    ) -> asyncio.Future[list[BaseException | None]]:
        """Start every answer now (each runs until its first wait before this returns, so requests
        leave before the caller draws anything); await the result for all of them to end."""
        self.bind(transport, credentials, clock, timeouts, prices)
        for index in range(len(self.answers)):
            self._start(index)
        return asyncio.gather(*self._tasks.values(), return_exceptions=True)

    def bind(
        self, transport: Transport, credentials: Credentials, clock: Clock, timeouts: Timeouts = DEFAULT_TIMEOUTS,
        prices: Prices | None = None,
    ) -> None:
        """Set what requests go through, without sending any: a run reopened from history can retry."""
        self._driver = Driver(transport, credentials, clock, timeouts, prices)

    async def retry(self, index: int) -> None:
        """Ask one target again, afresh (the run must have been started or bound); returns when it ends.
        An answer still running is stopped first, and kept in `replaced` as it ended if it was sent."""
        if self._driver is None:
            raise RuntimeError("retry needs a run that was started or bound")
        # Its end (status, usage so far, cost) is what gets counted; a stop ends it within a turn or two. Another
        # retry may start a task meanwhile (a double click): that one is stopped too, so only one ever runs.
        task = self._tasks.get(index)
        while task is not None and not task.done():
            self.stop(index)
            await asyncio.wait({task}, timeout=STOP_WAIT)
            if self._tasks.get(index) is task:
                break
            task = self._tasks.get(index)
        old = self.answers[index]
        self._keep(old)
        self.answers[index] = Answer(old.target, old.history, asked_on=time.time())
        await self._start(index)

    def replaced_in(self, index: int) -> list[Answer]:
        """The sent attempts that answer `index` took the place of: a Retry's and a fallback takeover's."""
        if len(self.answers) == 1:  # a routed round: the models that took over answered in its one pane
            return list(self.replaced)
        return [answer for answer in self.replaced if answer.target == self.answers[index].target]

    def _keep(self, replaced: Answer) -> None:
        if replaced.sent:
            self.replaced = [*self.replaced, replaced][-MAX_REPLACED:]

    def _start(self, index: int) -> asyncio.Task[None]:
        driver = self._driver
        assert driver is not None
        answer = self.answers[index]
        task = eager_task(self._answer(answer, driver))
        self._tasks[index] = task

        def ended(task: asyncio.Task[None]) -> None:
            # Without eager tasks (CPython 3.11), a stop before the task's first step cancels it before
            # _answer could catch anything: the answer would wait for good.
            if task.cancelled() and answer.status == "waiting":
                answer.status, answer.finished_at = "stopped", driver.clock.now()
                self._changed(answer)

        task.add_done_callback(ended)
        return task

    def stop(self, index: int) -> None:
        """Stop one answer (its request is aborted); what it said so far is kept."""
        task = self._tasks.get(index)
        if task is not None and not task.done():
            task.cancel()

    def stop_all(self) -> None:
        for index in self._tasks:
            self.stop(index)

    async def _answer(self, answer: Answer, driver: Driver) -> None:
        clock = driver.clock
        try:
            self._changed(answer)
            key, base_url = await driver.credentials(answer.target)
            answer.sent_at = clock.now()  # after the key: an answer that never left has no timing
            events = stream_chat(driver.transport, answer.target.provider_id, self.request(answer), key,
                                 base_url=base_url, timeouts=driver.timeouts)
            async for event in events:
                answer.fold.feed(event)
                if isinstance(event, TextDelta | ReasoningDelta) and answer.first_token_at is None:
                    answer.first_token_at = clock.now()
                    answer.status = "streaming"
                if isinstance(event, StreamError):
                    answer.error = event.error
                self._changed(answer)
        except asyncio.CancelledError:
            answer.status = "stopped"
        except ProviderError as exc:  # from credentials: nothing was sent
            answer.error = exc
            answer.status = "failed"
        except Exception as exc:  # a bug, or a saved run naming a provider this build lacks: say so, never spin
            log.exception("answer from %s failed", answer.target.label)
            answer.error = ProviderError("bad_request", f"Switchboard could not complete this answer "
                                         f"({type(exc).__name__}: {exc}); the browser console has the details.",
                                         provider=answer.target.provider_id)
            answer.status = "failed"
        else:
            answer.status = "failed" if answer.error is not None else "done"
        finally:
            answer.finished_at = clock.now()
            if driver.prices is not None:
                answer.cost = _priced(answer, driver.prices)
        # A takeover replaces the failed answer before anyone hears of it: a chain that recovers is not
        # announced, nor drawn, as a failure.
        successor = self._successor(answer)
        if successor is None:
            self._changed(answer)
        else:
            await self._answer(successor, driver)

    def candidates(self, answer: Answer) -> list[Target]:
        """The targets that may end up answering in answer's place: its own and, in a fallback chain, the
        models still to come after it (what an estimate, a budget and a takeover all read)."""
        route = self.route
        here = (answer.target.slot, answer.target.model)
        if route is None or route.rule != "fallback" or here not in route.chosen:
            return [answer.target]
        return [answer.target, *(Target(*pair) for pair in route.chosen[route.chosen.index(here) + 1:])]

    def _successor(self, answer: Answer) -> Answer | None:
        """In a fallback chain, the next target's answer when this one failed before any text; it takes
        this one's place (an error after text is the user's to see, never silently retried)."""
        from .routing import TAKEOVER

        route = self.route
        if (route is None or answer.status != "failed" or answer.error is None or answer.text
                or answer.error.kind not in TAKEOVER or answer not in self.answers):
            return None
        rest = self.candidates(answer)[1:]
        if not rest:
            return None
        successor = Answer(rest[0], answer.history, asked_on=time.time())
        self._keep(answer)  # e.g. reasoning streamed, then a timeout: billed, though it gave no answer
        self.route = route.took_over(answer.target, answer.error.kind)
        self.answers[self.answers.index(answer)] = successor
        return successor


def merge_prompt(run: Run, instructions: str) -> str:
    """The prompt that asks one model to merge a round's finished answers into one."""
    parts = [instructions.strip(), "", f"The question was:\n{run.prompt}"]
    for number, answer in enumerate((a for a in run.answers if a.text), start=1):
        parts += ["", f"Answer {number} ({answer.target.label}):", answer.text]
    return "\n".join(parts)


MERGE_INSTRUCTIONS = (
    "Several assistants answered the same question. Write the single best answer: keep what they agree "
    "on, resolve their disagreements (say which answer was right and why), and add nothing unsupported."
)
