"""A run as history keeps it: plain values, the JSON document they are stored and exported as, and back.

The document ("doc") is the one shape for both the IndexedDB record and each run of an export, so an
export is a list of stored docs and an import validates the same shape (`history.schema`). Stored
docs are untrusted too (another tab, an older build, a tampered profile): `from_doc` checks every
field it reads and raises `CorruptRecord` in words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, get_args

from ..chat import Fold, Message, ReasoningDelta, Started, TextDelta, Usage, UsageUpdate
from ..errors import KINDS, ErrorKind, ProviderError
from ..routing import Route, fallback
from ..run import Answer, Kind, Params, Run, Status, Target

if TYPE_CHECKING:
    from ..pricing import Cost

STATUSES: tuple[Status, ...] = get_args(Status)
RUNNING: tuple[Status, ...] = ("waiting", "streaming")
USAGE_FIELDS = ("input_tokens", "cached_input_tokens", "output_tokens", "reasoning_tokens")


class CorruptRecord(ValueError):
    """A stored or imported document that is not a run; the message says which field and why."""


@dataclass(frozen=True, slots=True)
class SavedError:
    """What went wrong with an answer, as the user saw it."""

    kind: ErrorKind
    message: str
    status: int | None = None


@dataclass(frozen=True, slots=True)
class SavedCost:
    """An answer's cost as it was worked out when it ended (so totals never move when prices do):
    USD (None: unknown) and where it came from (`pricing.Source` in fields; no kind: no price known)."""

    usd: Decimal | None
    kind: str = ""
    package: str = ""
    version: str = ""
    as_of: str = ""


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """One answer of a saved run; `incomplete` when it was still arriving at the last save."""

    slot: str
    model: str
    status: Status
    text: str = ""
    reasoning: str = ""
    history: tuple[Message, ...] = ()
    model_served: str | None = None
    usage: Usage = field(default_factory=Usage)
    error: SavedError | None = None
    ttft_ms: int | None = None
    duration_ms: int | None = None
    cost: SavedCost | None = None
    asked: float | None = None  # Unix seconds, when a Retry or a takeover asked it after its run began

    @property
    def target(self) -> Target:
        return Target(self.slot, self.model)

    @property
    def incomplete(self) -> bool:
        """Saved while it streamed and never saved again: the tab closed or crashed mid-answer."""
        return self.status in RUNNING

    @property
    def provider_id(self) -> str:
        return self.target.provider_id


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One round of one prompt, as saved: everything needed to show it, reuse it or run it again."""

    id: str
    created: float  # Unix seconds
    prompt: str
    answers: tuple[AnswerRecord, ...]
    params: Params = field(default_factory=Params)
    title: str = ""  # empty: the prompt's first line stands for it
    favorite: bool = False
    thread: str = ""  # the conversation's first round's id (empty: this run's own)
    round: int = 1
    kind: Kind = "ask"
    route: Mapping[str, Any] | None = None  # the routing decision, when a rule chose the targets
    extra: Mapping[str, Any] = field(default_factory=dict)  # fields a newer build wrote: kept, not read
    replaced: tuple[AnswerRecord, ...] = ()  # sent answers a Retry or a takeover replaced (spend counts them)

    @property
    def name(self) -> str:
        """What the history list calls it: the title, else the prompt's first line (shortened)."""
        if self.title.strip():
            return self.title.strip()
        first = self.prompt.strip().splitlines()[0] if self.prompt.strip() else "(empty prompt)"
        return first if len(first) <= 80 else first[:79] + "…"

    @property
    def incomplete(self) -> bool:
        return any(answer.incomplete for answer in self.answers)

    @property
    def thread_id(self) -> str:
        return self.thread or self.id

    def targets(self) -> list[Target]:
        return [answer.target for answer in self.answers]


# --- from a live run ---------------------------------------------------------------------------------


def from_run(run: Run, saved: RunRecord | None = None) -> RunRecord:
    """The record of a live run as it stands now (call again as it streams); for a run reopened from
    `saved`, with what that record kept and a Run cannot hold (fields a newer build wrote, a route this
    build cannot read), so that saving it again loses none of it."""
    route = run.route.to_doc() if run.route is not None else saved.route if saved is not None else None
    return RunRecord(
        id=run.id,
        created=round(run.created_at * 1000) / 1000,  # what the document keeps, so keys agree
        prompt=run.prompt,
        answers=tuple(_answer_record(answer) for answer in run.answers),
        params=run.params,
        thread=run.thread,
        round=run.round,
        kind=run.kind,
        route=route,
        replaced=tuple(_answer_record(answer) for answer in run.replaced),
        extra={} if saved is None else saved.extra,
    )


