"""What every provider adapter shares: metadata, error mapping, stream framing and JSON helpers."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol

from ..chat import ChatRequest, Completion, Event, Finish, FinishReason, Started, StreamError
from ..errors import (
    ErrorKind,
    ProviderError,
    error_from_info,
    make_error,
    read_error,
    read_error_body,
    web_page_lead,
    web_page_title,
)
from ..http import Headers, HttpRequest
from ..ndjson import NDJSONDecoder
from ..sse import SSEDecoder

# What untrusted JSON of an unexpected shape raises in the readers below: an invalid_response, not a crash.
_SHAPE_ERRORS = (ValueError, TypeError, KeyError, AttributeError, IndexError)
# A served model's name longer than this is no model id (history's import refuses it, schema.MAX_NAME).
MAX_MODEL_NAME = 200
GENERIC_NETWORK_HINTS: tuple[str, ...] = (
    "you are offline or the connection dropped",
    "a browser extension, firewall or proxy blocked the request",
    "the page's Content-Security-Policy (connect-src) does not allow this host",
)


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One model a key can use, as the provider's models endpoint lists it."""

    id: str
    name: str | None = None
    context_window: int | None = None
    input_usd_per_mtok: Decimal | None = None
    output_usd_per_mtok: Decimal | None = None


class ChatDecoder(Protocol):
    """Turns a 2xx response body, fed in chunks of any size, into chat events; ``ended`` once the
    provider's end marker arrived (nothing after it need be read)."""

    ended: bool

    def feed(self, chunk: bytes) -> list[Event]: ...

    def close(self) -> list[Event]: ...


# ------------------------------------------------------------------------------------------ JSON helpers


def as_int(value: object) -> int | None:
    """An int from a JSON number; None for anything else (bool included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def as_str(value: object) -> str | None:
    """The value when it is a JSON string, else None."""
    return value if isinstance(value, str) else None


def as_decimal(value: object) -> Decimal | None:
    """A Decimal from a JSON number or numeric string, via its shortest text so 0.000081 stays exact."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    return None


