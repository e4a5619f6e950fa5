"""Error mapping rules, retry-after parsing and key scrubbing."""

from __future__ import annotations

import json
from email.utils import formatdate

import pytest

from switchboard import ProviderError
from switchboard.errors import (
    KINDS,
    classify,
    parse_duration,
    parse_retry_after,
    read_error_body,
    retry_after_from_headers,
    scrub,
)
from switchboard.providers import get, ids


def body(obj: object) -> bytes:
    return json.dumps(obj).encode()


def test_kinds_are_the_documented_set() -> None:
    assert set(KINDS) == {
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
    }
    with pytest.raises(ValueError):
        ProviderError("nope", "x")  # type: ignore[arg-type]


def test_provider_error_fields() -> None:
    err = ProviderError("rate_limit", "slow down", status=429, retry_after=2.5)
    assert isinstance(err, Exception)
    assert (err.kind, err.status, err.retry_after, err.message, str(err)) == (
        "rate_limit",
        429,
        2.5,
        "slow down",
        "slow down",
    )
    assert err.retryable
    assert not ProviderError("auth", "x").retryable


@pytest.mark.parametrize(
    ("status", "codes", "message", "kind"),
    [
        # 429 is rate_limit whatever the body says, but for a code saying the account is out of credit
        # (OpenAI sends insufficient_quota with 429); a per-minute quota's words are still a rate limit.
        (429, ["insufficient_quota"], "You exceeded your current quota", "insufficient_credit"),
        (429, ["resource_exhausted"], "Quota exceeded for quota metric per minute", "rate_limit"),
        (429, [], "Invalid API key", "rate_limit"),
        (402, [], "Insufficient Balance", "insufficient_credit"),
        (401, [], "", "auth"),
        # A rejected key is auth even when the status is 400 (Gemini, xAI).
        (
            400,
            ["invalid_argument", "api_key_invalid"],
            "API key not valid. Please pass a valid API key.",
            "auth",
        ),
        (400, ["invalid-argument"], "Incorrect API key provided. You can obtain an API key from x.", "auth"),
        (403, [], "Invalid API Key", "auth"),
        (
            400,
            ["invalid_request_error"],
            "Your credit balance is too low to access the Anthropic API.",
            "insufficient_credit",
        ),
        (
            400,
            ["context_length_exceeded"],
            "Your input exceeds the context window of this model.",
            "context_length",
        ),
        (
            400,
            ["invalid_request_error"],
            "prompt is too long: 3333404 tokens > 200000 maximum",
            "context_length",
        ),
        (400, [], "This model's maximum context length is 1048565 tokens.", "context_length"),
        (
            400,
            ["invalid_argument"],
            "The input token count (2000000) exceeds the maximum number of tokens allowed",
            "context_length",
        ),
        (
            413,
            ["request_too_large"],
            "Request exceeds the maximum allowed number of bytes.",
            "context_length",
        ),
        (
            400,
            ["invalid_request_error"],
            "max_tokens: 100000 > 64000, which is the maximum allowed",
            "bad_request",
        ),
        (403, ["permission_error"], "not allowed", "permission"),
        (404, ["not_found_error"], "model: foo", "not_found"),
        (400, [], "Invalid model: mistral-huge", "not_found"),
        (
            400,
            ["invalid_request_error"],
            "The model `gpt-9` does not exist or you do not have access to it.",
            "not_found",
        ),
        (400, ["failed_precondition"], "User location is not supported for the API use.", "permission"),
        (529, ["overloaded_error"], "Overloaded", "overloaded"),
        (503, ["unavailable"], "The model is overloaded. Please try again later.", "overloaded"),
        (500, ["api_error"], "Internal server error", "server"),
        (502, [], "Bad gateway", "server"),
        (422, [], "Extra inputs are not permitted", "bad_request"),
        (408, [], "", "timeout"),
        # Mid-stream: no status, the code decides.
        (None, ["overloaded_error"], "Overloaded", "overloaded"),
        (None, ["rate_limit_error"], "", "rate_limit"),
        (None, ["resource_exhausted"], "", "rate_limit"),
        (None, ["server_error"], "The server had an error", "server"),
        (None, [], "something odd", "server"),
    ],
)
def test_classify(status: int | None, codes: list[str], message: str, kind: str) -> None:
    assert classify(status, codes, message) == kind


def test_retry_after_seconds_and_http_date() -> None:
    assert parse_retry_after("20") == 20.0
    assert parse_retry_after("1.5") == 1.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("") is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    now = 1_700_000_000.0
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30.0)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0


