"""The built site: relative URLs only, a local interpreter, a lock that matches the files it names."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path


def test_index_uses_only_relative_urls(dist: Path) -> None:
    html = (dist / "index.html").read_text()
    urls = re.findall(r'(?:src|href|config)="([^"]+)"', html)
    assert urls, "index.html references nothing?"
    assert all(u.startswith("./") for u in urls), [u for u in urls if not u.startswith("./")]
    assert "{{" not in html, "a build placeholder was left unfilled"


def test_the_page_boots_plain_pyodide_without_pyscript(dist: Path) -> None:
    html = (dist / "index.html").read_text()
    assert 'type="py"' not in html and "pyscript" not in html
    assert not (dist / "pyscript").exists() and not (dist / "pyscript.json").exists()
    boot = (dist / "boot.js").read_text()
    assert 'import("./pyodide/boot.mjs")' in boot and "from switchboard.web.main import start" in boot


def test_pyodide_lock_matches_the_shipped_wheels(dist: Path) -> None:
    lock = json.loads((dist / "pyodide" / "pyodide-lock.json").read_text())
    packages = lock["packages"]
    assert {"switchboard", "pydantic", "pydantic-core", "markdown-it-py", "mdurl"} <= packages.keys()
    assert packages["markdown-it-py"]["depends"] == ["mdurl"]
    assert packages["pydantic-core"]["file_name"].endswith("pyemscripten_2026_0_wasm32.whl")
    for name, entry in packages.items():
        data = (dist / "pyodide" / entry["file_name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        assert set(entry["depends"]) <= packages.keys(), name
    wheels = {p.name for p in (dist / "pyodide").glob("*.whl")}
    assert wheels == {e["file_name"] for e in packages.values()}


def test_app_wheel_carries_unchecked_bytecode_beside_every_module(dist: Path) -> None:
    """The browser imports the wheel as a zip; zipimport uses `x.pyc` beside `x.py` without compiling."""
    lock = json.loads((dist / "pyodide" / "pyodide-lock.json").read_text())
    wheel = dist / "pyodide" / lock["packages"]["switchboard"]["file_name"]
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        sources = {n for n in names if n.endswith(".py")}
        assert sources and {n + "c" for n in sources} <= names
        for name in sources:
            header = z.read(name + "c")[:16]
            assert int.from_bytes(header[4:8], "little") == 0b01, f"{name}c is not an unchecked-hash pyc"
    boot = (dist / "pyodide" / "boot.mjs").read_text()
    html = (dist / "index.html").read_text()
    integrity = "sha256-" + base64.b64encode(hashlib.sha256(wheel.read_bytes()).digest()).decode()
    assert f'"{integrity}"' in boot and f'integrity="{integrity}"' in html and wheel.name in boot


def test_app_wheel_carries_the_price_catalog_and_reads_it_in_place(dist: Path, price_data_wheel: Path) -> None:
    """The catalog is package data made from the pinned genai-prices; it loads from the zip, as in the browser."""
    from scripts.buildlib import price_catalog

    lock = json.loads((dist / "pyodide" / "pyodide-lock.json").read_text())
    wheel = dist / "pyodide" / lock["packages"]["switchboard"]["file_name"]
    with zipfile.ZipFile(wheel) as z:
        assert z.read(price_catalog.WHEEL_PATH) == price_catalog.from_pinned(price_data_wheel)
    assert "genai" not in " ".join(lock["packages"])  # read by the build, not shipped
    script = ("import sys; sys.path.insert(0, sys.argv[1]); import switchboard.pricing as p; "
              "c = p.load_catalog(); print(p.__file__, c.source.package, c.source.version, c.source.as_of)")
    out = subprocess.run([sys.executable, "-c", script, str(wheel)], capture_output=True, text=True, check=True)
    where, *source = out.stdout.split()
    assert where.startswith(str(wheel)) and source == ["genai-prices", "0.2.3", "2026-11-30"]
