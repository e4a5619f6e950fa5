"""The network ledger: every request this page made in this session, what made it, and whether it was allowed.

Requests enter two ways. `LoggingTransport` wraps the app's Transport, so every request Switchboard's
code sends is logged with its cause (set by the caller with `cause(...)`, a context variable that the
answer tasks inherit). The browser's own record of every fetch (Resource Timing) is fed in too, so a
request that did not go through our transport still shows, flagged. Nothing here keeps a header or a
body, and every query value that is not known to be harmless is masked before it is stored.

    caller ──cause("answer")──> LoggingTransport.send ──> Transport.send
                                      │ Ledger.start / finish
    Resource Timing ──────────────────┴──> Ledger.seen (matched to a logged request, else flagged)
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field, replace
from typing import Literal, TypeAlias
from urllib.parse import parse_qsl, urlsplit

from .http import HttpRequest, HttpResponse, Transport

Cause: TypeAlias = Literal["answer", "model list", "key test", "price refresh", "app file", "other"]
_CAUSE: ContextVar[Cause] = ContextVar("switchboard_request_cause", default="other")
SAFE_QUERY = frozenset({"alt", "api-version", "stream", "limit", "page", "pagesize", "after", "before"})
MAX_ENTRIES = 5000  # a session's ledger is bounded: the oldest entries go first
MATCH_WINDOW = 5.0  # seconds between our transport's start and the browser's record of the same fetch


@contextlib.contextmanager
def cause(what: Cause) -> Iterator[None]:
    """Requests sent inside this block (and by tasks started in it) are logged as made by ``what``."""
    token = _CAUSE.set(what)
    try:
        yield
    finally:
        _CAUSE.reset(token)


def masked(url: str) -> tuple[str, str, str]:
    """(origin, host, path with every query value masked unless known harmless) of url."""
    parts = urlsplit(url)
    query = "&".join(f"{name}={value if name.lower() in SAFE_QUERY else '…'}"
                     for name, value in parse_qsl(parts.query, keep_blank_values=True))
    path = (parts.path or "/") + (f"?{query}" if query else "")
    return origin(url), (parts.hostname or "").lower(), path


def origin(url: str) -> str:
    """scheme://host[:port] of url as a browser writes it (lower-case, no user name, no default port), so
    what is logged here matches the browser's own records of it; '' when it has none."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:  # a malformed port
        return ""
    if not parts.scheme or not host:
        return ""
    scheme = parts.scheme.lower()
    name = f"[{host}]" if ":" in host else host  # hostname is lower-case already
    return f"{scheme}://{name}" + ("" if port is None or port == {"http": 80, "https": 443}.get(scheme) else f":{port}")


# --- the page's Content-Security-Policy, as far as connect-src goes ---------------------------------------


def directive(policy: str, name: str) -> list[str]:
    """The sources of one directive of a CSP text; [] when it is absent."""
    for part in policy.split(";"):
        words = part.split()
        if words and words[0].lower() == name:
            return words[1:]
    return []


def allows(sources: Sequence[str], url: str, page_origin: str) -> bool:
    """Whether a connect-src list lets this page reach url (CSP Level 3 source matching, the parts we use)."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port or {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(scheme)
    for source in sources:
        source = source.strip().lower()
        if source == "'self'":
            if url.lower().startswith(page_origin.lower() + "/") or f"{scheme}://{parts.netloc}" == page_origin:
                return True
            continue
        if source == "*":
            return scheme in ("http", "https", "ws", "wss")
        if source.endswith(":") and "/" not in source:  # a scheme source, e.g. https:
            if scheme == source[:-1]:
                return True
            continue
        if "://" in source:
            want_scheme, _, rest = source.partition("://")
            if want_scheme != scheme and not (want_scheme == "http" and scheme == "https"):
                continue
        else:
            rest = source
        rest = rest.split("/", 1)[0]
        want_host, _, want_port = rest.partition(":")
        if want_host.startswith("*."):
            if not host.endswith(want_host[1:]):
                continue
        elif want_host != host:
            continue
        if want_port == "*" or (want_port and want_port.isdigit() and int(want_port) == port) or (
                not want_port and port == {"http": 80, "https": 443}.get(scheme)):
            return True
    return False


def allowed_hosts(sources: Sequence[str], page_origin: str) -> list[str]:
    """The connect-src sources in words, e.g. ["this site (https://example.org)", "api.openai.com", …]."""
    words = []
    for source in sources:
        if source == "'self'":
            words.append(f"this site ({page_origin})")
        elif source.startswith("'"):
            continue
        else:
            words.append(source.removeprefix("https://").replace(":*", " (any port)"))
    return words


# --- the ledger ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One request: no header, no body; query values masked; ``flags`` say what is wrong with it, in words."""

    number: int
    at: float  # Unix seconds when it started
    method: str
    origin: str
    host: str
    path: str
    cause: Cause
    ours: bool  # sent through Switchboard's transport (False: only the browser's record has it)
    status: int | None = None
    received: int | None = None  # body bytes, as far as they are known
    sent: int | None = None
    duration: float | None = None  # seconds
    error: str | None = None
    note: str = ""  # e.g. why the transport sent it, when the caller did not ask for it
    flags: tuple[str, ...] = field(default=())


