"""Provider errors: one exception class whose ``kind`` says what went wrong, plus the rules that pick it.

Exception tree (httpx style). Every failure of a provider call, at start or mid-stream, is ONE
``ProviderError``; the service yields it as a ``StreamError`` event (text received before it is kept)
and ``list_models`` / ``check_key`` raise it::

    Exception
    └── ProviderError                 .kind  .status  .retry_after  .message  .detail  .provider  .code
        │
        ├── raised by a Transport (fetch in the browser, a fake in tests)
        │   ├── kind="network"        fetch rejected: offline, DNS, TLS, CORS hidden by the browser,
        │   │                         CSP connect-src, an extension; the service rewrites the message
        │   │                         with that provider's likely causes (Provider.network_error)
        │   ├── kind="cors"           the cause is known to be CORS (Provider.cors_error)
        │   └── kind="timeout"        also raised by the service: no headers within the connect timeout,
        │                             or no byte within the idle timeout (stalled stream)
        │
        ├── from an HTTP error status or an error body (start or mid-stream), see ``classify``
        │   ├── kind="auth"           key missing, invalid or revoked (401, or a 400 that says so)
        │   ├── kind="permission"     403: key may not use this model / region / feature
        │   ├── kind="rate_limit"     429, whatever the body says but a credit code (insufficient_quota)
        │   ├── kind="insufficient_credit"  402, a 429 with a credit code, or a body saying the balance is too low
        │   ├── kind="context_length" prompt longer than the model's context window
        │   ├── kind="bad_request"    other 4xx
        │   ├── kind="not_found"      404: unknown model or endpoint
        │   ├── kind="overloaded"     529, overloaded_error, "model is overloaded"
        │   └── kind="server"         other 5xx, or an unknown mid-stream error
        │
        └── kind="invalid_response"   a body that cannot be read (not JSON, cut-off stream)

A Transport may raise ``ProviderError`` itself or any other ``Exception``; the service turns the latter
into ``kind="network"``. ``asyncio.CancelledError`` is never wrapped.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

ErrorKind = Literal[
    "auth",
    "permission",
    "rate_limit",
    "insufficient_credit",
    "bad_request",
    "context_length",
    "not_found",
    "overloaded",
    "server",
    "network",
    "cors",
    "timeout",
    "invalid_response",
]
KINDS: Final[tuple[ErrorKind, ...]] = get_args(ErrorKind)
RETRYABLE: Final[frozenset[str]] = frozenset({"rate_limit", "overloaded", "server", "network", "timeout"})
MAX_DETAIL = 400


class ProviderError(Exception):
    """A failed provider call; ``kind`` is one of ``KINDS`` and ``message`` is meant for a person."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        provider: str | None = None,
        code: str | None = None,
        detail: str | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown error kind {kind!r}")
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.provider = provider
        self.code = code
        self.detail = detail

    @property
    def retryable(self) -> bool:
        """True when the same request may succeed later (rate limits, overload, outages, timeouts)."""
        return self.kind in RETRYABLE

    def __repr__(self) -> str:
        return (
            f"ProviderError(kind={self.kind!r}, status={self.status!r}, "
            f"retry_after={self.retry_after!r}, message={self.message!r})"
        )


# ---------------------------------------------------------------------------------------------- scrubbing

_REDACTED = "[redacted]"
# Providers echo part of the key back ("Incorrect API key provided: sk-abc***xyz"); error text ends up
# in the UI, history and bug reports, so anything that looks like a key goes.
_KEY_PATTERNS = re.compile(
    r"""
      (?<![A-Za-z0-9])(?:sk|pk|rk)-[A-Za-z0-9_\-*.]{4,}
    | (?<![A-Za-z0-9])AIza[0-9A-Za-z_\-]{8,}
    | (?<![A-Za-z0-9])(?:gsk|xai|csk|r8|hf|tgp_v1)[_-][A-Za-z0-9_\-*.]{6,}
    | [A-Za-z0-9_\-.]*\*{3,}[A-Za-z0-9_\-.]*
    """,
    re.VERBOSE,
)
_KEY_ECHO = re.compile(r"(?i)(api[ _-]?key(?:\s+provided)?\s*[:=]\s*)([^\s,;]+?)(?=[.,;]?(?:\s|$))")
_KEY_PARAM = re.compile(r"(?i)([?&](?:key|api_key|apikey)=)[^&\s\"']+")
_LONG_TOKEN = re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{32,}(?![A-Za-z0-9_\-])")
_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_WORD = re.compile(r"[^\s\"'`,;:()\[\]{}<>]+")


