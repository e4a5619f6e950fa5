"""The history export file: its two versions, checked with pydantic, and the move from the older one.

Version 2 (current) is an envelope around run documents exactly as `record.to_doc` writes them; version 1
is the older, minimal format a person can write by hand, and `migrate_v1` turns it into version 2.
Pydantic is imported here only, and this module only when the user imports or exports. Everything a
file can hold is refused with `ImportRefused`, whose message names each problem's run and field.

    bytes ─size─> UTF-8 ─from_json─> envelope ─format, version, count─> _ExportV1 ─migrate_v1─┐
                                                                        _ExportV2 <───────────┘
                                                                            └─ids─> from_doc
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Annotated, Any, Literal, NoReturn

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails, from_json

from .. import providers
from ..errors import ErrorKind
from ..run import ENDPOINT, MAX_REPLACED, Kind, Status
from .record import CorruptRecord, RunRecord, from_doc, iso, parse_time, to_doc
from .service import EXPORT_AGAIN, MAX_IMPORT_BYTES, MAX_TITLE

FORMAT = "switchboard-history"
VERSION = 2
MAX_BYTES = MAX_IMPORT_BYTES
MAX_RUNS = 100_000
MAX_ANSWERS = 64  # per run
MAX_HISTORY = 1000  # messages before one answer
MAX_TEXT = 2_000_000  # characters of a prompt, answer, reasoning, system prompt or message
MAX_NAME = 200  # characters of a model id or an endpoint's slot
MAX_ERROR = 100_000  # characters of an error message
MAX_COUNT = 2**53 - 1  # the largest whole number the page's JavaScript holds exactly
MAX_PROBLEMS = 5
V1_ERROR_KIND: ErrorKind = "server"  # errors.KINDS has no "unknown"; "server" covers unknown failures
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PROVIDER_IDS = frozenset(providers.ids())


class ImportRefused(ValueError):
    """A file that cannot be imported; the message says why, for a person."""


# --- field checks (after pydantic's own: the value already has the right type) ----------------------


def _run_id(value: str) -> str:
    if not _ID.fullmatch(value):
        raise ValueError("should be 1 to 64 letters, digits, _ or -")
    return value


def _thread(value: str) -> str:
    return value and _run_id(value)


def _filled(value: str) -> str:
    if not value.strip():  # the same test as from_doc's, which str.strip decides
        raise ValueError("should not be empty")
    return value


def _moment(value: str) -> str:
    try:
        parse_time(value, "created")
    except CorruptRecord as exc:
        raise ValueError(str(exc).removeprefix("created: ")) from None
    return value


def _slot(value: str) -> str:
    if value.startswith(ENDPOINT) and value.removeprefix(ENDPOINT).strip():
        return value
    if value not in _PROVIDER_IDS:  # an unknown one would break every view that names the source
        raise ValueError(f"should be endpoint:<name> or one of {', '.join(providers.ids())}")
    return value


_COST = re.compile(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]{1,3})?")


def _cost(value: str) -> str:
    if not _COST.fullmatch(value):
        raise ValueError('should be a decimal amount from 0 as text, e.g. "0.0012"')
    return value


RunId = Annotated[str, Field(max_length=64), AfterValidator(_run_id)]
Text = Annotated[str, Field(max_length=MAX_TEXT)]
Filled = Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(_filled)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME), AfterValidator(_filled)]
Slot = Annotated[str, Field(min_length=1, max_length=MAX_NAME), AfterValidator(_slot)]
Moment = Annotated[str, Field(max_length=40), AfterValidator(_moment)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Cost = Annotated[str, Field(max_length=40), AfterValidator(_cost)]


class _Model(BaseModel):
    # strict: JSON gives exact types, so "1" is not 1 and true is not 1
    model_config = ConfigDict(strict=True, extra="ignore", protected_namespaces=())


# --- version 2: the run document of record.to_doc ---------------------------------------------------


class _Message(_Model):
    role: Literal["user", "assistant"]
    content: Text


class _Usage(_Model):
    input_tokens: Count | None = None
    cached_input_tokens: Count | None = None
    output_tokens: Count | None = None
    reasoning_tokens: Count | None = None


class _Error(_Model):
    kind: ErrorKind
    message: Annotated[str, Field(max_length=MAX_ERROR)]
    status: Annotated[int, Field(ge=0, le=999)] | None = None  # an HTTP status


class _SavedCost(_Model):
    usd: Cost | None = None
    kind: Literal["", "provider", "catalog", "user", "local", "openrouter"] = ""
    package: Annotated[str, Field(max_length=MAX_NAME)] = ""
    version: Annotated[str, Field(max_length=MAX_NAME)] = ""
    as_of: Annotated[str, Field(max_length=MAX_NAME)] = ""


class _Answer(_Model):
    slot: Slot
    model: Name
    status: Status
    text: Text = ""
    reasoning: Text = ""
    history: Annotated[list[_Message], Field(max_length=MAX_HISTORY)] = []
    model_served: Annotated[str, Field(max_length=MAX_NAME)] | None = None
    usage: _Usage = _Usage()
    cost_usd: Cost | None = None
    error: _Error | None = None
    ttft_ms: Count | None = None
    duration_ms: Count | None = None
    cost: _SavedCost | None = None
    asked: Moment | None = None


class _Params(_Model):
    system: Text | None = None
    temperature: Annotated[float, Field(ge=0, le=2, allow_inf_nan=False)] | None = None
    max_output_tokens: Count | None = None


class _Run(_Model):
    model_config = ConfigDict(extra="allow")  # a newer build's fields: RunRecord.extra keeps them

    id: RunId
    created: Moment
    title: Annotated[str, Field(max_length=MAX_TITLE)] = ""
    favorite: bool = False
    thread: Annotated[str, Field(max_length=64), AfterValidator(_thread)] = ""
    round: Annotated[int, Field(ge=1, le=MAX_COUNT)] = 1
    kind: Kind = "ask"
    prompt: Filled
    params: _Params = _Params()
    route: dict[str, Any] | None = None
    answers: Annotated[list[_Answer], Field(min_length=1, max_length=MAX_ANSWERS)]
    replaced: Annotated[list[_Answer], Field(max_length=MAX_REPLACED)] = []


class _ExportV2(_Model):
    format: Literal["switchboard-history"]
    version: Literal[2]
    exported_at: Moment | None = None
    runs: list[_Run]


# --- version 1: the older, minimal format -----------------------------------------------------------


class _AnswerV1(_Model):
    provider: Slot
    model: Name
    text: Text
    error: Annotated[str, Field(max_length=MAX_ERROR)] | None = None


class _RunV1(_Model):
    id: RunId
    created: Moment
    prompt: Filled
    system: Text | None = None
    answers: Annotated[list[_AnswerV1], Field(min_length=1, max_length=MAX_ANSWERS)]


class _ExportV1(_Model):
    format: Literal["switchboard-history"]
    version: Literal[1]
    runs: list[_RunV1]


def migrate_v1(envelope: dict[str, Any]) -> dict[str, Any]:
    """The version 2 envelope of a valid version 1 one; what version 1 lacks keeps its default."""
    return {"format": FORMAT, "version": 2, "runs": [_run_v1(run) for run in envelope["runs"]]}


def _run_v1(run: dict[str, Any]) -> dict[str, Any]:
    return {"id": run["id"], "created": run["created"], "prompt": run["prompt"],
            "params": {"system": run.get("system")}, "answers": [_answer_v1(a) for a in run["answers"]]}


def _answer_v1(answer: dict[str, Any]) -> dict[str, Any]:
    error = answer.get("error")
    return {"slot": answer["provider"], "model": answer["model"], "text": answer["text"],
            "status": "failed" if error else "done",
            "error": {"kind": V1_ERROR_KIND, "message": error} if error else None}


# --- reading and writing ----------------------------------------------------------------------------


def parse_export(data: bytes) -> list[RunRecord]:
    """The runs of an export file (either version); raises ImportRefused saying what is wrong."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"This file is {len(data) / 2**20:.1f} MB; an import takes at most "
                            f"{MAX_BYTES // 2**20} MB. {EXPORT_AGAIN}")
    envelope = _envelope(data)
    runs = envelope["runs"]
    try:
        if envelope["version"] == 1:
            envelope = migrate_v1(_ExportV1.model_validate(envelope).model_dump())
        _ExportV2.model_validate(envelope)
    except ValidationError as exc:
        _refuse([_problem(error, runs) for error in exc.errors(include_url=False, include_input=False)])
    docs: list[dict[str, Any]] = envelope["runs"]
    _refuse_duplicates(docs)
    try:
        return [from_doc(doc) for doc in docs]
    except CorruptRecord as exc:  # a gap between _Run and from_doc: a bug, still told in words
        raise ImportRefused(f"A run passed every check but still cannot be read: {exc}") from None


