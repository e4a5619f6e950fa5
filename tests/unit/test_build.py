"""The build: pinned hashes are enforced, our wheel is reproducible, the Pyodide lock is consistent."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from scripts.buildlib import artifacts, pyodide_lock, wheel


def _pin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, pinned: bytes) -> tuple[Path, Path]:
    cache, lock = tmp_path / "cache", tmp_path / "lock.json"
    cache.mkdir()
    (cache / "demo-1.0.tgz").write_bytes(content)
    artifacts.write_lock(lock, [artifacts.Artifact("npm", "demo", "1.0", "demo-1.0.tgz",
                                                   hashlib.sha256(pinned).hexdigest())])
    monkeypatch.setattr(artifacts, "NPM", [("demo", "1.0")])
    monkeypatch.setattr(artifacts, "WHEELS", [])
    monkeypatch.setattr(artifacts, "DATA", [])

    def no_network(*args: object) -> Path:
        raise AssertionError("a verified cache must not download")

    monkeypatch.setattr(artifacts, "_download_npm", no_network)
    return cache, lock


def test_cached_artifact_with_pinned_hash_is_used_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, lock = _pin(tmp_path, monkeypatch, b"real bytes", b"real bytes")
    [(entry, path)] = artifacts.fetch_all(cache, lock, relock=False)
    assert path == cache / "demo-1.0.tgz" and entry.version == "1.0"


def test_artifact_whose_hash_differs_is_refused_and_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, lock = _pin(tmp_path, monkeypatch, b"tampered bytes", b"real bytes")
    with pytest.raises(artifacts.ArtifactError, match="sha256"):
        artifacts.fetch_all(cache, lock, relock=False)
    assert not (cache / "demo-1.0.tgz").exists()


def test_every_shipped_artifact_is_pinned() -> None:
    lock = artifacts.load_lock(Path(__file__).resolve().parents[2] / "scripts" / "artifacts.lock.json")
    wanted = ({("npm", n, v) for n, v in artifacts.NPM} | {("wheel", n, v) for n, v, _ in artifacts.WHEELS}
              | {("data", n, v) for n, v in artifacts.DATA} | {("test", n, v) for n, v in artifacts.TEST_NPM})
    assert {(a.kind, a.name, a.version) for a in lock.values()} == wanted
    assert all(len(a.sha256) == 64 for a in lock.values())


def test_a_test_only_artifact_is_verified_for_the_tests_and_never_fetched_by_a_build(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache, lock = _pin(tmp_path, monkeypatch, b"real bytes", b"real bytes")
    (cache / "checker-2.0.tgz").write_bytes(b"checker")
    artifacts.write_lock(lock, [*artifacts.load_lock(lock).values(), artifacts.Artifact(
        "test", "checker", "2.0", "checker-2.0.tgz", hashlib.sha256(b"checker").hexdigest())])
    monkeypatch.setattr(artifacts, "TEST_NPM", [("checker", "2.0")])
    assert [entry.kind for entry, _ in artifacts.fetch_all(cache, lock, relock=False)] == ["npm"]
    assert artifacts.fetch_test(cache, lock, "checker") == cache / "checker-2.0.tgz"
    (cache / "checker-2.0.tgz").write_bytes(b"tampered")
    with pytest.raises(artifacts.ArtifactError, match="sha256"):
        artifacts.fetch_test(cache, lock, "checker")
    with pytest.raises(artifacts.ArtifactError, match="no test artifact"):
        artifacts.fetch_test(cache, lock, "demo")


def test_app_wheel_is_reproducible_and_named_by_content(tmp_path: Path) -> None:
    pkg = tmp_path / "switchboard"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("X = 1\n")
    first = wheel.build(pkg, "1.0.0", tmp_path / "a")
    again = wheel.build(pkg, "1.0.0", tmp_path / "b")
    assert first.name == again.name and first.read_bytes() == again.read_bytes()
    (pkg / "__init__.py").write_text("X = 2\n")
    changed = wheel.build(pkg, "1.0.0", tmp_path / "c")
    assert changed.name != first.name
    with zipfile.ZipFile(changed) as z:
        assert z.read("switchboard/__init__.py") == b"X = 2\n"
        assert pyodide_lock.wheel_entry(changed)["imports"] == ["switchboard"]


def test_lock_refuses_a_wheel_whose_dependency_is_not_shipped(tmp_path: Path) -> None:
    whl = tmp_path / "needy-1.0-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w") as z:
        z.writestr("needy/__init__.py", "")
        z.writestr("needy-1.0.dist-info/METADATA",
                   "Metadata-Version: 2.1\nName: needy\nVersion: 1.0\nRequires-Dist: absent>=1\n"
                   "Requires-Dist: optional; extra == 'x'\n")
    npm_lock = tmp_path / "npm-lock.json"
    npm_lock.write_text(json.dumps({"info": {}, "packages": {}}))
    with pytest.raises(ValueError, match="absent"):
        pyodide_lock.rewrite(npm_lock, [whl], tmp_path / "out.json")
