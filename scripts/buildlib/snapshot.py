"""The start-up snapshot: Pyodide's heap with the app's first screen imported, made at build time.

`snapshot_make.mjs` boots the Pyodide files dist/ ships under Node (as pyc.py does to compile our
bytecode), imports the first screen from the app's wheel and saves the whole WebAssembly memory
(Pyodide's private `makeMemorySnapshot`). The browser restores it instead of starting Python and
importing the app (public/pyodide/snapshot.mjs), and boots normally should anything about it fail.

The file keeps Pyodide's header and only the heap's non-zero pages (half of its 30 MB are zeros, which
the browser would otherwise inflate and copy for nothing), and ships gzipped under a name carrying its
hash; the browser (pyodide/inflate.js) checks its sha256 before using it, and keeps the file inflated in
its Cache Storage for the next start, checked against the inflated bytes' sha256. Layout, before gzip:

    Pyodide's header (magic, heap offset, JSON length, BUILD_ID, the JSON), as makeMemorySnapshot wrote it
    u32 run count, then per run of non-zero pages: u32 first page, u32 page count (little-endian)
    the pages of every run, one after the other (PAGE bytes each)

It is reproducible: the same Pyodide and wheel give the same bytes, and the result is cached by them,
so a rebuild without changes needs no Node run.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from scripts.buildlib import csp

SCRIPT = Path(__file__).with_name("snapshot_make.mjs")
MAGIC = 1886286592  # Pyodide's snapshot header: magic, offset of the heap, JSON length, 0, BUILD_ID
HEADER = struct.Struct("<4I8I")
PAGE = 4096


@dataclass(frozen=True)
class Snapshot:
    file: str  # name under dist/pyodide/
    integrity: str  # Subresource Integrity of the gzipped file
    heap_bytes: int  # the WebAssembly memory the restore needs
    inflated_integrity: str  # of the file inflated, which the browser keeps for its next start

    def boot_config(self) -> str:
        """What pyodide/boot.mjs gets ({{SNAPSHOT}}): the file, its hash, the memory it needs and the
        hash of its inflated bytes."""
        return json.dumps({"file": self.file, "integrity": self.integrity, "heapBytes": self.heap_bytes,
                           "inflatedIntegrity": self.inflated_integrity})


def header(raw: bytes) -> tuple[int, str, dict[str, object]]:
    """(offset of the heap, BUILD_ID, the JS state Pyodide records) of a raw snapshot."""
    magic, offset, length, _zero, *build = HEADER.unpack_from(raw)
    if magic != MAGIC:
        raise ValueError("not a Pyodide memory snapshot")
    state = json.loads(raw[HEADER.size:HEADER.size + length].decode())
    return offset, "".join(f"{word:08x}" for word in build), state


def pack(raw: bytes) -> bytes:
    """A snapshot as makeMemorySnapshot wrote it, without the heap's zero pages (the layout above)."""
    offset, _, _ = header(raw)
    heap = raw[offset:]
    if len(heap) % PAGE:
        raise ValueError("the heap is not a whole number of pages")
    runs: list[list[int]] = []
    zero = bytes(PAGE)
    for page in range(len(heap) // PAGE):
        if heap[page * PAGE:(page + 1) * PAGE] == zero:
            continue
        if runs and runs[-1][0] + runs[-1][1] == page:
            runs[-1][1] += 1
        else:
            runs.append([page, 1])
    table = struct.pack(f"<{1 + 2 * len(runs)}I", len(runs), *(n for run in runs for n in run))
    pages = b"".join(heap[first * PAGE:(first + count) * PAGE] for first, count in runs)
    return raw[:offset] + table + pages


def unpack(packed: bytes, heap_bytes: int) -> bytes:
    """The snapshot as makeMemorySnapshot wrote it, from `pack`'s layout (what pyodide/snapshot.mjs does)."""
    offset, _, _ = header(packed)
    (count,) = struct.unpack_from("<I", packed, offset)
    runs = struct.unpack_from(f"<{2 * count}I", packed, offset + 4)
    heap = bytearray(heap_bytes)
    at = offset + 4 + 8 * count
    for first, pages in zip(runs[::2], runs[1::2], strict=True):
        heap[first * PAGE:(first + pages) * PAGE] = packed[at:at + pages * PAGE]
        at += pages * PAGE
    if at != len(packed):
        raise ValueError("the snapshot's page table does not match its pages")
    return packed[:offset] + bytes(heap)


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
    sizes = cache / f"{key.hexdigest()[:20]}.json"
    if cached.exists() and sizes.exists():
        packed = cached.read_bytes()
        heap_bytes = json.loads(sizes.read_text())["heap_bytes"]
    else:
        raw = _make(pyodide_dir, app_wheel, app_zip)
        packed = gzip.compress(pack(raw), compresslevel=9, mtime=0)
        heap_bytes = len(raw) - header(raw)[0]
        cache.mkdir(parents=True, exist_ok=True)
        cached.write_bytes(packed)
        sizes.write_text(json.dumps({"heap_bytes": heap_bytes}))
    digest = hashlib.sha256(packed).digest()
    name = f"snapshot-{digest.hex()[:16]}.bin"
    (out_dir / name).write_bytes(packed)
    return Snapshot(name, csp.sri(digest), heap_bytes, csp.sri(hashlib.sha256(gzip.decompress(packed)).digest()))
