"""Text made safe to place inside HTML, and Markup: the only kind of HTML the app writes.

A Markup is one of the app's own templates (a string literal in its source) with every value
escaped in by `fill`. The DOM helper that writes HTML (`web.dom.set_html`) accepts nothing else, so
text from a provider, a file or storage can only reach the page as text.
"""

from __future__ import annotations

from collections.abc import Iterable

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;"})


def escape(text: str) -> str:
    """What html.escape(text) returns; the html module would import html.entities, a table that takes
    about 100 ms to load on Pyodide at start-up, only for this."""
    return text.translate(_ESCAPES)


class Markup(str):
    """HTML written by the app itself; build one only from a string literal (tests/unit checks)."""

    __slots__ = ()

    def fill(self, **values: str | Markup) -> Markup:
        """The template with each {name} replaced by its value, escaped unless it is Markup already."""
        return Markup(self.format_map({
            name: value if isinstance(value, Markup) else escape(str(value)) for name, value in values.items()}))

    @staticmethod
    def concat(parts: Iterable[Markup]) -> Markup:
        return Markup("".join(parts))