def _scrub_long(match: re.Match[str]) -> str:
    token = match.group(0)
    if _UUID.fullmatch(token) or not (re.search(r"\d", token) and re.search(r"[A-Za-z]", token)):
        return token
    return _REDACTED


def scrub(text: str, api_key: str | None = None) -> str:
    """Remove the key (whole or in part) and anything key-like from text shown to a person."""
    if api_key:
        key = api_key.strip()
        if key:
            text = text.replace(key, _REDACTED)
            if len(key) >= 12:
                windows = {key[i : i + 8] for i in range(len(key) - 7)}

                def _partial(match: re.Match[str]) -> str:
                    word = match.group(0)
                    if any(word[i : i + 8] in windows for i in range(len(word) - 7)):
                        return _REDACTED
                    return word

                text = _WORD.sub(_partial, text)
    text = _KEY_ECHO.sub(lambda m: m.group(1) + _REDACTED, text)
    text = _KEY_PARAM.sub(lambda m: m.group(1) + _REDACTED, text)
    text = _KEY_PATTERNS.sub(_REDACTED, text)
    return _LONG_TOKEN.sub(_scrub_long, text)


# ----------------------------------------------------------------------------------------- retry-after


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP date (RFC 9110)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        # Imported here: email.utils pulls in socket, datetime and more, a start-up cost in the browser.
        import email.utils

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        return None
    return max(0.0, seconds)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


def parse_duration(value: object) -> float | None:
    """Seconds from a JSON duration such as Google's RetryInfo ``retryDelay`` ("22s", "1.5s")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return max(0.0, float(value))
    if not isinstance(value, str):
        return None
    match = _DURATION.match(value)
    if not match:
        return None
    number = float(match.group(1))
    return number * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[match.group(2) or "s"]


def retry_after_from_headers(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Retry delay from ``retry-after-ms`` (OpenAI) or ``retry-after`` response headers."""
    lowered = {k.lower(): v for k, v in headers.items()}
    millis = lowered.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000.0)
        except ValueError:
            pass
    return parse_retry_after(lowered.get("retry-after"), now=now)


# ----------------------------------------------------------------------------------- error body reading


def _first_str(*values: object) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _codes(*values: object) -> list[str]:
    return [
        str(v).lower() for v in values if isinstance(v, str | int) and not isinstance(v, bool) and v != ""
    ]


def _details_message(detail: object) -> str | None:
    # FastAPI / Mistral 422: [{"loc": [...], "msg": "...", "type": "..."}]
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = item.get("loc")
                where = ".".join(str(x) for x in loc) if isinstance(loc, list) else ""
                msg = item.get("msg") or item.get("message")
                if isinstance(msg, str):
                    parts.append(f"{where}: {msg}" if where else msg)
        return "; ".join(parts) or None
    return _first_str(detail)


@dataclass(slots=True)
class ErrorInfo:
    """What an error body says, in the shape every provider is reduced to."""

    message: str | None = None
    codes: list[str] = field(default_factory=list)
    retry_after: float | None = None
    status: int | None = None
    page_title: str | None = None  # the body was an HTML page (a proxy's, a web UI's): its title, "" if none


DAILY_QUOTA = "per_day_quota"  # a code read_error adds for a quota that resets only once a day


