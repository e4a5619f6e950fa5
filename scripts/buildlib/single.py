"""The saved copy: ``dist/switchboard.html``, one self-contained file that works opened from disk.

A ``file://`` page may not fetch or import its sibling files, so everything is inside the one file: the
page (``index.html``'s body and ``styles.css``), and the runtime (Pyodide's modules, wasm, standard
library, the lock and every wheel it lists, our package included) as base64 blocks that
``single_boot.js`` decodes. It boots plain Pyodide and the same ``switchboard.web.main.start()`` as
the served app. The build is
reproducible: the same ``dist/`` gives the same bytes.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import re
from pathlib import Path

from scripts.buildlib import csp, pyc

OUTPUT = "switchboard.html"
# Compressing the wasm takes seconds and its bytes never change between builds: keep each result by hash.
GZIP_CACHE = Path(__file__).resolve().parents[2] / ".cache" / "single-gzip"
BOOT = Path(__file__).with_name("single_boot.js")
RUNTIME = {  # embedded path (under dist/) -> Content-Type Pyodide gets from fetch()
    "pyodide/pyodide.mjs": "text/javascript",
    "pyodide/pyodide.asm.mjs": "text/javascript",
    "pyodide/pyodide.asm.wasm": "application/wasm",
    "pyodide/python_stdlib.zip": "application/zip",
    "pyodide/pyodide-lock.json": "application/json",
}
# What index.html's <head> may load: the saved copy inlines the styles and replaces the scripts (boot.js
# by single_boot.js; no service worker on file://). Anything new there must be decided on here.
HEAD_SCRIPTS = {"./boot.js", "./sw-register.js"}
HEAD_LINKS = {"preload", "modulepreload", "icon"}
_RELATIVE = re.compile(r'(?:src|href|config)="\./', re.IGNORECASE)
# index.html's About row with the saved copy's sha256, which the saved copy cannot carry about itself.
_SAVED_COPY_ROW = re.compile(r'<dt>[^<]*</dt><dd id="about-saved-copy"[^>]*>\{\{SAVED_COPY_SHA256\}\}</dd>')
# The site's offers to download the saved copy, which the saved copy itself has no use for (no nesting of
# the same tag inside: the first closing tag ends the element).
_SITE_ONLY = re.compile(r'\s*<(div|span)\b[^>]*\bdata-site-only\b[^>]*>.*?</\1>', re.DOTALL)
# The dialogs the site's boot.js puts in place after the first paint: the saved copy has them in place.
_DIALOGS = re.compile(r'<template id="dialogs">(.*?)</template>', re.DOTALL)


class SingleFileError(Exception):
    """index.html has something the saved copy cannot carry."""


def runtime_files(dist: Path) -> dict[str, str]:
    """Every file to embed, with its Content-Type: the runtime and every wheel in the lock."""
    files = dict(RUNTIME)
    lock = json.loads((dist / "pyodide" / "pyodide-lock.json").read_text())
    for entry in lock["packages"].values():
        files["pyodide/" + entry["file_name"]] = "application/zip"
    return files


def gzipped(data: bytes, cache: Path | None = GZIP_CACHE) -> bytes:
    """gzip -9 of `data` (reproducible: no timestamp), from the cache when it has it."""
    if cache is None:
        return gzip.compress(data, compresslevel=9, mtime=0)
    kept = cache / (hashlib.sha256(data).hexdigest() + ".gz")
    if kept.exists() and gzip.decompress(kept.read_bytes()) == data:
        return kept.read_bytes()
    packed = gzip.compress(data, compresslevel=9, mtime=0)
    cache.mkdir(parents=True, exist_ok=True)
    kept.write_bytes(packed)
    return packed


def block(path: str, content_type: str, data: bytes) -> str:
    """A data block; gzipped when that saves at least a tenth (wheels are zips already)."""
    packed = gzipped(data)
    encoding = "gzip" if len(packed) < 0.9 * len(data) else "identity"
    text = base64.b64encode(packed if encoding == "gzip" else data).decode("ascii")
    return (f'<script type="application/octet-stream" data-path="{html.escape(path)}" '
            f'data-type="{content_type}" data-encoding="{encoding}">{text}</script>\n')


def policy(script: str, style: str, theme: str) -> str:
    """The saved copy's CSP: only its own inline code, blob: modules, and connections to the providers.

    The providers' origins come from scripts/buildlib/csp.py, as for the served app. There is no 'self'
    on a file:// page (its origin is opaque): the runtime arrives through the blocks, never the network.
    """
    rules = [
        ("default-src", ["'none'"]),
        ("script-src", ["'wasm-unsafe-eval'", "blob:", csp.sha256_source(script), csp.sha256_source(theme)]),
        ("style-src", [csp.sha256_source(style)]),
        ("img-src", ["data:"]),
        ("connect-src", [src for src in csp.connect_src() if src != "'self'"]),
        ("object-src", ["'none'"]),
        ("base-uri", ["'none'"]),
        ("form-action", ["'none'"]),
        # As the site's (csp.py), minus the service worker's policy: a file:// page registers none.
        ("require-trusted-types-for", ["'script'"]),
        ("trusted-types", [csp.HTML_POLICY]),
    ]
    return "; ".join(f"{name} {' '.join(values)}" for name, values in rules)


def _one(pattern: str, text: str, what: str) -> re.Match[str]:
    match = re.search(pattern, text, re.DOTALL)
    if not match:
        raise SingleFileError(f"index.html has no {what}")
    return match


def check_head(head: str) -> None:
    """Refuse a <head> that loads something the saved copy would silently lack (its theme script it carries)."""
    head = head.replace(f"<script>{csp.theme_script()}</script>", "", 1)
    scripts = set(re.findall(r'<script\b[^>]*\bsrc="([^"]+)"', head))
    if scripts - HEAD_SCRIPTS or re.search(r"<script\b(?![^>]*\bsrc=)", head):
        raise SingleFileError(f"index.html's head runs a script the saved copy does not know: {sorted(scripts)}")
    for tag in re.findall(r"<link\b[^>]*>", head):
        rel = re.search(r'\brel="([^"]+)"', tag)
        if not rel or rel.group(1) not in HEAD_LINKS:
            raise SingleFileError(f"index.html's head has a link the saved copy does not carry: {tag}")


def page(index_html: str, styles: str, icon_svg: bytes, boot: str, blocks: list[str]) -> str:
    """The saved copy's HTML from the built index.html, its styles and icon, the boot and the data blocks."""
    check_head(_one(r"<head>(.*)</head>", index_html, "<head>").group(1))
    lang = _one(r'<html lang="([^"]+)"', index_html, "<html lang>").group(1)
    title = _one(r"<title>(.*?)</title>", index_html, "<title>").group(1)
    description = _one(r'<meta name="description" content="([^"]*)">', index_html, "description").group(1)
    body = _one(r"<body>(.*)</body>", index_html, "<body>").group(1)
    body = _DIALOGS.sub(lambda m: m.group(1), _SITE_ONLY.sub("", body)).strip()
    theme = csp.theme_script()
    if "</script" in boot.lower() or "</script" in theme.lower() or "</style" in styles.lower():
        raise SingleFileError("the boot script, the theme script or the styles would close their own element")
    if "<script" in body or _RELATIVE.search(body):
        raise SingleFileError("index.html's body loads a script or a file the saved copy does not carry")
    icon = "data:image/svg+xml;base64," + base64.b64encode(icon_svg).decode()
    head = (
        f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy(boot, styles, theme))}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n"
        f'<meta name="description" content="{description}">\n'
        f'<link rel="icon" href="{icon}" type="image/svg+xml">\n'
        f"<style>{styles}</style>\n"
        f"<script>{theme}</script>\n"
        f'<script type="module">{boot}</script>\n'
        "</head>\n"
    )
    # The page first, so it paints while the parser reads the ~13 MB of blocks after it.
    return head + f"<body>\n{body}\n{''.join(blocks)}</body>\n</html>\n"


