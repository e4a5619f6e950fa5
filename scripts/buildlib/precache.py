"""The service worker's precache list: every file of the built site the app needs, with its sha256.

`public/sw.js` is a template; ``write()`` fills in the build id, the list and the security headers (from
csp.py, which nginx.conf carries too), so every build that changes any file or header is a new service
worker (browsers compare its bytes) with a cache of its own.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from scripts.buildlib import csp

SERVICE_WORKER = "sw.js"
# Not part of the app: the worker itself, the saved copy (a download of its own, as big as the rest) and
# source maps. tests/browser/test_offline.py fails if the app asks for a file left out.
EXCLUDED = (SERVICE_WORKER, "switchboard.html", "*.map")


def manifest(dist: Path) -> list[tuple[str, str]]:
    """(path relative to dist/, sha256 hex) of every file to precache, sorted by path."""
    files = []
    for path in sorted(dist.rglob("*")):
        rel = path.relative_to(dist).as_posix()
        if path.is_file() and not any(fnmatch.fnmatchcase(rel, pattern) for pattern in EXCLUDED):
            files.append((rel, hashlib.sha256(path.read_bytes()).hexdigest()))
    return files


def render(template: str, build: str, files: list[tuple[str, str]], headers: Mapping[str, str]) -> str:
    """The service worker's source for this build, file list and security headers."""
    for placeholder in ("{{SW_BUILD}}", "{{SW_FILES}}", "{{SW_HEADERS}}", "{{SW_CONTENTS}}"):
        if template.count(placeholder) != 1:
            raise ValueError(f"the service worker template must contain {placeholder} exactly once")
    listing = "[\n" + "".join(f"  {json.dumps(list(entry))},\n" for entry in files) + "]"
    values = "{\n" + "".join(f"  {json.dumps(k)}: {json.dumps(v)},\n" for k, v in headers.items()) + "}"
    # The build id is taken before the saved copy, About's values and these headers exist: the cache is
    # named after what it will hold, so a rebuild that changes any of them never shares one.
    contents = hashlib.sha256((listing + values).encode()).hexdigest()[:12]
    return (template.replace("{{SW_BUILD}}", build).replace("{{SW_FILES}}", listing)
            .replace("{{SW_HEADERS}}", values).replace("{{SW_CONTENTS}}", contents))


def write(dist: Path, template: Path, build: str, headers: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """Write dist/sw.js for `build` from `template` (headers: csp.security_headers()); returns the precached files."""
    files = manifest(dist)
    if "index.html" not in dict(files):
        raise ValueError(f"{dist} has no index.html to precache")
    chosen = csp.security_headers() if headers is None else headers
    (dist / SERVICE_WORKER).write_text(render(template.read_text(), build, files, chosen))
    return files
