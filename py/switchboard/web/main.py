"""Composition root: wires the browser implementations of the ports and starts the first screen."""

from __future__ import annotations

import traceback

from switchboard.web import shell


async def start() -> None:
    """Bring the app up; any failure is shown to the user with its reason, then re-raised for the console."""
    try:
        shell.ready()
    except Exception as exc:
        traceback.print_exc()
        shell.fail(f"{type(exc).__name__}: {exc}")
        raise
