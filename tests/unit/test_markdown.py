"""Answers as Markdown: normal Markdown comes out right, and no hostile answer yields anything but
allowlisted elements, allowlisted attributes, http(s)/mailto links and text."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.markdown import (
    ATTRIBUTES,
    MAX_DEPTH,
    TAGS,
    CodeBlock,
    Element,
    Node,
    Text,
    link_target,
    parse,
    plain_text,
)
from tests.markdown_corpus import HOSTILE, HOSTILE_ANSWER, PWN

ROOT = Path(__file__).resolve().parents[2]


def walk(nodes: tuple[Node, ...]) -> Iterator[Node]:
    for node in nodes:
        yield node
        if isinstance(node, Element):
            yield from walk(node.children)


def assert_safe(nodes: tuple[Node, ...]) -> None:
    """What the hostile corpus must never break, checked independently of the module's own checks."""
    for node in walk(nodes):
        if isinstance(node, Text):
            assert isinstance(node.text, str)
        elif isinstance(node, CodeBlock):
            # A class name's worth of letters, digits and the signs of names like c++, c#, objective-c,
            # .net: never a quote, space, colon or anything else that could leave the attribute.
            assert node.language is None or re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_+#.-]{0,31}", node.language)
        else:
            assert node.tag in TAGS and node.tag not in {"img", "script", "iframe", "svg", "form", "base", "style"}
            for name, value in node.attrs:
                assert name in ATTRIBUTES.get(node.tag, ()), (node.tag, name)
                assert not name.lower().startswith("on") and name not in ("src", "style", "srcdoc", "action")
                if name == "href":
                    assert urlsplit(value).scheme in ("http", "https", "mailto"), value
                    assert value == value.strip() and "\t" not in value and "\n" not in value
                    assert "javascript" not in value.lower()


@pytest.mark.parametrize("answer", HOSTILE)
def test_hostile_answers_give_only_allowlisted_nodes(answer: str) -> None:
    nodes = parse(answer)
    assert_safe(nodes)
    hrefs = [n.attr("href") for n in walk(nodes) if isinstance(n, Element) and n.tag == "a"]
    assert all(h is not None and not h.startswith("javascript") for h in hrefs)


def test_all_hostile_answers_in_one() -> None:
    nodes = parse(HOSTILE_ANSWER)
    assert_safe(nodes)
    assert f"<script>{PWN}</script>" in plain_text(nodes)


def test_raw_html_is_shown_as_its_text() -> None:
    for answer in (f"<script>{PWN}</script>", "<b>bold?</b> text", '<div onclick="x">\n\nhi\n\n</div>'):
        shown = plain_text(parse(answer))
        assert "<" in shown and ">" in shown, shown
    assert plain_text(parse(f"<img src=x onerror={PWN}>")) == f"<img src=x onerror={PWN}>"


def test_refused_links_keep_their_label_as_text() -> None:
    assert parse(f"[click me](javascript:{PWN})") == (Element("p", (), (Text("click me"),)),)
    assert parse(f"[x][1]\n\n[1]: javascript:{PWN}") == (Element("p", (), (Text("x"),)),)
    assert parse("see [the docs](/docs/x) here") == (Element("p", (), (Text("see the docs here"),)),)
    assert parse(f"<javascript:{PWN}>") == (Element("p", (), (Text(f"javascript:{PWN}"),)),)


def test_images_are_links_never_loaded() -> None:
    [p] = parse('![a *cat*](https://cdn.example/cat.png "Cat")')
    assert p == Element("p", (), (Element("a", (("href", "https://cdn.example/cat.png"),), (Text("image: a cat"),)),))
    assert parse(f"![x](javascript:{PWN})") == (Element("p", (), (Text("image: x"),)),)
    # Inside a link the image is text: links never nest.
    [p] = parse("[![inner](https://cdn.example/x.png)](https://ok.example/)")
    assert p == Element("p", (), (Element("a", (("href", "https://ok.example/"),), (Text("image: inner"),)),))


