"""The HTTP and TLS listeners, the request log, and how response plans hit the wire.

Streams use chunked transfer encoding on purpose: a "drop" then really is a truncated body (the client
sees no terminating chunk), which a Connection: close stream could not express (Gemini's stream has no
end marker, so a cut would look like a normal end).
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import registry, tls
from .base import Call, Response, dumps
from .scenario import SCENARIOS, parse_name
from .text import MAX_REPLY_TEXT

MAX_BODY = 4 * 1024 * 1024  # larger request bodies get 413
MAX_LOGGED_BODY = 64 * 1024  # a log entry keeps at most this much of a non-JSON body
IDLE_TIMEOUT = 30.0  # seconds an idle keep-alive connection is kept
KEEPALIVE_EVERY = 1.0  # seconds between keep-alive comments while a slow first token is awaited
LOOPBACK = ("127.0.0.1", "::1", "localhost")
# `/mock-redirect[-NNN]/<path>`, on any host: every request but a preflight gets NNN (default 307) to
# https://<another provider host>/mock-redirected/<path>, with the provider's CORS headers, as a provider
# that moved, behind a CORS-aware proxy, would answer. A browser that follows it re-sends the request
# (and a key header) to that other host, which then shows up in the log.
REDIRECT = re.compile(r"/mock-redirect(?:-(30[12378]))?(/.*)\Z")
REDIRECT_HOSTS = ("api.anthropic.com", "api.openai.com")  # the first that is not the request's own host


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SwitchboardMock/1.0"
    timeout = IDLE_TIMEOUT
    server: _Server

    def setup(self) -> None:
        self.server.track(self.request, True)
        if self.server.ssl_context is not None:
            # The handshake happens here, in the connection's own thread, so a slow or failing client
            # never blocks the accept loop.
            self.request.settimeout(self.timeout)
            self.request = self.server.ssl_context.wrap_socket(self.request, server_side=True)
        super().setup()

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.track(self.request, False)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # the request log replaces stderr noise
        pass

    def do_GET(self) -> None:
        self.serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # ---- request -----------------------------------------------------------------------------------
    def serve(self) -> None:
        mock = self.server.mock
        url = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return self.plain(411, {"error": "chunked request bodies are not supported; send Content-Length"})
        try:
            length = int(headers.get("content-length") or 0)
        except ValueError:
            return self.plain(400, {"error": "bad Content-Length"})
        if length > MAX_BODY:
            self.close_connection = True
            return self.plain(413, {"error": f"request body over {MAX_BODY} bytes"})
        raw = self.rfile.read(length) if length > 0 else b""
        if url.path.startswith("/__mock/"):
            return self.control(url.path, raw)
        provider, path = registry.select(headers.get("host", ""), url.path, headers)
        query = dict(parse_qsl(url.query))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        entry = mock.log_request(
            self.server.kind, self.command, url.path, url.query, headers, raw, body, provider.name
        )
        self.entry = entry
        if self.command == "OPTIONS":
            return self.preflight(provider, headers, entry)
        if moved := REDIRECT.match(url.path):
            return self.redirect(provider, headers, entry, int(moved.group(1) or 307), moved.group(2))
        origin = headers.get("origin")
        if not provider.cors.origin_allowed(origin, mock.ollama_origins):
            entry["status"] = 403  # gin-contrib/cors: a disallowed origin is refused outright
            return self.send(
                Response(status=403, body=b"", content_type="text/plain", cors=False), provider, None
            )
        call = Call(provider.name, self.command, path, query, headers, body, raw, entry["seq"], mock.scenario,
                    reply_text=mock.reply_text)
        if self.command == "HEAD":
            call.method = "GET"
        resp = provider.protocol.handle(call)
        entry["status"] = resp.status
        entry["scenario"] = call.scenario.name
        if resp.reply is not None:
            entry["reply"] = resp.reply.summary()
        self.send(resp, provider, call)

    def preflight(self, provider: registry.Provider, headers: dict[str, str], entry: dict[str, Any]) -> None:
        status, cors_headers, refused = provider.cors.preflight(
            headers.get("origin"),
            headers.get("access-control-request-headers", ""),
            self.server.mock.ollama_origins,
        )
        entry.update(preflight=True, status=status, refused_headers=refused)
        self.send_response(status)
        for k, v in cors_headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def redirect(
        self, provider: registry.Provider, headers: dict[str, str], entry: dict[str, Any], status: int, rest: str
    ) -> None:
        here = headers.get("host", "").split(":")[0]
        target = next(host for host in REDIRECT_HOSTS if host != here)
        location = f"https://{target}/mock-redirected{rest}"
        entry.update(status=status, redirect=location)
        self.send_response(status)
        for k, v in {**provider.cors.response_headers(headers.get("origin")), "Location": location}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", "0")
        self.end_headers()

    # ---- response ----------------------------------------------------------------------------------
    def head(
        self, resp: Response, provider: registry.Provider | None, call: Call | None, streamed: bool
    ) -> None:
        self.send_response(resp.status)
        headers = (
            dict(provider.cors.response_headers(call.origin if call else None))
            if (provider and resp.cors)
            else {}
        )
        headers.update(resp.headers)
        headers["Content-Type"] = resp.content_type
        if streamed:
            headers.update({"Transfer-Encoding": "chunked", "Cache-Control": "no-cache"})
        else:
            headers["Content-Length"] = str(len(resp.body))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()

    def send(self, resp: Response, provider: registry.Provider | None, call: Call | None) -> None:
        # Stream scenarios (slow, drop, stall, mid-stream error) apply to successful chat answers only.
        scenario = call.scenario if (call and resp.reply is not None and resp.status == 200) else None
        name = scenario.name if scenario else "ok"
        slow = 0.0
        if scenario and name == "slow":
            slow = scenario.arg if scenario.arg is not None else self.server.mock.slow_first_token
        try:
            if self.command == "HEAD":  # headers only, whatever the body would have been
                self.head(resp, provider, call, streamed=False)
            elif resp.frames is None:
                self.send_body(resp, provider, call, name, slow)
            else:
                self.send_stream(resp, provider, call, name, slow)
        except (OSError, ssl.SSLError):
            self.close_connection = True  # the client went away: nothing left to do
            self._outcome("client went away")
        else:
            self._outcome("cut" if name in ("drop", "stall") else "sent")

    def _outcome(self, what: str) -> None:
        """Log how the answer ended, so tests can see an aborted fetch from the server's side."""
        entry = getattr(self, "entry", None)
        if entry is not None:
            entry["outcome"] = what
            entry["finished"] = time.time()  # the last byte written (or the cut): for benchmarks

    def send_body(
        self, resp: Response, provider: registry.Provider | None, call: Call | None, name: str, slow: float
    ) -> None:
        mock = self.server.mock
        if slow:
            mock.wait(slow)
        self.head(resp, provider, call, streamed=False)
        if name in ("drop", "stall"):  # half the body, then a cut (or silence, then a cut)
            self.wfile.write(resp.body[: len(resp.body) // 2])
            if name == "stall":
                mock.wait(mock.stall_max)
            return self.abort()
        self.wfile.write(resp.body)

    def send_stream(
        self, resp: Response, provider: registry.Provider | None, call: Call | None, name: str, slow: float
    ) -> None:
        mock = self.server.mock
        frames = resp.frames or []
        self.head(resp, provider, call, streamed=True)
        for frame in resp.prelude:
            self.chunk(frame)
        if slow:
            self.slow_start(slow, resp.keepalive)
        # Misbehaving streams stop halfway: some content has arrived, the end has not.
        cut = max(1, len(frames) // 2) if name in ("midstream-error", "drop", "stall") else len(frames)
        # Paced by the clock, not by sleeping pace after each write: a write or a wake-up that runs late
        # does not slow the rest, so the stream keeps 1/pace chunks per second (a benchmark's rate).
        due = time.monotonic()
        for i, frame in enumerate(frames[:cut]):
            if i and mock.pace:
                due += mock.pace
                mock.wait(due - time.monotonic())
            else:
                due = time.monotonic()
            self.chunk(frame)
        if name in ("drop", "stall"):
            if name == "stall":
                mock.wait(mock.stall_max)
            return self.abort()
        if name == "midstream-error":
            for frame in resp.error_frames + resp.trailer:
                self.chunk(frame)
        self.wfile.write(b"0\r\n\r\n")  # the terminating chunk: a clean end of body

    def slow_start(self, seconds: float, keepalive: bytes | None) -> None:
        mock = self.server.mock
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0 and not mock.stopping.is_set():
            mock.wait(min(left, KEEPALIVE_EVERY))
            if keepalive and deadline - time.monotonic() > 0:
                self.chunk(keepalive)

    def chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def abort(self) -> None:
        """Cut the connection without finishing the body (no terminating chunk, no TLS close_notify)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def plain(self, status: int, obj: Any) -> None:
        self.send(Response(status=status, body=dumps(obj).encode(), cors=False), None, None)

    # ---- control endpoints (/__mock/...) -----------------------------------------------------------
    def control(self, path: str, raw: bytes) -> None:
        mock = self.server.mock
        cors = {
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Headers": "content-type",
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        }
        if self.command == "OPTIONS":
            return self.send(Response(status=204, headers=cors, content_type="text/plain"), None, None)
        status, out = 200, None
        if path == "/__mock/requests":
            out = mock.requests
        elif path == "/__mock/reset" and self.command == "POST":
            mock.clear()
            out = {"ok": True}
        elif path == "/__mock/config":
            if self.command == "POST":
                try:
                    mock.configure(**json.loads(raw or b"{}"))
                except (TypeError, ValueError) as exc:
                    status = 400
                    out = {"error": str(exc)}
            out = out or mock.config()
        elif path == "/__mock/health":
            out = {"ok": True}
        else:
            status, out = 404, {"error": "unknown control endpoint"}
        self.send(Response(status=status, body=dumps(out).encode(), headers=cors), None, None)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stalled stream must never keep the process alive
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], mock: MockProviders, kind: str, ctx: ssl.SSLContext | None):
        self.mock, self.kind, self.ssl_context = mock, kind, ctx
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(addr, Handler)

    def track(self, sock: socket.socket, add: bool) -> None:
        with self._conns_lock:
            (self._conns.add if add else self._conns.discard)(sock)

    def close_all(self) -> None:
        with self._conns_lock:
            conns, self._conns = list(self._conns), set()
        for sock in conns:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, OSError)):
            return  # clients closing early, failed handshakes: normal for a test server
        self.mock.errors.append(repr(exc))
        super().handle_error(request, client_address)


class MockProviders:
    """Every provider protocol on loopback: a plain HTTP port and one TLS port for all real host names.

    >>> with MockProviders(pace=0.0) as mock:
    ...     base = mock.base_url("openai")  # http://127.0.0.1:PORT/openai/v1
    """

    def __init__(
        self,
        pace: float = 0.0,
        port: int = 0,
        tls_port: int | None = 0,
        host: str = "127.0.0.1",
        scenario: str = "ok",
        slow_first_token: float = 2.0,
        stall_max: float = 30.0,
        ollama_origins: tuple[str, ...] | list[str] = (),
        max_log: int = 1000,
        cert_dir: str | None = None,
        on_request: Callable[[dict[str, Any]], None] | None = None,
        reply_text: str | None = None,
    ):
        if host not in LOOPBACK and not host.startswith("127."):
            raise ValueError(f"the mock listens on loopback only, not {host!r}")
        self.host, self.port, self.tls_port_wanted, self.cert_dir = host, port, tls_port, cert_dir
        self.on_request = on_request
        self.errors: deque[str] = deque(maxlen=100)
        self.stopping = threading.Event()
        self._log: deque[dict[str, Any]] = deque(maxlen=max_log)
        self._lock = threading.Lock()
        self._seq = 0
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self.cert_path: str | None = None
        self.pace = self.slow_first_token = self.stall_max = 0.0
        self.scenario = "ok"
        self.reply_text: str | None = None
        self.ollama_origins: tuple[str, ...] = ()
        self.configure(
            pace=pace,
            scenario=scenario,
            slow_first_token=slow_first_token,
            stall_max=stall_max,
            ollama_origins=ollama_origins,
            reply_text=reply_text,
        )

    # ---- settings (may change while running, e.g. from /__mock/config) ------------------------------
    def configure(self, **settings: Any) -> None:
        for name, value in settings.items():
            if name in ("pace", "slow_first_token", "stall_max"):
                value = float(value)
                if not 0 <= value <= 600:
                    raise ValueError(f"{name} must be between 0 and 600 seconds")
            elif name == "scenario":
                if parse_name(str(value)) is None:
                    raise ValueError(f"unknown scenario {value!r}; known: {', '.join(SCENARIOS)}")
            elif name == "ollama_origins":
                value = tuple(str(v) for v in value)
            elif name == "reply_text":  # every chat answer is exactly this text (None or "": normal replies)
                if value is not None and not isinstance(value, str):
                    raise ValueError("reply_text must be a string or None")
                if value and len(value) > MAX_REPLY_TEXT:
                    raise ValueError(f"reply_text is over {MAX_REPLY_TEXT} characters")
                value = value or None
            else:
                raise TypeError(f"unknown setting {name!r}")
            setattr(self, name, value)

    def config(self) -> dict[str, Any]:
        return {
            "pace": self.pace,
            "scenario": self.scenario,
            "slow_first_token": self.slow_first_token,
            "stall_max": self.stall_max,
            "ollama_origins": list(self.ollama_origins),
            "reply_text": self.reply_text,
        }

    def wait(self, seconds: float) -> None:
        """Sleep, but wake at once when the server stops (stalls and paces never delay shutdown)."""
        self.stopping.wait(max(0.0, seconds))

    # ---- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> MockProviders:
        self.stopping.clear()
        self._serve(_Server((self.host, self.port), self, "http", None))
        if self.tls_port_wanted is not None:
            cert, key = tls.ensure_cert(registry.TLS_HOSTS, self.cert_dir)
            self.cert_path = str(cert)
            self._serve(
                _Server((self.host, self.tls_port_wanted), self, "https", tls.server_context(cert, key))
            )
        return self

    def _serve(self, server: _Server) -> None:
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"mock-{server.kind}",
            daemon=True,
        )
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)

    def stop(self) -> None:
        self.stopping.set()
        for server in self._servers:
            server.shutdown()
            server.close_all()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []

    def __enter__(self) -> MockProviders:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- addresses ---------------------------------------------------------------------------------
    @property
    def http_port(self) -> int:
        return self._servers[0].server_address[1]

    @property
    def https_port(self) -> int | None:
        return self._servers[1].server_address[1] if len(self._servers) > 1 else None

    @property
    def http_url(self) -> str:
        return f"http://{self._netloc(self.http_port)}"

    @property
    def https_url(self) -> str | None:
        return f"https://{self._netloc(self.https_port)}" if self.https_port else None

    def _netloc(self, port: int | None) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{port}"

    def base_url(self, provider: str) -> str:
        """Plain-HTTP base URL that selects `provider` by path prefix, e.g. http://127.0.0.1:P/groq/openai/v1."""
        p = registry.PROVIDERS[provider]
        return f"{self.http_url}/{p.name}{p.base}"

    @staticmethod
    def real_base_url(provider: str) -> str:
        """The provider's real base URL: what a browser mapped with host-resolver-rules uses."""
        p = registry.PROVIDERS[provider]
        if not p.hosts:
            raise ValueError(f"{provider} has no real host; use base_url()")
        scheme = "http" if p.name == "ollama" else "https"
        port = ":11434" if p.name == "ollama" else ""
        return f"{scheme}://{p.hosts[0]}{port}{p.base}"

    @property
    def host_resolver_rules(self) -> str:
        """Value for Chromium's --host-resolver-rules: every real provider host to the TLS port."""
        return ", ".join(f"MAP {h} {self._netloc(self.https_port)}" for h in registry.TLS_HOSTS)

    @property
    def chromium_args(self) -> list[str]:
        return [f"--host-resolver-rules={self.host_resolver_rules}", "--ignore-certificate-errors"]

    # ---- request log -------------------------------------------------------------------------------
    def log_request(
        self,
        kind: str,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        raw: bytes,
        body: Any,
        provider: str,
    ) -> dict[str, Any]:
        with self._lock:
            self._seq += 1
            entry: dict[str, Any] = {
                "seq": self._seq,
                "time": time.time(),
                "port": kind,
                "provider": provider,
                "method": method,
                "path": path,
                "query": query,
                "headers": headers,
                "body": body if body is not None else raw[:MAX_LOGGED_BODY].decode("utf-8", "replace"),
                "preflight": False,
                "status": None,
                "scenario": None,
            }
            self._log.append(entry)
        if self.on_request:
            self.on_request(entry)
        return entry

    @property
    def requests(self) -> list[dict[str, Any]]:
        """A snapshot of the log (oldest first): method, path, headers, body, preflight, status, reply..."""
        with self._lock:
            return [dict(e) for e in self._log]

    def clear(self) -> None:
        with self._lock:
            self._log.clear()

    def last(self, provider: str | None = None, preflight: bool = False) -> dict[str, Any]:
        for entry in reversed(self.requests):
            if (provider is None or entry["provider"] == provider) and entry["preflight"] == preflight:
                return entry
        raise LookupError(f"no request logged for {provider or 'any provider'}")
