"""The start-up snapshot: Pyodide's heap with the app's first screen imported, made at build time.

`snapshot_make.mjs` boots the Pyodide files dist/ ships under Node (as pyc.py does to compile our
bytecode), imports the first screen from the app's wheel and saves the whole WebAssembly memory
(Pyodide's private `makeMemorySnapshot`). The browser restores it instead of starting Python and
importing the app (public/pyodide/snapshot.mjs), and boots normally should anything about it fail.

The file ships gzipped (the heap is 30 MB, mostly zeros) under a name carrying its hash, and the
browser checks its sha256 (Subresource Integrity). It is reproducible: the same Pyodide and wheel give
the same bytes, and the result is cached by them, so a rebuild without changes needs no Node run.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("snapshot_make.mjs")
MAGIC = 1886286592  # Pyodide's snapshot header: magic, offset of the heap, JSON length, 0, BUILD_ID
HEADER = struct.Struct("<4I8I")


@dataclass(frozen=True)
class Snapshot:
    file: str  # name under dist/pyodide/
    integrity: str  # Subresource Integrity of the gzipped file
    heap_bytes: int  # the WebAssembly memory the restore needs
    build_id: str  # Pyodide's BUILD_ID the snapshot was made with

    def boot_config(self) -> str:
        """What pyodide/boot.mjs gets ({{SNAPSHOT}}): the file, its hash and the memory it needs."""
        return json.dumps({"file": self.file, "integrity": self.integrity, "heapBytes": self.heap_bytes})


def header(raw: bytes) -> tuple[int, str, dict[str, object]]:
    """(offset of the heap, BUILD_ID, the JS state Pyodide records) of a raw snapshot."""
    magic, offset, length, _zero, *build = HEADER.unpack_from(raw)
    if magic != MAGIC:
        raise ValueError("not a Pyodide memory snapshot")
    state = json.loads(raw[HEADER.size:HEADER.size + length].decode())
    return offset, "".join(f"{word:08x}" for word in build), state


def _make(pyodide_dir: Path, app_wheel: Path, app_zip: str) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "snapshot.bin"
        result = subprocess.run(
            ["node", str(SCRIPT), str(pyodide_dir.resolve()), str(app_wheel.resolve()), app_zip, str(out)],
            capture_output=True, text=True, timeout=300)
        if result.returncode != 0 or not out.exists():
            raise RuntimeError(f"making the start-up snapshot with Pyodide in Node failed:\n{result.stderr[-2000:]}")
        return out.read_bytes()


def build(pyodide_dir: Path, app_wheel: Path, app_zip: str, out_dir: Path, cache: Path) -> Snapshot:
    """Write the gzipped snapshot into `out_dir`; cached by Pyodide, the wheel and the script."""
    key = hashlib.sha256(SCRIPT.read_bytes() + app_zip.encode())
    for name in ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"):
        key.update(hashlib.sha256((pyodide_dir / name).read_bytes()).digest())
    key.update(hashlib.sha256(app_wheel.read_bytes()).digest())
    cached = cache / f"{key.hexdigest()[:20]}.gz"
    if cached.exists():
        packed = cached.read_bytes()
        raw = gzip.decompress(packed)
    else:
        raw = _make(pyodide_dir, app_wheel, app_zip)
        packed = gzip.compress(raw, compresslevel=9, mtime=0)
        cache.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(packed)
    offset, build_id, _state = header(raw)
    digest = hashlib.sha256(packed).digest()
    name = f"snapshot-{digest.hex()[:16]}.bin"
    (out_dir / name).write_bytes(packed)
    return Snapshot(name, "sha256-" + base64.b64encode(digest).decode(), len(raw) - offset, build_id)
