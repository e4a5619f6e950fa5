"""Reprs of requests and headers end up in logs, tracebacks and bug reports: they never show a key."""

from __future__ import annotations

import pytest

from switchboard import ChatRequest, Message
from switchboard.http import Headers, HttpRequest
from switchboard.providers import get, ids

KEY = "sk-test-SECRETsecret0123456789wxyz"
CHAT = ChatRequest(model="m-1", messages=[Message("user", "Hi")])


def shown(value: object) -> str:
    return repr(value) + "\n" + str(value)


@pytest.mark.parametrize("provider_id", ids())
def test_no_built_request_shows_its_key(provider_id: str) -> None:
    provider = get(provider_id)
    base = "http://127.0.0.1:1234/v1" if provider_id == "openai-compatible" else None
    for request in (
        provider.build_request(CHAT, KEY, base),
        provider.list_models_request(KEY, base),
        provider.key_check_request(KEY, base),
    ):
        text = shown(request) + shown(request.headers)
        assert KEY not in text and KEY[:-4] not in text, text
        assert request.url in text  # everything else is still there to debug with
        if provider.needs_key:
            assert "•••• wxyz" in text  # masked like Credential: enough to recognise the key


def test_authorization_keeps_its_scheme_and_other_headers_show_in_full() -> None:
    headers = Headers({"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    assert repr(headers) == "Headers({'authorization': 'Bearer •••• wxyz', 'content-type': 'application/json'})"
    assert headers["authorization"] == f"Bearer {KEY}"  # only the repr is masked, never the value sent


@pytest.mark.parametrize(
    "name", ["x-api-key", "x-goog-api-key", "api-key", "Proxy-Authorization", "cookie", "x-auth-token"]
)
def test_every_credential_header_is_masked(name: str) -> None:
    assert KEY not in shown(Headers({name: KEY}))


def test_a_key_in_the_query_string_is_masked() -> None:
    # Google also accepts ?key=; a request built that way must not print it either.
    url = f"https://generativelanguage.googleapis.com/v1beta/models?pageSize=1&key={KEY}"
    text = shown(HttpRequest("GET", url, {"x-goog-api-key": KEY}))
    assert KEY not in text
    assert "?pageSize=1&key=•••• wxyz" in text
    assert "x-goog-api-key': '•••• wxyz'" in text


def test_a_short_key_is_hidden_whole() -> None:
    assert "abc123" not in shown(HttpRequest("GET", "https://h/x?api_key=abc123", {"authorization": "abc123"}))