def test_retry_after_headers_any_case_and_ms() -> None:
    assert retry_after_from_headers({"Retry-After": "7"}) == 7.0
    assert retry_after_from_headers({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    assert retry_after_from_headers({}) is None


def test_google_durations() -> None:
    assert parse_duration("22s") == 22.0
    assert parse_duration("1.500s") == 1.5
    assert parse_duration("250ms") == 0.25
    assert parse_duration("x") is None
    assert parse_duration(True) is None


def test_header_beats_body_retry_delay() -> None:
    gemini = body(
        {
            "error": {
                "code": 429,
                "message": "quota",
                "status": "RESOURCE_EXHAUSTED",
                "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "22s"}],
            }
        }
    )
    provider = get("gemini")
    assert provider.error_from_response(429, {}, gemini).retry_after == 22.0
    assert provider.error_from_response(429, {"retry-after": "5"}, gemini).retry_after == 5.0


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"error": {"message": "m1", "type": "t", "code": "c"}}, "m1"),
        ({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "Overloaded"),
        ({"code": "invalid-argument", "error": "m2"}, "m2"),
        ({"error": "model 'x' not found"}, "model 'x' not found"),
        ({"detail": "Invalid API Key"}, "Invalid API Key"),
        ({"message": "Unauthorized"}, "Unauthorized"),
        (
            {
                "object": "error",
                "message": {"detail": [{"loc": ["body", "stream_options"], "msg": "Extra inputs"}]},
            },
            "body.stream_options: Extra inputs",
        ),
        ({"id": "abc", "message": "invalid api token"}, "invalid api token"),
        (
            {
                "error": {
                    "message": "Provider returned error",
                    "code": 502,
                    "metadata": {"raw": "upstream down"},
                }
            },
            "Provider returned error (upstream down)",
        ),
    ],
)
def test_read_every_error_shape(raw: object, message: str) -> None:
    assert read_error_body(body(raw)).message == message


def test_non_json_error_bodies() -> None:
    assert read_error_body(b"upstream connect error").message == "upstream connect error"
    assert read_error_body(b"<html><body>502 Bad Gateway</body></html>").message is None
    assert read_error_body(b"").message is None
    err = get("openai").error_from_response(502, {}, b"<html>bad</html>")
    assert (err.kind, err.status, err.detail) == ("server", 502, "HTTP 502")


def test_openrouter_numeric_code_is_a_status_mid_stream() -> None:
    err = get("openrouter").stream_error({"error": {"code": 429, "message": "Rate limited upstream"}})
    assert err.kind == "rate_limit"


@pytest.mark.parametrize(
    "text",
    [
        "Incorrect API key provided: sk-abc***xyz. You can find your API key at https://x.",
        "Incorrect API key provided: sk-proj-AbCdEf0123456789. You can find it.",
        "Authentication Fails, Your api key: ****-key is invalid",
        "Bad key AIzaSyA-1234567890abcdefghijkl given",
        "key gsk_abcdefghij1234567890 rejected",
        "key xai-abcdefghij1234567890 rejected",
        "Incorrect API key provided: invalid-key. You can find your API key",
        "GET /v1/models?key=secretvalue&x=1 failed",
        "token 9f8e7d6c5b4a39281706f5e4d3c2b1a0ZZ is wrong",
    ],
)
def test_scrub_removes_key_like_text(text: str) -> None:
    cleaned = scrub(text)
    for secret in (
        "abc***xyz",
        "AbCdEf0123456789",
        "****-key",
        "AIzaSyA",
        "gsk_abc",
        "xai-abc",
        "invalid-key",
        "secretvalue",
        "9f8e7d6c5b4a",
    ):
        assert secret not in cleaned
    assert "[redacted]" in cleaned


def test_scrub_keeps_ordinary_text_and_ids() -> None:
    text = "Rate limit exceeded: limit_rpm/e8440b11-29fb-4887-a222-eff9ba33dfbf. Please retry shortly."
    assert scrub(text) == text
    assert scrub("2 + 2 = **4**") == "2 + 2 = **4**"


def test_scrub_the_actual_key_and_its_fragments() -> None:
    key = "myprovkey0123456789ABCDEFabcdef"
    assert scrub(f"bad key {key}!", key) == "bad key [redacted]!"
    assert "0123456789AB" not in scrub("you sent …0123456789AB… which is wrong", key)


@pytest.mark.parametrize("provider_id", ids())
def test_error_messages_never_echo_the_key(provider_id: str) -> None:
    key = "sk-live-0123456789abcdefSECRET"
    raw = body({"error": {"message": f"Incorrect API key provided: {key[:6]}***{key[-4:]} and {key}"}})
    err = get(provider_id).error_from_response(401, {}, raw, key)
    assert err.kind == "auth"
    assert key[-6:] not in err.message and key[:8] not in err.message
    assert err.provider == provider_id
    assert get(provider_id).display_name in err.message


def test_network_errors_name_provider_specific_causes() -> None:
    assert "CORS" in get("openai").network_error().message
    assert "anthropic-dangerous-direct-browser-access" in get("anthropic").network_error().message
    assert "OLLAMA_ORIGINS" in get("ollama").network_error().message
    assert "x-goog-api-key" in get("gemini").network_error().message
    for provider_id in ids():
        err = get(provider_id).network_error("TypeError: Failed to fetch")
        assert err.kind == "network"
        assert "offline" in err.message and "connect-src" in err.message
        assert "Failed to fetch" in err.message
    cors = get("ollama").cors_error()
    assert cors.kind == "cors" and "OLLAMA_ORIGINS" in cors.message