def dump_exports(records: Sequence[RunRecord], exported_at: float, limit: int | None) -> list[bytes]:
    """Version 2 export files of records (UTF-8 JSON), in order, each at most `limit` bytes where a run fits
    (one larger than that alone gets a file of its own) and MAX_RUNS runs; always at least one file, and
    exactly one when `limit` is None."""
    empty = _json({"format": FORMAT, "version": VERSION, "exported_at": iso(exported_at), "runs": []})
    head, tail = empty[:-2], empty[-2:]  # the envelope up to "runs":[ and the closing ]}
    files: list[bytes] = []
    batch: list[bytes] = []
    size = len(empty)
    for doc in (_json(to_doc(record)) for record in records):
        if batch and limit is not None and (size + len(doc) + 1 > limit or len(batch) == MAX_RUNS):
            files.append(head + b",".join(batch) + tail)
            batch, size = [], len(empty)
        batch.append(doc)
        size += len(doc) + 1
    return [*files, head + b",".join(batch) + tail]


def _json(value: object) -> bytes:
    # "replace": a lone surrogate (a broken character from the page) becomes "?" instead of failing the export
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")


def _envelope(data: bytes) -> dict[str, Any]:
    """The parsed top level, with its format, version and run count checked before any run is."""
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")  # a byte order mark from a text editor
    except UnicodeDecodeError as exc:
        raise ImportRefused(f"This file is not UTF-8 text (byte {exc.start + 1} cannot be read), "
                            "so it is not a Switchboard history export.") from None
    if not text.strip():
        raise ImportRefused("This file is empty.")
    try:
        value = from_json(text)  # its own depth limit: deep nesting is a ValueError, not a RecursionError
    except ValueError as exc:
        why = "it nests lists or objects too deeply" if "recursion limit" in str(exc) else str(exc)
        raise ImportRefused(f"This file is not valid JSON ({why}); is it cut off or damaged?") from None
    if not isinstance(value, dict):
        raise ImportRefused("This is not a Switchboard history export: it holds "
                            f"{_kind_of(value)} where an object ({{...}}) should be.")
    if value.get("format") != FORMAT:
        raise ImportRefused(f'This is not a Switchboard history export: its "format" is not "{FORMAT}".')
    version = value.get("version")
    if version is None:
        raise ImportRefused('This file has no "version", so it cannot be read; is it damaged?')
    if type(version) is not int:
        raise ImportRefused(f'This file\'s "version" should be a whole number, not {_kind_of(version)}.')
    if version > VERSION:
        shown = version if version < 10**9 else "unknown"
        raise ImportRefused(f"This file was made by a newer Switchboard (version {shown}); "
                            "update this page to import it.")
    if version < 1:
        raise ImportRefused(f"This file's version ({version}) is not one Switchboard ever wrote.")
    runs = value.get("runs")
    if not isinstance(runs, list):
        raise ImportRefused(f'This file\'s "runs" should be a list, not {_kind_of(runs)}.')
    if len(runs) > MAX_RUNS:  # before validating any run, so a huge file is refused at once
        raise ImportRefused(f"This file holds {len(runs):,} runs; an import takes at most {MAX_RUNS:,}. "
                            + EXPORT_AGAIN)
    return value