def _answer_record(answer: Answer) -> AnswerRecord:
    error = answer.error
    return AnswerRecord(
        slot=answer.target.slot,
        model=answer.target.model,
        status=answer.status,
        text=answer.text,
        reasoning=answer.reasoning,
        history=answer.history,
        model_served=answer.model_served,
        usage=answer.usage,
        error=None if error is None else SavedError(error.kind, error.message, error.status),
        ttft_ms=_ms(answer.time_to_first_token),
        duration_ms=_ms(None if answer.finished_at is None or answer.sent_at is None
                        else answer.finished_at - answer.sent_at),
        cost=None if answer.cost is None else _saved_cost(answer.cost),
        asked=None if answer.asked_on is None else round(answer.asked_on * 1000) / 1000,
    )


def _saved_cost(cost: Cost) -> SavedCost:
    source = cost.source
    if source is None:
        return SavedCost(cost.usd)
    return SavedCost(cost.usd, source.kind, source.package, source.version, source.as_of)


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else max(0, round(seconds * 1000))


def to_run(record: RunRecord) -> Run:
    """A finished Run holding the record's answers: the answers view draws it like a live one, and a
    follow-up continues its conversation. An incomplete answer comes back as stopped, with its text."""
    answers = [_answer(a) for a in record.answers]
    return Run(record.prompt, answers, record.params, run_id=record.id, created_at=record.created,
               thread=record.thread_id, kind=record.kind, route=_route(record.route),
               replaced=[_answer(a) for a in record.replaced])


def ask_again(record: RunRecord) -> Run:
    """A new run of a saved run's prompt, of the same models, each with the conversation it had; a
    fallback chain starts again from its first model (not from the one that ended up answering)."""
    answers = [Answer(a.target, a.history) for a in record.answers]
    route = _route(record.route)
    chain = [Target(*pair) for pair in route.chosen] if route is not None and route.rule == "fallback" else []
    return Run(record.prompt, [Answer(chain[0], answers[0].history)] if chain else answers, record.params,
               thread=record.thread_id if record.round > 1 else None, kind=record.kind,
               route=fallback(chain) if chain else None)


def _route(doc: Mapping[str, Any] | None) -> Route | None:
    """The rule that chose a saved run's model; None when there was none or this build cannot read it."""
    if doc is None:
        return None
    try:
        return Route.from_doc(doc)
    except ValueError:
        return None


def _answer(saved: AnswerRecord) -> Answer:
    fold = Fold()
    if saved.model_served:
        fold.feed(Started(model=saved.model_served))
    if saved.reasoning:
        fold.feed(ReasoningDelta(saved.reasoning))
    if saved.text:
        fold.feed(TextDelta(saved.text))
    fold.feed(UsageUpdate(saved.usage))
    error = None if saved.error is None else ProviderError(saved.error.kind, saved.error.message,
                                                          status=saved.error.status)
    answer = Answer(saved.target, saved.history, status="stopped" if saved.incomplete else saved.status,
                    fold=fold, error=error, cost=None if saved.cost is None else _cost(saved.cost),
                    asked_on=saved.asked)
    if saved.duration_ms is not None:  # timings relative to a send at 0, which is all the summary reads
        answer.sent_at = 0.0
        answer.finished_at = saved.duration_ms / 1000
        answer.first_token_at = None if saved.ttft_ms is None else saved.ttft_ms / 1000
    return answer


def _cost(saved: SavedCost) -> Cost:
    from ..pricing import Cost, Source  # here: a reopened run's cost line is the first to need them

    if saved.kind not in ("provider", "catalog", "user", "local", "openrouter"):
        return Cost(saved.usd)
    return Cost(saved.usd, Source(saved.kind, saved.package, saved.version, saved.as_of))  # type: ignore[arg-type]


# --- the document ------------------------------------------------------------------------------------


def to_doc(record: RunRecord) -> dict[str, Any]:
    """The JSON-ready document (see the module docstring); `from_doc(to_doc(r)) == r`."""
    doc: dict[str, Any] = dict(record.extra)
    doc.update(
        id=record.id,
        created=iso(record.created),
        title=record.title,
        favorite=record.favorite,
        thread=record.thread,
        round=record.round,
        kind=record.kind,
        prompt=record.prompt,
        params={"system": record.params.system, "temperature": record.params.temperature,
                "max_output_tokens": record.params.max_output_tokens},
        route=None if record.route is None else dict(record.route),
        answers=[_answer_doc(a) for a in record.answers],
    )
    if record.replaced:  # absent otherwise: most runs have none, and an older build keeps it as it is
        doc["replaced"] = [_answer_doc(a) for a in record.replaced]
    return doc