def read_error(obj: Any) -> ErrorInfo | None:
    """Read any provider's error object; None when ``obj`` does not look like an error."""
    if isinstance(obj, list) and obj:
        # Gemini's JSON-array stream wraps the error in a one-element array.
        return read_error(obj[0])
    if not isinstance(obj, dict):
        return None
    err = obj.get("error")
    if isinstance(err, dict):
        retry = None
        details = err.get("details")
        reasons: list[str] = []
        if isinstance(details, list):
            for item in details:
                if not isinstance(item, dict):
                    continue
                if "retryDelay" in item:
                    retry = parse_duration(item.get("retryDelay"))
                if isinstance(item.get("reason"), str):
                    reasons.append(item["reason"].lower())
                for violation in item.get("violations") or ():
                    # Gemini's free tier: a quota per day, sent with a RetryInfo of seconds all the same.
                    if isinstance(violation, dict) and "PerDay" in str(violation.get("quotaId", "")):
                        reasons.append(DAILY_QUOTA)
        raw_code = err.get("code")
        status = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
        message = _first_str(err.get("message"), _details_message(err.get("detail")), err.get("error"))
        metadata = err.get("metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("raw"), str):
            # OpenRouter wraps the upstream provider's own error text in metadata.raw.
            message = f"{message} ({metadata['raw'][:200]})" if message else metadata["raw"]
        codes = _codes(err.get("type"), raw_code if status is None else None, err.get("status"), *reasons)
        return ErrorInfo(message, codes, retry, status)
    if isinstance(err, str):
        # xAI: {"code": "...", "error": "..."}; Ollama: {"error": "..."}
        return ErrorInfo(err.strip() or None, _codes(obj.get("code")))
    if "detail" in obj:
        return ErrorInfo(_details_message(obj["detail"]), _codes(obj.get("type")))
    msg = obj.get("message")
    if isinstance(msg, dict) and "detail" in msg:
        # Mistral 422: {"object": "error", "message": {"detail": [...]}}
        return ErrorInfo(_details_message(msg["detail"]), _codes(obj.get("type"), obj.get("code")))
    if isinstance(msg, str) and "choices" not in obj and "candidates" not in obj:
        # Mistral {"message": ...}, Cohere {"id": ..., "message": ...}
        return ErrorInfo(msg.strip() or None, _codes(obj.get("type"), obj.get("code")))
    return None


def read_error_body(body: bytes) -> ErrorInfo:
    """Read an error response body, JSON or not (proxies answer with HTML or plain text)."""
    text = body.decode("utf-8", "replace").strip()
    try:
        info = read_error(json.loads(text)) if text else None
    except ValueError:
        info = None
    if info is not None:
        return info
    if text and not text.startswith("<") and len(text) <= MAX_DETAIL:
        return ErrorInfo(text)
    return ErrorInfo(None, page_title=web_page_title(body))


_TITLE = re.compile(r"(?is)<title[^>]*>(.*?)</title>")


def web_page_title(body: bytes) -> str | None:
    """The title of an HTML page ("" if it has none); None when the body is no HTML page."""
    head = body[:4096].decode("utf-8", "replace").lstrip()
    if not head.startswith("<") or ("<html" not in head.lower() and "<!doctype" not in head.lower()):
        return None
    found = _TITLE.search(head)
    title = " ".join(html.unescape(found.group(1)).split()) if found else ""
    return title[:120]


def web_page_lead(provider_name: str, title: str) -> str:
    """What to say when the provider's address answered with a web page instead of its API."""
    named = f" (“{title}”)" if title else ""
    return (f"{provider_name}'s address answered with a web page{named}, not the API: a proxy or firewall in "
            "the way, or a wrong base URL (an OpenAI-compatible one usually ends in /v1).")


# ----------------------------------------------------------------------------------------- classifying

_AUTH_CODES = frozenset(
    {
        "invalid_api_key",
        "authentication_error",
        "api_key_invalid",
        "unauthenticated",
        "invalid_authentication",
        "incorrect_api_key",
        "unauthorized",
    }
)
_AUTH_TEXT = re.compile(
    r"(?i)(?:invalid|incorrect|not valid|missing|wrong|malformed|revoked|expired|no)\s+"
    r"(?:x-api-key|api[ _-]?key|key|authentication|auth|bearer|token)"
    r"|(?:api[ _-]?key|x-api-key)\s+(?:is\s+)?(?:invalid|not valid|incorrect|revoked|expired)"
    r"|authentication fail"
)
_CREDIT_CODES = frozenset({"insufficient_quota", "billing_error", "insufficient_balance", "payment_required"})
_CREDIT_TEXT = re.compile(
    r"(?i)credit balance is too low|insufficient (?:balance|credits?|funds|quota)|out of credits"
    r"|requires more credits|payment required|used all available credits|(?:monthly )?spending limit"
)
_CONTEXT_CODES = frozenset({"context_length_exceeded", "request_too_large", "string_above_max_length"})
_CONTEXT_TEXT = re.compile(
    r"(?i)prompt is too long|maximum context length|context (?:window|length|limit)"
    r"|input token count.*exceeds|too many (?:input )?tokens|input is too long"
    r"|reduce the length of the messages|maximum prompt length|tokens \+ .?max_new_tokens.? must be"
)
# Groq's free tier answers a request over its tokens-per-minute limit with a 413: a rate limit, not a window.
_PER_MINUTE_TEXT = re.compile(r"(?i)tokens per minute|\bTPM\b")
# OpenRouter's moderation refusing a prompt (403 with the flagged categories): no key or access problem.
_MODERATION_TEXT = re.compile(r"(?i)requires moderation|flagged for")
_OVERLOADED_TEXT = re.compile(r"(?i)\boverloaded\b")
_MODEL_TEXT = re.compile(r"(?i)invalid model|\bmodel\b.{0,80}\b(?:not found|does not exist)")
_CODE_KINDS: Final[dict[str, ErrorKind]] = {
    "rate_limit_error": "rate_limit",
    "rate_limit_exceeded": "rate_limit",
    "resource_exhausted": "rate_limit",
    "tokens_exceeded": "rate_limit",
    "permission_error": "permission",
    "permission_denied": "permission",
    "forbidden": "permission",
    "not_found_error": "not_found",
    "not_found": "not_found",
    "model_not_found": "not_found",
    "overloaded_error": "overloaded",
    "unavailable": "overloaded",
    "api_error": "server",
    "server_error": "server",
    "internal": "server",
    "internal_error": "server",
    "deadline_exceeded": "timeout",
    "timeout_error": "timeout",
    "invalid_request_error": "bad_request",
    "invalid_argument": "bad_request",
    # Gemini: "not available in your country" / free tier without billing.
    "failed_precondition": "permission",
    "invalid-argument": "bad_request",
}


def classify(status: int | None, codes: Iterable[str] = (), message: str | None = None) -> ErrorKind:
    """Pick the error kind from the HTTP status (None mid-stream), provider codes and message."""
    codeset = {c.lower() for c in codes}
    text = message or ""
    if status == 429:
        # OpenAI (a code) and xAI (words) answer an account out of credit with a 429: waiting would not help.
        return "insufficient_credit" if codeset & _CREDIT_CODES or _CREDIT_TEXT.search(text) else "rate_limit"
    if status == 402:
        return "insufficient_credit"
    if status == 401 or codeset & _AUTH_CODES:
        return "auth"
    if status in (None, 400, 403) and _AUTH_TEXT.search(text):
        return "auth"
    if codeset & _CREDIT_CODES or _CREDIT_TEXT.search(text):
        return "insufficient_credit"
    if status == 413 and _PER_MINUTE_TEXT.search(text):
        return "rate_limit"
    if status == 413 or codeset & _CONTEXT_CODES or _CONTEXT_TEXT.search(text):
        return "context_length"
    if status == 403 and _MODERATION_TEXT.search(text):
        return "bad_request"
    if status == 403:
        return "permission"
    if status == 404 or (status in (None, 400) and _MODEL_TEXT.search(text)):
        return "not_found"
    if status == 408:
        return "timeout"
    if status == 529 or "overloaded_error" in codeset or _OVERLOADED_TEXT.search(text):
        return "overloaded"
    for code in codes:
        kind = _CODE_KINDS.get(code.lower())
        if kind is not None:
            # A 5xx that calls itself "invalid request" is still the server's fault.
            if status is not None and status >= 500 and kind == "bad_request":
                break
            return kind
    if status is not None and 400 <= status < 500:
        return "bad_request"
    return "server"


_LEADS: Final[dict[str, str]] = {
    "auth": "{p} rejected the API key: check that it is complete, current and not revoked.",
    "permission": "{p} refused access: this key may not use this model or feature.",
    "rate_limit": "{p} is rate-limiting this key; wait and try again.",
    "insufficient_credit": "The {p} account is out of credit: add funds or raise its spend limit.",
    "bad_request": "{p} rejected the request.",
    "context_length": ("The conversation is too long for this {p} model's context window: shorten it, start a "
                       "new conversation, or pick a model with a larger window."),
    "not_found": "{p} does not know this model or endpoint.",
    "overloaded": "{p} is overloaded right now; try again shortly.",
    "server": "{p} had a server error; try again.",
    "network": "Could not reach {p}.",
    "cors": "The browser blocked the call to {p} (CORS).",
    "timeout": "{p} did not answer in time.",
    "invalid_response": "{p} sent a response Switchboard could not read.",
}


def transport_error(kind: Literal["network", "cors", "timeout"], detail: str) -> ProviderError:
    """What a Transport raises when no answer came; the service adds the provider's name and hints."""
    return ProviderError(kind, detail, detail=detail)


def make_error(
    kind: ErrorKind,
    provider_name: str,
    detail: str | None = None,
    *,
    status: int | None = None,
    retry_after: float | None = None,
    provider: str | None = None,
    code: str | None = None,
    api_key: str | None = None,
    lead: str | None = None,
    said: bool = False,
) -> ProviderError:
    """Build a ProviderError whose message starts with a plain sentence and ends with the scrubbed detail:
    quoted as the provider's when ``said`` (its own error text), else as Switchboard's or the browser's."""
    clean = scrub(detail, api_key).strip() if detail else None
    if clean and len(clean) > MAX_DETAIL:
        clean = clean[: MAX_DETAIL - 1] + "…"
    message = lead if lead is not None else _LEADS[kind].format(p=provider_name)
    if kind == "rate_limit" and retry_after is not None:
        message = message.replace("wait and try again", f"try again in {retry_after:g} s")
    if clean:
        message = f"{message} ({provider_name} said: {clean})" if said else f"{message} ({clean})"
    return ProviderError(
        kind, message, status=status, retry_after=retry_after, provider=provider, code=code, detail=clean
    )


def error_from_info(
    info: ErrorInfo,
    provider_name: str,
    *,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
    provider: str | None = None,
    api_key: str | None = None,
) -> ProviderError:
    """Map a read error body (plus status and headers) to a ProviderError."""
    effective = status if status is not None else info.status
    kind = classify(effective, info.codes, info.message)
    retry = retry_after_from_headers(headers) if headers else None
    if retry is None:
        retry = info.retry_after
    detail = info.message or (f"HTTP {status}" if status is not None else None)
    lead = None
    if info.page_title is not None and status is not None and 400 <= status < 500 and status != 429:
        lead = web_page_lead(provider_name, info.page_title)
        if kind == "permission":  # a firewall's block page, not the provider refusing this key
            kind = "network"
    if DAILY_QUOTA in info.codes:  # waiting the seconds it names would fail again until the quota resets
        retry = None
        lead = (f"{provider_name}'s daily quota for this model is used up: it resets once a day, or enable "
                "billing to go on now.")
    return make_error(
        kind,
        provider_name,
        detail,
        status=status,
        retry_after=retry,
        provider=provider,
        code=info.codes[0] if info.codes else None,
        api_key=api_key,
        lead=lead,
        said=info.message is not None,
    )
