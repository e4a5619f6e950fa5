"""The service worker's precache list: every file of the built site the app needs, with its sha256.

`public/sw.js` is a template; ``write()`` fills in the build id and the list, so every build that changes
any file is a new service worker (browsers compare its bytes) with a cache of its own.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from pathlib import Path

SERVICE_WORKER = "sw.js"
# Not part of the app: the worker itself, the saved copy (a download of its own, as big as the rest),
# source maps, and PyScript's editor and terminal chunks (codemirror, xterm), which only <py-editor> /
# <py-terminal> pages load. tests/browser/test_offline.py fails if the app asks for a file left out.
EXCLUDED = (SERVICE_WORKER, "switchboard.html", "*.map", "pyscript/codemirror*", "pyscript/xterm*")


def manifest(dist: Path) -> list[tuple[str, str]]:
    """(path relative to dist/, sha256 hex) of every file to precache, sorted by path."""
    files = []
    for path in sorted(dist.rglob("*")):
        rel = path.relative_to(dist).as_posix()
        if path.is_file() and not any(fnmatch.fnmatchcase(rel, pattern) for pattern in EXCLUDED):
            files.append((rel, hashlib.sha256(path.read_bytes()).hexdigest()))
    return files


def render(template: str, build: str, files: list[tuple[str, str]]) -> str:
    """The service worker's source for this build and file list."""
    for placeholder in ("{{SW_BUILD}}", "{{SW_FILES}}"):
        if template.count(placeholder) != 1:
            raise ValueError(f"the service worker template must contain {placeholder} exactly once")
    listing = "[\n" + "".join(f"  {json.dumps(list(entry))},\n" for entry in files) + "]"
    return template.replace("{{SW_BUILD}}", build).replace("{{SW_FILES}}", listing)


def write(dist: Path, template: Path, build: str) -> list[tuple[str, str]]:
    """Write dist/sw.js for `build` from `template`; returns the precached files."""
    files = manifest(dist)
    if "index.html" not in dict(files):
        raise ValueError(f"{dist} has no index.html to precache")
    (dist / SERVICE_WORKER).write_text(render(template.read_text(), build, files))
    return files