def dig(obj: object, *keys: str) -> Any:
    """obj[k1][k2]... or None when any step is missing or not an object."""
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def as_dict(value: object) -> dict[str, Any]:
    """The value when it is a JSON object, else an empty dict."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """The value when it is a JSON array, else an empty list."""
    return value if isinstance(value, list) else []


def json_body(payload: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON, the way the SDKs send it."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -------------------------------------------------------------------------------------------- provider


class Provider(ABC):
    """A provider adapter: metadata plus sans-I/O request building, decoding and error mapping."""

    framing: Literal["sse", "ndjson"] = "sse"

    def __init__(
        self,
        *,
        id: str,
        display_name: str,
        default_base_url: str | None,
        needs_key: bool = True,
        key_page_url: str | None = None,
        revoke_page_url: str | None = None,
        docs_url: str | None = None,
        network_hints: tuple[str, ...] = (),
    ) -> None:
        self.id = id
        self.display_name = display_name
        self.default_base_url = default_base_url
        self.needs_key = needs_key
        self.key_page_url = key_page_url
        self.revoke_page_url = revoke_page_url
        self.docs_url = docs_url
        self.network_hints = network_hints

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id!r}>"

    def base(self, base_url: str | None) -> str:
        """The API root to use, without a trailing slash."""
        root = base_url or self.default_base_url
        if not root:
            raise ValueError(f"{self.display_name} needs a base URL (e.g. http://127.0.0.1:1234/v1)")
        return root.rstrip("/")

    # ------------------------------------------------------------------------------------------ requests

    @abstractmethod
    def build_request(self, request: ChatRequest, api_key: str, base_url: str | None = None) -> HttpRequest:
        """The HTTP request that sends ``request`` to this provider."""

    @abstractmethod
    def list_models_request(self, api_key: str, base_url: str | None = None) -> HttpRequest:
        """The request that lists the models this key may use."""

    @abstractmethod
    def key_check_request(self, api_key: str, base_url: str | None = None) -> HttpRequest:
        """The cheapest request that proves a key works (spends no tokens)."""

    def _get(self, url: str, auth: Mapping[str, str]) -> HttpRequest:
        return HttpRequest("GET", url, Headers(auth))

    def _post(self, url: str, auth: Mapping[str, str], payload: Mapping[str, Any]) -> HttpRequest:
        headers = Headers({**auth, "content-type": "application/json"})
        return HttpRequest("POST", url, headers, json_body(payload))

    # ------------------------------------------------------------------------------------------ responses

    @abstractmethod
    def decoder(self, api_key: str | None = None) -> ChatDecoder:
        """A fresh stream decoder for one 2xx streaming response."""

    @abstractmethod
    def completion_from_json(self, obj: Any) -> Completion:
        """A Completion from a parsed non-streaming 2xx body."""

    @abstractmethod
    def parse_models(self, obj: Any) -> list[ModelInfo]:
        """Models from a parsed 2xx models-endpoint body."""

    def parse_response(
        self, status: int, headers: Mapping[str, str], body: bytes, api_key: str | None = None
    ) -> Completion:
        """A non-streaming answer as a Completion; raises ProviderError for an error status or body."""
        obj = self.load_body(status, headers, body, api_key)
        try:
            return self.completion_from_json(obj)
        except _SHAPE_ERRORS as exc:
            raise self.error("invalid_response", f"unexpected answer shape ({type(exc).__name__})") from None

    def parse_models_response(
        self, status: int, headers: Mapping[str, str], body: bytes, api_key: str | None = None
    ) -> list[ModelInfo]:
        """The models list; raises ProviderError for an error status or an unreadable body."""
        obj = self.load_body(status, headers, body, api_key)
        try:
            models = self.parse_models(obj)
        except _SHAPE_ERRORS as exc:
            raise self.error("invalid_response", f"unexpected models list ({type(exc).__name__})") from None
        return sorted(models, key=lambda m: m.id)

    def check_key_response(
        self, status: int, headers: Mapping[str, str], body: bytes, api_key: str | None = None
    ) -> None:
        """Return when the key-check answer says the key works; raise ProviderError otherwise."""
        self.load_body(status, headers, body, api_key)

    def load_body(self, status: int, headers: Mapping[str, str], body: bytes, api_key: str | None) -> Any:
        """Parsed JSON of a 2xx body; raises the mapped ProviderError for an error status or error body."""
        if not 200 <= status < 300:
            raise self.error_from_response(status, headers, body, api_key)
        try:
            obj = json.loads(body.decode("utf-8", "replace"))
        except ValueError:
            title = web_page_title(body)  # a web UI's page at a wrong base URL, a proxy's sign-in page
            lead = None if title is None else web_page_lead(self.display_name, title)
            raise self.error("invalid_response", "the body is not JSON", status=status, lead=lead) from None
        if isinstance(obj, dict) and obj.get("error"):
            raise self.stream_error(obj, api_key)
        return obj

    # -------------------------------------------------------------------------------------------- errors

    def error(
        self,
        kind: ErrorKind,
        detail: str | None = None,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        api_key: str | None = None,
        lead: str | None = None,
    ) -> ProviderError:
        """A ProviderError of ``kind`` from this provider."""
        return make_error(
            kind,
            self.display_name,
            detail,
            status=status,
            retry_after=retry_after,
            provider=self.id,
            api_key=api_key,
            lead=lead,
        )

    def error_from_response(
        self, status: int, headers: Mapping[str, str], body: bytes, api_key: str | None = None
    ) -> ProviderError:
        """The ProviderError for a non-2xx response."""
        info = read_error_body(body)
        return error_from_info(
            info, self.display_name, status=status, headers=headers, provider=self.id, api_key=api_key
        )

    def stream_error(self, obj: Any, api_key: str | None = None) -> ProviderError:
        """The ProviderError for an error object met inside a 2xx body (mid-stream)."""
        info = read_error(obj)
        if info is None:
            return self.error("server", "unknown error in the stream", api_key=api_key)
        return error_from_info(info, self.display_name, provider=self.id, api_key=api_key)

    def network_error(self, detail: str | None = None) -> ProviderError:
        """A ``network`` error whose message names this provider's likely causes."""
        hints = "; ".join((*self.network_hints, *GENERIC_NETWORK_HINTS))
        lead = f"Could not reach {self.display_name}. Likely causes: {hints}."
        return self.error("network", detail, lead=lead)

    def cors_error(self, detail: str | None = None) -> ProviderError:
        """A ``cors`` error, for when the browser's CORS check is known to be what failed."""
        hints = "; ".join(self.network_hints) or "the server does not allow this page's origin"
        lead = f"The browser blocked the call to {self.display_name} (CORS): {hints}."
        return self.error("cors", detail, lead=lead)

    def timeout_error(self, seconds: float, *, stalled: bool) -> ProviderError:
        """A ``timeout`` error: no answer at all, or a stream that went quiet."""
        if stalled:
            lead = f"{self.display_name} stopped sending for {seconds:g} s; the answer so far is kept."
        else:
            lead = f"{self.display_name} did not answer within {seconds:g} s."
        return self.error("timeout", lead=lead)


