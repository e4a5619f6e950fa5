"""OpenAI Chat Completions and the OpenAI-compatible family (Groq, Mistral, OpenRouter, DeepSeek, xAI,
Together, a generic compatible server). One class per provider; each overrides only where the real
service differs (recorded in tests/fixtures/recorded/ and PROVIDERS.md).
"""

from __future__ import annotations

from typing import Any

from .base import (
    Call,
    ChatInfo,
    Protocol,
    Response,
    Route,
    dumps,
    json_response,
    mask,
    now,
    retry_seconds,
    route,
    sse,
)
from .text import Reply, content_text

DONE = sse("[DONE]")


def openai_routes(root: str) -> tuple[Route, ...]:
    return (
        route("POST", root + "/chat/completions", "chat", chat=True),
        route("GET", root + "/models", "list_models"),
        route("GET", root + r"/models/(?P<model>.+)", "get_model"),
    )


class OpenAIChat(Protocol):
    name = "openai"
    routes = openai_routes("/v1")
    models: tuple[str, ...] = ("gpt-4o-mini", "gpt-4.1-mini", "gpt-5-mini")
    owner = "openai"
    id_prefix = "chatcmpl-mock"
    service_tier: str | None = "default"
    fingerprint: str | None = "fp_mock"
    logprobs = True  # OpenAI writes "logprobs": null in every choice; Mistral omits it
    null_finish = True  # "finish_reason": null on chunks still generating (xAI leaves it out)
    null_usage = True  # with include_usage, "usage": null on every chunk but the last (Groq, xAI: absent)
    obfuscation = True  # OpenAI pads chunks with an "obfuscation" string (seen in recordings)
    usage_always = False  # True: usage on the finishing chunk even without include_usage
    cors_on_auth_error = False  # OpenAI's 401 carries no CORS headers: browsers see a network error
    prelude: tuple[bytes, ...] = ()
    keepalive: bytes | None = None
    nonstream_prefix = b""

    @property
    def refusal_fields(self) -> bool:
        """Only OpenAI itself writes `refusal` / `annotations`; compatible servers leave them out."""
        return self.name == "openai"

    # ---- request -----------------------------------------------------------------------------------
    def validate(self, call: Call) -> Response | None:
        body = call.body
        if not isinstance(body.get("model"), str) or not body["model"]:
            return self.error(call, "invalid", message="you must provide a model parameter")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return self.error(call, "invalid", message="'messages' must be a non-empty array")
        if "stream" in body and not isinstance(body["stream"], bool):
            return self.error(call, "invalid", message="'stream' must be a boolean")
        return None

    def chat_info(self, call: Call, groups: dict[str, str]) -> ChatInfo:
        body = call.body
        messages = [m for m in body["messages"] if isinstance(m, dict)]
        users = [m for m in messages if m.get("role") == "user"]
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        return ChatInfo(
            model=body["model"],
            prompt=content_text(users[-1].get("content")) if users else "",
            input_text=" ".join(content_text(m.get("content")) for m in messages),
            max_tokens=max_tokens if isinstance(max_tokens, int) else None,
            stream=body.get("stream") is True,
        )

    # ---- payloads ----------------------------------------------------------------------------------
    def usage(self, call: Call, reply: Reply) -> dict[str, Any]:
        return {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.total_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def finish_reason(self, reply: Reply) -> str:
        return "length" if reply.finish == "length" else "stop"

    def envelope(self, call: Call, info: ChatInfo, obj: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": f"{self.id_prefix}{call.seq}",
            "object": obj,
            "created": now(),
            "model": info.model,
        }
        if self.service_tier:
            out["service_tier"] = self.service_tier
        if self.fingerprint:
            out["system_fingerprint"] = self.fingerprint
        return out

    def choice(self, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {"index": 0, "delta": delta}
        if self.logprobs:
            out["logprobs"] = None
        if finish is not None or self.null_finish:
            out["finish_reason"] = finish
        return out

    def decorate(self, call: Call, chunk: dict[str, Any], i: int, kind: str, reply: Reply) -> dict[str, Any]:
        """Provider-specific extras on a chunk; kind is first, content, finish or usage."""
        if self.obfuscation:
            chunk["obfuscation"] = "x" * (4 + i % 5)
        return chunk

    def chunks(self, call: Call, info: ChatInfo, reply: Reply) -> list[dict[str, Any]]:
        include_usage = bool((call.body.get("stream_options") or {}).get("include_usage"))
        first: dict[str, Any] = {"role": "assistant", "content": ""}
        if self.refusal_fields:
            first["refusal"] = None
        deltas = [(first, None, "first")]
        deltas += [({"content": c}, None, "content") for c in reply.chunks]
        deltas.append(({}, self.finish_reason(reply), "finish"))
        out = []
        for i, (delta, finish, kind) in enumerate(deltas):
            chunk = self.envelope(call, info, "chat.completion.chunk")
            chunk["choices"] = [self.choice(delta, finish)]
            if include_usage and self.null_usage:
                chunk["usage"] = None
            if kind == "finish" and self.usage_always:
                chunk["usage"] = self.usage(call, reply)
            out.append(self.decorate(call, chunk, i, kind, reply))
        if include_usage and not self.usage_always:
            last = self.envelope(call, info, "chat.completion.chunk")
            last["choices"] = []
            last["usage"] = self.usage(call, reply)
            out.append(self.decorate(call, last, len(out), "usage", reply))
        return out

    def completion(self, call: Call, info: ChatInfo, reply: Reply) -> dict[str, Any]:
        out = self.envelope(call, info, "chat.completion")
        message: dict[str, Any] = {"role": "assistant", "content": reply.text}
        if self.refusal_fields:
            message.update(refusal=None, annotations=[])
        choice: dict[str, Any] = {"index": 0, "message": message}
        if self.logprobs:
            choice["logprobs"] = None
        choice["finish_reason"] = self.finish_reason(reply)
        out["choices"] = [choice]
        out["usage"] = self.usage(call, reply)
        return out

    def chat(self, call: Call, info: ChatInfo, reply: Reply) -> Response:
        if not info.stream:
            body = self.nonstream_prefix + dumps(self.completion(call, info, reply)).encode()
            return Response(body=body)
        return Response(
            content_type="text/event-stream; charset=utf-8",
            frames=[sse(c) for c in self.chunks(call, info, reply)] + [DONE],
            prelude=list(self.prelude),
            keepalive=self.keepalive,
            error_frames=self.midstream(call, info),
        )

    def midstream(self, call: Call, info: ChatInfo) -> list[bytes]:
        # What OpenAI sends when generation fails after a 200: one `data:` line holding an error object.
        return [sse({"error": self.error_object("server_error", self.server_message, None, None)})]

    # ---- errors ------------------------------------------------------------------------------------
    server_message = "The server had an error while processing your request. Sorry about that!"

    def error_object(self, type_: str, message: str, code: str | None, param: str | None) -> dict[str, Any]:
        return {"message": message, "type": type_, "param": param, "code": code}

    def err(
        self,
        status: int,
        type_: str,
        message: str,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
        cors: bool = True,
    ) -> Response:
        return json_response(
            status, {"error": self.error_object(type_, message, code, param)}, headers, cors=cors
        )

    def error(self, call: Call, kind: str, retry_after: float = 1.0, message: str = "") -> Response:
        key = self.key(call) or ""
        if kind == "bad_key":
            text = f"Incorrect API key provided: {mask(key)}. You can find your API key at https://platform.openai.com/account/api-keys."
            return self.err(
                401, "invalid_request_error", text, "invalid_api_key", cors=self.cors_on_auth_error
            )
        if kind == "missing_key":
            text = (
                "You didn't provide an API key. You need to provide your API key in an Authorization header "
                "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
            )
            return self.err(401, "invalid_request_error", text, cors=self.cors_on_auth_error)
        if kind == "rate_limit":
            text = f"Rate limit reached for requests. Please try again in {retry_seconds(retry_after)}s."
            return self.err(
                429,
                "requests",
                text,
                "rate_limit_exceeded",
                headers={"Retry-After": retry_seconds(retry_after)},
            )
        if kind == "overloaded":
            return self.err(503, "server_error", "The engine is currently overloaded, please try again later")
        if kind == "server":
            return self.err(500, "server_error", self.server_message)
        if kind == "not_found":
            return self.err(404, "invalid_request_error", f"Invalid URL ({message})")
        return self.err(400, "invalid_request_error", message)

    # ---- other endpoints ---------------------------------------------------------------------------
    def model_entry(self, model: str) -> dict[str, Any]:
        return {"id": model, "object": "model", "created": 1700000000, "owned_by": self.owner}

    def list_models(self, call: Call) -> Response:
        return json_response(200, {"object": "list", "data": [self.model_entry(m) for m in self.models]})

    def get_model(self, call: Call, model: str) -> Response:
        return json_response(200, self.model_entry(model))


class Compatible(OpenAIChat):
    """A generic OpenAI-compatible server (LM Studio, vLLM, llama.cpp...): lenient, key optional."""

    name = "openai-compatible"
    models = ("local-model",)
    owner = "organization_owner"
    service_tier = None
    fingerprint = None
    obfuscation = False
    cors_on_auth_error = True

    def key(self, call: Call) -> str | None:
        return call.bearer() or "no-key-needed"  # a missing key is fine; a "bad" one is still refused


class Groq(OpenAIChat):
    name = "groq"
    routes = openai_routes("/openai/v1")
    models = ("llama-3.3-70b-versatile", "llama-3.1-8b-instant")
    owner = "Meta"
    id_prefix = "chatcmpl-groq-mock"
    service_tier = None  # Groq says "on_demand", outside the OpenAI SDK's enum: left out to stay strict
    obfuscation = False
    null_usage = False
    cors_on_auth_error = True

    def usage(self, call: Call, reply: Reply) -> dict[str, Any]:
        # Groq adds timing fields; the mock reports fixed, plausible values.
        return {
            "queue_time": 0.01,
            "prompt_tokens": reply.input_tokens,
            "prompt_time": 0.001,
            "completion_tokens": reply.output_tokens,
            "completion_time": 0.02,
            "total_tokens": reply.total_tokens,
            "total_time": 0.021,
        }

    def decorate(self, call: Call, chunk: dict[str, Any], i: int, kind: str, reply: Reply) -> dict[str, Any]:
        if kind == "first":
            chunk["x_groq"] = {"id": f"req_mock{call.seq}"}
        elif kind == "finish":
            chunk["x_groq"] = {"id": f"req_mock{call.seq}", "usage": self.usage(call, reply)}
        return chunk

    def error(self, call: Call, kind: str, retry_after: float = 1.0, message: str = "") -> Response:
        if kind in ("bad_key", "missing_key"):
            return self.err(401, "invalid_request_error", "Invalid API Key", "invalid_api_key")
        if kind == "rate_limit":
            text = f"Rate limit reached for model. Please try again in {retry_seconds(retry_after)}s."
            return self.err(
                429,
                "tokens",
                text,
                "rate_limit_exceeded",
                headers={"Retry-After": retry_seconds(retry_after)},
            )
        return super().error(call, kind, retry_after, message)


class Mistral(OpenAIChat):
    name = "mistral"
    models = ("mistral-small-latest", "mistral-large-latest")
    owner = "mistralai"
    id_prefix = "mistralmock"
    service_tier = None
    fingerprint = None
    logprobs = False
    obfuscation = False
    usage_always = True  # Mistral puts usage on the last chunk; it rejects stream_options
    cors_on_auth_error = True
    # Mistral's request schema has additionalProperties: false; anything else is a 422.
    allowed_keys = frozenset(
        {
            "model",
            "messages",
            "temperature",
            "top_p",
            "max_tokens",
            "stream",
            "stop",
            "random_seed",
            "response_format",
            "tools",
            "tool_choice",
            "presence_penalty",
            "frequency_penalty",
            "n",
            "prediction",
            "parallel_tool_calls",
            "prompt_mode",
            "safe_prompt",
            "metadata",
            "reasoning_effort",
        }
    )

    def validate(self, call: Call) -> Response | None:
        extra = sorted(k for k in call.body if k not in self.allowed_keys)
        if extra:
            detail = [
                {
                    "type": "extra_forbidden",
                    "loc": ["body", k],
                    "msg": "Extra inputs are not permitted",
                    "input": call.body[k],
                }
                for k in extra
            ]
            obj = {
                "object": "error",
                "message": {"detail": detail},
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
            return json_response(422, obj)
        return super().validate(call)

    def usage(self, call: Call, reply: Reply) -> dict[str, Any]:
        return {
            "prompt_tokens": reply.input_tokens,
            "total_tokens": reply.total_tokens,
            "completion_tokens": reply.output_tokens,
            "prompt_tokens_details": {"cached_tokens": 0},
        }

    def decorate(self, call: Call, chunk: dict[str, Any], i: int, kind: str, reply: Reply) -> dict[str, Any]:
        if kind == "content":
            chunk["p"] = "abcdefghijklmnopqrstuvwxyz"[: 1 + i % 26]  # Mistral's random padding field
        return chunk

    def mistral_error(
        self, status: int, type_: str, message: str, code: str, headers: dict[str, str] | None = None
    ) -> Response:
        obj = {"object": "error", "message": message, "type": type_, "param": None, "code": code}
        return json_response(status, obj, headers)

    def midstream(self, call: Call, info: ChatInfo) -> list[bytes]:
        # (?) not observed: Mistral's error object sent as an SSE data line.
        obj = {
            "object": "error",
            "message": "Internal server error",
            "type": "internal_server_error",
            "param": None,
            "code": "3000",
        }
        return [sse(obj)]

    def error(self, call: Call, kind: str, retry_after: float = 1.0, message: str = "") -> Response:
        if kind in ("bad_key", "missing_key"):
            return Response(
                status=401, body=b'{"detail":"Invalid API Key"}\n'
            )  # as recorded, newline included
        if kind == "rate_limit":
            return self.mistral_error(
                429,
                "rate_limited",
                "Requests rate limit exceeded",
                "1300",
                {"Retry-After": retry_seconds(retry_after)},
            )
        if kind == "overloaded":
            return self.mistral_error(503, "service_unavailable", "Service unavailable", "3505")
        if kind == "server":
            return self.mistral_error(500, "internal_server_error", "Internal server error", "3000")
        if kind == "not_found":
            return json_response(404, {"detail": "Not Found"})
        return self.mistral_error(400, "invalid_request_error", message, "3001")


class OpenRouter(OpenAIChat):
    name = "openrouter"
    routes = (
        route("POST", "/api/v1/chat/completions", "chat", chat=True),
        route("GET", "/api/v1/models", "list_models", auth=False),  # public on OpenRouter
        route("GET", "/api/v1/key", "key_info"),
    )
    models = ("openai/gpt-4o-mini", "anthropic/claude-sonnet-4.5", "meta-llama/llama-3.3-70b-instruct:free")
    id_prefix = "gen-mock-"
    service_tier = None
    fingerprint = None
    logprobs = False
    obfuscation = False
    usage_always = True  # OpenRouter always sends usage (with cost) in the last message
    cors_on_auth_error = True
    prelude = (b": OPENROUTER PROCESSING\n\n", b": OPENROUTER PROCESSING\n\n")
    keepalive = b": OPENROUTER PROCESSING\n\n"
    nonstream_prefix = b"\n         \n\n         \n"  # recorded: whitespace lines before the JSON
    prompt_price = 0.000001  # USD per token; /api/v1/models reports the same prices
    completion_price = 0.000002

    def cost(self, reply: Reply) -> float:
        return round(reply.input_tokens * self.prompt_price + reply.output_tokens * self.completion_price, 12)

    def usage(self, call: Call, reply: Reply) -> dict[str, Any]:
        return {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.total_tokens,
            "cost": self.cost(reply),
            "is_byok": False,
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
        }

    def choice(self, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        out = super().choice(delta, finish)
        out["native_finish_reason"] = {"stop": "end_turn", "length": "max_tokens"}.get(finish or "")
        return out

    def decorate(self, call: Call, chunk: dict[str, Any], i: int, kind: str, reply: Reply) -> dict[str, Any]:
        chunk["provider"] = "Mock"
        return chunk

    def completion(self, call: Call, info: ChatInfo, reply: Reply) -> dict[str, Any]:
        out = super().completion(call, info, reply)
        out["provider"] = "Mock"
        out["choices"][0]["native_finish_reason"] = "end_turn" if reply.finish == "stop" else "max_tokens"
        return out

    def midstream(self, call: Call, info: ChatInfo) -> list[bytes]:
        # OpenRouter: a chunk with a top-level error and finish_reason "error", after the 200.
        chunk = self.envelope(call, info, "chat.completion.chunk")
        chunk["provider"] = "Mock"
        chunk["error"] = {"code": 502, "message": "Provider returned error"}
        chunk["choices"] = [
            {"index": 0, "delta": {"content": ""}, "finish_reason": "error", "native_finish_reason": None}
        ]
        return [sse(chunk)]

    def or_error(
        self, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any
    ) -> Response:
        return json_response(status, {"error": {"message": message, "code": status, **extra}}, headers)

    def error(self, call: Call, kind: str, retry_after: float = 1.0, message: str = "") -> Response:
        if kind == "missing_key":
            return self.or_error(401, "No auth credentials found")
        if kind == "bad_key":
            return self.or_error(401, "User not found.")
        if kind == "rate_limit":
            return self.or_error(
                429,
                "Rate limit exceeded: limit_rpm/mock. Please retry shortly.",
                {"Retry-After": retry_seconds(retry_after)},
                metadata={"headers": {"X-RateLimit-Limit": "1", "X-RateLimit-Remaining": "0"}},
            )
        if kind == "overloaded":
            return self.or_error(503, "No instances available for this model. Please try again later.")
        if kind == "server":
            return self.or_error(500, "Internal Server Error")
        if kind == "not_found":
            return self.or_error(404, f"Not Found: {message}")
        return self.or_error(400, message)

    def key_info(self, call: Call) -> Response:
        key = self.key(call) or ""
        data = {
            "label": mask(key),
            "limit": None,
            "usage": 0.0,
            "is_free_tier": False,
            "limit_remaining": None,
            "is_provisioning_key": False,
            "rate_limit": {"requests": 20, "interval": "10s"},
        }
        return json_response(200, {"data": data})

    def model_entry(self, model: str) -> dict[str, Any]:
        return {
            "id": model,
            "canonical_slug": model,
            "name": f"Mock: {model}",
            "created": 1700000000,
            "description": "A model served by the Switchboard mock.",
            "context_length": 128000,
            "architecture": {
                "modality": "text->text",
                "input_modalities": ["text"],
                "output_modalities": ["text"],
                "tokenizer": "Other",
            },
            "pricing": {
                "prompt": f"{self.prompt_price:.6f}",
                "completion": f"{self.completion_price:.6f}",
                "request": "0",
                "image": "0",
            },
            "top_provider": {"context_length": 128000, "max_completion_tokens": 16384, "is_moderated": False},
            "supported_parameters": ["max_tokens", "temperature", "top_p", "stop"],
        }

    def list_models(self, call: Call) -> Response:
        return json_response(200, {"data": [self.model_entry(m) for m in self.models]})


class DeepSeek(OpenAIChat):
    name = "deepseek"
    routes = (
        *openai_routes(""),
        *openai_routes("/v1"),
        route("GET", "/user/balance", "balance"),
    )
    models = ("deepseek-chat", "deepseek-reasoner")
    owner = "deepseek"
    id_prefix = "ds-mock-"
    service_tier = None
    fingerprint = "fp_mock_prod"
    obfuscation = False
    cors_on_auth_error = True
    prelude = (b": keep-alive\n\n",)
    keepalive = b": keep-alive\n\n"
    nonstream_prefix = b"\n\n"  # DeepSeek writes keep-alive newlines before a slow non-stream body

    def usage(self, call: Call, reply: Reply) -> dict[str, Any]:
        return {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.total_tokens,
            "prompt_tokens_details": {"cached_tokens": 0},
            "prompt_cache_hit_tokens": 0,
            "prompt_cache_miss_tokens": reply.input_tokens,
        }

    def chunks(self, call: Call, info: ChatInfo, reply: Reply) -> list[dict[str, Any]]:
        # Recorded: usage rides on the finishing chunk rather than a separate choices: [] chunk.
        out = super().chunks(call, info, reply)
        if out and out[-1]["choices"] == [] and len(out) >= 2:
            out[-2]["usage"] = out.pop()["usage"]
        return out

    def error(self, call: Call, kind: str, retry_after: float = 1.0, message: str = "") -> Response:
        if kind in ("bad_key", "missing_key"):
            text = f"Authentication Fails, Your api key: {mask(self.key(call) or '')} is invalid"
            return self.err(401, "authentication_error", text, "invalid_request_error")
        if kind == "invalid":
            resp = self.err(400, "invalid_request_error", message, "invalid_request_error")
            resp.content_type = "application/octet-stream"  # recorded quirk: a JSON body with this type
            return resp
        if kind == "overloaded":
            return self.err(503, "service_unavailable_error", "Server overloaded, please try again later.")
        return super().error(call, kind, retry_after, message)

    def balance(self, call: Call) -> Response:
        info = {
            "currency": "USD",
            "total_balance": "10.00",
            "granted_balance": "0.00",
            "topped_up_balance": "10.00",
        }
        return json_response(200, {"is_available": True, "balance_infos": [info]})

    def model_entry(self, model: str) -> dict[str, Any]:
        return {"id": model, "object": "model", "owned_by": self.owner}


class XAI(OpenAIChat):
    name = "xai"
    routes = (*openai_routes("/v1"), route("GET", "/v1/api-key", "key_info"))
    models = ("grok-4", "grok-4-fast-non-reasoning")
    owner = "xai"
    id_prefix = "xai-mock-"
    logprobs = False
    null_finish = False
    null_usage = False
    obfuscation = False
    cors_on_auth_error = True
    ticks_in = 2000  # cost_in_usd_ticks per token (1 USD = 1e10 ticks)
    ticks_out = 5000

    def usage(self, call: Call, reply: Reply) -> dict[str, Any]:
        out = super().usage(call, reply)
        out["num_sources_used"] = 0
        out["cost_in_usd_ticks"] = reply.input_tokens * self.ticks_in + reply.output_tokens * self.ticks_out
        return out

    def x_error(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> Response:
        return json_response(status, {"code": code, "error": message}, headers)

    def error(self, call: Call, kind: str, retry_after: float = 1.0, message: str = "") -> Response:
        if kind in ("bad_key", "missing_key"):  # recorded: xAI answers a wrong key with 400
            return self.x_error(
                400,
                "invalid-argument",
                "Incorrect API key provided. You can obtain an API key from https://console.x.ai.",
            )
        if kind == "rate_limit":
            return self.x_error(
                429, "resource-exhausted", "Too many requests", {"Retry-After": retry_seconds(retry_after)}
            )
        if kind == "overloaded":
            return self.x_error(503, "unavailable", "Service temporarily unavailable")
        if kind == "server":
            return self.x_error(500, "internal", "Internal server error")
        if kind == "not_found":
            return self.x_error(404, "not-found", f"No handler for {message}")
        return self.x_error(400, "invalid-argument", message)

    def key_info(self, call: Call) -> Response:
        return json_response(
            200,
            {
                "redacted_api_key": mask(self.key(call) or ""),
                "user_id": "mock-user",
                "name": "mock key",
                "create_time": "2025-01-01T00:00:00Z",
                "modify_time": "2025-01-01T00:00:00Z",
                "modified_by": "mock-user",
                "team_id": "mock-team",
                "acls": ["api-key:model:*", "api-key:endpoint:*"],
                "api_key_id": "mock-key-id",
                "team_blocked": False,
                "api_key_blocked": False,
                "api_key_disabled": False,
            },
        )


class Together(OpenAIChat):
    name = "together"
    models = ("meta-llama/Llama-3.3-70B-Instruct-Turbo", "Qwen/Qwen2.5-7B-Instruct-Turbo")
    owner = "together"
    id_prefix = "together-mock-"
    service_tier = None
    fingerprint = None
    obfuscation = False
    usage_always = True  # (?) Together reports usage on the final chunk
    cors_on_auth_error = True

    def usage(self, call: Call, reply: Reply) -> dict[str, Any]:
        return {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.total_tokens,
        }

    def error(self, call: Call, kind: str, retry_after: float = 1.0, message: str = "") -> Response:
        if kind in ("bad_key", "missing_key"):
            text = "Invalid API key provided. You can find your API key at https://api.together.xyz/settings/api-keys."
            return self.err(401, "invalid_request_error", text, "invalid_api_key")
        return super().error(call, kind, retry_after, message)

    def model_entry(self, model: str) -> dict[str, Any]:
        return {
            "id": model,
            "object": "model",
            "created": 1700000000,
            "type": "chat",
            "display_name": model.split("/")[-1],
            "organization": model.split("/")[0],
            "context_length": 131072,
            "pricing": {"input": 0.88, "output": 0.88, "hourly": 0, "base": 0, "finetune": 0},
        }

    def list_models(self, call: Call) -> Response:
        return json_response(
            200, [self.model_entry(m) for m in self.models]
        )  # a bare array, as Together does