def _kind_of(value: object) -> str:
    if value is None:
        return "nothing (null)"
    names = {bool: "true or false", int: "a number", float: "a number", str: "text", list: "a list",
             dict: "an object"}
    return names.get(type(value), "something else")


def _problem(error: ErrorDetails, runs: list[Any]) -> str:
    """One validation error in words: 'Run 3 (id "abc"), answers[0].status: Input should be …'."""
    loc = error["loc"]
    if len(loc) >= 2 and loc[0] == "runs" and isinstance(loc[1], int):
        where, path = _run_name(loc[1], runs), loc[2:]
    else:
        where, path = "", loc
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).removeprefix(".")
    if error["type"] == "model_type":
        words = "Input should be an object"
    elif error["type"] == "value_error":
        words = error["msg"].removeprefix("Value error, ")
        words = words[:1].upper() + words[1:]
    else:
        words = error["msg"]
    return f"{where}{', ' if where and field else ''}{field}: {words}"


def _run_name(index: int, runs: list[Any]) -> str:
    run = runs[index]
    run_id = run.get("id") if isinstance(run, dict) else None
    if not isinstance(run_id, str):
        return f"Run {index + 1}"
    shown = run_id if len(run_id) <= 64 else run_id[:63] + "…"
    return f"Run {index + 1} (id {json.dumps(shown, ensure_ascii=False)})"


def _refuse_duplicates(docs: list[dict[str, Any]]) -> None:
    first: dict[str, int] = {}
    problems = []
    for index, doc in enumerate(docs):
        earlier = first.setdefault(doc["id"], index)
        if earlier != index:
            problems.append(f"{_run_name(index, docs)}: the same id as run {earlier + 1}")
    if problems:
        _refuse(problems)


def _refuse(problems: list[str]) -> NoReturn:
    more = len(problems) - MAX_PROBLEMS
    lines = problems[:MAX_PROBLEMS] + ([f"and {more} more"] if more > 0 else [])
    raise ImportRefused("This file cannot be imported:\n" + "\n".join(lines))
