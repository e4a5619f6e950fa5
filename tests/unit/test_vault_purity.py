"""The vault core loads fast and browser-free: no pydantic, no js/pyodide, no I/O at import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_vault_import_pulls_in_no_pydantic_and_no_browser_modules() -> None:
    code = (
        "import sys, switchboard.vault, switchboard.vault.service;"
        "bad = [m for m in sys.modules if m.split('.')[0] in {'pydantic', 'pydantic_core', 'js', 'pyodide'}];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "py")},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
