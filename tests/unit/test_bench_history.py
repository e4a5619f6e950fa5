"""The history bench's generator: valid, deterministic runs of realistic sizes, rows the store's shape,
and queries whose match counts the data bears out."""

from __future__ import annotations

import json
import statistics

import pytest
from scripts import bench_history

from switchboard.history.record import RunRecord, from_doc
from switchboard.history.service import from_row, to_row

NOW = 1_800_000_000.0
N = 120
Generated = tuple[bench_history.Generator, list[RunRecord]]


@pytest.fixture(scope="module")
def generated() -> Generated:
    generator = bench_history.Generator(seed=7)
    return generator, generator.runs(N, NOW)


def test_the_count_the_order_and_the_dates(generated: Generated) -> None:
    _generator, records = generated
    assert len(records) == N
    assert len({r.id for r in records}) == N
    created = [r.created for r in records]
    assert created == sorted(created)
    assert all(NOW - 366 * 86_400 <= c <= NOW for c in created)
    assert created[-1] - created[0] > 200 * 86_400  # spread over the year, not bunched


def test_same_seed_same_runs_and_another_seed_others() -> None:
    first = bench_history.Generator(seed=3).runs(5, NOW)
    assert first == bench_history.Generator(seed=3).runs(5, NOW)
    assert first != bench_history.Generator(seed=4).runs(5, NOW)


def test_each_run_is_a_valid_document_of_realistic_shape(generated: Generated) -> None:
    _generator, records = generated
    for record in records:
        row = to_row(record)
        assert from_row(row) == record  # the stored document reads back as the same run
        assert from_doc(json.loads(row.doc)) == record
        assert 50 <= len(record.prompt) <= 800
        assert 1 <= len(record.answers) <= 4
        for answer in record.answers:
            assert answer.model in bench_history.MODELS[answer.slot]
            if answer.status == "done":
                assert 300 <= len(answer.text) <= 4000
                assert answer.usage.output_tokens and answer.usage.input_tokens
                assert answer.ttft_ms is not None and answer.duration_ms is not None
            if answer.status == "failed":
                assert answer.error is not None
        if record.round > 1:
            assert record.thread and all(a.history for a in record.answers)
    slots = {a.slot for r in records for a in r.answers}
    assert slots == set(bench_history.MODELS)
    assert any(a.reasoning for r in records for a in r.answers)
    assert 0 < sum(r.favorite for r in records) < N * 0.15


def test_row_sizes_are_in_a_realistic_range(generated: Generated) -> None:
    _generator, records = generated
    rows = [to_row(r) for r in records]
    docs = [len(row.doc.encode()) for row in rows]
    assert 1_000 < statistics.mean(docs) < 12_000
    assert min(docs) > 500 and max(docs) < 40_000
    assert 80 < statistics.mean(len(row.words) for row in rows) < 1_000


def test_queries_match_what_they_say(generated: Generated) -> None:
    generator, records = generated
    rows = [to_row(r) for r in records]
    cases = {c.name: c for c in bench_history.pick_queries(rows, generator.rare, generator.words)}
    assert cases["rare word"].expected == 1
    assert cases["common word"].expected > cases["two words"].expected
    assert cases["common word"].expected > cases["word + provider"].expected
    assert cases["word prefix"].text == cases["common word"].text[:4]
    assert cases["word prefix"].expected >= cases["common word"].expected
    assert len(cases["short prefix"].text) == 3
    index = bench_history.WordIndex(rows)
    for prefix in (cases["word prefix"].text, cases["short prefix"].text):
        brute = sum(1 for row in rows if any(w.startswith(prefix) for w in (*row.words, *row.title_words)))
        assert index.matches([prefix]) == brute


def test_summary_count_reads_the_history_summary() -> None:
    assert bench_history.summary_count("Showing 25 of 3,012 runs.") == 3012
    assert bench_history.summary_count("Showing 1 run.") == 1
    assert bench_history.summary_count("No saved run matches.") == 0
    assert bench_history.verdict(42.4, 50) == "42 ms (target <= 50 ms, met)"
    assert bench_history.verdict(180, 150) == "180 ms (target <= 150 ms, not met)"
