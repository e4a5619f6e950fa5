#!/usr/bin/env python3
"""Check that a deployed copy of Switchboard is this code: every file byte for byte against a local build.

    python3 scripts/verify.py https://example.org/switchboard/     a deployed copy (any static host, sub-path too)
    python3 scripts/verify.py ~/Downloads/switchboard.html        a saved one-file copy
    options: --commit REV (build that commit, default: this checkout), --dist DIR (compare with a build already made)

The build is reproducible, so a local build of the commit a site says it runs is byte-identical to what
that site should serve. Each difference is printed (file missing, or both sha256 digests); the exit code
is 0 when every file matches, 1 on any difference, 2 when the check itself could not run. About in the
app shows the build id to compare with the one printed here.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAVED_COPY = "switchboard.html"
TIMEOUT = 60.0  # seconds per file: the runtime's largest file is about 10 MB
MAX_BYTES = 100_000_000  # no file of a build is near this: a host sending more is not serving a build
WORKERS = 6


@dataclass(frozen=True, slots=True)
class Difference:
    path: str
    problem: str

    def __str__(self) -> str:
        return f"DIFFERS  {self.path}: {self.problem}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_files(dist: Path) -> list[str]:
    """Every file of a build, as paths relative to its root, in a stable order."""
    return sorted(p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file())


def download(url: str) -> bytes | None:
    """The body at url, or None when the host has no such file (404/410); raises OSError on other failures."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity", "Cache-Control": "no-cache"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            data: bytes = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if exc.code in (404, 410):
            return None
        raise OSError(f"HTTP {exc.code} for {url}") from None
    if len(data) > MAX_BYTES:
        raise OSError(f"{url} is larger than {MAX_BYTES:,} bytes")
    return data


def compare_site(base: str, dist: Path) -> tuple[list[Difference], int]:
    """Each file of the local build against the same path under base; the differences and the files checked."""
    if not base.endswith("/"):
        base += "/"
    files = build_files(dist)
    # The address itself is what users open: it must serve this build's index.html too.
    checks = [(path, path) for path in files] + [("", "index.html")]

    def check(paths: tuple[str, str]) -> Difference | None:
        path, local_name = paths
        name = path or f"{base} (the address itself)"
        local = (dist / local_name).read_bytes()
        try:
            remote = download(urllib.parse.urljoin(base, urllib.parse.quote(path)))
        except OSError as exc:
            return Difference(name, f"could not download it ({exc})")
        if remote is None:
            return Difference(name, "missing from the deployed copy")
        if remote != local:
            return Difference(name, f"local sha256 {sha256(local)} ({len(local):,} bytes), deployed sha256 "
                                    f"{sha256(remote)} ({len(remote):,} bytes)")
        return None

    with ThreadPoolExecutor(WORKERS) as pool:
        found = [d for d in pool.map(check, checks) if d is not None]
    return found, len(checks)


def compare_saved_copy(path: Path, dist: Path) -> list[Difference]:
    local = (dist / SAVED_COPY).read_bytes()
    copy = path.read_bytes()
    if copy == local:
        return []
    return [Difference(path.name, f"sha256 {sha256(copy)} ({len(copy):,} bytes); this build's {SAVED_COPY} has "
                                  f"sha256 {sha256(local)} ({len(local):,} bytes)")]


def dirty(root: Path) -> bool:
    out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root, capture_output=True,
                         text=True, check=False)
    return bool(out.stdout.strip())


@contextlib.contextmanager
def local_build(commit: str | None) -> Iterator[Path]:
    """A fresh build of this checkout, or of commit in a temporary worktree, in a temporary folder."""
    from scripts import build

    with tempfile.TemporaryDirectory(prefix="switchboard-verify-") as tmp:
        out = Path(tmp) / "dist"
        if commit is None:
            if dirty(ROOT):
                print("note: this checkout has uncommitted changes; the build includes them", file=sys.stderr)
            build.build(dist=out)
            yield out
            return
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            # The pinned artifacts are the same for every commit that pins them: reuse the cache.
            shutil.copytree(ROOT / ".cache", tree / ".cache", dirs_exist_ok=True)
            subprocess.run([sys.executable, str(tree / "scripts" / "build.py"), "--out", str(out)], check=True)
            yield out
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)


def build_id(dist: Path) -> str:
    return str(json.loads((dist / "build.json").read_text())["build"])


def verify(target: str, dist: Path) -> int:
    print(f"local build {build_id(dist)} ({len(build_files(dist))} files)")
    if "://" not in target:
        differences = compare_saved_copy(Path(target), dist)
        checked = 1
    else:
        if not target.startswith(("http://", "https://")):
            print(f"error: {target} is neither an http(s) address nor a file", file=sys.stderr)
            return 2
        with contextlib.suppress(OSError, ValueError, KeyError):
            remote = download(urllib.parse.urljoin(target if target.endswith("/") else target + "/", "build.json"))
            if remote is not None:
                print(f"deployed build {json.loads(remote)['build']}")
        differences, checked = compare_site(target, dist)
    for difference in differences:
        print(difference)
    if differences:
        print(f"{len(differences)} of {checked} files differ: this copy is not this build")
        return 1
    print(f"all {checked} files match: this copy is this build")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", help="the deployed copy's address, or a saved one-file copy's path")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--commit", help="build this commit (default: this checkout as it is)")
    group.add_argument("--dist", type=Path, help="compare with this existing build instead of building")
    args = parser.parse_args(argv)
    if "://" not in args.target and not Path(args.target).is_file():
        print(f"error: {args.target} is neither an http(s) address nor a file", file=sys.stderr)
        return 2
    if args.dist is not None:
        if not (args.dist / "build.json").is_file():
            print(f"error: {args.dist} is not a build (no build.json)", file=sys.stderr)
            return 2
        return verify(args.target, args.dist)
    try:
        with local_build(args.commit) as dist:
            return verify(args.target, dist)
    except subprocess.CalledProcessError as exc:
        print(f"error: could not build {args.commit or 'this checkout'}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
