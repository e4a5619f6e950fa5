"""`python3 scripts/serve.py --nginx`: serve dist/ through Debian's nginx with the project's own nginx.conf.

The server block is used as shipped; only its `listen` (loopback and the chosen port) and `root`
(dist/, or a folder holding a link to it for `--base`) change. A throw-away main config around it keeps
the pid file, logs and temp folders in a temporary directory, so no root rights and no system nginx
are involved. nginx runs in the foreground and stops with this process (SIGTERM, Ctrl-C, or its death).
"""

from __future__ import annotations

import contextlib
import ctypes
import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "nginx.conf"
MIME_TYPES = Path("/etc/nginx/mime.types")
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so")  # libnginx-mod-http-brotli-filter
SHIPPED_LISTEN = "listen 80;"
SHIPPED_ROOT = "root /usr/share/nginx/html;"


def nginx_binary() -> str:
    """Debian's nginx, installed with apt when missing (as root)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        from scripts import devsetup

        devsetup._apt_install(["nginx"])
        found = shutil.which("nginx") or "/usr/sbin/nginx"
    return found


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"nginx.conf must contain {old!r} exactly once (the runner replaces it)")
    return text.replace(old, new)


def site_config(conf_text: str, host: str, port: int, root: Path) -> str:
    """The project's server block, listening on host:port and serving `root`."""
    text = _replace_once(conf_text, SHIPPED_LISTEN, f"listen {host}:{port};")
    return _replace_once(text, SHIPPED_ROOT, f'root "{root}";')


def _brotli(conf_text: str) -> tuple[str, str]:
    """(main-context, http-context) lines enabling brotli for the same types as gzip, if the module exists."""
    if not BROTLI_MODULE.exists():
        return "", ""
    match = re.search(r"^\s*gzip_types\s+([^;]+);", conf_text, re.MULTILINE)
    types = " ".join(match.group(1).split()) if match else "text/css text/javascript application/json"
    return (f"load_module {BROTLI_MODULE};\n",
            f"    brotli on;\n    brotli_comp_level 5;\n    brotli_types {types};\n")


def main_config(tmp: Path, site: Path, conf_text: str, owner: Path, verbose: bool) -> str:
    """A complete nginx.conf wrapping the site block, with every writable path inside `tmp`."""
    module, brotli = _brotli(conf_text)
    user = ""
    if os.geteuid() == 0:  # workers read dist/ as its owner rather than as nobody
        st = owner.stat()
        user = f"user {pwd.getpwuid(st.st_uid).pw_name} {grp.getgrgid(st.st_gid).gr_name};\n"
    temp_paths = "".join(f"    {name}_temp_path {tmp / name};\n"
                         for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (
        f"{user}{module}daemon off;\nmaster_process on;\nworker_processes 1;\n"
        f"pid {tmp / 'nginx.pid'};\nerror_log stderr {'info' if verbose else 'warn'};\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        f"    include {MIME_TYPES};\n    default_type application/octet-stream;\n    sendfile on;\n"
        f"    access_log {'/dev/stdout' if verbose else 'off'};\n"
        f"{temp_paths}{brotli}"
        f"    include {site};\n"
        "}\n"
    )


def _die_with_parent() -> None:
    """In the child: receive SIGTERM when the process that started nginx dies (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


def _wait_listening(host: str, port: int, proc: subprocess.Popen[bytes], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            socket.create_connection((host, port), 0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def _warn_if_stale(conf_text: str) -> None:
    from scripts.buildlib import csp

    try:
        if csp.nginx_headers(conf_text) != csp.security_headers():
            print("warning: nginx.conf's security headers differ from scripts/buildlib/csp.py; "
                  "run python3 scripts/buildlib/csp.py --write", file=sys.stderr)
    except ValueError as exc:
        print(f"warning: {exc}", file=sys.stderr)


def run(port: int, host: str, base: str, directory: Path, verbose: bool) -> int:
    """Serve `directory` at http://host:port{base} until SIGTERM or Ctrl-C; returns the exit status."""
    nginx = nginx_binary()
    conf_text = CONF.read_text()
    _warn_if_stale(conf_text)
    directory = directory.resolve()
    tmp = Path(tempfile.mkdtemp(prefix="switchboard-nginx-"))
    tmp.chmod(0o755)  # workers may run as another user and must reach the sub-path link
    try:
        root = directory
        if base != "/":
            root = tmp / "www"
            link = root / base.strip("/")
            link.parent.mkdir(parents=True)
            link.symlink_to(directory, target_is_directory=True)
        site = tmp / "switchboard.conf"
        site.write_text(site_config(conf_text, host, port, root))
        main_conf = tmp / "nginx.conf"
        main_conf.write_text(main_config(tmp, site, conf_text, directory, verbose))
        proc = subprocess.Popen([nginx, "-e", "stderr", "-p", str(tmp), "-c", str(main_conf)],
                                preexec_fn=_die_with_parent, start_new_session=True)
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True
            if proc.poll() is None:
                proc.send_signal(signal.SIGQUIT if signum == signal.SIGHUP else signal.SIGTERM)

        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, stop)
        if _wait_listening(host, port, proc):
            print(f"Switchboard is at http://{host}:{port}{base}  (nginx with {CONF.name}; Ctrl-C stops)",
                  flush=True)
        try:
            code = proc.wait()
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if stopping:
            return 0
        print(f"nginx exited with status {code}", file=sys.stderr)
        return code or 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
