"""What a failed answer says, through the real path (stream_chat over MockTransport): the right kind, words
that say what to do, and the provider quoted only for what it said itself."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from switchboard import ChatRequest, Completion, Message, collect
from switchboard.errors import ProviderError
from switchboard.http import MockResponse, MockTransport
from switchboard.routing import TAKEOVER
from switchboard.service import stream_chat

RECORDED = Path(__file__).resolve().parents[1] / "fixtures" / "recorded"


def run(provider: str, status: int, body: Any) -> Completion:
    raw = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
    headers = {"content-type": "text/event-stream" if status < 300 else "application/json"}
    transport = MockTransport(lambda _request: MockResponse(status, headers, raw))
    request = ChatRequest(model="m", messages=(Message("user", "hi"),), stream=True)

    async def events() -> list[Any]:
        return [event async for event in stream_chat(transport, provider, request, "sk-test-0000000000000000")]

    return collect(asyncio.run(events()))


def error(provider: str, status: int, body: Any) -> ProviderError:
    failed = run(provider, status, body).error
    assert failed is not None
    return failed


OPENAI_CUT = "".join(f"data: {json.dumps(o)}\n\n" for o in [
    {"id": "c", "model": "gpt", "choices": [{"index": 0, "delta": {"content": "Hello wor"}, "finish_reason": None}]}])
OLLAMA_CUT = '{"model":"llama","message":{"content":"Hello wor"},"done":false}\n'


@pytest.mark.parametrize(("provider", "body", "name"),
                         [("openai", OPENAI_CUT, "OpenAI"), ("ollama", OLLAMA_CUT, "Ollama")])
def test_a_stream_cut_off_says_so_and_keeps_the_text(provider: str, body: str, name: str) -> None:
    # It said "<name> sent a response Switchboard could not read. (<name> said: the stream ended ...)".
    cut = run(provider, 200, body)
    assert cut.text == "Hello wor" and cut.error is not None
    assert cut.error.message == f"{name}'s answer was cut off: the connection closed before it was complete; try again."


def test_the_provider_is_quoted_only_for_its_own_words() -> None:
    proxy = error("openai", 502, b"<html><head><title>502 Bad Gateway</title></head></html>")
    assert "said" not in proxy.message and proxy.message.endswith("(HTTP 502)")
    own = error("openai", 500, {"error": {"message": "The server had an error", "type": "server_error"}})
    assert own.message.endswith("(OpenAI said: The server had an error)")


def test_a_context_too_long_names_the_provider_and_what_to_do() -> None:
    response = json.loads((RECORDED / "anthropic" / "error-400-prompt-too-long.json").read_text())["response"]
    too_long = error("anthropic", response["status"], response["body"])
    assert too_long.kind == "context_length" and too_long.message.startswith(
        "The conversation is too long for this Anthropic model's context window: shorten it, start a new "
        "conversation, or pick a model with a larger window.")


def test_a_daily_free_quota_is_not_a_wait_of_seconds() -> None:
    # Gemini sends a RetryInfo of 36 s with it; retrying then fails until the quota resets.
    body = {"error": {"code": 429, "message": "You exceeded your current quota.", "status": "RESOURCE_EXHAUSTED",
                      "details": [
                          {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
                              {"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier", "quotaValue": "20"}]},
                          {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "36s"}]}}
    daily = error("gemini", 429, body)
    assert daily.retry_after is None and "36 s" not in daily.message
    assert daily.message.startswith("Google Gemini's daily quota for this model is used up")
    per_minute = {"error": {**body["error"], "details": body["error"]["details"][1:]}}
    assert error("gemini", 429, per_minute).retry_after == 36


XAI_SPENT = ("Your team 16f2 has either used all available credits or reached its monthly spending limit. To "
             "continue making API requests, please purchase more credits or raise your spending limit.")
GROQ_TPM = ("Request too large for model `llama-3.3-70b-versatile` in organization `org_01` service tier `on_demand` "
            "on tokens per minute (TPM): Limit 6000, Requested 14810, please reduce your message size and try again.")


@pytest.mark.parametrize(("provider", "status", "body", "kind"), [
    ("xai", 429, {"code": "Some resource has been exhausted", "error": XAI_SPENT}, "insufficient_credit"),
    ("xai", 403, {"code": "permission-denied", "error": XAI_SPENT}, "insufficient_credit"),
    ("xai", 400, {"code": "Client specified an invalid argument",
                  "error": "This model's maximum prompt length is 131072 but the request contains 136973 tokens."},
     "context_length"),
    ("together", 400, {"error": {"message": "Input validation error: `inputs` tokens + `max_new_tokens` must be <= "
                                            "8193. Given: 9000 `inputs` tokens and 512 `max_new_tokens`",
                                 "type": "invalid_request_error"}}, "context_length"),
    # Over a free tier's tokens per minute, not over the model's window: another model would take it.
    ("groq", 413, {"error": {"message": GROQ_TPM, "type": "tokens", "code": "rate_limit_exceeded"}}, "rate_limit"),
    # Moderation refused the prompt: no key or access problem to go and fix.
    ("openrouter", 403, {"error": {"code": 403, "message": "anthropic/claude-3-haiku requires moderation on "
                                   "OpenAI. Your input was flagged for \"harassment\". No credits were charged."}},
     "bad_request"),
])
def test_each_failure_gets_the_kind_that_says_what_to_do(provider: str, status: int, body: Any, kind: str) -> None:
    assert error(provider, status, body).kind == kind
    assert ("rate_limit" in TAKEOVER) and ("context_length" not in TAKEOVER)


def test_an_error_in_mistrals_shape_mid_stream_is_the_providers_words() -> None:
    chunks = [{"id": "c", "model": "m", "choices": [{"index": 0, "delta": {"content": "Hi "}, "finish_reason": None}]},
              {"object": "error", "message": "Service unavailable, please retry", "type": "service_unavailable"}]
    failed = run("mistral", 200, "".join(f"data: {json.dumps(c)}\n\n" for c in chunks))
    assert failed.text == "Hi " and failed.error is not None
    assert "(Mistral said: Service unavailable, please retry)" in failed.error.message


BLOCKED = (b"<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head>"
           b"<body>Sorry, you have been blocked</body></html>")


def test_a_web_page_instead_of_the_api_says_so_with_its_title() -> None:
    # A firewall's block page was "Anthropic refused access: this key may not use this model or feature."
    blocked = error("anthropic", 403, BLOCKED)
    assert blocked.kind == "network" and blocked.kind in TAKEOVER
    assert blocked.message.startswith("Anthropic's address answered with a web page (“Attention Required! | "
                                      "Cloudflare”), not the API: a proxy or firewall in the way, or a wrong base URL")
    # A web UI's page where an OpenAI-compatible base URL should be: "the body is not JSON" said nothing.
    transport = MockTransport(lambda _request: MockResponse(
        200, {"content-type": "text/html"}, b"<!doctype html><html><head><title>Open WebUI</title></head></html>"))
    request = ChatRequest(model="m", messages=(Message("user", "hi"),), stream=False)

    async def events() -> list[Any]:
        return [event async for event in stream_chat(transport, "openai-compatible", request, "sk-test-000000000000",
                                                     base_url="http://localhost:3000")]

    web_ui = collect(asyncio.run(events())).error
    assert web_ui is not None and "answered with a web page (“Open WebUI”)" in web_ui.message
    assert "usually ends in /v1" in web_ui.message