# -------------------------------------------------------------------------------------- stream decoding


class StreamDecoder(ABC):
    """Frames a body (SSE or NDJSON) into payloads and hands each to ``on_payload``.

    Subclasses set ``done`` when the answer is whole (its finish reason, or the end marker) and ``ended``
    when the provider's end marker arrives, after which nothing more is read (a server that keeps the
    connection open must not turn a whole answer into a stalled one). A body that ends without ``done``
    ends with an ``invalid_response`` error (the answer was cut off), one whose finish reason is
    "error" with a ``server`` one. After an error the rest is ignored.
    """

    def __init__(self, provider: Provider, api_key: str | None) -> None:
        self.provider = provider
        self.api_key = api_key
        self.done = False
        self.ended = False
        self.failed = False
        self._started = False
        self._finish: tuple[FinishReason | None, str | None] | None = None
        self._sse = SSEDecoder() if provider.framing == "sse" else None
        self._lines = NDJSONDecoder()

    @abstractmethod
    def on_payload(self, event: str, data: str, out: list[Event]) -> None:
        """Turn one SSE event (name, data) or NDJSON line (event "message") into events."""

    def feed(self, chunk: bytes) -> list[Event]:
        """Events completed by this chunk."""
        return [] if self.failed else self._run(self._frames(chunk))

    def close(self) -> list[Event]:
        """Events left at the end of the body, plus an error when the answer was cut off."""
        if self.failed:
            return []
        out = [] if self.ended else self._run(self._frames(None))  # what follows the end marker is not read
        if self.failed:
            return out
        if not self.done:
            name = self.provider.display_name
            cut = f"{name}'s answer was cut off: the connection closed before it was complete; try again."
            self.fail(self.provider.error("invalid_response", lead=cut), out)
        elif self._finish is not None and self._finish[0] == "error":
            native = f" ({self._finish[1]})" if self._finish[1] else ""
            self.fail(self.provider.error("server", f"the model ended its answer with an error{native}"), out)
        return out

    def _frames(self, chunk: bytes | None) -> list[tuple[str, str]]:
        """(event name, payload) pairs completed by ``chunk``, or left at the end when it is None."""
        if self._sse is not None:
            events = self._sse.close() if chunk is None else self._sse.feed(chunk)
            return [(e.event, e.data) for e in events]
        lines = self._lines.close() if chunk is None else self._lines.feed(chunk)
        return [("message", line) for line in lines]

    def _run(self, payloads: list[tuple[str, str]]) -> list[Event]:
        out: list[Event] = []
        for event, data in payloads:
            try:
                self.on_payload(event, data, out)
            except _SHAPE_ERRORS as exc:
                self.fail(
                    self.provider.error(
                        "invalid_response", f"unreadable stream event ({type(exc).__name__})"
                    ),
                    out,
                )
            if self.failed:
                break
        return out

    def fail(self, error: ProviderError, out: list[Event]) -> None:
        """Emit ``error`` and ignore the rest of the body."""
        out.append(StreamError(error))
        self.failed = True

    def fail_with(self, obj: Any, out: list[Event]) -> None:
        """Emit the error an in-stream error object describes."""
        self.fail(self.provider.stream_error(obj, self.api_key), out)

    def start(self, model: object, response_id: object, out: list[Event]) -> None:
        """Emit ``Started`` once, with the first model / id the stream names."""
        if not self._started:
            self._started = True
            name = as_str(model)
            out.append(Started(name if name is None or len(name) <= MAX_MODEL_NAME else None, as_str(response_id)))

    def finish(self, reason: FinishReason | None, native: object, out: list[Event]) -> None:
        """Emit ``Finish`` unless the same one was just given (OpenRouter repeats it); the answer is whole."""
        key = (reason, as_str(native))
        if key != self._finish:
            self._finish = key
            out.append(Finish(*key))
        self.done = True
