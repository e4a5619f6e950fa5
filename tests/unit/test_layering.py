"""Only switchboard.web may touch the browser: the core must run unchanged on CPython."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "py" / "switchboard"
BROWSER_MODULES = {"js", "pyodide", "pyodide_js", "pyscript"}


def browser_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [n for n in names if n.split(".")[0] in BROWSER_MODULES]
    return found


def test_detector_finds_every_import_form() -> None:
    source = "import js\nfrom pyodide.ffi import to_js\nimport os, pyscript.web\ndef f():\n    import js as j\n"
    assert browser_imports(source) == ["js", "pyodide.ffi", "pyscript.web", "js"]
    assert browser_imports("import json\nfrom .js import x\nimport pyodide_http_like\n") == []


def test_no_module_outside_web_imports_browser_modules() -> None:
    offenders = {}
    modules = [p for p in PACKAGE.rglob("*.py") if "web" not in p.relative_to(PACKAGE).parts[:1]]
    assert len(modules) > 1
    for path in modules:
        found = browser_imports(path.read_text())
        if found:
            offenders[str(path.relative_to(PACKAGE))] = found
    assert offenders == {}
