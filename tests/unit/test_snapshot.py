"""The start-up snapshot: made reproducibly from the files dist/ ships, by their Pyodide, holding no
live browser object; its page layout round-trips; a restore reseeds what the snapshot froze."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import random
import re
import struct
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scripts.buildlib import pyc, snapshot

from switchboard.web import snapshot as restoring


def _shipped(dist: Path) -> tuple[Path, dict[str, object]]:
    (path,) = (dist / "pyodide").glob("snapshot-*.bin")
    config = re.search(r"const SNAPSHOT = (\{.*?\});", (dist / "pyodide" / "boot.mjs").read_text())
    assert config, "boot.mjs names no snapshot"
    return path, json.loads(config.group(1))


def test_boot_mjs_names_the_shipped_file_by_its_hash(dist: Path) -> None:
    path, config = _shipped(dist)
    data = path.read_bytes()
    assert config["file"] == path.name and path.name == f"snapshot-{hashlib.sha256(data).hexdigest()[:16]}.bin"
    assert config["integrity"] == "sha256-" + base64.b64encode(hashlib.sha256(data).digest()).decode()
    # What the browser keeps for the next start is checked against the inflated bytes' own hash.
    inflated = hashlib.sha256(gzip.decompress(data)).digest()
    assert config["inflatedIntegrity"] == "sha256-" + base64.b64encode(inflated).decode()
    # The worker (inflate.js) fetches it: a preload of the page would not answer a worker's fetch, and
    # the 6 MB would come twice.
    assert path.name not in (dist / "index.html").read_text()


def test_it_is_made_by_the_shipped_pyodide_and_holds_no_live_browser_object(dist: Path) -> None:
    path, config = _shipped(dist)
    packed = gzip.decompress(path.read_bytes())
    _offset, build_id, state = snapshot.header(packed)
    pyodide_build = re.search(r'BUILD_ID:"([0-9a-f]{64})"', (dist / "pyodide" / "pyodide.mjs").read_text())
    assert pyodide_build and build_id == pyodide_build.group(1)
    # Each JS value Python held is null or a path from `js` (looked up again in the page on restore):
    # no listener, proxy or DOM node of the build's Node run.
    keys = state["hiwireKeys"]
    assert isinstance(keys, list) and all(key is None or set(key) == {"path"} for key in keys), keys
    assert {tuple(key["path"]) for key in keys if key} <= {("Object",), ("Object", "fromEntries")}
    assert state["immortalKeys"] == []
    raw = snapshot.unpack(packed, int(str(config["heapBytes"])))
    assert len(raw) - snapshot.header(raw)[0] == config["heapBytes"]


def test_it_is_byte_for_byte_what_the_build_makes_again(dist: Path, tmp_path: Path) -> None:
    """A fresh Node run (no cache) over the shipped Pyodide files and wheel gives the shipped bytes."""
    path, _ = _shipped(dist)
    lock = json.loads((dist / "pyodide" / "pyodide-lock.json").read_text())
    wheel = dist / "pyodide" / lock["packages"]["switchboard"]["file_name"]
    again = snapshot.build(dist / "pyodide", wheel, pyc.APP_ZIP, tmp_path, tmp_path / "cache")
    assert (tmp_path / again.file).read_bytes() == path.read_bytes()


@given(st.lists(st.sampled_from([0, 1, 7, 255]), min_size=1, max_size=24))
def test_the_zero_page_layout_round_trips(pages: list[int]) -> None:
    state = json.dumps({"hiwireKeys": [], "immortalKeys": []}).encode()
    offset = 256
    head = snapshot.HEADER.pack(snapshot.MAGIC, offset, len(state), 0, *range(8))
    heap = b"".join(bytes([value]) * snapshot.PAGE if value != 7 else b"\0" * 100 + b"\7" + b"\0" * 3995
                    for value in pages)
    raw = (head + state).ljust(offset, b"\0") + heap
    packed = snapshot.pack(raw)
    assert snapshot.unpack(packed, len(heap)) == raw
    (runs,) = struct.unpack_from("<I", packed, offset)
    assert len(packed) == offset + 4 + 8 * runs + snapshot.PAGE * sum(1 for value in pages if value)


def test_a_truncated_page_table_is_refused() -> None:
    state = b'{"hiwireKeys":[],"immortalKeys":[]}'
    raw = (snapshot.HEADER.pack(snapshot.MAGIC, 128, len(state), 0, *range(8)) + state).ljust(128, b"\0")
    packed = snapshot.pack(raw + b"\1" * snapshot.PAGE)
    with pytest.raises(ValueError, match="page table"):
        snapshot.unpack(packed[:-1], snapshot.PAGE)


def test_a_restore_reseeds_random_and_checks_the_app_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    # As two restores of one heap: the same state, then `restored()` in each.
    state = random.getstate()
    monkeypatch.setitem(sys.modules, restoring.FIRST_SCREEN, sys.modules[__name__])
    restoring.restored()
    first = random.random()
    random.setstate(state)
    restoring.restored()
    assert random.random() != first
    monkeypatch.delitem(sys.modules, restoring.FIRST_SCREEN)
    with pytest.raises(RuntimeError, match="has not imported"):
        restoring.restored()
