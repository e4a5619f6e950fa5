"""`scripts/verify.py`: a copy served by the project's nginx is this build; one changed byte is named."""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from scripts import verify

from tests.deploy.server import NginxServer


@pytest.fixture
def copy(dist: Path, tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(dist, site)
    return site


def flip(path: Path, offset: int = 100) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_copy_served_by_nginx_matches_and_one_changed_byte_is_named(
        dist: Path, copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with NginxServer(base="/switchboard/", directory=copy) as server:
        assert verify.main([server.url, "--dist", str(dist)]) == 0
        out = capsys.readouterr().out
        assert f"all {len(verify.build_files(dist)) + 1} files match" in out  # and the address itself
        assert f"deployed build {verify.build_id(dist)}" in out
        flip(copy / "sw-register.js")
        (copy / "pyodide" / "mdurl-0.1.2-py3-none-any.whl").unlink()
        assert verify.main([server.url.rstrip("/"), "--dist", str(dist)]) == 1  # the trailing slash is optional
    out = capsys.readouterr().out
    differing = [line for line in out.splitlines() if line.startswith("DIFFERS")]
    assert len(differing) == 2, out
    assert differing[0].startswith("DIFFERS  pyodide/mdurl-0.1.2-py3-none-any.whl: missing from the deployed copy")
    local = verify.sha256((dist / "sw-register.js").read_bytes())
    assert differing[1].startswith(f"DIFFERS  sw-register.js: local sha256 {local}")
    assert "2 of" in out and "this copy is not this build" in out


def test_a_saved_one_file_copy_is_compared_whole(dist: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "switchboard (1).html"
    shutil.copy(dist / "switchboard.html", saved)
    assert verify.main([str(saved), "--dist", str(dist)]) == 0
    flip(saved, 5000)
    assert verify.main([str(saved), "--dist", str(dist)]) == 1
    assert "DIFFERS  switchboard (1).html: sha256" in capsys.readouterr().out


def test_what_is_not_a_copy_is_refused_plainly(dist: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert verify.main([str(tmp_path / "nothing.html"), "--dist", str(dist)]) == 2
    assert verify.main(["ftp://example.org/", "--dist", str(dist)]) == 2
    assert verify.main([str(dist / "switchboard.html"), "--dist", str(tmp_path)]) == 2
    assert "is not a build" in capsys.readouterr().err


def test_without_a_build_given_it_builds_this_checkout_and_gets_the_same_bytes(
        dist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with NginxServer() as server:
        assert verify.main([server.url]) == 0  # the build is reproducible: a fresh one is dist/ to the byte
    assert f"local build {verify.build_id(dist)}" in capsys.readouterr().out


def test_the_address_itself_must_serve_this_builds_page(dist: Path, copy: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    # Every file matches, but the address users open serves another page (a cache on the way kept an old one).
    class OldPageAtTheAddress(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/":
                return super().do_GET()
            body = b"<!doctype html><title>Switchboard, the build before</title>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(OldPageAtTheAddress, directory=str(copy)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        assert verify.main([url, "--dist", str(dist)]) == 1
    finally:
        server.shutdown()
        server.server_close()
    out = capsys.readouterr().out
    assert f"DIFFERS  {url} (the address itself): local sha256" in out, out
    assert "1 of" in out