def about(index_html: str, build: str) -> str:
    """index.html with the saved copy's About facts: its build, and in place of its own sha256 where to find it."""
    if len(_SAVED_COPY_ROW.findall(index_html)) != 1 or index_html.count("{{BUILD}}") != 1:
        raise SingleFileError("index.html's About must have one {{BUILD}} and one saved-copy sha256 row")
    row = (f'<dt>This file</dt><dd id="about-saved-copy">a saved copy of build {html.escape(build)}: its sha256 '
           "is in the About box of a site running that build</dd>")
    return _SAVED_COPY_ROW.sub(lambda _: row, index_html).replace("{{BUILD}}", html.escape(build))


def digest(path: Path) -> str:
    """sha256 hex of a file: what a user compares a saved copy they were sent with."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def boot_script(dist: Path) -> str:
    """single_boot.js with the app wheel it installs, its SRI hash and where it goes, as boot.mjs has them."""
    entry = json.loads((dist / "pyodide" / "pyodide-lock.json").read_text())["packages"]["switchboard"]
    integrity = csp.sri(bytes.fromhex(entry["sha256"]))
    values = {"APP_WHEEL": entry["file_name"], "APP_WHEEL_INTEGRITY": integrity, "APP_ZIP": pyc.APP_ZIP}
    text = BOOT.read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def build(dist: Path, build_id: str) -> Path:
    """Write dist/switchboard.html from the built dist/ (index.html still with its About placeholders)."""
    blocks = [block(path, kind, (dist / path).read_bytes()) for path, kind in runtime_files(dist).items()]
    text = page(about((dist / "index.html").read_text(), build_id), csp.styles(),
                (dist / "icon.svg").read_bytes(), boot_script(dist), blocks)
    out = dist / OUTPUT
    out.write_text(text)
    return out
