"""Chat values: the request, the events a provider stream turns into, and the collected completion."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, TypeAlias

from .errors import ProviderError

Role: TypeAlias = Literal["user", "assistant"]
FinishReason: TypeAlias = Literal["stop", "length", "tool_calls", "content_filter", "error"]
FINISH_REASONS: tuple[FinishReason, ...] = ("stop", "length", "tool_calls", "content_filter", "error")


@dataclass(frozen=True, slots=True)
class Message:
    """One turn of the conversation."""

    role: Role
    content: str

    def __post_init__(self) -> None:
        if self.role not in ("user", "assistant"):
            raise ValueError(f"role must be 'user' or 'assistant', not {self.role!r}")


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """What to ask: provider-neutral; each adapter turns it into its own wire body."""

    model: str
    messages: list[Message]
    system: str | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None
    stream: bool = True


@dataclass(frozen=True, slots=True)
class Usage:
    """Normalised token counts and cost; every field is None when the provider did not say.

    ``input_tokens`` counts ALL input (cached included), ``output_tokens`` ALL output (reasoning included).
    """

    input_tokens: int | None = None
    cached_input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cost_usd: Decimal | None = None

    @classmethod
    def normalised(
        cls,
        *,
        input_tokens: int | None = None,
        cached_input_tokens: int | None = None,
        output_tokens: int | None = None,
        reasoning_tokens: int | None = None,
        total_tokens: int | None = None,
        cost_usd: Decimal | None = None,
    ) -> Usage:
        """Build a Usage, trusting ``total_tokens`` when it exceeds input + output (xAI, Gemini thoughts)."""
        if (
            total_tokens is not None
            and input_tokens is not None
            and total_tokens > input_tokens + (output_tokens or 0)
        ):
            output_tokens = total_tokens - input_tokens
        return cls(input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, cost_usd)

    def merge(self, newer: Usage) -> Usage:
        """Fields the newer report states replace ours; the rest stay."""
        return Usage(
            newer.input_tokens if newer.input_tokens is not None else self.input_tokens,
            newer.cached_input_tokens if newer.cached_input_tokens is not None else self.cached_input_tokens,
            newer.output_tokens if newer.output_tokens is not None else self.output_tokens,
            newer.reasoning_tokens if newer.reasoning_tokens is not None else self.reasoning_tokens,
            newer.cost_usd if newer.cost_usd is not None else self.cost_usd,
        )


# ------------------------------------------------------------------------------------------------ events


@dataclass(frozen=True, slots=True)
class Started:
    """The provider accepted the request; ``model`` is the exact model it says it runs."""

    model: str | None = None
    response_id: str | None = None


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the visible answer."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """A piece of thinking / reasoning text, shown apart from the answer."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A piece of a tool call the model asked for; pieces with the same index belong together."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(frozen=True, slots=True)
class UsageUpdate:
    """Token counts so far; later updates refine earlier ones field by field (``Usage.merge``)."""

    usage: Usage


@dataclass(frozen=True, slots=True)
class Finish:
    """Why the model stopped; ``native`` keeps the provider's own word for it."""

    reason: FinishReason | None
    native: str | None = None


@dataclass(frozen=True, slots=True)
class StreamError:
    """The call failed (before or during the stream); events before it stay valid."""

    error: ProviderError


Event: TypeAlias = Started | TextDelta | ReasoningDelta | ToolCallDelta | UsageUpdate | Finish | StreamError


# -------------------------------------------------------------------------------------------- completion


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A whole tool call: name and JSON arguments as the model wrote them."""

    id: str | None
    name: str | None
    arguments: str


@dataclass(frozen=True, slots=True)
class Completion:
    """A whole answer: visible text, reasoning apart, why it stopped, usage and any error."""

    text: str = ""
    reasoning_text: str = ""
    finish_reason: FinishReason | None = None
    usage: Usage = field(default_factory=Usage)
    error: ProviderError | None = None
    model: str | None = None
    response_id: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    native_finish_reason: str | None = None


def collect(events: Iterable[Event]) -> Completion:
    """Fold events into a Completion; text received before an error is kept."""
    text: list[str] = []
    reasoning: list[str] = []
    calls: dict[int, list[str | None]] = {}
    usage = Usage()
    finish: FinishReason | None = None
    native: str | None = None
    error: ProviderError | None = None
    model: str | None = None
    response_id: str | None = None
    for event in events:
        if isinstance(event, TextDelta):
            text.append(event.text)
        elif isinstance(event, ReasoningDelta):
            reasoning.append(event.text)
        elif isinstance(event, UsageUpdate):
            usage = usage.merge(event.usage)
        elif isinstance(event, Finish):
            finish, native = event.reason, event.native
        elif isinstance(event, ToolCallDelta):
            call = calls.setdefault(event.index, [None, None, ""])
            call[0] = call[0] or event.id
            call[1] = call[1] or event.name
            call[2] = (call[2] or "") + event.arguments
        elif isinstance(event, StreamError):
            error = event.error
        elif isinstance(event, Started):
            model = event.model or model
            response_id = event.response_id or response_id
    tool_calls = tuple(ToolCall(c[0], c[1], c[2] or "") for _, c in sorted(calls.items()))
    return Completion(
        text="".join(text),
        reasoning_text="".join(reasoning),
        finish_reason="error" if error is not None else finish,
        usage=usage,
        error=error,
        model=model,
        response_id=response_id,
        tool_calls=tool_calls,
        native_finish_reason=native,
    )


def completion_events(completion: Completion) -> list[Event]:
    """The events that ``collect`` folds back into ``completion`` (for non-streamed answers)."""
    events: list[Event] = [Started(completion.model, completion.response_id)]
    if completion.reasoning_text:
        events.append(ReasoningDelta(completion.reasoning_text))
    if completion.text:
        events.append(TextDelta(completion.text))
    events.extend(ToolCallDelta(i, c.id, c.name, c.arguments) for i, c in enumerate(completion.tool_calls))
    if completion.usage != Usage():
        events.append(UsageUpdate(completion.usage))
    if completion.finish_reason is not None or completion.native_finish_reason is not None:
        events.append(Finish(completion.finish_reason, completion.native_finish_reason))
    if completion.error is not None:
        events.append(StreamError(completion.error))
    return events

