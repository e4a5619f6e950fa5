"""Text made safe to place inside HTML and quoted attributes."""

from __future__ import annotations

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def escape(text: str) -> str:
    """What html.escape(text) returns; the html module would import html.entities, a table that takes
    about 100 ms to load on Pyodide at start-up, only for this."""
    return text.translate(_ESCAPES)
