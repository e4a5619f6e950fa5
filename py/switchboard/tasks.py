"""Tasks that start at once: the browser's way, so a click's request leaves before the next repaint."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from typing import Any


def eager_task(coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
    """A task that runs at once until its first wait where Python has eager tasks (3.12+; the
    browser's has); elsewhere, or with no running loop, an ordinary scheduled task."""
    if sys.version_info >= (3, 12):
        return asyncio.Task(coroutine, loop=asyncio.get_event_loop(), eager_start=True)
    return asyncio.ensure_future(coroutine)
