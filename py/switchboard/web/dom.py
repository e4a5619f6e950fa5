"""Small DOM helpers; event handlers stay referenced so Pyodide never frees a live listener."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import js
from pyodide.ffi import create_proxy

_listeners: list[Any] = []  # proxies must outlive the page's listeners, so they are never destroyed
_tasks: set[asyncio.Task[None]] = set()  # the loop keeps only weak references to running tasks


def absent(value: Any) -> bool:
    """True for Python None, JS undefined and JS null (which Pyodide 314 hands over as jsnull)."""
    return value is None or value is js.undefined or type(value).__name__ == "JsNull"


def by_id(element_id: str) -> Any:
    node = js.document.getElementById(element_id)
    if absent(node):
        raise LookupError(f"the page has no element #{element_id}")
    return node


def spawn(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """Run coroutine as a task that stays referenced until it ends (the loop holds only weak refs)."""
    task = asyncio.ensure_future(coroutine)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return task


def on(node: Any, event: str, handler: Callable[[Any], Awaitable[None] | None]) -> None:
    """Listen to `event`; a coroutine handler runs as a task so the event loop is never blocked."""

    def dispatch(evt: Any) -> None:
        if event == "submit":
            evt.preventDefault()  # must happen during dispatch: a coroutine handler runs too late to stop it
        result = handler(evt)
        if asyncio.iscoroutine(result):
            spawn(result)

    proxy = create_proxy(dispatch)
    _listeners.append(proxy)
    node.addEventListener(event, proxy)


def create(tag: str, text: str | None = None, **attrs: str) -> Any:
    node = js.document.createElement(tag)
    if text is not None:
        node.textContent = text
    for name, value in attrs.items():
        node.setAttribute(name.rstrip("_").replace("_", "-"), value)
    return node