class Ledger:
    """This session's requests, in order; views subscribe."""

    def __init__(self, connect_src: Sequence[str] = (), page_origin: str = "",
                 now: Callable[[], float] = time.time) -> None:
        self.connect_src = list(connect_src)
        self.page_origin = page_origin
        self._now = now
        self._entries: dict[int, Entry] = {}
        self._seen: set[int] = set()  # ours, already matched to the browser's record
        self._count = 0
        self._listeners: list[Callable[[], None]] = []

    @property
    def entries(self) -> list[Entry]:
        return list(self._entries.values())

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()

    def _flags(self, url: str, ours: bool, what: Cause) -> tuple[str, ...]:
        flags = []
        if self.connect_src and not allows(self.connect_src, url, self.page_origin):
            flags.append("outside the hosts this page's policy allows")
        if not ours and what != "app file":
            flags.append("not made through Switchboard's transport")
        return tuple(flags)

    def _add(self, entry: Entry) -> Entry:
        self._entries[entry.number] = entry
        while len(self._entries) > MAX_ENTRIES:
            self._seen.discard(self._entries.pop(next(iter(self._entries))).number)
        self._changed()
        return entry

    def start(self, method: str, url: str, what: Cause | None = None, sent: int | None = None, note: str = "") -> int:
        """Log a request our transport is sending (by default for the cause the caller set); returns its
        number, for `finish`."""
        what = _CAUSE.get() if what is None else what
        self._count += 1
        origin, host, path = masked(url)
        self._add(Entry(self._count, self._now(), method, origin, host, path, what, True, sent=sent, note=note,
                        flags=self._flags(url, True, what)))
        return self._count

    def finish(self, number: int, *, status: int | None = None, received: int | None = None,
               duration: float | None = None, error: str | None = None) -> None:
        entry = self._entries.get(number)
        if entry is None:
            return
        changes = {k: v for k, v in (("status", status), ("received", received), ("duration", duration),
                                     ("error", error)) if v is not None}
        self._entries[number] = replace(entry, **changes)  # type: ignore[arg-type]
        self._changed()

    def seen(self, url: str, started: float, duration: float, size: int | None) -> None:
        """The browser's record of a fetch (Resource Timing): a request ours already logged is matched and
        left alone; any other is added, flagged unless it is one of the app's own files."""
        origin, host, path = masked(url)
        for entry in reversed(self._entries.values()):
            if (entry.ours and entry.number not in self._seen and entry.origin == origin and entry.path == path
                    and abs(entry.at - started) <= MATCH_WINDOW):
                self._seen.add(entry.number)
                return
        # The app's own files (the runtime, packages loaded on demand) come from this site, whoever fetched them.
        what: Cause = "app file" if origin == self.page_origin.lower() else "other"
        self._count += 1
        self._add(Entry(self._count, started, "?", origin, host, path, what, False, received=size,
                        duration=duration, flags=self._flags(url, False, what)))

    def flagged(self) -> list[Entry]:
        return [entry for entry in self._entries.values() if entry.flags]

    def export(self) -> bytes:
        """The ledger as JSON: the entries as shown, nothing more."""
        document = {"format": "switchboard-network-ledger", "version": 1, "page": self.page_origin,
                    "connect_src": self.connect_src, "requests": [asdict(e) for e in self._entries.values()]}
        return json.dumps(document, indent=1, ensure_ascii=False).encode()


# --- the transport that logs ----------------------------------------------------------------------------------


class _LoggedResponse:
    """A response that counts the bytes read from it and logs its end."""

    def __init__(self, inner: HttpResponse, ledger: Ledger, number: int, started: float,
                 clock: Callable[[], float]) -> None:
        self._inner = inner
        self._ledger = ledger
        self._number = number
        self._started = started
        self._clock = clock
        self._received = 0
        self._done = False

    @property
    def status(self) -> int:
        return self._inner.status

    @property
    def headers(self) -> Mapping[str, str]:
        return self._inner.headers

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner.aiter_bytes():
                self._received += len(chunk)
                yield chunk
        finally:
            self._end()

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._end()

    def _end(self) -> None:
        if not self._done:
            self._done = True
            self._ledger.finish(self._number, received=self._received, duration=self._clock() - self._started)


class LoggingTransport:
    """A Transport that logs every request it sends in a Ledger, with the cause the caller set."""

    def __init__(self, inner: Transport, ledger: Ledger, clock: Callable[[], float] = time.monotonic) -> None:
        self._inner = inner
        self._ledger = ledger
        self._clock = clock

    async def send(self, request: HttpRequest) -> HttpResponse:
        number = self._ledger.start(request.method, request.url, sent=len(request.body or b""))
        started = self._clock()
        try:
            response = await self._inner.send(request)
        except BaseException as exc:
            self._ledger.finish(number, duration=self._clock() - started, error=_reason(exc))
            raise
        self._ledger.finish(number, status=response.status)
        return _LoggedResponse(response, self._ledger, number, started, self._clock)


def _reason(exc: BaseException) -> str:
    from .errors import ProviderError

    if isinstance(exc, ProviderError):
        return exc.kind
    return "stopped" if type(exc).__name__ == "CancelledError" else type(exc).__name__
