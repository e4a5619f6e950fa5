"""Small DOM helpers: listeners whose proxies are released with the nodes they serve, and the one
place where the app writes HTML.

Every event handler is a Python function behind a JS proxy; Pyodide frees a proxy only when told
to. Listeners on nodes that live as long as the page use `on`; a view that re-renders a region binds
that region's listeners in a `Listeners` scope and disposes of it before the next render, or better,
listens once on a stable ancestor (event delegation) and creates no proxy per render at all.
"""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import js
from pyodide.ffi import create_proxy, to_js

from switchboard.escaping import Markup
from switchboard.tasks import eager_task

_tasks: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to running tasks
_live = 0  # listener proxies created and not yet destroyed, for the leak test and diagnostics


def absent(value: Any) -> bool:
    """True for Python None, JS undefined and JS null (which Pyodide 314 hands over as jsnull)."""
    return value is None or value is js.undefined or type(value).__name__ == "JsNull"


def by_id(element_id: str) -> Any:
    node = js.document.getElementById(element_id)
    if absent(node):
        raise LookupError(f"the page has no element #{element_id}")
    return node


MARKS_KEPT = 100  # of each name: the benchmarks read the latest ones; a long session would make thousands
_marked: dict[str, int] = {}


def mark(name: str) -> None:
    """performance.mark(name), the browser keeping at most MARKS_KEPT of that name (it keeps every one)."""
    if _counted(name) == 1:
        js.performance.clearMarks(name)
    js.performance.mark(name)


def measure(name: str, start: str) -> None:
    """performance.measure(name, start), kept like `mark`'s."""
    if _counted(f"measure {name}") == 1:
        js.performance.clearMeasures(name)
    js.performance.measure(name, start)


def _counted(key: str) -> int:
    """1, 2, ... MARKS_KEPT, then 1 again: at 1, what was kept of that name is cleared first."""
    _marked[key] = _marked.get(key, 0) % MARKS_KEPT + 1
    return _marked[key]


def spawn(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """Run coroutine as a task that stays referenced until it ends (the loop holds only weak refs).

    It starts at once, like a JS async function, so a handler reads its form before the next event
    and starts its work (a request) before the browser repaints."""
    task = eager_task(coroutine)
    _tasks.add(task)
    task.add_done_callback(_ended)
    return task


def _ended(task: asyncio.Task[None]) -> None:
    # A handler's failure would otherwise surface only when the task is garbage-collected, if ever.
    _tasks.discard(task)
    if not task.cancelled():
        error = task.exception()
        if error is not None:
            failed(error)


def failed(error: BaseException) -> None:
    """An action's unexpected failure: in the console with its traceback, and on the page in words (the
    views say what they expect to go wrong themselves; anything else must not look like nothing)."""
    js.console.error("".join(traceback.format_exception(error)))
    box = js.document.getElementById("app-problem")
    if absent(box):
        return
    words = str(error).strip() or type(error).__name__
    js.document.getElementById("app-problem-reason").textContent = (
        f"{words.rstrip('.')}. The browser console has the details.")
    dialogs = js.document.querySelectorAll("dialog[open]")  # a modal dialog leaves the page behind it inert
    if dialogs.length:
        dialogs.item(dialogs.length - 1).prepend(box)
    else:
        js.document.getElementById("update-banner").before(box)
    box.hidden = False


Handler = Callable[[Any], Awaitable[None] | None]


class Listeners:
    """Listeners bound by one render; dispose() removes them and frees their proxies."""

    def __init__(self) -> None:
        self._bound: list[tuple[Any, str, Any]] = []

    def on(self, node: Any, event: str, handler: Handler) -> None:
        """Listen to `event`; a coroutine handler runs as a task so the event loop is never blocked."""
        global _live

        def dispatch(evt: Any) -> None:
            if event == "submit":
                evt.preventDefault()  # must happen during dispatch: a coroutine handler runs too late to stop it
            try:
                result = handler(evt)
            except Exception as exc:  # as a coroutine handler's failure is: said, not thrown at the browser
                failed(exc)
                return
            if asyncio.iscoroutine(result):
                spawn(result)

        proxy = create_proxy(dispatch)
        node.addEventListener(event, proxy)
        self._bound.append((node, event, proxy))
        _live += 1

    def dispose(self) -> None:
        global _live
        bound, self._bound = self._bound, []
        for node, event, proxy in bound:
            node.removeEventListener(event, proxy)
        _live -= len(bound)
        # A handler may be disposing of its own scope (a Cancel button re-rendering its form): free the
        # proxies once the current dispatch has returned, not under its feet.
        asyncio.get_event_loop().call_soon(_destroy, [proxy for _node, _event, proxy in bound])


def _destroy(proxies: list[Any]) -> None:
    for proxy in proxies:
        proxy.destroy()


_page = Listeners()  # listeners on nodes that live as long as the page: never disposed


def on(node: Any, event: str, handler: Handler) -> None:
    """Listen for as long as the page lives (the node must too; re-rendered nodes use a Listeners)."""
    _page.on(node, event, handler)


def live_listeners() -> int:
    return _live


def create(tag: str, text: str | None = None, **attrs: str) -> Any:
    node = js.document.createElement(tag)
    if text is not None:
        node.textContent = text
    for name, value in attrs.items():
        node.setAttribute(name.rstrip("_").replace("_", "-"), value)
    return node


_policy: Any = None


def _trusted(markup: Markup) -> Any:
    """Markup as TrustedHTML where the browser enforces Trusted Types, else the plain string.

    The policy passes markup through unchanged: what makes it safe is that only a Markup reaches it,
    and a Markup is a template of the app's own with every value escaped in (switchboard.escaping).
    """
    global _policy
    if not hasattr(js.window, "trustedTypes"):
        return str(markup)
    if _policy is None:
        rules = to_js({"createHTML": create_proxy(lambda html: html)}, dict_converter=js.Object.fromEntries)
        _policy = js.window.trustedTypes.createPolicy("switchboard-html", rules)
    return _policy.createHTML(str(markup))


def set_html(node: Any, markup: Markup) -> None:
    """Replace node's content with markup: the one place the app writes HTML."""
    node.innerHTML = _trusted(markup)


def append_html(node: Any, markup: Markup) -> None:
    """Add markup at the end of node's content."""
    node.insertAdjacentHTML("beforeend", _trusted(markup))


def download(data: bytes, filename: str, kind: str) -> None:
    """Offer data to the user as a file download."""
    blob = js.Blob.new(to_js([to_js(data)]), to_js({"type": kind}, dict_converter=js.Object.fromEntries))
    url = js.URL.createObjectURL(blob)
    link = js.document.createElement("a")
    link.href, link.download = url, filename
    js.document.body.append(link)
    link.click()
    link.remove()
    # The browser reads the blob once the click is handled; a minute later nobody needs the URL.
    asyncio.get_event_loop().call_later(60, lambda: js.URL.revokeObjectURL(url))
