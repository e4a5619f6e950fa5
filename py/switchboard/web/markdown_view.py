"""Answers drawn as Markdown: DOM nodes built from `switchboard.markdown`'s allowlisted tree.

Only three DOM operations carry anything a model wrote: `createElement` with a tag from the tree
(allowlisted when the tree was built, and checked again here), `setAttribute` with an allowlisted
attribute, and text (`append(str)`, `textContent`). No HTML string is ever parsed. Links also get
rel="noopener noreferrer" and target="_blank"; a code block gets a Copy button, served by one
delegated click listener (`clicked`, called by the answers view), not a listener per block.

markdown-it-py is not loaded at start-up: the first `LiveMarkdown` asks Pyodide for it,
and until it is there the answer is shown as plain text. If it cannot be loaded, answers stay plain text.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import js

from switchboard import markdown
from switchboard.markdown import ATTRIBUTES, TAGS, CodeBlock, Node, Text
from switchboard.web.dom import absent, create, spawn

PACKAGE = "markdown-it-py"  # its dependency, mdurl, comes with it (pyodide-lock.json)
LINK_REL = "noopener noreferrer"
COPIED_FOR = 2.0  # seconds "Copied" stays shown

_loading: asyncio.Task[bool] | None = None  # one load per page, shared by every answer


def load() -> asyncio.Future[bool]:
    """Load markdown-it-py once per page; resolves to False when it cannot be (answers stay text)."""
    global _loading
    if _loading is None:
        _loading = asyncio.ensure_future(_load())
    return asyncio.shield(_loading)


def ready() -> bool:
    return _loading is not None and _loading.done() and not _loading.cancelled() and _loading.result()


async def _load() -> bool:
    js.performance.mark("switchboard:markdown-load")
    try:
        import pyodide_js

        await pyodide_js.loadPackage(PACKAGE)
        js.performance.mark("switchboard:markdown-loaded")
        markdown.parser()  # imports markdown_it and builds the parser
    except Exception as exc:
        js.console.error(f"Markdown is off, answers are shown as plain text: {PACKAGE} did not load ({exc})")
        return False
    js.performance.mark("switchboard:markdown-ready")
    js.performance.measure("switchboard:markdown-package", "switchboard:markdown-load", "switchboard:markdown-loaded")
    js.performance.measure("switchboard:markdown-import", "switchboard:markdown-loaded", "switchboard:markdown-ready")
    return True


def render(container: Any, nodes: tuple[Node, ...], shown: tuple[Node, ...] = ()) -> None:
    """Show `nodes` as the content of `container`, which shows `shown` now (what the previous call drew;
    empty: replace whatever it holds). Leading blocks that did not change are kept as they are, so a
    streaming answer redraws only its last blocks, and a selection or a "Copied" above them stays."""
    keep = 0
    for old, new in zip(shown, nodes, strict=False):
        if old != new:
            break
        keep += 1
    if not shown:
        container.replaceChildren()
    while container.childNodes.length > keep:
        container.lastChild.remove()
    fresh = [_dom(node) for node in nodes[keep:]]
    if fresh:
        container.append(*fresh)


def _dom(node: Node) -> Any:
    """One tree node as one DOM node (a str is appended as a text node)."""
    if isinstance(node, Text):
        return node.text
    if isinstance(node, CodeBlock):
        return _code_block(node)
    if node.tag not in TAGS:  # cannot happen (Element refuses it when built); a second gate costs nothing
        raise ValueError(f"tag not allowed: {node.tag!r}")
    element = js.document.createElement(node.tag)
    allowed = ATTRIBUTES.get(node.tag, frozenset())
    for name, value in node.attrs:
        if name in allowed:
            element.setAttribute(name, value)
    if node.tag == "a":
        element.setAttribute("rel", LINK_REL)
        element.setAttribute("target", "_blank")
    if node.children:
        element.append(*[_dom(child) for child in node.children])
    return element


def _code_block(block: CodeBlock) -> Any:
    box = create("div", class_="code-block")
    head = create("div", class_="code-head")
    head.append(create("span", block.language or "code", class_="code-language"),
                create("button", "Copy", type="button", class_="code-copy"),
                create("span", role="status", class_="code-status"))
    code = js.document.createElement("code")
    if block.language:  # checked against markdown.LANGUAGE when the block was built
        code.className = f"language-{block.language}"
    code.textContent = block.text
    pre = js.document.createElement("pre")
    pre.append(code)
    box.append(head, pre)
    return box


def clicked(event: Any) -> bool:
    """For a delegated click listener: copy the code block whose Copy button was clicked.
    Returns False when the click was not on one (the caller goes on with its own buttons)."""
    target = event.target
    if not hasattr(target, "closest"):
        return False
    button = target.closest(".code-copy")
    if absent(button):
        return False
    spawn(_copy(button.closest(".code-block")))
    return True


async def _copy(block: Any) -> None:
    status = block.querySelector(".code-status")
    text = str(block.querySelector("code").textContent)
    clipboard: Any = getattr(js.navigator, "clipboard", None)
    if absent(clipboard):
        status.textContent = "Copying needs a secure page (https or localhost)."
        return
    try:
        await clipboard.writeText(text)
    except Exception as exc:
        status.textContent = f"Could not copy: the browser refused ({exc})."
        return
    status.textContent = "Copied"

    def clear() -> None:
        if str(status.textContent) == "Copied":
            status.textContent = ""

    asyncio.get_event_loop().call_later(COPIED_FOR, clear)


class LiveMarkdown:
    """One answer's text drawn as Markdown into `container` (which it owns); the caller throttles.

    Until markdown-it-py has loaded the text is shown plain, then it is redrawn as Markdown. Blocks
    that did not change since the last draw are kept (see `render`).
    """

    def __init__(self, container: Any) -> None:
        self._container = container
        self._text = ""
        self._shown: tuple[Node, ...] = ()  # empty: the container holds plain text, or nothing of ours
        container.classList.add("markdown")
        if not ready():
            spawn(self._when_loaded())

    @property
    def text(self) -> str:
        return self._text

    def draw(self, text: str) -> None:
        self._text = text
        self._draw()

    def _draw(self) -> None:
        nodes: tuple[Node, ...] | None = None
        if ready():
            try:
                nodes = markdown.parse(self._text)
            except Exception as exc:  # never lose an answer to a parser bug: show it as text
                js.console.error(f"Markdown could not be drawn, showing plain text: {exc!r}")
        if nodes is None:
            self._container.textContent = self._text
            self._container.classList.add("plain")
            self._shown = ()
        else:
            render(self._container, nodes, self._shown)
            self._container.classList.remove("plain")
            self._shown = nodes

    async def _when_loaded(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            if await load() and self._text:
                self._draw()
