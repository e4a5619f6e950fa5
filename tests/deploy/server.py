"""`scripts/serve.py --nginx` as the tests run it: a child process on a free loopback port."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "dist"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), 0.2).close()
    except OSError:
        return False
    return True


class NginxServer:
    """`python3 scripts/serve.py --nginx --no-build --port N [--base B]`, started and stopped by the test."""

    def __init__(self, base: str = "/", directory: Path | None = None) -> None:
        self.port = free_port()
        self.base = base
        cmd = [sys.executable, str(ROOT / "scripts" / "serve.py"), "--nginx", "--no-build",
               "--port", str(self.port), "--base", base]
        if directory is not None:
            cmd += ["--dir", str(directory)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.banner = self._wait_banner()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base}"

    def _wait_banner(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # serve.py prints the URL once nginx listens, or exits
        if not line or not listening(self.port):
            self.stop()
            raise RuntimeError(f"serve.py --nginx did not start: {line!r} {self.stderr()}")
        return line.strip()

    def nginx_pid(self) -> int:
        """The nginx master: the one child of serve.py."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        assert len(children) == 1, children
        return int(children[0])

    def nginx_prefix(self) -> Path:
        """The runner's temporary directory (nginx's -p), from the master's command line."""
        args = Path(f"/proc/{self.nginx_pid()}/cmdline").read_text().replace("\0", " ").split()  # retitled
        return Path(args[args.index("-p") + 1])

    def stderr(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return ""
        return self.proc.stderr.read()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def __enter__(self) -> NginxServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
