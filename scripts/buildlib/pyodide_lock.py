"""Rewrite pyodide-lock.json from the wheels we really ship, so `loadPackage` works offline.

The `pyodide-lock` tool on PyPI cannot read the 314 lock format, so the JSON is edited directly.
Only shipped packages stay in the lock: asking for anything else fails loudly instead of 404-ing.
"""

from __future__ import annotations

import email.parser
import hashlib
import json
import re
import zipfile
from pathlib import Path
from typing import Any


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_entry(whl: Path) -> dict[str, Any]:
    """The lock entry Pyodide expects for one wheel; sha256 doubles as the SRI check on download."""
    with zipfile.ZipFile(whl) as z:
        names = z.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        meta = email.parser.Parser().parsestr(z.read(meta_name).decode())
    tops = set()
    for n in names:
        top = n.split("/")[0]
        if top.endswith((".dist-info", ".data")):
            continue
        if "/" in n:
            tops.add(top)
        elif n.endswith(".py"):
            tops.add(n[:-3])
    depends = []
    for req in meta.get_all("Requires-Dist") or []:
        marker = req.split(";", 1)[1] if ";" in req else ""
        if "extra" in marker or "python_version <" in marker or "win32" in marker or "Windows" in marker:
            continue
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)", req)
        assert match, req
        depends.append(canonical(match.group(1)))
    return {
        "name": meta["Name"],
        "version": meta["Version"],
        "file_name": whl.name,
        "sha256": hashlib.sha256(whl.read_bytes()).hexdigest(),
        "imports": sorted(t for t in tops if t.isidentifier()),
        "depends": depends,
        "install_dir": "site",
        "package_type": "package",
        "unvendored_tests": False,
        "tool": {},
    }


def rewrite(npm_lock: Path, wheels: list[Path], out: Path) -> dict[str, Any]:
    lock = json.loads(npm_lock.read_text())
    packages = {canonical(e["name"]): e for e in map(wheel_entry, wheels)}
    missing = {d for e in packages.values() for d in e["depends"]} - packages.keys()
    if missing:
        raise ValueError(f"shipped wheels depend on wheels we do not ship: {sorted(missing)}")
    lock["packages"] = packages
    out.write_text(json.dumps(lock, indent=1, sort_keys=True))
    return lock
