"""The browsers' only way out: a proxy on loopback that tunnels provider hosts to the mock and refuses the rest.

Firefox and WebKit send every request for a non-loopback host here (Firefox by its proxy prefs, WebKit's
MiniBrowser by `--proxy`); loopback goes direct. A `CONNECT` to a real provider host on port 443 is
tunnelled to the mock's TLS port, so the app calls the real provider URLs, CORS and CSP included, as
Chromium's `--host-resolver-rules` make it do in tests/browser. Anything else is answered 403, never
forwarded, and recorded in `refused`: the tests fail on any entry there, which catches the browser's own
background traffic as well as the page's.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from collections.abc import Mapping

HEAD_LIMIT = 64 * 1024
IDLE = 60.0  # seconds a tunnel may stay silent before it is closed


class LoopbackProxy:
    def __init__(self, tunnels: Mapping[str, int]) -> None:
        self._tunnels = dict(tunnels)  # host -> loopback port it is tunnelled to
        self._lock = threading.Lock()
        self._seen: list[str] = []
        self._refused: list[str] = []
        self._conns: set[socket.socket] = set()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.5)
        self.port: int = self._sock.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="loopback-proxy", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def seen(self) -> list[str]:
        """Every request line received, oldest first."""
        with self._lock:
            return list(self._seen)

    @property
    def refused(self) -> list[str]:
        """Request lines that were not a CONNECT to a mapped provider host (never forwarded)."""
        with self._lock:
            return list(self._refused)

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()
            self._refused.clear()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        self._sock.close()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with self._lock:
            self._conns.add(conn)
        try:
            conn.settimeout(10)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < HEAD_LIMIT:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                head += chunk
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            with self._lock:
                self._seen.append(line)
            target = self._tunnel_port(line)
            if target is None:
                with self._lock:
                    self._refused.append(line)
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            upstream = socket.create_connection(("127.0.0.1", target), 5)
            with self._lock:
                self._conns.add(upstream)
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self._pipe(conn, upstream)
        except OSError:
            pass
        finally:
            with self._lock:
                self._conns.discard(conn)
            conn.close()

    def _tunnel_port(self, line: str) -> int | None:
        parts = line.split()
        if len(parts) != 3 or parts[0] != "CONNECT":
            return None
        host, _, port = parts[1].rpartition(":")
        return self._tunnels.get(host) if port == "443" else None

    def _pipe(self, client: socket.socket, upstream: socket.socket) -> None:
        try:
            while not self._stopping.is_set():
                ready, _, _ = select.select([client, upstream], [], [], IDLE)
                if not ready:
                    return
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
        finally:
            with self._lock:
                self._conns.discard(upstream)
            upstream.close()
