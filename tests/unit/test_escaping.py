"""escape() is html.escape without the html module's start-up cost."""

from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from switchboard.escaping import escape


@given(st.text())
def test_escape_matches_the_standard_library(text: str) -> None:
    assert escape(text) == html.escape(text, quote=True)


def test_markup_and_attribute_breakouts_are_neutralised() -> None:
    assert escape("""<img src=x onerror="alert('k')">&""") == (
        "&lt;img src=x onerror=&quot;alert(&#x27;k&#x27;)&quot;&gt;&amp;")
