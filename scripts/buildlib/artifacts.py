"""Pinned third-party artifacts: fetch once into a cache, verify every sha256 against the lock file.

The lock (scripts/artifacts.lock.json) is the single source of truth for what dist/ redistributes.
`python3 scripts/build.py --relock` rewrites it from freshly downloaded files; a normal build refuses
any file whose hash differs, and needs no network once the cache is filled.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# What we ship. A wheel's platform is None for pure-Python wheels.
NPM = [("pyodide", "314.0.7")]
WHEELS: list[tuple[str, str, str | None]] = [
    ("pydantic", "2.14.4", None),
    ("pydantic-core", "2.50.5", "pyemscripten_2026_0_wasm32"),
    ("typing-extensions", "4.16.0", None),
    ("annotated-types", "0.8.0", None),
    ("typing-inspection", "0.4.5", None),
    ("markdown-it-py", "4.3.0", None),  # answers as Markdown, loaded with the first answer
    ("mdurl", "0.1.2", None),  # markdown-it-py's URL helpers
]
# Wheels the build reads but does not ship: genai-prices' data becomes the app's price catalog
# (buildlib/price_catalog.py).
DATA = [("genai-prices", "0.2.3")]
# The day genai-prices was pinned, when that version was its newest release: the catalog's "as of" date.
# Move it with the version.
PRICES_AS_OF = "2026-11-30"
# npm packages only the tests use (kind "test"): never shipped in dist/, never fetched by a build (but by
# --relock, which pins them with the rest); tests/browser/test_a11y.py injects axe-core into the page.
TEST_NPM = [("axe-core", "4.14.1")]
PYODIDE_PYTHON = "3.14"  # pure wheels must be resolved for the browser's Python, not the host's


@dataclass(frozen=True)
class Artifact:
    kind: str  # "npm", "wheel" (shipped), "data" (a wheel the build reads) or "test" (an npm package tests use)
    name: str
    version: str
    file: str
    sha256: str


class ArtifactError(Exception):
    """An artifact is missing from the lock, or its bytes do not match the pinned hash."""


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_lock(lock_path: Path) -> dict[tuple[str, str], Artifact]:
    if not lock_path.exists():
        return {}
    rows = json.loads(lock_path.read_text())["artifacts"]
    return {(r["kind"], r["name"]): Artifact(**r) for r in rows}


def write_lock(lock_path: Path, artifacts: list[Artifact]) -> None:
    rows = [a.__dict__ for a in sorted(artifacts, key=lambda a: (a.kind, a.name))]
    lock_path.write_text(json.dumps({"artifacts": rows}, indent=2) + "\n")


def _run(cmd: list[str], cwd: Path) -> str:
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True).stdout


def _download_npm(name: str, version: str, into: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        out = json.loads(_run(["npm", "pack", f"{name}@{version}", "--json"], Path(tmp)))
        src = Path(tmp) / out[0]["filename"]
        dest = into / src.name
        shutil.move(src, dest)
    return dest


def _download_wheel(name: str, version: str, platform: str | None, into: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--python-version", PYODIDE_PYTHON, "-d", tmp, "--quiet", f"{name}=={version}"]
        if platform:
            cmd += ["--platform", platform, "--implementation", "cp", "--abi", "cp314"]
        _run(cmd, Path(tmp))
        (src,) = Path(tmp).glob("*.whl")
        dest = into / src.name
        shutil.move(src, dest)
    return dest


def _wanted() -> list[tuple[str, str, str, str | None]]:
    return ([("npm", n, v, None) for n, v in NPM] + [("wheel", n, v, p) for n, v, p in WHEELS]
            + [("data", n, v, None) for n, v in DATA] + [("test", n, v, None) for n, v in TEST_NPM])


def fetch_data(cache: Path, lock_path: Path, name: str) -> Path:
    """One wheel the build reads (kind "data"), verified against the lock, downloaded when missing."""
    return _fetch_one(cache, lock_path, "data", name)


def fetch_test(cache: Path, lock_path: Path, name: str) -> Path:
    """One npm package only the tests use (kind "test"), verified against the lock, downloaded when missing."""
    return _fetch_one(cache, lock_path, "test", name)


def _fetch_one(cache: Path, lock_path: Path, kind: str, name: str) -> Path:
    wanted = [w for w in _wanted() if w[:2] == (kind, name)]
    if not wanted:
        raise ArtifactError(f"no {kind} artifact {name} in buildlib/artifacts.py")
    ((_, path),) = _fetch(cache, lock_path, wanted, relock=False)
    return path


def fetch_all(cache: Path, lock_path: Path, relock: bool) -> list[tuple[Artifact, Path]]:
    """Return every pinned artifact as (lock entry, verified cached file), downloading what is missing.
    Test-only artifacts are fetched (and pinned) only by a relock: a build never needs them."""
    wanted = _wanted() if relock else [w for w in _wanted() if w[0] != "test"]
    result = _fetch(cache, lock_path, wanted, relock)
    if relock:
        write_lock(lock_path, [a for a, _ in result])
    return result


def _fetch(cache: Path, lock_path: Path, wanted: list[tuple[str, str, str, str | None]],
           relock: bool) -> list[tuple[Artifact, Path]]:
    cache.mkdir(parents=True, exist_ok=True)
    lock = load_lock(lock_path)
    result: list[tuple[Artifact, Path]] = []
    for kind, name, version, platform in wanted:
        entry = lock.get((kind, name))
        if entry and entry.version == version and (cache / entry.file).exists() and not relock:
            path = cache / entry.file
        elif kind in ("npm", "test"):
            path = _download_npm(name, version, cache)
        else:
            path = _download_wheel(name, version, platform, cache)
        actual = Artifact(kind, name, version, path.name, sha256_of(path))
        if relock:
            entry = actual
        elif entry is None or entry.version != version:
            raise ArtifactError(f"{kind} {name}=={version} is not in {lock_path.name}; run build.py --relock")
        elif (entry.file, entry.sha256) != (actual.file, actual.sha256):
            path.unlink()  # never keep bytes we refused: the next build downloads them again
            raise ArtifactError(
                f"{name}: {actual.file} has sha256 {actual.sha256}, the lock pins {entry.file} {entry.sha256}")
        result.append((entry, path))
    return result
