"""The service worker's precache list: every file the app needs, named with its hash, and nothing else."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from scripts.buildlib import csp, precache

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "public" / "sw.js"



def listed(sw_source: str) -> tuple[str, dict[str, str]]:
    """(BUILD, {path: sha256}) as the built sw.js declares them."""
    build = re.search(r'^const BUILD = "([^"]+)";$', sw_source, re.MULTILINE)
    files = re.search(r"^const FILES = (\[.*?\n\]);", sw_source, re.MULTILINE | re.DOTALL)
    assert build and files, "sw.js lost its BUILD or FILES line"
    entries = json.loads(re.sub(r",\n\]$", "\n]", files.group(1)))  # JSON has no trailing comma
    return build.group(1), dict(entries)


def headers(sw_source: str) -> dict[str, str]:
    """SECURITY_HEADERS as the built sw.js declares them."""
    found = re.search(r"^const SECURITY_HEADERS = (\{.*?\n\});", sw_source, re.MULTILINE | re.DOTALL)
    assert found, "sw.js lost its SECURITY_HEADERS line"
    return dict(json.loads(re.sub(r",\n\}$", "\n}", found.group(1))))


def test_built_worker_lists_this_build_and_the_hash_of_every_file(dist: Path) -> None:
    source = (dist / "sw.js").read_text()
    build, files = listed(source)
    assert "{{" not in source
    assert build == json.loads((dist / "build.json").read_text())["build"]
    assert files == dict(precache.manifest(dist))
    assert {"index.html", "pyodide/pyodide.asm.wasm"} <= files.keys()  # an empty list would match an empty manifest
    assert headers(source) == csp.security_headers()  # what nginx.conf sends, for hosts that send none
    for path, sha256 in files.items():
        assert hashlib.sha256((dist / path).read_bytes()).hexdigest() == sha256, path


def test_precache_holds_the_shell_the_runtime_and_every_wheel(dist: Path) -> None:
    files = dict(precache.manifest(dist))
    shell = {"index.html", "icon.svg", "boot.js", "sw-register.js"}  # the styles are inside index.html
    runtime = {f"pyodide/{name}" for name in
               ("boot.mjs", "snapshot.mjs", "inflate.js", "pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm",
                "python_stdlib.zip", "pyodide-lock.json")}
    lock = json.loads((dist / "pyodide" / "pyodide-lock.json").read_text())
    wheels = {f"pyodide/{entry['file_name']}" for entry in lock["packages"].values()}
    snapshot = {p.relative_to(dist).as_posix() for p in (dist / "pyodide").glob("snapshot-*.bin")}
    missing = (shell | runtime | wheels | snapshot) - files.keys()
    assert not missing, missing
    assert len(snapshot) == 1 and "pyodide/pyodide.asm.wasm" in files


def test_every_file_index_html_names_is_precached(dist: Path) -> None:
    html = (dist / "index.html").read_text()
    # The saved copy is offered for download (12 MB): a download link, not a file the page needs offline.
    named = {u.removeprefix("./") for u in re.findall(r'(?:src|href|config)="(\./[^"]+)"', html)} - {"switchboard.html"}
    assert named and named <= dict(precache.manifest(dist)).keys(), named - dict(precache.manifest(dist)).keys()


def test_the_worker_the_saved_copy_and_unused_chunks_are_left_out(dist: Path) -> None:
    files = dict(precache.manifest(dist))
    assert not {"sw.js", "switchboard.html"} & files.keys()
    assert not [p for p in files if p.endswith(".map")]


def test_render_fills_build_and_files_and_refuses_a_template_without_them() -> None:
    sent = {"Content-Security-Policy": "default-src 'none'; a \"quoted\" b", "X-Frame-Options": "DENY"}
    source = precache.render(TEMPLATE.read_text(), "abc123", [("index.html", "0" * 64), ("a b+c.js", "1" * 64)], sent)
    build, files = listed(source)
    assert build == "abc123" and files == {"index.html": "0" * 64, "a b+c.js": "1" * 64}
    assert headers(source) == sent
    with pytest.raises(ValueError, match="SW_FILES"):
        precache.render('const BUILD = "{{SW_BUILD}}";', "abc123", [], sent)
    with pytest.raises(ValueError, match="SW_HEADERS"):
        precache.render('const BUILD = "{{SW_BUILD}}"; const FILES = {{SW_FILES}};', "abc123", [], sent)
    with pytest.raises(ValueError, match="SW_CONTENTS"):
        precache.render('"{{SW_BUILD}}" {{SW_FILES}} {{SW_HEADERS}}', "abc123", [], sent)


def test_the_cache_is_named_after_what_it_holds() -> None:
    # The build id is taken before the saved copy, About and the headers exist: a rebuild changing only
    # a security header kept the old cache, whose entries kept the old header.
    def cache(files: list[tuple[str, str]], sent: dict[str, str]) -> str:
        source = precache.render(TEMPLATE.read_text(), "abc123", files, sent)
        return re.search(r'const CONTENTS = "([0-9a-f]{12})";', source)[1]  # type: ignore[index]

    files, sent = [("index.html", "0" * 64)], {"X-Frame-Options": "DENY"}
    assert cache(files, sent) == cache(files, dict(sent))
    assert cache(files, {"X-Frame-Options": "SAMEORIGIN"}) != cache(files, sent)
    assert cache([("index.html", "1" * 64)], sent) != cache(files, sent)
    assert "const CACHE = `${PREFIX}${BUILD} ${CONTENTS}`;" in TEMPLATE.read_text()


def test_write_is_reproducible_and_changes_with_any_file(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "pyodide").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html>")
    (site / "pyodide" / "x.whl").write_bytes(b"wheel")
    (site / "switchboard.html").write_text("saved copy")
    first = precache.write(site, TEMPLATE, "b1")
    worker = (site / "sw.js").read_bytes()
    assert [path for path, _ in first] == ["index.html", "pyodide/x.whl"]
    assert precache.write(site, TEMPLATE, "b1") == first and (site / "sw.js").read_bytes() == worker
    (site / "index.html").write_text("<!doctype html><title>next</title>")
    assert precache.write(site, TEMPLATE, "b1") != first
    (site / "index.html").unlink()
    with pytest.raises(ValueError, match=r"index\.html"):
        precache.write(site, TEMPLATE, "b1")