def _answer_doc(answer: AnswerRecord) -> dict[str, Any]:
    usage = answer.usage
    return {
        "slot": answer.slot,
        "model": answer.model,
        "status": answer.status,
        "text": answer.text,
        "reasoning": answer.reasoning,
        "history": [{"role": m.role, "content": m.content} for m in answer.history],
        "model_served": answer.model_served,
        "usage": {name: getattr(usage, name) for name in USAGE_FIELDS},
        "cost_usd": None if usage.cost_usd is None else str(usage.cost_usd),
        "error": None if answer.error is None else {"kind": answer.error.kind, "message": answer.error.message,
                                                    "status": answer.error.status},
        "ttft_ms": answer.ttft_ms,
        "duration_ms": answer.duration_ms,
        "cost": None if answer.cost is None else {
            "usd": None if answer.cost.usd is None else str(answer.cost.usd), "kind": answer.cost.kind,
            "package": answer.cost.package, "version": answer.cost.version, "as_of": answer.cost.as_of},
    } | ({} if answer.asked is None else {"asked": iso(answer.asked)})


RUN_FIELDS = frozenset(("id", "created", "title", "favorite", "thread", "round", "kind", "prompt", "params",
                        "route", "answers", "replaced"))


def from_doc(doc: object) -> RunRecord:
    """The record a document describes; raises CorruptRecord naming the first bad field."""
    d = _mapping(doc, "run")
    run_id = _text(d, "id", "run")
    where = f"run {run_id!r}"
    answers = d.get("answers")
    if not isinstance(answers, list) or not answers:
        raise CorruptRecord(f"{where}: answers must be a non-empty list")
    params = _mapping(d.get("params") or {}, f"{where}: params")
    route = d.get("route")
    if route is not None and not isinstance(route, dict):
        raise CorruptRecord(f"{where}: route must be an object or null")
    replaced = d.get("replaced") or []
    if not isinstance(replaced, list):
        raise CorruptRecord(f"{where}: replaced must be a list")
    kind = d.get("kind", "ask")
    if kind not in ("ask", "merge"):
        raise CorruptRecord(f"{where}: kind must be 'ask' or 'merge'")
    return RunRecord(
        id=run_id,
        created=parse_time(d.get("created"), f"{where}: created"),
        prompt=_text(d, "prompt", where, empty=False),
        answers=tuple(_answer_from_doc(a, f"{where}: answers[{i}]") for i, a in enumerate(answers)),
        params=Params(
            system=_optional_text(params, "system", where),
            temperature=_optional_number(params, "temperature", where),
            max_output_tokens=_optional_int(params, "max_output_tokens", where),
        ),
        title=_text(d, "title", where, default=""),
        favorite=_bool(d, "favorite", where),
        thread=_text(d, "thread", where, default=""),
        round=_optional_int(d, "round", where) or 1,
        kind=kind,
        route=route,
        extra={k: v for k, v in d.items() if k not in RUN_FIELDS},
        replaced=tuple(_answer_from_doc(a, f"{where}: replaced[{i}]") for i, a in enumerate(replaced)),
    )


