"""A model's answer as Markdown: parsed by markdown-it-py into a small tree that is safe by construction.

The tree has three kinds of node: `Text` (shown as text, whatever it holds), `Element` (a tag and
attributes from a fixed allowlist, checked when the value is built, so no other can exist) and
`CodeBlock` (a fenced or indented block; the view adds its Copy button). `web.markdown_view` turns the
tree into DOM nodes with createElement, setAttribute and text nodes; nothing from a model reaches the
page any other way.

- Raw HTML is text: markdown-it runs with `html` off, so `<script>` stays the characters `<script>`.
- Links: only absolute `http:`, `https:` and `mailto:` URLs (`link_target`). Any other link, relative
  ones included, is its label as plain text.
- Images are never loaded: an image is a link whose text is "image: <alt>" (plain text when its URL is
  refused, or when it sits inside a link).
- Tables align their cells through one of three classes, never a style attribute.

markdown-it-py is imported on the first `parse`, not when this module is: in the browser it is loaded
after start-up (`web.markdown_view.load`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

# Every element a model's answer can produce, and the attributes each may carry.
TAGS = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code", "em",
    "strong", "del", "a", "table", "thead", "tbody", "tr", "th", "td", "hr", "br",
})
ATTRIBUTES: dict[str, frozenset[str]] = {
    "a": frozenset({"href", "title"}),  # the view adds rel="noopener noreferrer" and target="_blank"
    "ol": frozenset({"start"}),
    "th": frozenset({"class"}),
    "td": frozenset({"class"}),
}
ALIGN_CLASSES = {"left": "align-left", "center": "align-center", "right": "align-right"}
SCHEMES = frozenset({"http", "https", "mailto"})
# A code fence's language becomes the class "language-<x>": letters, digits and a few signs (c++, c#).
LANGUAGE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+#.-]{0,31}\Z")
_START = re.compile(r"[0-9]{1,9}\Z")
# Deepest element nesting kept: markdown-it bounds block nesting, but `***...x***...` nests emphasis as
# deep as the answer is long; deeper elements keep only their text (the view draws recursively).
MAX_DEPTH = 32

# What a browser's URL parser drops before it reads the scheme: C0 controls and spaces at both ends,
# tabs and newlines anywhere ("java\tscript:" is "javascript:" to it).
_EDGES = "".join(map(chr, range(0x21)))
_TAB_NEWLINE = str.maketrans("", "", "\t\n\r")
_PRINTABLE_ASCII = re.compile(r"[!-~]+\Z")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_HOST = re.compile(r"//[^/?#\\]+")  # a non-empty authority


def link_target(url: str) -> str | None:
    """The URL to put in an href, or None when it is not an absolute http(s) or mailto URL.

    Expects what markdown-it hands over: entities decoded, then percent-encoded (so a legitimate URL
    is printable ASCII). The check is made on the string the browser will get, after removing what the
    browser's URL parser would remove anyway, so both read the same scheme. Relative URLs (`/x`,
    `//host/x`, `#x`) are refused too: they would resolve against the app's own origin.
    """
    cleaned = url.strip(_EDGES).translate(_TAB_NEWLINE)
    if not _PRINTABLE_ASCII.match(cleaned):
        return None
    scheme = _SCHEME.match(cleaned)
    if scheme is None or scheme.group(1).lower() not in SCHEMES:
        return None
    rest = cleaned[scheme.end():]
    if scheme.group(1).lower() == "mailto":
        return cleaned if rest else None
    return cleaned if _HOST.match(rest) else None


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class CodeBlock:
    """A code block; `language` (already checked against LANGUAGE) is for its class and its label."""

    language: str | None
    text: str

    def __post_init__(self) -> None:
        if self.language is not None and not LANGUAGE.match(self.language):
            raise ValueError(f"not a code language: {self.language!r}")


@dataclass(frozen=True, slots=True)
class Element:
    """An allowlisted element: building one with any other tag, attribute or value raises ValueError."""

    tag: str
    attrs: tuple[tuple[str, str], ...] = ()
    children: tuple[Node, ...] = ()

    def __post_init__(self) -> None:
        if self.tag not in TAGS:
            raise ValueError(f"tag not allowed: {self.tag!r}")
        allowed = ATTRIBUTES.get(self.tag, frozenset())
        for name, value in self.attrs:
            if name not in allowed or not _value_allowed(name, value):
                raise ValueError(f"attribute not allowed on <{self.tag}>: {name}={value!r}")

    def attr(self, name: str) -> str | None:
        return next((value for key, value in self.attrs if key == name), None)


def _value_allowed(name: str, value: str) -> bool:
    if name == "href":
        return link_target(value) == value
    if name == "class":
        return value in ALIGN_CLASSES.values()
    if name == "start":
        return bool(_START.match(value))
    return name == "title"


Node: TypeAlias = Text | Element | CodeBlock


def parse(text: str) -> tuple[Node, ...]:
    """The answer's blocks (imports markdown-it-py on first use)."""
    return _Builder().build(parser().parse(text))


MAX_FILLED_CELLS = 1024


