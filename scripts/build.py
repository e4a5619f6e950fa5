#!/usr/bin/env python3
"""Assemble dist/ from public/, py/switchboard and the pinned artifacts in scripts/artifacts.lock.json.

    python3 scripts/build.py            # verify hashes, reuse .cache/, rebuild dist/
    python3 scripts/build.py --out DIR  # the same build into DIR instead of dist/
    python3 scripts/build.py --relock   # download the versions named in buildlib/artifacts.py, rewrite the lock

It prints the sha256 of the saved copy (dist/switchboard.html), which the site's About box shows too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.buildlib import (  # noqa: E402
    artifacts,
    csp,
    precache,
    price_catalog,
    pyc,
    pyodide_lock,
    shell,
    single,
    snapshot,
    wheel,
)

CACHE = ROOT / ".cache" / "artifacts"
DIST = ROOT / "dist"
PUBLIC = ROOT / "public"
LOCK = ROOT / "scripts" / "artifacts.lock.json"
PYODIDE_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"]
TEMPLATED = {".html", ".json", ".js", ".mjs", ".css", ".webmanifest"}


def app_version() -> str:
    text = (ROOT / "py" / "switchboard" / "__init__.py").read_text()
    match = re.search(r'__version__ = "([^"]+)"', text)
    assert match, "py/switchboard/__init__.py must define __version__"
    return match.group(1)


def unpack(tgz: Path) -> Path:
    out = CACHE.parent / "unpacked" / tgz.stem
    if not (out / "package").is_dir():
        with tarfile.open(tgz) as tf:
            tf.extractall(out, filter="data")
    return out / "package"


def copy_public(dest: Path, substitutions: dict[str, str]) -> None:
    for src in sorted(PUBLIC.rglob("*")):
        if src.is_dir() or src in (csp.STYLES, csp.THEME):  # inline in index.html ({{STYLES}}, {{THEME}})
            continue
        target = dest / src.relative_to(PUBLIC)
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.suffix in TEMPLATED:
            text = src.read_text()
            for key, value in substitutions.items():
                text = text.replace("{{" + key + "}}", value)
            target.write_text(text)
        else:
            shutil.copy2(src, target)


def build_id(root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(root).as_posix().encode())
            h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:12]


def fill_about(index: Path, build: str, saved_copy_sha256: str, saved_copy_bytes: int) -> None:
    """Put the build id and the saved copy's sha256 and size, known only once the rest is built, into index.html."""
    text = index.read_text()
    size = f"{saved_copy_bytes / 1e6:.1f} MB"
    for key, value in (("BUILD", build), ("SAVED_COPY_SHA256", saved_copy_sha256), ("SAVED_COPY_SIZE", size)):
        if text.count("{{" + key + "}}") != 1:
            raise ValueError(f"index.html must contain {{{{{key}}}}} exactly once")
        text = text.replace("{{" + key + "}}", value)
    index.write_text(text)


def build(relock: bool = False, dist: Path = DIST) -> Path:
    pinned = artifacts.fetch_all(CACHE, LOCK, relock)
    fetched = {a.name: path for a, path in pinned}
    if dist != DIST and dist.exists() and any(dist.iterdir()) and not (dist / "build.json").exists():
        raise artifacts.ArtifactError(f"{dist} is neither empty nor an earlier build: not deleting it")
    if dist.exists():
        shutil.rmtree(dist)
    pyodide_dir = dist / "pyodide"
    pyodide_dir.mkdir(parents=True)

    pyodide_pkg = unpack(fetched["pyodide"])
    for name in PYODIDE_FILES:
        shutil.copy2(pyodide_pkg / name, pyodide_dir / name)
    shipped = [path for a, path in pinned if a.kind == "wheel"]
    for whl in shipped:
        shutil.copy2(whl, pyodide_dir / whl.name)
    version = app_version()
    package = ROOT / "py" / "switchboard"
    bytecode = pyc.compile_modules(pyodide_pkg, wheel.sources(package), CACHE.parent / "pyc")
    catalog = price_catalog.from_pinned(fetched[price_catalog.PACKAGE])  # package data, read on first use
    app_wheel = wheel.build(package, version, pyodide_dir, bytecode, {price_catalog.WHEEL_PATH: catalog})
    pyodide_lock.rewrite(pyodide_pkg / "pyodide-lock.json", [*shipped, app_wheel],
                         pyodide_dir / "pyodide-lock.json")
    # Python with the first screen imported, made by running the files just copied (docs/architecture.md).
    snap = snapshot.build(pyodide_dir, app_wheel, pyc.APP_ZIP, pyodide_dir, CACHE.parent / "snapshot")

    for notice in ("LICENSE", "THIRD_PARTY_NOTICES.md"):
        shutil.copy2(ROOT / notice, dist / notice)

    copy_public(dist, {
        "VERSION": version,
        "APP_WHEEL": app_wheel.name,
        "APP_ZIP": pyc.APP_ZIP,
        "SNAPSHOT": snap.boot_config(),
        "APP_WHEEL_INTEGRITY": csp.sri(hashlib.sha256(app_wheel.read_bytes()).digest()),
        "PROVIDER_LIST": shell.provider_list(),
        "CSP": csp.meta_policy(),
        "STYLES": csp.styles(),
        "THEME": csp.theme_script(),
    })
    build = build_id(dist)  # of everything so far, index.html with its About placeholders
    saved_path = single.build(dist, build)  # dist/switchboard.html, the saved copy
    saved_copy = single.digest(saved_path)
    fill_about(dist / "index.html", build, saved_copy, saved_path.stat().st_size)
    (dist / "build.json").write_text(json.dumps({"version": version, "build": build,
                                                 "saved_copy_sha256": saved_copy}) + "\n")
    precache.write(dist, PUBLIC / "sw.js", build)  # the offline copy of this build (docs/deploy.md)
    size = sum(p.stat().st_size for p in dist.rglob("*") if p.is_file())
    print(f"{dist.name}/ ready: version {version}, build {build}, {size / 1e6:.1f} MB")
    print(f"saved copy {single.OUTPUT} sha256 {saved_copy}")
    return dist


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--relock", action="store_true", help="re-download and rewrite the artifact lock")
    parser.add_argument("--out", type=Path, default=DIST, help="build into this folder instead of dist/")
    args = parser.parse_args(argv)
    try:
        build(relock=args.relock, dist=args.out.resolve())
    except artifacts.ArtifactError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
