"""The production nginx.conf, run by Debian's nginx through `scripts/serve.py --nginx`: every header,
MIME type, compression and cache rule on the paths that matter, a sub-path, and clean stops.

The Docker image runs this same file (as /etc/nginx/conf.d/default.conf); there is no Docker engine
here, so the file is checked as shipped with `nginx -t` and served by Debian's nginx.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from scripts import nginx_serve
from scripts.buildlib import csp

from tests.deploy.server import ROOT, NginxServer, listening

NGINX_CONF = ROOT / "nginx.conf"
IMMUTABLE = "public, max-age=31536000, immutable"
RUNTIME = "public, max-age=3600, must-revalidate"
SECURITY = {name.lower(): value for name, value in csp.security_headers().items()}


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()



@pytest.fixture(scope="module")
def server(dist: Path) -> Iterator[NginxServer]:
    with NginxServer() as running:
        yield running


def app_wheel(dist: Path) -> str:
    lock = json.loads((dist / "pyodide" / "pyodide-lock.json").read_text())
    return str(lock["packages"]["switchboard"]["file_name"])


def snapshot_file(dist: Path) -> str:
    return next(p.name for p in sorted((dist / "pyodide").glob("snapshot-*.bin")))


def paths(dist: Path) -> dict[str, tuple[int, str, str]]:
    """path -> (status, content type, cache-control)."""
    return {
        "": (200, "text/html", "no-cache"),
        "index.html": (200, "text/html", "no-cache"),
        "boot.js": (200, "application/javascript", "no-cache"),
        "build.json": (200, "application/json", "no-cache"),
        "sw.js": (200, "application/javascript", "no-cache"),
        "sw-register.js": (200, "application/javascript", "no-cache"),
        "icon.svg": (200, "image/svg+xml", "no-cache"),
        "pyodide/boot.mjs": (200, "text/javascript", "no-cache"),
        "pyodide/pyodide-lock.json": (200, "application/json", "no-cache"),
        "pyodide/pyodide.mjs": (200, "text/javascript", RUNTIME),
        "pyodide/pyodide.asm.wasm": (200, "application/wasm", RUNTIME),
        "pyodide/python_stdlib.zip": (200, "application/zip", RUNTIME),
        "pyodide/snapshot.mjs": (200, "text/javascript", "no-cache"),
        f"pyodide/{snapshot_file(dist)}": (200, "application/octet-stream", IMMUTABLE),
        f"pyodide/{app_wheel(dist)}": (200, "application/octet-stream", IMMUTABLE),
        # Errors are never kept: a file a deploy has not uploaded yet must load once it has.
        "no-such-file": (404, "text/html", "no-store"),
        "pyodide/no-such-module.mjs": (404, "text/html", "no-store"),
        "pyodide/switchboard-0.0.0+gnotyet-py3-none-any.whl": (404, "text/html", "no-store"),
        "pyodide/snapshot-0000000000000000.bin": (404, "text/html", "no-store"),
    }


def test_every_response_has_the_security_headers_mime_type_and_cache_rule(server: NginxServer, dist: Path) -> None:
    problems = []
    for path, (status, mime, cache) in paths(dist).items():
        code, headers, _ = get(server.url + path)
        got = {name: headers.get(name) for name in SECURITY}
        if code != status or got != SECURITY:
            problems.append((path, code, {k: v for k, v in got.items() if v != SECURITY[k]}))
        if not headers.get("content-type", "").startswith(mime) or headers.get("cache-control") != cache:
            problems.append((path, headers.get("content-type"), headers.get("cache-control")))
        policy = headers.get("permissions-policy", "")
        if not {"camera=()", "microphone=()", "geolocation=()"} <= set(re.split(r",\s*", policy)):
            problems.append((path, "permissions-policy", policy))
    assert not problems, problems


def test_the_csp_header_is_the_generated_one_with_frame_ancestors(server: NginxServer) -> None:
    _, headers, body = get(server.url)
    header = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in header
    connect = re.search(r"connect-src ([^;]+)", header)
    assert connect and set(csp.provider_origins()) | {"'self'", *csp.LOCAL_MODELS} <= set(connect.group(1).split())
    # index.html carries the same policy minus frame-ancestors, for hosts that cannot set headers.
    meta = re.search(rb'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', body)
    assert meta and meta.group(1).decode() == csp.meta_policy()


@pytest.mark.parametrize("path", ["pyodide/pyodide.asm.wasm", "pyodide/pyodide.asm.mjs", "pyodide/pyodide-lock.json",
                                  "boot.js", "index.html"])
def test_text_and_wasm_are_gzipped_on_request(server: NginxServer, dist: Path, path: str) -> None:
    code, headers, body = get(server.url + path, **{"Accept-Encoding": "gzip"})
    assert code == 200 and headers.get("content-encoding") == "gzip", headers
    assert "Accept-Encoding" in headers.get("vary", "")
    assert gzip.decompress(body) == (dist / path).read_bytes()
    _, plain, raw = get(server.url + path)
    assert "content-encoding" not in plain and raw == (dist / path).read_bytes()


def test_brotli_where_the_module_exists(server: NginxServer) -> None:
    if not nginx_serve.BROTLI_MODULE.exists():
        pytest.skip("no brotli module (apt-get install libnginx-mod-http-brotli-filter)")
    _, headers, _ = get(server.url + "pyodide/pyodide.asm.wasm", **{"Accept-Encoding": "br, gzip"})
    assert headers.get("content-encoding") == "br"


def test_compressed_files_are_not_compressed_again(server: NginxServer, dist: Path) -> None:
    for path in ("pyodide/python_stdlib.zip", f"pyodide/{app_wheel(dist)}"):
        _, headers, _ = get(server.url + path, **{"Accept-Encoding": "gzip"})
        assert "content-encoding" not in headers, path


def test_unchanged_runtime_files_revalidate_with_304(server: NginxServer) -> None:
    url = server.url + "pyodide/pyodide.asm.wasm"
    _, headers, _ = get(url)
    code, again, body = get(url, **{"If-None-Match": headers["etag"]})
    assert code == 304 and body == b""
    assert again.get("content-security-policy") == SECURITY["content-security-policy"]


def test_the_saved_copy_downloads_instead_of_running_under_the_site_policy(server: NginxServer, dist: Path) -> None:
    if not (dist / "switchboard.html").exists():
        pytest.skip("this build has no saved copy")
    code, headers, _ = get(server.url + "switchboard.html")
    assert code == 200 and headers.get("content-disposition") == 'attachment; filename="switchboard.html"'
    assert headers.get("content-security-policy") == SECURITY["content-security-policy"]
    _, index, _ = get(server.url)
    assert "content-disposition" not in index


def test_server_does_not_advertise_its_version(server: NginxServer) -> None:
    _, headers, _ = get(server.url)
    assert headers.get("server") == "nginx"


def test_sub_path_serves_the_app_there_and_nothing_at_the_root(dist: Path) -> None:
    with NginxServer(base="/switchboard/") as sub:
        code, headers, body = get(sub.url)
        assert code == 200 and b"<title>Switchboard</title>" in body
        assert headers.get("content-security-policy") == SECURITY["content-security-policy"]
        _, wasm, _ = get(sub.url + "pyodide/pyodide.asm.wasm")
        assert wasm["content-type"] == "application/wasm" and wasm["cache-control"] == RUNTIME
        code, _, _ = get(f"http://127.0.0.1:{sub.port}/index.html")
        assert code == 404


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_nginx_with_the_runner(dist: Path, sig: signal.Signals) -> None:
    with NginxServer() as runner:  # stops it even when an assertion fails first
        master, prefix = runner.nginx_pid(), runner.nginx_prefix()
        assert prefix.is_dir()
        assert runner.stop(sig) == 0
    assert not listening(runner.port)
    assert not Path(f"/proc/{master}").exists() or _zombie(master)
    assert not prefix.exists(), "the runner left its temporary directory behind"


def test_nginx_dies_with_a_killed_runner(dist: Path) -> None:
    with NginxServer() as runner:
        master, prefix = runner.nginx_pid(), runner.nginx_prefix()
        runner.stop(signal.SIGKILL)
        shutil.rmtree(prefix, ignore_errors=True)  # a killed runner cannot clean up after itself
    # nginx closes its port before its master process has finished exiting: wait for both.
    deadline = time.monotonic() + 10
    while (listening(runner.port) or _alive(master)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not listening(runner.port), "nginx outlived the runner that started it"
    assert not _alive(master), "nginx's master process outlived the runner that started it"


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (FileNotFoundError, IndexError):
        return True


def test_nginx_conf_as_shipped_passes_nginx_t(tmp_path: Path) -> None:
    """The file the Docker image installs, unmodified, inside a main config like the image's."""
    nginx = nginx_serve.nginx_binary()
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path / 'nginx.pid'};\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n include {nginx_serve.MIME_TYPES};\n default_type application/octet-stream;\n"
        f" include {NGINX_CONF};\n}}\n"
    )
    result = subprocess.run([nginx, "-t", "-q", "-e", "stderr", "-p", str(tmp_path), "-c", str(main)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "warn" not in result.stderr, result.stderr


def test_no_location_adds_headers_of_its_own() -> None:
    """An add_header inside a location drops every server-level one there (nginx inheritance)."""
    text = re.sub(r"#[^\n]*", "", NGINX_CONF.read_text())
    blocks = re.findall(r"^\s*location\b[^{]*\{[^}]*\}", text, re.MULTILINE)
    assert len(blocks) >= 4
    for block in blocks:
        assert "add_header" not in block, block
    assert "add_header Cache-Control $switchboard_cache_served always;" in text


def test_the_runner_changes_only_listen_and_root() -> None:
    shipped = NGINX_CONF.read_text()
    site = nginx_serve.site_config(shipped, "127.0.0.1", 8123, Path("/srv/app"))
    changed = [(a, b) for a, b in zip(shipped.splitlines(), site.splitlines(), strict=True) if a != b]
    assert changed == [("    listen 80;", "    listen 127.0.0.1:8123;"),
                       ("    root /usr/share/nginx/html;", '    root "/srv/app";')]
