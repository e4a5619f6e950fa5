"""Incremental newline-delimited JSON splitter, sans-I/O: bytes in, complete lines out."""

from __future__ import annotations


class NDJSONDecoder:
    """Feed any byte chunks; get back each complete non-blank line as text (JSON parsing is the caller's)."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, chunk: bytes) -> list[str]:
        """Return the lines this chunk completed."""
        end = chunk.rfind(b"\n")
        if end < 0:
            self._buf += chunk
            return []
        self._buf += chunk[:end]
        text = self._buf.decode("utf-8", "replace")
        self._buf.clear()
        self._buf += chunk[end + 1 :]
        return [line for line in text.split("\n") if line.strip()]

    def close(self) -> list[str]:
        """Return a last line that had no newline."""
        text = self._buf.decode("utf-8", "replace")
        self._buf.clear()
        return [text] if text.strip() else []