def test_code_fence_language_is_checked() -> None:
    assert parse("```python extra words\nprint(1)\n```") == (CodeBlock("python", "print(1)\n"),)
    assert parse("```c++\nx\n```") == (CodeBlock("c++", "x\n"),)
    assert parse(f'```" onmouseover={PWN}\nx\n```') == (CodeBlock(None, "x\n"),)
    assert parse(f"```<script>{PWN}\nx\n```") == (CodeBlock(None, "x\n"),)
    assert parse("    indented <b>code</b>\n") == (CodeBlock(None, "indented <b>code</b>\n"),)


def test_elements_outside_the_allowlist_cannot_be_built() -> None:
    for bad in (
        lambda: Element("img"),
        lambda: Element("script"),
        lambda: Element("a", (("href", "javascript:x"),)),
        lambda: Element("a", (("href", " https://ok.example"),)),
        lambda: Element("a", (("onclick", "x"),)),
        lambda: Element("p", (("class", "align-left"),)),
        lambda: Element("td", (("style", "color:red"),)),
        lambda: Element("td", (("class", "answer"),)),
        lambda: Element("ol", (("start", "1; x"),)),
        lambda: CodeBlock('python" onload="x', "x"),
    ):
        with pytest.raises(ValueError):
            bad()


@pytest.mark.parametrize(("url", "expected"), [
    ("https://example.com/a?b=c#d", "https://example.com/a?b=c#d"),
    ("HTTP://EXAMPLE.COM", "HTTP://EXAMPLE.COM"),
    ("mailto:someone@example.com", "mailto:someone@example.com"),
    (" \x00https://example.com\n", "https://example.com"),
    ("ht\ttps://example.com", "https://example.com"),
    ("javascript:alert(1)", None),
    ("java\tscript:alert(1)", None),
    ("\x01javascript:alert(1)", None),
    ("JAVASCRIPT:alert(1)", None),
    ("vbscript:x", None),
    ("data:text/html,x", None),
    ("%6Aavascript:x", None),
    ("//evil.example/x", None),
    ("/local", None),
    ("#top", None),
    ("https:evil.example", None),
    ("https://", None),
    ("mailto:", None),
    ("https://ex\x7fample.com", None),
    ("https://exämple.com", None),  # markdown-it percent-encodes or punycodes; raw non-ASCII is refused
    ("https://example.com/a b", None),
])
def test_link_target(url: str, expected: str | None) -> None:
    assert link_target(url) == expected


def test_normal_markdown() -> None:
    answer = """# Title

Some *em*, **strong**, ~~gone~~ and `code`.
Second line with a [link](https://example.com/x "Example") and <https://ok.example>.

1. one
2. two
   - nested

7) seven

> quoted

---

| left | middle | right |
|:-----|:------:|------:|
| a    | b      | c     |

```python
print("hi")
```

Write to <mailto:me@example.com>\\
hard break
"""
    nodes = parse(answer)
    assert_safe(nodes)
    tags = [n.tag if isinstance(n, Element) else type(n).__name__ for n in nodes]
    assert tags == ["h1", "p", "ol", "ol", "blockquote", "hr", "table", "CodeBlock", "p"]
    h1, p, ol, ol7, quote, _hr, table, code, last = nodes
    assert h1 == Element("h1", (), (Text("Title"),))
    assert p == Element("p", (), (
        Text("Some "), Element("em", (), (Text("em"),)), Text(", "), Element("strong", (), (Text("strong"),)),
        Text(", "), Element("del", (), (Text("gone"),)), Text(" and "), Element("code", (), (Text("code"),)),
        Text(".\nSecond line with a "),
        Element("a", (("href", "https://example.com/x"), ("title", "Example")), (Text("link"),)),
        Text(" and "), Element("a", (("href", "https://ok.example"),), (Text("https://ok.example"),)), Text("."),
    ))
    assert ol == Element("ol", (), (
        Element("li", (), (Text("one"),)),
        Element("li", (), (Text("two"), Element("ul", (), (Element("li", (), (Text("nested"),)),)))),
    ))
    assert ol7 == Element("ol", (("start", "7"),), (Element("li", (), (Text("seven"),)),))
    assert quote == Element("blockquote", (), (Element("p", (), (Text("quoted"),)),))
    assert isinstance(table, Element)
    head, body = table.children
    assert head == Element("thead", (), (Element("tr", (), (
        Element("th", (("class", "align-left"),), (Text("left"),)),
        Element("th", (("class", "align-center"),), (Text("middle"),)),
        Element("th", (("class", "align-right"),), (Text("right"),)),
    )),))
    assert isinstance(body, Element) and body.tag == "tbody"
    assert code == CodeBlock("python", 'print("hi")\n')
    assert last == Element("p", (), (
        Text("Write to "), Element("a", (("href", "mailto:me@example.com"),), (Text("mailto:me@example.com"),)),
        Element("br"), Text("hard break"),
    ))


