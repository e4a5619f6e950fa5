"""The history export file: round trips, the version 1 migration, and every hostile file refused in words."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchboard import providers
from switchboard.chat import Message, Usage
from switchboard.errors import KINDS
from switchboard.history import schema
from switchboard.history.record import RUN_FIELDS, STATUSES, AnswerRecord, RunRecord, SavedError, to_doc
from switchboard.history.schema import MAX_BYTES, MAX_RUNS, ImportRefused, dump_exports, migrate_v1, parse_export
from switchboard.run import MAX_REPLACED, Params

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_790_000_000.0
HEAD = {"format": "switchboard-history", "version": 2}

# --- valid records -----------------------------------------------------------------------------------

chars = st.characters(codec="utf-8")  # any code point but a lone surrogate, which UTF-8 cannot hold
texts = st.text(chars, max_size=40)
filled = texts.filter(lambda t: bool(t.strip()))
run_ids = st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True)
counts = st.none() | st.integers(0, 2**53 - 1)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63) | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
slots = st.sampled_from(providers.ids()) | filled.map(lambda name: "endpoint:" + name[:60])
costs = st.builds(lambda n, places: Decimal(n).scaleb(-places), st.integers(0, 10**9), st.integers(0, 12))
usages = st.builds(Usage, counts, counts, counts, counts, st.none() | costs)
errors = st.builds(SavedError, st.sampled_from(KINDS), texts, st.none() | st.integers(100, 599))
answers = st.builds(
    AnswerRecord,
    slot=slots,
    model=filled,
    status=st.sampled_from(STATUSES),
    text=texts,
    reasoning=texts,
    history=st.lists(st.builds(Message, st.sampled_from(["user", "assistant"]), texts), max_size=3).map(tuple),
    model_served=st.none() | filled,
    usage=usages,
    error=st.none() | errors,
    ttft_ms=counts,
    duration_ms=counts,
    asked=st.none() | st.integers(0, 253_402_300_799_999).map(lambda ms: ms / 1000),
)
params = st.builds(Params, st.none() | texts, st.none() | st.floats(0, 2), counts)
run_records = st.builds(
    RunRecord,
    id=run_ids,
    # whole milliseconds, what iso() writes and parse_time reads back to the same float
    created=st.integers(0, 253_402_300_799_999).map(lambda ms: ms / 1000),
    prompt=filled,
    answers=st.lists(answers, min_size=1, max_size=3).map(tuple),
    params=params,
    title=st.text(chars, max_size=200),
    favorite=st.booleans(),
    thread=st.just("") | run_ids,
    round=st.integers(1, 1000),
    kind=st.sampled_from(["ask", "merge"]),
    route=st.none() | st.dictionaries(texts, json_values, max_size=3),
    extra=st.dictionaries(texts.filter(lambda k: k not in RUN_FIELDS), json_values, max_size=3),
    replaced=st.lists(answers, max_size=2).map(tuple),
)
record_lists = st.lists(run_records, max_size=4, unique_by=lambda r: r.id)


def dump_export(records: list[RunRecord], exported_at: float) -> bytes:
    """The export of records in one file, whatever its size."""
    (file,) = dump_exports(records, exported_at, None)
    return file


def sample(n: int = 1, **changes: Any) -> RunRecord:
    fields: dict[str, Any] = {
        "id": f"run{n}", "created": NOW + n, "prompt": f"Question {n}?",
        "answers": (AnswerRecord("openai", "gpt-4o", "done", f"Answer {n}."),
                    AnswerRecord("anthropic", "claude-sonnet", "failed", "half",
                                 error=SavedError("rate_limit", "Slow down.", 429))),
    }
    return RunRecord(**{**fields, **changes})


def valid_file(count: int = 3) -> dict[str, Any]:
    file: dict[str, Any] = json.loads(dump_export([sample(n) for n in range(1, count + 1)], NOW))
    return file


def encoded(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def refused(data: bytes) -> str:
    with pytest.raises(ImportRefused) as caught:
        parse_export(data)
    message = str(caught.value)
    assert message.strip()
    return message


# --- round trips -------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record_lists)
def test_an_export_imports_as_the_same_records(records: list[RunRecord]) -> None:
    assert parse_export(dump_export(records, NOW)) == records


def test_the_export_is_the_version_2_envelope_of_the_documents() -> None:
    record = sample(1, extra={"later": {"field": [1, 2]}})
    exported = json.loads(dump_export([record], NOW + 0.5))
    assert exported == {"format": "switchboard-history", "version": 2, "exported_at": "2026-09-21T14:13:20.500Z",
                        "runs": [json.loads(json.dumps(to_doc(record)))]}
    assert parse_export(dump_export([], NOW)) == []


def test_a_lone_surrogate_cannot_break_an_export() -> None:
    broken = sample(1, prompt="half a character: \ud83d")
    assert parse_export(dump_export([broken], NOW))[0].prompt == "half a character: ?"


def test_a_hand_edited_file_may_leave_out_what_has_a_default_and_start_with_a_byte_order_mark() -> None:
    doc = {"id": "r1", "created": "2026-01-02T03:04:05+01:00", "prompt": "Hi",
           "answers": [{"slot": "openai", "model": "gpt-4o", "status": "done", "text": "Hello"}]}
    [record] = parse_export(b"\xef\xbb\xbf" + encoded({**HEAD, "runs": [doc]}))
    assert record == RunRecord("r1", 1767319445.0, "Hi", (AnswerRecord("openai", "gpt-4o", "done", "Hello"),))


def test_unknown_fields_of_a_run_are_kept_and_those_of_an_answer_ignored() -> None:
    doc = to_doc(sample(1))
    doc["made_by"] = {"build": 9}
    doc["answers"][0]["sparkles"] = True
    [record] = parse_export(encoded({**HEAD, "runs": [doc]}))
    assert record.extra == {"made_by": {"build": 9}}
    assert record.answers == sample(1).answers


# --- version 1 ---------------------------------------------------------------------------------------

V1 = b"""{
  "format": "switchboard-history",
  "version": 1,
  "runs": [
    {"id": "first", "created": "2025-03-01T12:00:00Z", "prompt": "Capital of France?",
     "answers": [{"provider": "openai", "model": "gpt-4o-mini", "text": "Paris."},
                 {"provider": "endpoint:home-box", "model": "llama3", "text": "", "error": "connection refused"}]},
    {"id": "second", "created": "2025-03-02T08:30:00.250+02:00", "prompt": "Say hi.", "system": "Be terse.",
     "answers": [{"provider": "anthropic", "model": "claude-3-haiku", "text": "Hi", "error": null}]}
  ]
}"""


def test_a_version_1_file_imports_as_runs_with_defaults() -> None:
    assert parse_export(V1) == [
        RunRecord("first", 1740830400.0, "Capital of France?", (
            AnswerRecord("openai", "gpt-4o-mini", "done", "Paris."),
            AnswerRecord("endpoint:home-box", "llama3", "failed", "",
                         error=SavedError(schema.V1_ERROR_KIND, "connection refused")),
        )),
        RunRecord("second", 1740897000.25, "Say hi.", (AnswerRecord("anthropic", "claude-3-haiku", "done", "Hi"),),
                  params=Params(system="Be terse.")),
    ]
    assert schema.V1_ERROR_KIND in KINDS


def test_migrate_v1_is_pure_and_gives_version_2() -> None:
    v1 = json.loads(V1)
    before = json.loads(V1)
    v2 = migrate_v1(v1)
    assert v1 == before
    assert v2["version"] == 2
    assert v2["runs"][0]["answers"][1] == {"slot": "endpoint:home-box", "model": "llama3", "text": "",
                                           "status": "failed",
                                           "error": {"kind": schema.V1_ERROR_KIND, "message": "connection refused"}}
    assert v2["runs"][1]["params"] == {"system": "Be terse."}


def test_a_version_1_problem_is_named_in_version_1_terms() -> None:
    v1 = json.loads(V1)
    v1["runs"][1]["answers"][0]["provider"] = "nobody"
    del v1["runs"][0]["answers"][0]["text"]
    message = refused(encoded(v1))
    assert 'Run 1 (id "first"), answers[0].text: Field required' in message
    assert 'Run 2 (id "second"), answers[0].provider: Should be endpoint:<name> or one of openai' in message


# --- precise refusals --------------------------------------------------------------------------------


def test_a_wrong_status_in_run_2_is_named_precisely() -> None:
    file = valid_file()
    file["runs"][1]["answers"][0]["status"] = "finished"
    assert refused(encoded(file)) == (
        "This file cannot be imported:\n"
        "Run 2 (id \"run2\"), answers[0].status: Input should be 'waiting', 'streaming', 'done', 'stopped' or 'failed'"
    )


def test_duplicate_ids_name_the_id_and_both_entries() -> None:
    file = valid_file()
    file["runs"][2]["id"] = "run1"
    assert 'Run 3 (id "run1"): the same id as run 1' in refused(encoded(file))


def test_only_the_first_problems_are_listed() -> None:
    file = valid_file(8)
    for run in file["runs"]:
        run["favorite"] = "yes"
    lines = refused(encoded(file)).splitlines()
    assert lines[1:] == [f'Run {n} (id "run{n}"), favorite: Input should be a valid boolean' for n in range(1, 6)] + [
        "and 3 more"]


def test_strict_types_coerce_nothing() -> None:
    for path, value in [(("round",), "2"), (("favorite",), 1), (("answers", 0, "ttft_ms"), True),
                        (("answers", 0, "usage", "input_tokens"), "12"), (("params", "temperature"), "0.5"),
                        (("answers", 0, "cost_usd"), 0.5), (("answers", 0, "usage", "output_tokens"), 1.0)]:
        file = valid_file(1)
        target = file["runs"][0]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        assert ".".join(str(p) for p in path if isinstance(p, str)).split(".")[-1] in refused(encoded(file))


def test_numbers_must_be_in_range() -> None:
    for field, value in [("round", 0), ("ttft_ms", -1), ("duration_ms", 2**53)]:
        file = valid_file(1)
        (file["runs"][0] if field == "round" else file["runs"][0]["answers"][0])[field] = value
        assert field in refused(encoded(file))
    for temperature in [b"NaN", b"Infinity", b"1e400", b"2.5", b"-0.1"]:
        data = encoded(valid_file(1)).replace(b'"temperature": null', b'"temperature": ' + temperature)
        assert "params.temperature" in refused(data)


@pytest.mark.parametrize(("data", "words"), [
    (b"", "empty"),
    (b"\xef\xbb\xbf  \n", "empty"),
    (b"\xff\xfe{\x00}\x00", "not UTF-8"),
    (b'{"format": "switchboard-history", "version": 2, "runs": [', "not valid JSON"),
    (b"{'format': 'switchboard-history'}", "not valid JSON"),
    (b"[]", "holds a list"),
    (b"null", "holds nothing"),
    (b'"switchboard-history"', "holds text"),
    (b"42", "holds a number"),
    (b'{"format": "chatgpt-export", "version": 2, "runs": []}', '"format" is not "switchboard-history"'),
    (b'{"version": 2, "runs": []}', '"format" is not'),
    (b'{"format": "switchboard-history", "runs": []}', 'no "version"'),
    (b'{"format": "switchboard-history", "version": "2", "runs": []}', '"version" should be a whole number'),
    (b'{"format": "switchboard-history", "version": true, "runs": []}', '"version" should be a whole number'),
    (b'{"format": "switchboard-history", "version": 2.0, "runs": []}', '"version" should be a whole number'),
    (b'{"format": "switchboard-history", "version": 0, "runs": []}', "not one Switchboard ever wrote"),
    (b'{"format": "switchboard-history", "version": 3, "runs": []}',
     "made by a newer Switchboard (version 3); update this page to import it"),
    (b'{"format": "switchboard-history", "version": 2}', '"runs" should be a list'),
    (b'{"format": "switchboard-history", "version": 2, "runs": {}}', '"runs" should be a list'),
    (b'{"format": "switchboard-history", "version": 2, "runs": [[]]}', "Run 1: Input should be an object"),
    (b'{"format": "switchboard-history", "version": 2, "runs": [{}]}', "Run 1, id: Field required"),
    (b'{"format": "switchboard-history", "version": 2, "exported_at": "now", "runs": []}', "exported_at: 'now' is not"),
    (b'{"format": "switchboard-history", "version": 1, "runs": [{"id": "x"}]}', 'Run 1 (id "x"), created'),
])
def test_hostile_files_are_refused_in_words(data: bytes, words: str) -> None:
    assert words in refused(data)


@pytest.mark.parametrize(("field", "value", "words"), [
    ("id", "", "id: Should be 1 to 64 letters"),
    ("id", "../../etc", "id: Should be 1 to 64 letters"),
    ("id", "x" * 65, "id: String should have at most 64 characters"),
    ("thread", "a b", "thread: Should be 1 to 64 letters"),
    ("prompt", " \n\t", "prompt: Should not be empty"),
    ("created", "2026-01-01T00:00:00", "created: '2026-01-01T00:00:00' has no time zone (add Z for UTC)"),
    ("created", "yesterday", "created: 'yesterday' is not a date and time like 2026-11-30T06:00:00Z"),
    ("created", "1969-12-31T23:59:59Z", "created: '1969-12-31T23:59:59Z' is before 1970"),
    ("created", "9999-12-31T23:00:00-05:00", "created: '9999-12-31T23:00:00-05:00' is after the year 9999"),
    ("created", "9999-12-31T23:59:59.9999Z", "created: '9999-12-31T23:59:59.9999Z' is after the year 9999"),
    ("created", 1790000000, "created: Input should be a valid string"),
    ("kind", "summary", "kind: Input should be 'ask' or 'merge'"),
    ("answers", [], "answers: List should have at least 1 item"),
    ("route", [1], "route: Input should be a valid dictionary"),
    ("replaced", [{"slot": "openai", "model": "m", "status": "gone"}], "replaced[0].status: Input should be"),
    ("title", "t" * 201, "title: String should have at most 200 characters"),
])
def test_each_run_field_is_checked(field: str, value: Any, words: str) -> None:
    file = valid_file(1)
    file["runs"][0][field] = value
    message = refused(encoded(file))
    shown = value if field != "id" or len(value) <= 64 else value[:63] + "…"
    assert f'Run 1 (id "{shown if field == "id" else "run1"}"), {words}' in message


@pytest.mark.parametrize(("field", "value", "words"), [
    ("slot", "endpoint:", "slot: Should be endpoint:<name>"),
    ("model", "", "model: String should have at least 1 character"),
    ("history", [{"role": "system", "content": "x"}], "history[0].role: Input should be 'user' or 'assistant'"),
    ("history", [{"role": "user"}], "history[0].content: Field required"),
    ("history", [{"role": "user", "content": ""}] * 1001, "history: List should have at most 1000 items"),
    ("error", {"kind": "oops", "message": "x"}, "error.kind: Input should be 'auth'"),
    ("error", {"kind": "server", "message": "x", "status": 1000}, "error.status: Input should be less than"),
    ("cost_usd", "-0.1", "cost_usd: Should be a decimal amount"),
    ("cost_usd", "NaN", "cost_usd: Should be a decimal amount"),
    ("cost_usd", "1e99999", "cost_usd: Should be a decimal amount"),
    ("usage", {"input_tokens": -5}, "usage.input_tokens: Input should be greater than or equal to 0"),
])
def test_each_answer_field_is_checked(field: str, value: Any, words: str) -> None:
    file = valid_file(1)
    file["runs"][0]["answers"][1][field] = value
    assert f'Run 1 (id "run1"), answers[1].{words}' in refused(encoded(file))


def test_too_many_answers_are_refused() -> None:
    file = valid_file(1)
    file["runs"][0]["answers"] *= 33
    assert "answers: List should have at most 64 items" in refused(encoded(file))


def test_as_many_replaced_answers_as_a_run_keeps_import_and_more_are_refused() -> None:
    file = valid_file(1)
    file["runs"][0]["replaced"] = file["runs"][0]["answers"][:1] * MAX_REPLACED
    assert len(parse_export(encoded(file))[0].replaced) == MAX_REPLACED
    file["runs"][0]["replaced"] *= 2
    assert f"replaced: List should have at most {MAX_REPLACED} items" in refused(encoded(file))


# --- limits ------------------------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*_: object, **__: object) -> object:
        raise AssertionError("parsed")

    monkeypatch.setattr(schema, "from_json", never)
    message = refused(b" " * (MAX_BYTES + 1))
    assert "at most 25 MB" in message
    assert "25.0 MB" in message


def test_a_million_runs_are_refused_quickly() -> None:
    data = b'{"format": "switchboard-history", "version": 2, "runs": [' + b",".join([b"{}"] * 10**6) + b"]}"
    start = time.perf_counter()
    message = refused(data)
    assert time.perf_counter() - start < 10  # generous: it takes a fraction of a second
    assert f"1,000,000 runs; an import takes at most {MAX_RUNS:,}" in message


def test_deep_nesting_is_refused() -> None:
    assert "nests lists or objects too deeply" in refused(b"[" * 100_000 + b"]" * 100_000)
    doc = json.dumps(to_doc(sample(1)))[:-1] + ', "deep": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert "too deeply" in refused(f'{{"format": "switchboard-history", "version": 2, "runs": [{doc}]}}'.encode())


def test_a_string_over_the_cap_is_refused() -> None:
    file = valid_file(1)
    file["runs"][0]["prompt"] = "x" * 2_000_001
    assert 'Run 1 (id "run1"), prompt: String should have at most 2000000 characters' in refused(encoded(file))


# --- fuzz --------------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_are_refused(data: bytes) -> None:
    refused(data)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_random_json_is_refused(value: Any) -> None:
    refused(encoded(value))


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_random_runs_are_refused(value: Any) -> None:
    refused(encoded({**HEAD, "runs": [value]}))


def test_every_truncation_of_a_valid_file_is_refused() -> None:
    data = dump_export([sample(n) for n in range(1, 4)], NOW)
    assert len(parse_export(data)) == 3
    for cut in range(0, len(data), 7):
        refused(data[:cut])


def _paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here] if here else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*here, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*here, index))
    return found


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(run_records, min_size=1, max_size=2, unique_by=lambda r: r.id), st.data())
def test_a_mutated_file_is_imported_or_refused_never_crashes(records: list[RunRecord], data: st.DataObject) -> None:
    file = json.loads(dump_export(records, NOW))
    path = data.draw(st.sampled_from(_paths(file)))
    parent = file
    for key in path[:-1]:
        parent = parent[key]
    if data.draw(st.booleans()):
        if isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    else:
        parent[path[-1]] = data.draw(json_values | st.sampled_from(["", " ", "1", 1, -1, 1.5, True, [], {}]))
    try:
        parse_export(encoded(file))
    except ImportRefused as exc:
        assert str(exc).strip()
        assert "passed every check" not in str(exc)  # from_doc refused what the schema let through


# --- the core stays light ----------------------------------------------------------------------------


def test_history_without_import_or_export_loads_no_pydantic() -> None:
    code = ("import sys, switchboard.history.service, switchboard.history.markdown_export;"
            "print([m for m in sys.modules if m.split('.')[0] in {'pydantic', 'pydantic_core'}])")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={"PYTHONPATH": str(ROOT / "py")},
                            capture_output=True, text=True)
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
