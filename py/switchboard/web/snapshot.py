"""What the build-time memory snapshot holds, and what each restore of it must renew.

The build (scripts/buildlib/snapshot.py) boots Pyodide under Node, calls `prepare()` and saves the heap;
the browser restores that heap instead of starting Python and importing the app (pyodide/snapshot.mjs)
and then calls `restored()`. `prepare()` only imports: importing our modules runs no browser code and
keeps no browser object but paths from `js` (`js.Object.fromEntries`), which the restore looks up
again in the page. Everything `start()` sets up (listeners, proxies, the database) happens after.
"""

from __future__ import annotations

import gc
import importlib
import random
import sys

# The composition root: importing it imports every module the first screen needs.
FIRST_SCREEN = "switchboard.web.main"


def prepare() -> list[str]:
    """Import the first screen's modules without running any of them; returns sys.modules' names."""
    importlib.import_module(FIRST_SCREEN)
    gc.collect()  # the heap is saved as it is: leave no garbage in it
    return sorted(sys.modules)


def restored() -> None:
    """Renew what a snapshot freezes, then check it is the app's.

    Every restore starts from the same heap, so `random`'s state would repeat from one page load to
    the next: it is reseeded from os.urandom (the browser's crypto.getRandomValues). Key material
    never comes from `random` (WebCrypto and `secrets` make it, and they hold no state). The str hash
    secret cannot change once strings are hashed; it stays the build's (docs/architecture.md).
    """
    random.seed()
    if FIRST_SCREEN not in sys.modules:
        raise RuntimeError(f"the snapshot has not imported {FIRST_SCREEN}")
