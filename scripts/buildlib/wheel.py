"""Build the `switchboard` wheel from py/switchboard: one request and one unzip in the browser."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

# A fixed timestamp keeps the wheel byte-for-byte reproducible, so its hash only moves with the code.
_EPOCH = (2020, 1, 1, 0, 0, 0)


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def sources(package_dir: Path) -> dict[str, bytes]:
    """The package's modules by their path inside the wheel."""
    files = sorted(p for p in package_dir.rglob("*.py") if "__pycache__" not in p.parts)
    return {f"switchboard/{p.relative_to(package_dir).as_posix()}": p.read_bytes() for p in files}


def build(package_dir: Path, version: str, out_dir: Path, compiled: dict[str, bytes] | None = None,
          data: dict[str, bytes] | None = None) -> Path:
    """Write the wheel (plus any `compiled` bytecode, derived from the sources, and generated `data` files).

    Its local version label carries a hash of the sources and data, so caches never serve a stale one.
    """
    payload = sources(package_dir)
    payload.update(sorted((data or {}).items()))
    digest = hashlib.sha256(b"".join(k.encode() + v for k, v in payload.items())).hexdigest()[:10]
    payload.update(sorted((compiled or {}).items()))
    full_version = f"{version}+g{digest}"
    dist_info = f"switchboard-{full_version}.dist-info"
    payload[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: switchboard\nVersion: {full_version}\n").encode()
    payload[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: switchboard-build\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in payload.items())
    payload[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("switchboard-*.whl"):
        old.unlink()
    path = out_dir / f"switchboard-{full_version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in payload.items():
            z.writestr(zipfile.ZipInfo(name, _EPOCH), data, zipfile.ZIP_DEFLATED)
    return path
