"""The saved copy's build: one file that carries the page and the whole runtime, and a CSP to match."""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from scripts.buildlib import csp, single

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"
BLOCK = re.compile(r'<script type="application/octet-stream" data-path="([^"]+)" data-type="([^"]+)" '
                   r'data-encoding="(gzip|identity)">([^<]*)</script>\n')


@pytest.fixture(scope="module")
def saved() -> str:
    path = DIST / single.OUTPUT
    if not path.exists():
        pytest.fail("dist/switchboard.html is not built: run scripts/test (or python3 scripts/build.py)")
    return path.read_text()


def directives(page: str) -> dict[str, list[str]]:
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert meta, "the saved copy has no CSP"
    rules = [rule.split() for rule in html.unescape(meta.group(1)).split(";")]
    return {rule[0]: rule[1:] for rule in rules}


def test_every_runtime_file_and_wheel_is_embedded_byte_for_byte(saved: str) -> None:
    embedded = {}
    for path, _kind, encoding, text in BLOCK.findall(saved):
        data = base64.b64decode(text, validate=True)
        embedded[path] = gzip.decompress(data) if encoding == "gzip" else data
    lock = json.loads((DIST / "pyodide" / "pyodide-lock.json").read_text())
    wanted = set(single.RUNTIME) | {f"pyodide/{e['file_name']}" for e in lock["packages"].values()}
    assert embedded.keys() == wanted
    assert any(path.startswith("pyodide/switchboard-") for path in embedded)
    for path, data in embedded.items():
        assert hashlib.sha256(data).digest() == hashlib.sha256((DIST / path).read_bytes()).digest(), path


def test_the_page_is_index_html_without_pyscript_and_loads_nothing_by_url(saved: str) -> None:
    page = BLOCK.sub("", saved)
    index = (DIST / "index.html").read_text()
    for element in ('id="vault-panel"', 'id="keys-dialog"', 'id="boot-error"', 'id="update-banner"', 'id="prompt"'):
        assert element in index and element in page, element
    assert 'type="py"' not in page and "./pyscript" not in page
    urls = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert all(url.startswith("data:") for url in urls), urls
    assert csp.styles() in page


def test_the_dialogs_the_site_adds_after_its_first_paint_are_in_place_in_the_saved_copy(saved: str) -> None:
    index = (DIST / "index.html").read_text()
    later = re.search(r'<template id="dialogs">(.*?)</template>', index, re.DOTALL)
    assert later, "index.html has no dialogs to add after its first paint"
    deferred = re.findall(r'<dialog id="([^"]+)"', later.group(1))
    assert "history-dialog" in deferred and "about" not in deferred  # About opens before Python starts
    assert re.findall(r'<dialog id="([^"]+)"', index) == ["about", *deferred]
    page = BLOCK.sub("", saved)
    assert 'id="dialogs"' not in page
    assert re.findall(r'<dialog id="([^"]+)"', page) == ["about", *deferred]


def test_csp_allows_only_its_own_inline_code_and_the_providers(saved: str) -> None:
    rules = directives(saved)
    (script,) = re.findall(r'<script type="module">(.*?)</script>', saved, re.DOTALL)
    (theme,) = re.findall(r"<script>(.*?)</script>", saved, re.DOTALL)
    (style,) = re.findall(r"<style>(.*?)</style>", saved, re.DOTALL)
    assert theme == csp.theme_script()
    assert rules["default-src"] == ["'none'"]
    assert rules["script-src"] == ["'wasm-unsafe-eval'", "blob:", csp.sha256_source(script), csp.sha256_source(theme)]
    assert rules["style-src"] == [csp.sha256_source(style)]
    assert set(csp.provider_origins()) <= set(rules["connect-src"])
    assert "'self'" not in rules["connect-src"]
    assert rules["require-trusted-types-for"] == ["'script'"]
    assert rules["trusted-types"] == ["switchboard-html"]  # no service worker on file://, so no switchboard-sw
    flat = " ".join(" ".join(values) for values in rules.values())
    assert "unsafe-inline" not in flat and "'unsafe-eval'" not in flat


def test_the_body_may_not_load_what_the_saved_copy_lacks() -> None:
    index = (DIST / "index.html").read_text()
    extra = index.replace("</body>", '<script src="./extra.js"></script></body>')
    with pytest.raises(single.SingleFileError, match="script"):
        single.page(extra, "body {}", b"<svg/>", "// boot", [])
    with pytest.raises(single.SingleFileError, match="close"):
        single.page(index, "body {}", b"<svg/>", "x = '</script>'", [])


def test_blocks_gzip_only_when_it_pays(tmp_path: Path) -> None:
    text = b"print('hello')\n" * 1000
    squeezed = single.block("a.py", "text/x-python", text)
    noise = hashlib.sha512(b"x").digest() + bytes(range(256))
    plain = single.block("b.bin", "application/zip", noise)
    assert 'data-encoding="gzip"' in squeezed and len(squeezed) < len(text) / 10
    assert 'data-encoding="identity"' in plain
    assert single.gzipped(text, tmp_path) == single.gzipped(text, tmp_path) == single.gzipped(text, None)


def test_the_head_may_not_load_what_the_saved_copy_lacks() -> None:
    index = (DIST / "index.html").read_text()
    for extra in ('<script type="module" src="./more.js"></script>', "<script>inline()</script>",
                  '<link rel="manifest" href="./app.webmanifest">', '<link rel="stylesheet" href="./more.css">'):
        with pytest.raises(single.SingleFileError, match="head"):
            single.page(index.replace("</head>", extra + "</head>"), "body {}", b"<svg/>", "// boot", [])
    single.page(index, "body {}", b"<svg/>", "// boot", [])  # the real head passes


def test_the_build_prints_the_saved_copys_sha256_and_the_about_box_shows_it(tmp_path: Path) -> None:
    """What a user checks a saved copy they were sent against (docs/deploy.md, "Saved copy")."""
    out = tmp_path / "site"
    build = subprocess.run([sys.executable, str(ROOT / "scripts" / "build.py"), "--out", str(out)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    sha256 = hashlib.sha256((out / single.OUTPUT).read_bytes()).hexdigest()
    assert f"saved copy switchboard.html sha256 {sha256}" in build.stdout.splitlines()
    facts = json.loads((out / "build.json").read_text())
    assert facts["saved_copy_sha256"] == sha256
    index = (out / "index.html").read_text()
    assert f'<dd id="about-saved-copy" class="hash">{sha256}</dd>' in index
    assert f'<dd id="about-build">{facts["build"]}</dd>' in index
    # The saved copy cannot hold its own hash: it names its build instead.
    saved = (out / single.OUTPUT).read_text()
    assert sha256 not in saved and f'<dd id="about-build">{facts["build"]}</dd>' in saved
    assert f"a saved copy of build {facts['build']}" in saved


def test_build_out_refuses_to_delete_a_folder_that_is_not_a_build(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    build = subprocess.run([sys.executable, str(ROOT / "scripts" / "build.py"), "--out", str(tmp_path)],
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 1 and "not deleting" in build.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"