@functools.cache
def parser() -> MarkdownIt:
    """CommonMark with tables and strikethrough; raw HTML off, no linkify, no typographer."""
    import sys

    from markdown_it import MarkdownIt

    # markdown-it fills in a table's missing cells, up to 65,536 per table: a 1.5 KB answer (256 header
    # columns, then one-cell rows) became 66,000 cells, seconds to parse and to draw cell by cell through
    # the FFI at each redraw. Past 1,024 filled-in cells a table ends, as markdown-it ends one past its own.
    table_rule: Any = sys.modules["markdown_it.rules_block.table"]
    table_rule.MAX_AUTOCOMPLETED_CELLS = MAX_FILLED_CELLS
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    # Every link parses as a link and `link_target` alone decides (markdown-it's own check would leave
    # some as their source text and let relative ones through): one policy, in one place.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def plain_text(nodes: tuple[Node, ...]) -> str:
    """The text a tree shows, without markup (for tests, search and copying a whole answer)."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, (Text, CodeBlock)):
            out.append(node.text)
        else:
            out.append(plain_text(node.children))
    return "".join(out)


# markdown-it block and inline tokens that open an allowlisted element of the same name
_SAME = {"blockquote", "table", "thead", "tbody", "tr", "em", "strong"}


class _Frame:
    __slots__ = ("attrs", "children", "tag")

    def __init__(self, tag: str | None, attrs: tuple[tuple[str, str], ...] = ()) -> None:
        self.tag = tag  # None: an element we do not keep; its children join the parent
        self.attrs = attrs
        self.children: list[Node] = []


class _Builder:
    """markdown-it's flat token stream (open, content, close) to nested allowlisted nodes."""

    def __init__(self) -> None:
        self._stack = [_Frame(None)]
        self._depth = 0  # open frames that will be elements
        self._links = 0  # open <a> elements: an image inside one stays text, links never nest

    def build(self, tokens: list[Any]) -> tuple[Node, ...]:
        self._tokens(tokens)
        while len(self._stack) > 1:  # markdown-it balances its tokens; stay correct if it ever does not
            self._close()
        return tuple(self._stack[0].children)

    def _tokens(self, tokens: list[Any]) -> None:
        for token in tokens:
            if token.nesting == 1:
                self._open(token)
            elif token.nesting == -1:
                self._close()
            else:
                self._leaf(token)

    def _add(self, node: Node) -> None:
        children = self._stack[-1].children
        if isinstance(node, Text):
            if not node.text:
                return
            if children and isinstance(children[-1], Text):
                children[-1] = Text(children[-1].text + node.text)
                return
        children.append(node)

    def _open(self, token: Any) -> None:
        kind, tag = token.type.removesuffix("_open"), token.tag
        frame: _Frame
        if self._depth >= MAX_DEPTH:
            frame = _Frame(None)
        elif kind == "heading" and tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            frame = _Frame(tag)
        elif kind == "paragraph":
            frame = _Frame(None if token.hidden else "p")  # hidden: a tight list's item, no <p>
        elif kind == "bullet_list":
            frame = _Frame("ul")
        elif kind == "ordered_list":
            start = str(token.attrs.get("start", 1))
            frame = _Frame("ol", (("start", start),) if start != "1" and _START.match(start) else ())
        elif kind == "list_item":
            frame = _Frame("li")
        elif kind == "s":
            frame = _Frame("del")
        elif kind in ("th", "td"):
            frame = _Frame(kind, _alignment(token.attrs.get("style")))
        elif kind in _SAME and tag == kind:
            frame = _Frame(kind)
        elif kind == "link":
            frame = self._link(token)
        else:
            frame = _Frame(None)  # anything else keeps its text only
        self._depth += frame.tag is not None
        self._stack.append(frame)

    def _link(self, token: Any) -> _Frame:
        href = link_target(str(token.attrs.get("href", "")))
        if href is None or self._links:
            return _Frame(None)
        self._links += 1
        title = token.attrs.get("title")
        return _Frame("a", (("href", href),) + ((("title", str(title)),) if title else ()))

    def _close(self) -> None:
        if len(self._stack) == 1:
            return
        frame = self._stack.pop()
        if frame.tag is None:
            for child in frame.children:
                self._add(child)
            return
        self._depth -= 1
        if frame.tag == "a":
            self._links -= 1
        self._add(Element(frame.tag, frame.attrs, tuple(frame.children)))

    def _leaf(self, token: Any) -> None:
        kind = token.type
        if kind == "inline":
            self._tokens(token.children or [])
        elif kind == "text":
            self._add(Text(token.content))
        elif kind == "code_inline":
            self._add(Element("code", (), (Text(token.content),)))
        elif kind == "softbreak":
            self._add(Text("\n"))
        elif kind == "hardbreak":
            self._add(Element("br"))
        elif kind == "hr":
            self._add(Element("hr"))
        elif kind in ("fence", "code_block"):
            self._add(CodeBlock(_language(token.info) if kind == "fence" else None, token.content))
        elif kind == "image":
            self._image(token)
        elif token.children:
            self._tokens(token.children)
        else:  # html_block / html_inline (never made with html off) and anything unknown: its text
            self._add(Text(token.content))

    def _image(self, token: Any) -> None:
        label = Text("image: " + _inline_text(token.children or []).strip())
        href = link_target(str(token.attrs.get("src", "")))
        if href is None or self._links:
            self._add(label)
        else:
            self._add(Element("a", (("href", href),), (label,)))


def _language(info: str) -> str | None:
    words = info.split()
    return words[0] if words and LANGUAGE.match(words[0]) else None


def _alignment(style: object) -> tuple[tuple[str, str], ...]:
    """markdown-it writes a column's alignment as style="text-align:X": keep X as a class only."""
    match = re.fullmatch(r"text-align:(left|center|right)", str(style or ""))
    return (("class", ALIGN_CLASSES[match.group(1)]),) if match else ()


def _inline_text(tokens: list[Any]) -> str:
    out = []
    for token in tokens:
        if token.children:
            out.append(_inline_text(token.children))
        elif token.type in ("softbreak", "hardbreak"):
            out.append(" ")
        else:
            out.append(token.content)
    return "".join(out)