def _answer_from_doc(doc: object, where: str) -> AnswerRecord:
    d = _mapping(doc, where)
    status = d.get("status")
    if status not in STATUSES:
        raise CorruptRecord(f"{where}: status must be one of {', '.join(STATUSES)}")
    history = d.get("history") or []
    if not isinstance(history, list):
        raise CorruptRecord(f"{where}: history must be a list")
    messages = []
    for i, item in enumerate(history):
        m = _mapping(item, f"{where}: history[{i}]")
        role = m.get("role")
        if role not in ("user", "assistant"):
            raise CorruptRecord(f"{where}: history[{i}].role must be 'user' or 'assistant'")
        messages.append(Message(role, _text(m, "content", f"{where}: history[{i}]")))
    usage = _mapping(d.get("usage") or {}, f"{where}: usage")
    error = d.get("error")
    saved_error = None
    if error is not None:
        e = _mapping(error, f"{where}: error")
        kind = e.get("kind")
        if kind not in KINDS:
            raise CorruptRecord(f"{where}: error.kind must be one of {', '.join(KINDS)}")
        saved_error = SavedError(kind, _text(e, "message", f"{where}: error"),
                                 _optional_int(e, "status", f"{where}: error"))
    return AnswerRecord(
        slot=_text(d, "slot", where, empty=False),
        model=_text(d, "model", where, empty=False),
        status=status,
        text=_text(d, "text", where, default=""),
        reasoning=_text(d, "reasoning", where, default=""),
        history=tuple(messages),
        model_served=_optional_text(d, "model_served", where),
        usage=Usage(**{name: _optional_int(usage, name, f"{where}: usage") for name in USAGE_FIELDS},
                    cost_usd=_decimal(d.get("cost_usd"), f"{where}: cost_usd")),
        error=saved_error,
        ttft_ms=_optional_int(d, "ttft_ms", where),
        duration_ms=_optional_int(d, "duration_ms", where),
        cost=_saved_cost_from_doc(d.get("cost"), f"{where}: cost"),
        asked=None if d.get("asked") is None else parse_time(d["asked"], f"{where}: asked"),
    )


def _saved_cost_from_doc(value: object, where: str) -> SavedCost | None:
    if value is None:
        return None
    d = _mapping(value, where)
    return SavedCost(_decimal(d.get("usd"), f"{where}.usd"),
                     *(_text(d, name, where, default="") for name in ("kind", "package", "version", "as_of")))


# --- checked reads -----------------------------------------------------------------------------------


def iso(seconds: float) -> str:
    """UTC ISO 8601 to the nearest millisecond, e.g. 2026-11-30T06:00:00.123Z."""
    # In whole milliseconds: a float's binary fraction must not truncate .123 to .122 (the key moves).
    ms = round(seconds * 1000)
    moment = datetime.fromtimestamp(ms // 1000, UTC) + timedelta(milliseconds=ms % 1000)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: object, where: str) -> float:
    """Unix seconds from an ISO 8601 text (a zone is required) between 1970 and 9999."""
    if not isinstance(value, str) or len(value) > 40:
        raise CorruptRecord(f"{where}: must be a date and time like 2026-11-30T06:00:00Z")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CorruptRecord(f"{where}: {value!r} is not a date and time like 2026-11-30T06:00:00Z") from None
    if moment.tzinfo is None:
        raise CorruptRecord(f"{where}: {value!r} has no time zone (add Z for UTC)")
    seconds = moment.timestamp()
    if seconds < 0:
        raise CorruptRecord(f"{where}: {value!r} is before 1970")
    try:
        iso(seconds)  # what an export writes back must exist: 9999-12-31T23:59:59.9999Z rounds past it
    except (OverflowError, ValueError):
        raise CorruptRecord(f"{where}: {value!r} is after the year 9999") from None
    return seconds


def _mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CorruptRecord(f"{where}: must be an object")
    return value


def _text(d: Mapping[str, Any], name: str, where: str, *, default: str | None = None, empty: bool = True) -> str:
    value = d.get(name, default)
    if not isinstance(value, str):
        raise CorruptRecord(f"{where}: {name} must be text")
    if not empty and not value.strip():
        raise CorruptRecord(f"{where}: {name} must not be empty")
    return value


def _optional_text(d: Mapping[str, Any], name: str, where: str) -> str | None:
    value = d.get(name)
    if value is not None and not isinstance(value, str):
        raise CorruptRecord(f"{where}: {name} must be text or null")
    return value


def _optional_int(d: Mapping[str, Any], name: str, where: str) -> int | None:
    value = d.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CorruptRecord(f"{where}: {name} must be a whole number from 0, or null")
    return value


def _optional_number(d: Mapping[str, Any], name: str, where: str) -> float | None:
    value = d.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CorruptRecord(f"{where}: {name} must be a number or null")
    return float(value)


def _bool(d: Mapping[str, Any], name: str, where: str) -> bool:
    value = d.get(name, False)
    if not isinstance(value, bool):
        raise CorruptRecord(f"{where}: {name} must be true or false")
    return value


def _decimal(value: object, where: str) -> Decimal | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise CorruptRecord(f"{where}: must be a decimal number as text, e.g. \"0.0012\", or null")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise CorruptRecord(f"{where}: {value!r} is not a decimal number") from None
    if not amount.is_finite() or amount < 0:
        raise CorruptRecord(f"{where}: must be a finite amount from 0")
    return amount
