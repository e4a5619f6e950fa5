"""History on CPython: records from live runs, saving while streaming, listing, search, and changes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.chat import Message, Usage
from switchboard.history import search, service
from switchboard.history.record import (
    AnswerRecord,
    CorruptRecord,
    RunRecord,
    SavedError,
    from_doc,
    from_run,
    iso,
    to_doc,
    to_run,
)
from switchboard.history.service import History, Query, from_row, to_row
from switchboard.history.store import MemoryHistoryStore, Row, StorageFull, key_bound, row_key, stored
from switchboard.http import HttpRequest, MockResponse, MockTransport
from switchboard.run import Answer, Params, Run, Target
from tests.unit.test_run import SSE, Clock, keys, model_of, openai_chunks

T = TypeVar("T")
DAY = 86_400.0
NOW = 1_790_000_000.0  # 2026-09-21


def go(coro: Awaitable[T]) -> T:
    async def bounded() -> T:
        async with asyncio.timeout(10):
            return await coro

    return asyncio.run(bounded())


def record(n: int, prompt: str = "", *, slot: str = "openai", model: str = "gpt-4o", text: str = "",
           created: float | None = None, favorite: bool = False) -> RunRecord:
    return RunRecord(
        id=f"run{n:05d}",
        created=NOW + n if created is None else created,
        prompt=prompt or f"question {n}",
        answers=(AnswerRecord(slot, model, "done", text or f"answer {n}"),),
        favorite=favorite,
    )


async def filled(*records: RunRecord) -> tuple[History, MemoryHistoryStore]:
    store = MemoryHistoryStore()
    await store.add_new([to_row(r) for r in records])
    return History(store), store


# --- records -----------------------------------------------------------------------------------------


def test_a_record_survives_its_document_and_its_row() -> None:
    full = RunRecord(
        id="abc123", created=NOW + 0.123, prompt="Wie geht's?", title="Greeting", favorite=True, thread="t0",
        round=2, kind="ask", params=Params("Be brief.", 0.5, 100), route={"rule": "cheapest"},
        extra={"future_field": [1, 2]},
        replaced=(AnswerRecord("openai", "gpt-4o", "stopped", "Gu", usage=Usage(10, None, 1), duration_ms=90),),
        # asked by a Retry two days on: a run reopened from history
        answers=(
            AnswerRecord("openai", "gpt-4o", "done", "Gut.", "thinking…", (Message("user", "Hi"),
                         Message("assistant", "Hello")), "gpt-4o-2024-08-06",
                         Usage(10, 2, 5, 1, Decimal("0.000123")), None, 310, 1200),
            AnswerRecord("endpoint:My box", "llama", "failed", "half",
                         error=SavedError("rate_limit", "Slow down", 429)),
            AnswerRecord("anthropic", "claude", "streaming", "partial", asked=NOW + 2 * 86_400 + 0.5),
        ),
    )
    assert to_doc(full)["answers"][2]["asked"] == iso(NOW + 2 * 86_400 + 0.5)
    assert "asked" not in to_doc(full)["answers"][0]  # asked with its run: the document is as before
    assert from_doc(json.loads(json.dumps(to_doc(full)))) == full
    assert from_row(to_row(full)) == full
    assert full.incomplete and full.answers[2].incomplete and not full.answers[0].incomplete


@pytest.mark.parametrize(("patch", "message"), [
    ({"id": 5}, "id must be text"),
    ({"answers": []}, "answers must be a non-empty list"),
    ({"created": "yesterday"}, "created"),
    ({"created": "2026-01-01T00:00:00"}, "no time zone"),
    ({"prompt": "  "}, "prompt must not be empty"),
    ({"favorite": "yes"}, "favorite must be true or false"),
    ({"params": {"temperature": "hot"}}, "temperature must be a number"),
    ({"kind": "poem"}, "kind must be"),
    ({"replaced": {"0": {}}}, "replaced must be a list"),
    ({"replaced": [{"slot": "openai", "model": "m", "status": "gone"}]}, r"replaced\[0\]: status"),
])
def test_a_bad_document_is_refused_naming_the_field(patch: dict[str, object], message: str) -> None:
    doc = to_doc(record(1)) | patch
    with pytest.raises(CorruptRecord, match=message):
        from_doc(doc)


@pytest.mark.parametrize(("patch", "message"), [
    ({"status": "exploded"}, r"answers\[0\]: status"),
    ({"usage": {"input_tokens": -1}}, "input_tokens must be a whole number"),
    ({"cost_usd": "lots"}, "not a decimal"),
    ({"error": {"kind": "gremlins", "message": "x"}}, "error.kind"),
    ({"history": [{"role": "system", "content": "x"}]}, r"history\[0\].role"),
])
def test_a_bad_answer_is_refused_naming_the_field(patch: dict[str, object], message: str) -> None:
    doc = to_doc(record(1))
    doc["answers"][0].update(patch)
    with pytest.raises(CorruptRecord, match=message):
        from_doc(doc)


def test_a_run_saves_and_reopens_the_answers_its_retries_replaced_and_a_plain_run_writes_none() -> None:
    def handler(request: HttpRequest) -> MockResponse:
        return MockResponse(200, SSE, openai_chunks(model_of(request), ["ok"]))

    async def main() -> Run:
        run = Run.ask("hello", [Target("openai", "gpt-4o")])
        await run.execute(MockTransport(handler), keys, Clock())
        assert "replaced" not in to_doc(from_run(run))
        await run.retry(0)
        return run

    run = go(main())
    saved = from_doc(json.loads(json.dumps(to_doc(from_run(run)))))
    assert [(a.status, a.text, a.usage.input_tokens) for a in saved.replaced] == [("done", "ok", 7)]
    reopened = to_run(saved)
    assert [a.text for a in reopened.replaced] == ["ok"] and from_run(reopened).replaced == saved.replaced


def test_a_retry_of_a_reopened_answer_cut_off_mid_stream_keeps_it_as_spent() -> None:
    """Saved while it streamed (the tab closed): no send time is kept, but it was sent and may be billed."""
    def handler(request: HttpRequest) -> MockResponse:
        return MockResponse(200, SSE, openai_chunks(model_of(request), ["again"]))

    saved = RunRecord("r1", NOW, "Hi", (AnswerRecord("openai", "gpt-4o", "streaming", "Hel"),
                                         AnswerRecord("openai", "gpt-4o-mini", "failed",
                                                      error=SavedError("auth", "No key", None))))

    async def main() -> Run:
        run = to_run(saved)
        run.bind(MockTransport(handler), keys, Clock())
        await run.retry(0)
        await run.retry(1)  # never sent: nothing to keep
        return run

    run = go(main())
    assert [(a.status, a.text) for a in from_run(run).replaced] == [("stopped", "Hel")]
    assert [a.text for a in run.answers] == ["again", "again"]


def test_a_run_opened_from_history_is_saved_when_it_changes_not_when_it_opens() -> None:
    # Every Open wrote the whole run again, and told the other tabs to read the month again.
    class Counting(MemoryHistoryStore):
        saves = 0

        async def save(self, row: Row, *, create: bool = True) -> bool:
            self.saves += 1
            return await super().save(row, create=create)

    async def main() -> None:
        store = Counting()
        history = History(store)
        saved = RunRecord("r1", NOW, "Hi", (AnswerRecord("openai", "gpt-4o", "done", "Hello"),))
        await history.add([saved])
        run = to_run(saved)
        recorder = history.record(run, saved)
        assert recorder is not None
        await recorder.settled()
        assert store.saves == 0
        run.bind(MockTransport(lambda _r: MockResponse(200, SSE, openai_chunks("gpt-4o", ["again"]))), keys, Clock())
        await run.retry(0)
        await recorder.settled()
        assert store.saves >= 1 and (await history.page()).records[0].answers[0].text == "again"

    go(main())


def test_history_knows_which_runs_stream_in_this_page() -> None:
    # The list said "incomplete: the page closed while it streamed" of a run streaming right here.
    async def main() -> None:
        history = History(MemoryHistoryStore())
        run = Run("Hi", [Answer(Target("openai", "gpt-4o"))])
        recorder = history.record(run)
        assert recorder is not None
        await recorder.settled()
        stored = (await history.page()).records[0]
        assert stored.incomplete and history.answering(run.id)
        assert not history.answering("another run")
        await run.execute(MockTransport(lambda _r: MockResponse(200, SSE, openai_chunks("gpt-4o", ["Hello"]))),
                          keys, Clock())
        await recorder.settled()
        assert not history.answering(run.id) and not (await history.page()).records[0].incomplete

    go(main())


def test_a_record_comes_back_as_a_run_the_answers_view_can_draw() -> None:
    saved = RunRecord("r1", NOW, "Hi", (
        AnswerRecord("openai", "gpt-4o", "done", "Hello", usage=Usage(3, None, 4), ttft_ms=200, duration_ms=1000),
        AnswerRecord("openai", "gpt-4o-mini", "streaming", "Hel"),
        AnswerRecord("anthropic", "claude", "failed", error=SavedError("auth", "Bad key", 401)),
    ), thread="t1", round=3)
    run = to_run(saved)
    done, partial, failed = run.answers
    assert (run.id, run.thread, run.prompt) == ("r1", "t1", "Hi")
    assert (done.text, done.status, done.usage.output_tokens, done.time_to_first_token) == ("Hello", "done", 4, 0.2)
    assert done.tokens_per_second == pytest.approx(5.0)
    assert (partial.status, partial.text) == ("stopped", "Hel")  # incomplete: shown stopped, text kept
    assert failed.error is not None and (failed.error.kind, failed.error.message) == ("auth", "Bad key")
    assert not run.running


# --- search words ------------------------------------------------------------------------------------


def test_words_fold_case_and_accents_and_queries_match_prefixes() -> None:
    assert search.words(["Café CAFÉ naïve", "Straße"]) == ["cafe", "naive", "strasse"]
    assert search.query_words("TOK tokens  ÉTÉ") == ["tokens", "ete"]
    assert search.matches(search.words(["Tokens are counted"]), search.query_words("tok COUNT"))
    assert not search.matches(search.words(["Tokens are counted"]), search.query_words("tok bananas"))


def test_the_index_is_bounded_per_run() -> None:
    huge = " ".join(f"w{i}" for i in range(20_000)) + " " + "x" * 500
    found = search.words([huge])
    assert len(found) == search.MAX_WORDS and all(len(w) <= search.MAX_WORD for w in found)


# --- listing and searching ---------------------------------------------------------------------------


def test_pages_are_newest_first_and_continue_where_they_stopped() -> None:
    async def main() -> list[list[str]]:
        history, _ = await filled(*(record(n) for n in range(60)))
        pages, after = [], None
        while True:
            page = await history.page(after=after, limit=25)
            pages.append([r.id for r in page.records])
            if page.after is None:
                return pages
            after = page.after

    pages = go(main())
    assert [len(p) for p in pages] == [25, 25, 10]
    flat = [i for p in pages for i in p]
    assert flat == [f"run{n:05d}" for n in reversed(range(60))]


def test_search_finds_words_of_answers_and_prompts_by_prefix_ignoring_case_and_accents() -> None:
    async def main() -> dict[str, list[str]]:
        history, _ = await filled(
            record(1, "How do tokens work?", text="Tokens are pieces of words."),
            record(2, "Crème brûlée recipe", text="Use cream and sugar."),
            record(3, "Unrelated", text="Nothing to see."),
        )
        out = {}
        for query in ("pieces", "TOK", "creme", "BRULEE recipe", "cream suga", "tokens cream", "zebra"):
            out[query] = [r.id for r in (await history.page(Query(query))).records]
        return out

    found = go(main())
    assert found == {"pieces": ["run00001"], "TOK": ["run00001"], "creme": ["run00002"],
                     "BRULEE recipe": ["run00002"], "cream suga": ["run00002"], "tokens cream": [], "zebra": []}


def test_filters_combine() -> None:
    async def main() -> dict[str, list[str]]:
        history, _ = await filled(
            record(1, "alpha", slot="openai", model="gpt-4o", created=NOW - 3 * DAY),
            record(2, "alpha", slot="anthropic", model="claude", created=NOW - DAY, favorite=True),
            record(3, "alpha beta", slot="openai", model="gpt-4o-mini", created=NOW, favorite=True),
            record(4, "beta", slot="endpoint:Box", model="llama", created=NOW + 1),
        )
        queries = {
            "openai": Query(slot="openai"),
            "model exact": Query(model="gpt-4o"),
            "favorites": Query(favorites=True),
            "alpha favorites": Query("alpha", favorites=True),
            "alpha since": Query("alpha", since=NOW - 2 * DAY),
            "until": Query(until=NOW),
            "since and until": Query(since=NOW - 2 * DAY, until=NOW),
            "endpoint": Query("beta", slot="endpoint:Box"),
            "nothing": Query("alpha", slot="endpoint:Box"),
        }
        return {name: [r.id[-1] for r in (await history.page(query)).records] for name, query in queries.items()}

    assert go(main()) == {
        "openai": ["3", "1"], "model exact": ["1"], "favorites": ["3", "2"], "alpha favorites": ["3", "2"],
        "alpha since": ["3", "2"], "until": ["2", "1"], "since and until": ["2"], "endpoint": ["4"], "nothing": [],
    }


def test_a_filtered_search_pages_too() -> None:
    async def main() -> list[int]:
        history, _ = await filled(*(record(n, "needle" if n % 3 == 0 else "hay") for n in range(100)))
        sizes, after = [], None
        while True:
            page = await history.page(Query("needle"), after, 10)
            sizes.append(len(page.records))
            if page.after is None:
                return sizes
            after = page.after

    assert go(main()) == [10, 10, 10, 4]


def test_a_prefix_of_too_many_words_says_so() -> None:
    async def main() -> tuple[int, str]:
        history, _ = await filled(*(record(n, f"str{n:03d} common") for n in range(70)))
        page = await history.page(Query("str common"), limit=100)
        return len(page.records), page.note

    found, note = go(main())
    assert found == 64 and "“str” begins more than 64 different words" in note


def test_a_corrupt_row_is_skipped_counted_and_reported_not_fatal() -> None:
    warned: list[str] = []

    async def main() -> tuple[list[str], int]:
        store = MemoryHistoryStore()
        history = History(store, warned.append)
        await history.add([record(1), record(2)])
        await store.restore([Row(row_key(NOW + 3, "bad"), "bad", "{not json")])
        await store.restore([Row(row_key(NOW + 4, "worse"), "worse", json.dumps({"id": "worse"}))])
        page = await history.page()
        return [r.id for r in page.records], page.unreadable

    assert go(main()) == (["run00002", "run00001"], 2)
    assert len(warned) == 2 and "'bad': its stored document is not JSON" in warned[1]


@given(st.floats(min_value=0, max_value=4e9, allow_nan=False))
def test_a_run_read_back_has_the_key_it_was_stored_under(created: float) -> None:
    run = Run("hi", [Answer(Target("openai", "gpt-4o"))], run_id="r1", created_at=created)
    row = to_row(from_run(run))
    back = from_row(row)
    assert row_key(back.created, back.id) == row.key
    assert abs(back.created - created) <= 0.0005 + 1e-6


def test_date_bounds_split_by_the_millisecond() -> None:
    assert row_key(NOW, "zzz") < key_bound(NOW) < row_key(NOW - 0.001, "a")
    assert row_key(NOW + 1, "a") < row_key(NOW, "a")


# --- the user's changes ------------------------------------------------------------------------------


def test_rename_favorite_delete_undo_and_clear() -> None:
    async def main() -> None:
        history, _ = await filled(record(1), record(2), record(3))
        heard: list[int] = []
        history.subscribe(lambda: heard.append(1))
        one, two, three = reversed((await history.page()).records)
        assert await history.rename(one, "  My   favourite\nrun ")
        assert await history.favorite(two, True)
        assert [r.name for r in (await history.page(Query("favourite"))).records] == ["My favourite run"]
        assert [r.id for r in (await history.page(Query(favorites=True))).records] == [two.id]
        deleted = await history.delete([one, three])
        assert [r.id for r in (await history.page()).records] == [two.id]
        await history.undo(deleted)
        again = (await history.page()).records
        assert [r.id for r in again] == [three.id, two.id, one.id]
        assert again[2].title == "My favourite run" and again[1].favorite
        assert await history.clear() == 3 and await history.count() == 0
        assert not await history.rename(one, "gone")
        assert len(heard) == 6

    go(main())


def test_imports_add_only_new_ids_and_never_change_existing_runs() -> None:
    async def main() -> None:
        history, _ = await filled(record(1), record(2))
        await history.rename(record(1), "Mine")
        incoming = [record(1, "changed prompt"), record(3)]
        assert await history.add(incoming) == 1
        records = (await history.page()).records
        assert [(r.id, r.prompt, r.title) for r in records] == [
            ("run00003", "question 3", ""), ("run00002", "question 2", ""), ("run00001", "question 1", "Mine")]

    go(main())


def test_a_failed_import_adds_nothing() -> None:
    async def main() -> None:
        history, store = await filled(record(1))
        store.fail_with = StorageFull("The browser's storage for this site is full.")
        with pytest.raises(StorageFull):
            await history.add([record(2), record(3)])
        store.fail_with = None
        assert [r.id for r in (await history.page()).records] == ["run00001"]

    go(main())


# --- saving live runs --------------------------------------------------------------------------------


def paced_handler(words: list[str], delay: float, gate: asyncio.Event | None = None) -> MockTransport:
    def handler(request: HttpRequest) -> MockResponse:
        async def body() -> AsyncIterator[bytes]:
            chunks = openai_chunks(model_of(request), words)
            for chunk in chunks[:-2]:
                await asyncio.sleep(delay)
                yield chunk
            if gate is not None:
                await gate.wait()
            for chunk in chunks[-2:]:
                yield chunk

        return MockResponse(200, SSE, body())

    return MockTransport(handler)


def test_a_streaming_run_is_saved_at_once_throttled_while_it_streams_and_whole_at_the_end() -> None:
    async def main() -> None:
        history = History(MemoryHistoryStore(), save_every=0.05)
        gate = asyncio.Event()
        run = Run.ask("hello", [Target("openai", "gpt-4o"), Target("openai", "gpt-4o-mini")])
        recorder = history.record(run)
        assert recorder is not None
        done = run.start(paced_handler([f"w{i} " for i in range(40)], 0.005, gate), keys, Clock())
        await asyncio.sleep(0)
        first = (await history.page()).records
        assert [r.id for r in first] == [run.id] and first[0].incomplete  # saved before any answer
        await asyncio.sleep(0.3)
        middle = (await history.page()).records[0]
        assert middle.incomplete and all(a.text.startswith("w0 w1") for a in middle.answers)
        gate.set()
        await done
        await recorder.settled()
        final = (await history.page()).records[0]
        assert not final.incomplete and [a.status for a in final.answers] == ["done", "done"]
        assert final.answers[0].text == "".join(f"w{i} " for i in range(40))
        assert final.answers[0].usage.output_tokens == 3 and final.answers[0].duration_ms is not None
        # 40 chunks over ~0.2 s per answer, 80 changes in all: throttled to a handful of saves
        assert 3 <= recorder.saves <= 20

    go(main())


async def recorded_stream(history: History, prompt: str) -> tuple[Run, Any, asyncio.Event, Awaitable[Any]]:
    """A run history records, a few words into its answer, whose end waits for the returned gate."""
    gate = asyncio.Event()
    run = Run.ask(prompt, [Target("openai", "gpt-4o")])
    recorder = history.record(run)
    assert recorder is not None
    done = run.start(paced_handler(["a ", "b ", "c "], 0.01, gate), keys, Clock())
    await asyncio.sleep(0.05)
    return run, recorder, gate, done


@pytest.mark.parametrize("how", ["delete here", "clear in another tab"])
def test_a_run_deleted_while_it_streams_is_not_saved_back(how: str) -> None:
    # Its next save put the whole run back: the prompt the user had just deleted, in this tab or another.
    async def main() -> None:
        store = MemoryHistoryStore()
        history = History(store, save_every=0.01)
        run, recorder, gate, done = await recorded_stream(history, "forget me")
        if how == "delete here":
            await history.delete((await history.page()).records)
        else:
            await History(store).clear()
        gate.set()
        await done
        await recorder.settled()
        await run.retry(0)  # and a Retry later in the run on screen
        await recorder.settled()
        assert await history.count() == 0

    go(main())


def test_nothing_more_is_saved_once_history_is_turned_off_here_or_elsewhere() -> None:
    async def main() -> None:
        history = History(MemoryHistoryStore(), save_every=0.01)
        run, recorder, gate, done = await recorded_stream(history, "private from now on")
        history.enabled = False  # "Keep history" unticked (another tab's reaches this one as a storage event)
        gate.set()
        await done
        await recorder.settled()
        (kept,) = (await history.page()).records
        assert kept.incomplete and run.answers[0].status == "done"  # as it stood when history was turned off

    go(main())


def test_a_stopped_answer_keeps_its_text_and_a_rename_in_another_tab_survives_later_saves() -> None:
    async def main() -> None:
        store = MemoryHistoryStore()
        history = History(store, save_every=0.01)
        other_tab = History(store)
        gate = asyncio.Event()
        run = Run.ask("hello", [Target("openai", "gpt-4o")])
        recorder = history.record(run)
        assert recorder is not None
        done = run.start(paced_handler(["a ", "b ", "c "], 0.01, gate), keys, Clock())
        for _ in range(500):  # bounded (5 s): the three words, whatever the machine's load (the gate holds the end)
            if run.answers[0].text == "a b c ":
                break
            await asyncio.sleep(0.01)
        saved = (await other_tab.page()).records[0]
        await other_tab.rename(saved, "Named elsewhere")
        await other_tab.favorite(saved, True)
        run.stop_all()
        await done
        await recorder.settled()
        final = (await history.page()).records[0]
        assert (final.title, final.favorite) == ("Named elsewhere", True)
        assert (final.answers[0].status, final.answers[0].text) == ("stopped", "a b c ")

    go(main())


def test_latest_waits_for_the_save_in_flight_of_a_run_that_just_ended() -> None:
    """What a list read as the last answer ended may hold the save before it; opening it must not show
    that answer stopped."""

    class SlowStore(MemoryHistoryStore):
        async def save(self, row: Row, *, create: bool = True) -> bool:
            await asyncio.sleep(0.05)
            return await super().save(row, create=create)

    async def main() -> None:
        store = SlowStore()
        history = History(store, save_every=0.01)
        run = Run.ask("hello", [Target("openai", "gpt-4o")])
        recorder = history.record(run)
        assert recorder is not None
        await run.execute(paced_handler([f"w{i} " for i in range(8)], 0.03), keys, Clock())
        listed = (await history.page()).records[0]  # as the History dialog read it
        assert listed.answers[0].status != "done"  # the last save is still in flight
        latest = await history.latest(listed)
        assert (latest.answers[0].status, latest.answers[0].text) == ("done", "".join(f"w{i} " for i in range(8)))
        assert await history.latest(record(9)) == record(9)  # never saved: as given

    go(main())


def test_a_full_disk_is_reported_and_the_next_save_recovers() -> None:
    async def main() -> None:
        store = MemoryHistoryStore()
        history = History(store, save_every=0.01)
        old = record(1)
        await history.add([old])
        store.fail_with = StorageFull("The browser's storage for this site is full.")
        heard: list[str | None] = []
        history.subscribe(lambda: heard.append(history.problem))
        run = Run.ask("hello", [Target("openai", "gpt-4o")])
        recorder = history.record(run)
        assert recorder is not None
        await recorder.settled()
        assert history.problem is not None and "full" in history.problem and "kept" in history.problem
        store.fail_with = None
        await run.execute(paced_handler(["a"], 0.001), keys, Clock())
        await recorder.settled()
        assert history.problem is None and heard[0] is not None and heard[-1] is None
        assert [r.id for r in (await history.page()).records] == [run.id, old.id]

    go(main())


def test_keeping_no_history_saves_nothing() -> None:
    history = History(MemoryHistoryStore())
    history.enabled = False
    assert history.record(Run.ask("hello", [Target("openai", "gpt-4o")])) is None
    assert go(history.count()) == 0


def test_follow_ups_share_their_thread() -> None:
    first = Run.ask("one", [Target("openai", "gpt-4o")])
    second = first.follow_up("two")
    assert second.thread == first.id and from_run(second).thread == first.id
    assert from_run(first).thread_id == first.id


@settings(max_examples=300)
@given(st.lists(st.tuples(st.sampled_from(["alpha", "beta", "gamma", "alphabet", "Beta gamma", "x"]),
                          st.booleans(), st.sampled_from(["openai", "anthropic"])), min_size=1, max_size=40),
       st.sampled_from(["", "alpha", "alph", "beta gam", "gamma alphabet", "x", "zeta"]),
       st.booleans(), st.sampled_from([None, "openai"]), st.integers(1, 5), st.integers(1, 7))
def test_search_pages_agree_with_the_plain_definition(
        runs: list[tuple[str, bool, str]], query: str, favorites: bool, slot: str | None, batch: int,
        limit: int) -> None:
    """However small the batches and pages, the walk finds exactly the runs a plain scan finds."""
    records = [record(i, text, slot=slot_, favorite=fav, text=f"answer {i}") for i, (text, fav, slot_) in
               enumerate(runs)]
    wanted = Query(query, slot=slot, favorites=favorites)

    async def main() -> list[str]:
        history, _ = await filled(*records)
        out, after = [], None
        while True:
            page = await history.page(wanted, after, limit)
            out += [r.id for r in page.records]
            if page.after is None:
                return out
            after = page.after

    words = search.query_words(query)
    expected = [r.id for r in sorted(records, key=lambda r: -r.created)
                if search.matches(search.words([r.prompt, r.answers[0].text]), words)
                and (not favorites or r.favorite) and (slot is None or r.answers[0].slot == slot)]
    old = service.SCAN_BATCH
    service.SCAN_BATCH = batch
    try:
        assert go(main()) == expected
    finally:
        service.SCAN_BATCH = old


def snapshot(store: MemoryHistoryStore) -> list[Row]:
    return go(store.range("", "\uffff", 10**6))


def test_an_export_imports_into_an_empty_history_as_the_same_runs() -> None:
    async def main() -> tuple[list[RunRecord], list[RunRecord]]:
        source, _ = await filled(*(record(n, f"prompt {n}", favorite=n % 2 == 0) for n in range(30)))
        await source.rename(record(3), "Renamed")
        runs, _ = await source.everything()
        target = History(MemoryHistoryStore())
        (file,) = History.export_files(runs, NOW)
        assert await target.import_file(file) == (30, 0)
        assert await target.import_file(file) == (0, 30)
        return runs, (await target.everything())[0]

    exported, imported = go(main())
    assert imported == exported and any(r.title == "Renamed" for r in imported)


def test_an_export_larger_than_an_import_takes_comes_in_files_that_each_import() -> None:
    async def main() -> tuple[list[RunRecord], list[bytes], list[RunRecord]]:
        source, _ = await filled(*(record(n, f"prompt {n} " + "words " * 400) for n in range(40)))
        runs, _ = await source.everything()
        files = History.export_files(runs, NOW, limit=20_000)
        target = History(MemoryHistoryStore())
        for file in files:
            assert (await target.import_file(file))[1] == 0
        return runs, files, (await target.everything())[0]

    runs, files, imported = go(main())
    assert len(files) > 2 and all(len(file) <= 20_000 for file in files)
    assert len(History.export_files(runs, NOW)) == 1  # under the real limit, one file
    assert sorted(r.id for r in imported) == sorted(r.id for r in runs) and imported == runs


@settings(max_examples=150)
@given(st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(str.encode),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                 lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                 max_leaves=20).map(lambda v: json.dumps({"format": "switchboard-history", "version": 2,
                                                          "runs": [v]}).encode()),
))
def test_a_hostile_file_is_refused_and_history_stays_as_it_was(data: bytes) -> None:
    from switchboard.history.schema import ImportRefused

    history, store = go(filled(record(1), record(2, favorite=True)))
    before = snapshot(store)
    with pytest.raises(ImportRefused) as refused:
        go(history.import_file(data))
    assert str(refused.value).strip()
    assert snapshot(store) == before


def test_a_file_cut_short_or_with_one_bad_run_adds_nothing() -> None:
    history, store = go(filled(record(1)))
    before = snapshot(store)
    (good,) = History.export_files([record(n) for n in range(2, 12)], NOW)
    from switchboard.history.schema import ImportRefused

    for cut in range(0, len(good) - 1, 97):
        with pytest.raises(ImportRefused):
            go(history.import_file(good[:cut]))
    bad = json.loads(good)
    bad["runs"][7]["answers"][0]["usage"]["output_tokens"] = "many"
    with pytest.raises(ImportRefused, match=r"Run 8 .*output_tokens"):
        go(history.import_file(json.dumps(bad).encode()))
    assert snapshot(store) == before


def test_the_stored_layout_puts_each_row_key_in_its_index_entries() -> None:
    favorite = to_row(record(1, "Hello there", favorite=True))
    plain = to_row(record(2))
    value = stored(favorite)
    assert set(value) == {"k", "id", "doc", "t", "s", "m", "w", "tw", "fav"} and value["fav"] == favorite.key
    assert value["w"] == [f"{w}\x1f{favorite.key}" for w in favorite.words] and "hello\x1f" + favorite.key in value["w"]
    assert value["s"] == [f"openai\x1f{favorite.key}"]
    assert "fav" not in stored(plain)


@given(st.integers(0, 10**13 - 1), st.integers(0, 10**13 - 1))
def test_keys_sort_newest_first_to_the_millisecond(a: int, b: int) -> None:
    ka, kb = row_key(a / 1000, "x"), row_key(b / 1000, "x")
    assert len(ka) == len(kb) == 11 and (ka < kb) == (a > b)


def test_an_answer_priced_when_it_ends_keeps_its_cost_in_history_and_export() -> None:
    from switchboard.answer import summary
    from switchboard.pricing import Price, Source

    catalog = Source("catalog", "genai-prices", "0.2.3", "2026-11-30")
    prices = {"gpt-4o": Price(Decimal("2.5"), Decimal("10"), source=catalog)}  # per million tokens
    asked: list[tuple[str, str | None]] = []

    def price(target: Target, served: str | None) -> Price | None:
        asked.append((target.model, served))
        return prices.get(target.model)

    async def main() -> tuple[Run, list[RunRecord]]:
        history = History(MemoryHistoryStore())
        run = Run.ask("hello", [Target("openai", "gpt-4o"), Target("openai", "gpt-4o-mini")])
        recorder = history.record(run)
        assert recorder is not None
        await run.execute(paced_handler(["a", "b"], 0.001), keys, Clock(), prices=price)
        await recorder.settled()
        return run, (await history.everything())[0]

    run, (saved,) = go(main())
    priced, unknown = run.answers
    # openai_chunks reports 7 input and 3 output tokens: 7 * 2.5 + 3 * 10 = 47.5 micro-dollars
    assert priced.cost is not None and priced.cost.usd == Decimal("0.0000475")
    assert "$0.0000475 from the catalog (genai-prices 0.2.3, as of 2026-11-30)" in summary(priced)
    assert unknown.cost is not None and unknown.cost.usd is None and "price unknown" in summary(unknown)
    assert sorted(asked) == [("gpt-4o", "gpt-4o"), ("gpt-4o-mini", "gpt-4o-mini")]  # by the model served
    assert saved.answers[0].cost is not None and saved.answers[0].cost.usd == Decimal("0.0000475")
    reopened = to_run(saved).answers
    assert "$0.0000475 from the catalog (genai-prices 0.2.3" in summary(reopened[0])  # as it was, not repriced
    assert "price unknown" in summary(reopened[1])
    back = go(History(MemoryHistoryStore()).import_file(History.export_files([saved], NOW)[0]))
    assert back == (1, 0)
    assert from_doc(json.loads(json.dumps(to_doc(saved)))) == saved


def test_reopening_a_run_and_saving_it_again_keeps_what_a_newer_build_wrote() -> None:
    newer = {"id": "r1", "created": "2026-11-30T06:00:00.000Z", "prompt": "q", "tags": ["work"],
             "route": {"rule": "priciest", "chosen": [["openai", "gpt-4o"]], "reason": "a newer rule"},
             "answers": [{"slot": "openai", "model": "gpt-4o", "status": "done", "text": "a"}]}

    async def main() -> dict[str, Any]:
        store = MemoryHistoryStore()
        history = History(store)
        await store.add_new([to_row(from_doc(newer))])
        (record,) = (await history.page()).records
        recorder = history.record(to_run(record), record)  # what opening it from History does
        assert recorder is not None
        await recorder.settled()
        (row,) = await store.rows([to_row(record).key])
        return dict(json.loads(row.doc))

    doc = go(main())
    assert doc["tags"] == ["work"] and doc["route"] == newer["route"] and doc["answers"][0]["text"] == "a"


def test_an_answer_that_came_in_one_piece_shows_no_speed() -> None:
    # 800 tokens 1 ms after the first one is a server that did not stream, not 800,000 tok/s.
    at_once = to_run(RunRecord("r1", NOW, "Hi", (AnswerRecord("openai", "gpt-4o", "done", "Hello",
                                                              usage=Usage(3, None, 800), ttft_ms=4000,
                                                              duration_ms=4001),)))
    assert at_once.answers[0].tokens_per_second is None
