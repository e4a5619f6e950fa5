"""Install what the build and the tests need on a bare Debian machine; idempotent and quiet when done.

Used by serve.py (build tools only) and scripts/test (everything). System packages come from apt when
missing and we are root; Python packages go into .venv from the pinned requirements-test.lock.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VENV_PY = VENV / "bin" / "python"
LOCKFILE = ROOT / "requirements-test.lock"
BUILD_TOOLS = {"npm": "npm", "node": "nodejs"}  # command -> Debian package
TEST_TOOLS = {
    "chromium": "chromium", "nginx": "nginx", "openssl": "openssl",
    # tests/crossbrowser: Firefox ESR (Marionette is built in), WebKitGTK's WebDriver, which pulls in
    # libwebkit2gtk and its MiniBrowser, and an X server for MiniBrowser, which has no headless mode.
    "firefox-esr": "firefox-esr", "WebKitWebDriver": "webkit2gtk-driver", "Xvfb": "xvfb", "xauth": "xauth",
}
# tests/crossbrowser/engines.py finds MiniBrowser by this pattern (the directory names the architecture).
MINIBROWSER = ("/usr/lib/*/webkit2gtk-4.*/MiniBrowser", "libwebkit2gtk-4.1-0")
# nginx.conf turns brotli on where this module exists; the tests check it, so install it for them.
BROTLI = (Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so"), "libnginx-mod-http-brotli-filter")


def _run(cmd: list[str], **kw: object) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)  # type: ignore[call-overload]


def _apt_install(packages: list[str]) -> None:
    if not packages:
        return
    if os.geteuid() != 0:
        sys.exit(f"missing system packages: {' '.join(packages)}; run: sudo apt-get install -y {' '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run(["apt-get", "update", "-q"], env=env)
    _run(["apt-get", "install", "-y", "-q", *packages], env=env)


def _missing(tools: dict[str, str]) -> list[str]:
    found = {cmd for cmd in tools if shutil.which(cmd) or Path(f"/usr/sbin/{cmd}").exists()}
    return sorted({pkg for cmd, pkg in tools.items() if cmd not in found})


def _venv_ok() -> bool:
    return VENV_PY.exists() and subprocess.run([VENV_PY, "-m", "pip", "--version"], capture_output=True).returncode == 0


def ensure(test: bool) -> Path:
    """Return the venv's python, after installing system tools and (for tests) the pinned packages."""
    apt = _missing(BUILD_TOOLS | (TEST_TOOLS if test else {}))
    if test and not BROTLI[0].exists():
        apt.append(BROTLI[1])
    if test and not glob.glob(MINIBROWSER[0]):
        apt.append(MINIBROWSER[1])
    if not _venv_ok():
        try:
            import ensurepip  # noqa: F401  (Debian ships venv without ensurepip unless python3-venv is installed)
        except ImportError:
            apt.append(f"python3.{sys.version_info.minor}-venv")
    _apt_install(sorted(set(apt)))
    if not _venv_ok():
        _run([sys.executable, "-m", "venv", "--clear", str(VENV)])
    if test:
        stamp = VENV / ".installed-lock"
        wanted = LOCKFILE.read_text()
        if not stamp.exists() or stamp.read_text() != wanted:
            _run([str(VENV_PY), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(LOCKFILE)])
            stamp.write_text(wanted)
    return VENV_PY


if __name__ == "__main__":
    ensure(test="--test" in sys.argv)
