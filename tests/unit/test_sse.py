"""SSE decoder: WHATWG line and field rules, any chunk boundary, and agreement with a plain reference."""

from __future__ import annotations

import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.ndjson import NDJSONDecoder
from switchboard.sse import ServerSentEvent, SSEDecoder


def decode(chunks: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for chunk in chunks:
        events += decoder.feed(chunk)
    return events + decoder.close()


def bytewise(data: bytes) -> list[bytes]:
    return [data[i : i + 1] for i in range(len(data))]


def reference(text: str) -> list[ServerSentEvent]:
    """The spec's algorithm on the whole text at once, written for clarity, not speed."""
    text = text.removeprefix("\ufeff")
    events: list[ServerSentEvent] = []
    data: list[str] = []
    event, last_id, retry = "", None, None
    for line in [*re.split(r"\r\n|\r|\n", text), ""]:
        if line == "":
            if data:
                events.append(ServerSentEvent("\n".join(data), event or "message", last_id, retry))
                retry = None
            data, event = [], ""
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "id" and "\0" not in value:
            last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            retry = int(value)
    return events


def test_basic_event_and_default_type() -> None:
    assert decode([b"data: hello\n\n"]) == [ServerSentEvent("hello")]
    assert decode([b"event: ping\ndata: {}\n\n"]) == [ServerSentEvent("{}", "ping")]


def test_all_three_line_endings() -> None:
    want = [ServerSentEvent("a", "x"), ServerSentEvent("b")]
    for eol in (b"\n", b"\r\n", b"\r"):
        body = b"event: x" + eol + b"data: a" + eol + eol + b"data: b" + eol + eol
        assert decode([body]) == want
        assert decode(bytewise(body)) == want


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    assert decode([b"data: a\r", b"\n", b"\r", b"\ndata: b\r\n\r\n"]) == [
        ServerSentEvent("a"),
        ServerSentEvent("b"),
    ]
    # \r\r is two line ends: an empty line, so the event is dispatched.
    assert decode([b"data: a\r", b"\r"]) == [ServerSentEvent("a")]
    # An empty read between a \r and its \n (a network stack may hand one over) changes nothing.
    assert decode([b"event: x\r", b"", b"\ndata: a\r", b"", b"\n\r\n"]) == [ServerSentEvent("a", "x")]


def test_comments_pings_and_unknown_fields_are_ignored() -> None:
    body = b": OPENROUTER PROCESSING\n\n:keep-alive\nfoo: bar\ndata: x\nbogus\n\n"
    assert decode([body]) == [ServerSentEvent("x")]


def test_data_with_and_without_space_and_multiline() -> None:
    assert decode([b"data:a\ndata:  b\ndata\n\n"]) == [ServerSentEvent("a\n b\n")]


def test_empty_data_dispatches_but_no_data_does_not() -> None:
    assert decode([b"data:\n\n"]) == [ServerSentEvent("")]
    assert decode([b"event: x\n\ndata: y\n\n"]) == [ServerSentEvent("y")]


def test_id_persists_and_nul_id_is_ignored() -> None:
    events = decode([b"id: 1\ndata: a\n\ndata: b\n\nid: 2\0\ndata: c\n\n"])
    assert [e.id for e in events] == ["1", "1", "1"]


def test_retry_only_when_digits() -> None:
    events = decode([b"retry: 1500\ndata: a\n\nretry: x1\ndata: b\n\n"])
    assert [e.retry for e in events] == [1500, None]


def test_bom_stripped_once_even_when_split() -> None:
    assert decode([b"\xef\xbb", b"\xbfdata: a\n\n"]) == [ServerSentEvent("a")]
    assert decode([b"\xef\xbb\xbfdata: \xef\xbb\xbfa\n\n"]) == [ServerSentEvent("\ufeffa")]


def test_multibyte_utf8_split_at_every_byte() -> None:
    body = "data: Pelé 🦩 ok\n\n".encode()
    assert decode(bytewise(body)) == [ServerSentEvent("Pelé 🦩 ok")]


def test_invalid_utf8_becomes_replacement_character() -> None:
    assert decode([b"data: a\xffb\n\n"]) == [ServerSentEvent("a\ufffdb")]


def test_close_dispatches_a_pending_event_and_a_final_unterminated_line() -> None:
    assert decode([b"data: a\n"]) == [ServerSentEvent("a")]
    assert decode([b"data: a"]) == [ServerSentEvent("a")]
    assert decode([b""]) == []
    assert decode([b": only a comment"]) == []


def test_feed_returns_events_as_soon_as_they_complete() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n") == []
    assert decoder.feed(b"\ndata: b") == [ServerSentEvent("a")]
    assert decoder.close() == [ServerSentEvent("b")]


SSE_PIECES = st.sampled_from(
    [
        "data",
        "data:",
        "data: ",
        "event:",
        "event: e",
        "id: 7",
        "retry: 30",
        ":",
        ": c",
        "x",
        "é",
        "🦩",
        " ",
        "\n",
        "\r",
        "\r\n",
        "\n\n",
        "\0",
        "\ufeff",
    ]
)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(SSE_PIECES, max_size=40), cuts=st.sets(st.integers(0, 400), max_size=30))
def test_any_split_matches_the_reference(pieces: list[str], cuts: set[int]) -> None:
    text = "".join(pieces)
    body = text.encode("utf-8")
    bounds = [0, *sorted(c for c in cuts if 0 < c < len(body)), len(body)]
    chunks = [body[a:b] for a, b in itertools.pairwise(bounds)]
    assert decode(chunks) == reference(text)


def test_ndjson_lines_split_anywhere() -> None:
    body = '{"a": "é"}\n\n{"b": 2}\r\n{"c": 3}'.encode()
    for size in range(1, len(body) + 1):
        decoder = NDJSONDecoder()
        lines: list[str] = []
        for i in range(0, len(body), size):
            lines += decoder.feed(body[i : i + size])
        lines += decoder.close()
        assert [line.strip() for line in lines] == ['{"a": "é"}', '{"b": 2}', '{"c": 3}']
