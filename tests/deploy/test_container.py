"""The Dockerfile's build stage, run as far as this machine can without a container engine: its build context
(what .dockerignore lets through) builds, with its own command, the very site the other tests checked.

The nginx stage serves that site with nginx.conf as shipped, which tests/deploy/test_nginx.py runs with
Debian's nginx. Not run here: the engine itself (pulling the two base images, apt inside the first).
"""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
from pathlib import Path

from scripts.verify import build_files

ROOT = Path(__file__).resolve().parents[2]


def build_stage(dockerfile: str) -> list[str]:
    """The instructions of the Dockerfile's first stage, continuation lines joined."""
    lines = dockerfile.replace("\\\n", " ").splitlines()
    instructions = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    stages = [i for i, line in enumerate(instructions) if line.upper().startswith("FROM ")]
    return instructions[stages[0]:stages[1]]


def context_files(root: Path) -> list[Path]:
    """The files .dockerignore sends to the engine (its rules as this project writes them: last match wins)."""
    rules = [line.strip() for line in (root / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout.split()
    sent = []
    for name in tracked:
        keep = True
        for rule in rules:
            negate = rule.startswith("!")
            pattern = rule.removeprefix("!").rstrip("/")
            parts = name.split("/")
            hit = (fnmatch.fnmatch(name, pattern) or name.startswith(pattern + "/")
                   or (pattern.startswith("**/") and pattern[3:] in parts))
            if hit:
                keep = negate
        if keep:
            sent.append(Path(name))
    return sent


def test_the_build_stage_builds_the_tested_site_from_the_context_alone(dist: Path, tmp_path: Path) -> None:
    stage = build_stage((ROOT / "Dockerfile").read_text())
    assert stage[0].startswith("FROM debian:") and stage[0].endswith(" AS build")
    assert "COPY . ." in stage and stage[-1] == "RUN python3 scripts/build.py"
    assert "COPY --from=build /src/dist/ /usr/share/nginx/html/" in (ROOT / "Dockerfile").read_text()

    files = context_files(ROOT)
    assert Path("scripts/artifacts.lock.json") in files and Path("py/switchboard/web/main.py") in files
    assert not [f for f in files if f.parts[0] in ("tests", ".git", ".venv", ".cache", "dist")]
    src = tmp_path / "src"
    for name in files:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    # The artifacts the engine would download, already checked against the same lock: the build verifies
    # each one's sha256 again, so this saves the download and nothing else.
    shutil.copytree(ROOT / ".cache" / "artifacts", src / ".cache" / "artifacts")
    result = subprocess.run([sys.executable, "scripts/build.py"], cwd=src, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    built = src / "dist"
    assert build_files(built) == build_files(dist)
    assert [f for f in build_files(dist) if (built / f).read_bytes() != (dist / f).read_bytes()] == []
