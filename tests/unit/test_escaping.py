"""escape() is html.escape without the html module's start-up cost."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from switchboard.escaping import Markup, escape


@given(st.text())
def test_escape_matches_the_standard_library(text: str) -> None:
    assert escape(text) == html.escape(text, quote=True)


def test_markup_and_attribute_breakouts_are_neutralised() -> None:
    assert escape("""<img src=x onerror="alert('k')">&""") == (
        "&lt;img src=x onerror=&quot;alert(&#x27;k&#x27;)&quot;&gt;&amp;")


def test_markup_fill_escapes_every_value_but_markup() -> None:
    row = Markup('<li title="{title}">{body}</li>')
    filled = row.fill(title='" onmouseover="x', body=Markup("<b>{name}</b>").fill(name="<script>"))
    assert filled == '<li title="&quot; onmouseover=&quot;x"><b>&lt;script&gt;</b></li>'
    assert isinstance(filled, Markup)
    assert Markup.concat([filled, Markup("<hr>")]) == filled + "<hr>"
    assert isinstance(Markup.concat([]), Markup)


def test_a_value_cannot_smuggle_a_placeholder() -> None:
    assert Markup("{a}{b}").fill(a="{b}", b="<i>") == "{b}&lt;i&gt;"
