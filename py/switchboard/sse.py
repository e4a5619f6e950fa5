"""Incremental Server-Sent Events decoder (WHATWG event-stream rules), sans-I/O: bytes in, events out."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event; ``event`` defaults to "message" as in the browser's EventSource."""

    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Feed any byte chunks; get whole events back.

    Lines end in ``\\n``, ``\\r\\n`` or ``\\r`` (a ``\\r\\n`` split across chunks counts once); lines are
    split on bytes before UTF-8 decoding, so a chunk may end inside a character (invalid bytes decode to
    U+FFFD, as the spec says). One deliberate difference from the spec: ``close()`` dispatches a pending
    event that lacks its final blank line instead of discarding it, because some servers end that way; a
    payload cut off mid-way then fails JSON parsing in the adapter and becomes an ``invalid_response``.
    """

    __slots__ = ("_buf", "_cr", "_data", "_event", "_last_id", "_retry", "_started")

    def __init__(self) -> None:
        self._buf = bytearray()
        self._cr = False
        self._data: list[str] = []
        self._event = ""
        self._last_id: str | None = None
        self._retry: int | None = None
        self._started = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode a chunk; return the events it completed."""
        if not chunk:  # an empty read between a \r and its \n must not forget the \r
            return []
        if self._cr:
            # The previous chunk ended in \r, already taken as a line end: its \n partner is not a new line.
            self._cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
                if not chunk:
                    return []
        if b"\r" in chunk:
            self._cr = chunk[-1:] == b"\r"
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        buf = self._buf
        end = chunk.rfind(b"\n")
        if end < 0:
            buf += chunk
            return []
        if buf:
            buf += chunk[:end]
            text = buf.decode("utf-8", "replace")
            buf.clear()
        else:
            text = chunk[:end].decode("utf-8", "replace")
        buf += chunk[end + 1 :]
        return self._lines(text.split("\n"))

    def close(self) -> list[ServerSentEvent]:
        """End of stream: decode what is left and dispatch a pending event."""
        lines = [self._buf.decode("utf-8", "replace")] if self._buf else []
        self._buf.clear()
        self._cr = False
        lines.append("")
        return self._lines(lines)

    def _lines(self, lines: list[str]) -> list[ServerSentEvent]:
        if not self._started:
            self._started = True
            if lines[0].startswith("\ufeff"):
                lines[0] = lines[0][1:]
        events: list[ServerSentEvent] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    events.append(
                        ServerSentEvent("\n".join(data), self._event or "message", self._last_id, self._retry)
                    )
                    data.clear()
                    self._retry = None
                self._event = ""
            elif line.startswith("data:"):
                data.append(line[6:] if line[5:6] == " " else line[5:])
            elif line[0] != ":":
                self._field(line)
        return events

    def _field(self, line: str) -> None:
        name, colon, value = line.partition(":")
        if colon and value[:1] == " ":
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = int(value)
