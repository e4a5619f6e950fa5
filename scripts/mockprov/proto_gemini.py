"""Gemini (Generative Language API): each SSE event is a whole GenerateContentResponse, `data: ` with a
space, CRLF line ends, no [DONE]; usageMetadata on every chunk, the last one final. Without `alt=sse`,
streamGenerateContent sends one JSON array, delivered element by element."""

from __future__ import annotations

from typing import Any

from .base import Call, ChatInfo, Protocol, Response, dumps, json_response, retry_seconds, route, sse
from .text import Reply, content_text

MODEL = r"(?P<model>[^/:]+)"
VERSION = r"/v1(?:beta|alpha)?"


class Gemini(Protocol):
    name = "gemini"
    routes = (
        route("POST", VERSION + "/models/" + MODEL + ":generateContent", "chat", chat=True),
        route("POST", VERSION + "/models/" + MODEL + ":streamGenerateContent", "chat", chat=True),
        route("POST", VERSION + "/models/" + MODEL + ":countTokens", "count_tokens"),
        route("GET", VERSION + "/models", "list_models"),
        route("GET", VERSION + "/models/" + MODEL, "get_model"),
    )
    models = ("gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite")

    def key(self, call: Call) -> str | None:
        return call.headers.get("x-goog-api-key") or call.query.get("key")

    # ---- request -----------------------------------------------------------------------------------
    def validate(self, call: Call) -> Response | None:
        contents = call.body.get("contents")
        if not isinstance(contents, list) or not contents:
            return self.error(
                call, "invalid", message="* GenerateContentRequest.contents: contents is not specified"
            )
        return None

    def chat_info(self, call: Call, groups: dict[str, str]) -> ChatInfo:
        body = call.body
        contents = [c for c in body["contents"] if isinstance(c, dict)]
        users = [c for c in contents if c.get("role", "user") == "user"]
        system = body.get("systemInstruction") or body.get("system_instruction")
        config = body.get("generationConfig") or body.get("generation_config") or {}
        max_tokens = config.get("maxOutputTokens", config.get("max_output_tokens"))
        return ChatInfo(
            model=groups["model"],
            prompt=content_text(users[-1]) if users else "",
            input_text=" ".join([content_text(system)] + [content_text(c) for c in contents]),
            max_tokens=max_tokens if isinstance(max_tokens, int) else None,
            stream=call.path.endswith(":streamGenerateContent"),
        )

    # ---- payloads ----------------------------------------------------------------------------------
    @staticmethod
    def usage(reply: Reply, output: int) -> dict[str, Any]:
        out: dict[str, Any] = {"promptTokenCount": reply.input_tokens}
        if output:
            out["candidatesTokenCount"] = output
        out["totalTokenCount"] = reply.input_tokens + output
        out["promptTokensDetails"] = [{"modality": "TEXT", "tokenCount": reply.input_tokens}]
        return out

    def response(
        self, call: Call, info: ChatInfo, text: str, finish: str | None, usage: dict[str, Any]
    ) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}}
        if finish:
            candidate["finishReason"] = finish
        candidate["index"] = 0
        return {
            "candidates": [candidate],
            "usageMetadata": usage,
            "modelVersion": info.model,
            "responseId": f"mockresp{call.seq:06d}",
        }

    def chunks(self, call: Call, info: ChatInfo, reply: Reply) -> list[dict[str, Any]]:
        finish = "MAX_TOKENS" if reply.finish == "length" else "STOP"
        pieces = reply.chunks or [""]
        return [
            self.response(
                call,
                info,
                piece,
                finish if i == len(pieces) - 1 else None,
                self.usage(reply, min(i + 1, reply.output_tokens)),
            )
            for i, piece in enumerate(pieces)
        ]

    def chat(self, call: Call, info: ChatInfo, reply: Reply) -> Response:
        if not info.stream:
            finish = "MAX_TOKENS" if reply.finish == "length" else "STOP"
            body = self.response(call, info, reply.text, finish, self.usage(reply, reply.output_tokens))
            return json_response(200, body, content_type="application/json; charset=UTF-8")
        error = {"error": {"code": 500, "message": "Internal error encountered.", "status": "INTERNAL"}}
        chunks = self.chunks(call, info, reply)
        if call.query.get("alt") == "sse":
            return Response(
                content_type="text/event-stream",
                frames=[sse(c, compact=False, eol="\r\n") for c in chunks],
                error_frames=[sse(error, compact=False, eol="\r\n")],
            )
        # No alt=sse: a JSON array, written element by element as the real service does.
        frames = [
            ("[" if i == 0 else "\n,\r\n").encode() + dumps(c, False).encode() for i, c in enumerate(chunks)
        ]
        frames.append(b"\n]")
        return Response(
            content_type="application/json; charset=UTF-8",
            frames=frames,
            error_frames=[b"\n,\r\n" + dumps(error, False).encode() + b"\n]"],
        )

    # ---- errors ------------------------------------------------------------------------------------
    def err(
        self,
        status: int,
        state: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        obj: dict[str, Any] = {"code": status, "message": message, "status": state}
        if details:
            obj["details"] = details
        return json_response(status, {"error": obj}, headers, content_type="application/json; charset=UTF-8")

    def error(self, call: Call, kind: str, retry_after: float = 1.0, message: str = "") -> Response:
        if kind == "bad_key":
            info = {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            }
            return self.err(
                400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [info]
            )
        if kind == "missing_key":
            return self.err(
                403,
                "PERMISSION_DENIED",
                "Method doesn't allow unregistered callers (callers without established identity). "
                "Please use API Key or other form of API consumer identity to call this API.",
            )
        if kind == "rate_limit":
            # Gemini says when to retry in the body (RetryInfo), not in a Retry-After header (recorded).
            retry = {
                "@type": "type.googleapis.com/google.rpc.RetryInfo",
                "retryDelay": f"{retry_seconds(retry_after)}s",
            }
            return self.err(
                429,
                "RESOURCE_EXHAUSTED",
                "You exceeded your current quota, please check your plan and billing details.",
                [retry],
            )
        if kind == "overloaded":
            return self.err(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")
        if kind == "server":
            return self.err(500, "INTERNAL", "Internal error encountered.")
        if kind == "not_found":
            return self.err(404, "NOT_FOUND", f"Requested entity was not found: {message}")
        return self.err(400, "INVALID_ARGUMENT", message)

    # ---- other endpoints ---------------------------------------------------------------------------
    def count_tokens(self, call: Call, model: str) -> Response:
        contents = call.body.get("contents") if isinstance(call.body, dict) else None
        return json_response(200, {"totalTokens": len(content_text(contents or []).split())})

    def model_entry(self, model: str) -> dict[str, Any]:
        return {
            "name": f"models/{model}",
            "version": "001",
            "displayName": model.replace("-", " ").title(),
            "description": "A model served by the Switchboard mock.",
            "inputTokenLimit": 1048576,
            "outputTokenLimit": 65536,
            "supportedGenerationMethods": ["generateContent", "countTokens"],
            "temperature": 1,
            "topP": 0.95,
            "topK": 64,
            "maxTemperature": 2,
            "thinking": True,
        }

    def list_models(self, call: Call) -> Response:
        return json_response(
            200,
            {"models": [self.model_entry(m) for m in self.models]},
            content_type="application/json; charset=UTF-8",
        )

    def get_model(self, call: Call, model: str) -> Response:
        return json_response(200, self.model_entry(model), content_type="application/json; charset=UTF-8")