def test_loose_list_items_keep_their_paragraphs() -> None:
    assert parse("- a\n\n- b\n") == (Element("ul", (), (
        Element("li", (), (Element("p", (), (Text("a"),)),)),
        Element("li", (), (Element("p", (), (Text("b"),)),)),
    )),)


def test_an_unfinished_stream_parses() -> None:
    """Mid-stream text: an open fence runs to the end, half a link is text."""
    assert parse("Here:\n\n```py\nprint(") == (Element("p", (), (Text("Here:"),)), CodeBlock("py", "print("))
    assert parse("see [the docs](https://exa") == (Element("p", (), (Text("see [the docs](https://exa"),)),)


def test_deep_nesting_is_bounded() -> None:
    def depth(node: Node) -> int:
        return 1 + max((depth(c) for c in node.children), default=0) if isinstance(node, Element) else 1

    deep = (">" * 5000 + " deep", "*" * 5000 + "x" + "*" * 5000, "- " * 2000 + "x", "> - " * 100 + "*" * 90 + "x")
    for answer in deep:
        nodes = parse(answer)
        assert max(depth(n) for n in nodes) <= MAX_DEPTH + 1  # the view builds the DOM recursively
        assert_safe(nodes)
    # Emphasis past the limit keeps its text (markdown-it itself drops blocks nested past its own limit).
    assert plain_text(parse("*" * 5000 + "x" + "*" * 5000)).strip("*") == "x"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*"[]()<>!*_`~#>-|:\n &;#x6Ajavscript:ht/.@\\\"'=\t",
                                 "javascript:", "https://e.x", "&#106;", "](", "\n\n", "```"]), max_size=60))
def test_any_text_gives_a_safe_tree(pieces: list[str]) -> None:
    assert_safe(parse("".join(pieces)))


def test_importing_the_module_does_not_import_markdown_it() -> None:
    code = "import sys, switchboard.markdown; assert 'markdown_it' not in sys.modules, 'imported at start-up'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env={"PYTHONPATH": str(ROOT / "py")})


def count(nodes: tuple[Node, ...]) -> int:
    return sum(1 + (count(n.children) if isinstance(n, Element) else 0) for n in nodes)


def test_a_short_answer_is_no_huge_tree() -> None:
    # markdown-it fills in missing table cells: 256 header columns, then one-cell rows, made 66,000 cells
    # of 1.5 KB (seconds to parse, and every redraw built each cell through the FFI).
    text = "|a" * 256 + "\n" + "|-" * 256 + "\n" + "a\n" * 256
    assert count(parse(text)) <= 4 * len(text)
    filled = "| a | b |\n|---|---|\n" + "only one\n" * 20  # a short table still gets its cells filled in
    table = parse(filled)[0]
    assert isinstance(table, Element) and plain_text((table,)).count("only one") == 20
