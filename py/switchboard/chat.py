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


class Fold:
    """Folds events into a Completion one at a time: the one fold behind collect() and live answers.

    Text received before an error is kept; `text` can be read at any point while events arrive.
    """

    def __init__(self) -> None:
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._calls: dict[int, list[str | None]] = {}
        self.usage = Usage()
        self.finish: FinishReason | None = None
        self.native: str | None = None
        self.error: ProviderError | None = None
        self.model: str | None = None
        self.response_id: str | None = None

    def feed(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            self._text.append(event.text)
        elif isinstance(event, ReasoningDelta):
            self._reasoning.append(event.text)
        elif isinstance(event, UsageUpdate):
            self.usage = self.usage.merge(event.usage)
        elif isinstance(event, Finish):
            self.finish, self.native = event.reason, event.native
        elif isinstance(event, ToolCallDelta):
            call = self._calls.setdefault(event.index, [None, None, ""])
            call[0] = call[0] or event.id
            call[1] = call[1] or event.name
            call[2] = (call[2] or "") + event.arguments
        elif isinstance(event, StreamError):
            self.error = event.error
        elif isinstance(event, Started):
            self.model = event.model or self.model
            self.response_id = event.response_id or self.response_id

    @property
    def text(self) -> str:
        if len(self._text) > 1:  # join once per read, not once per delta
            self._text = ["".join(self._text)]
        return self._text[0] if self._text else ""

    @property
    def reasoning(self) -> str:
        if len(self._reasoning) > 1:
            self._reasoning = ["".join(self._reasoning)]
        return self._reasoning[0] if self._reasoning else ""

    def completion(self) -> Completion:
        tool_calls = tuple(ToolCall(c[0], c[1], c[2] or "") for _, c in sorted(self._calls.items()))
        return Completion(
            text=self.text,
            reasoning_text=self.reasoning,
            finish_reason="error" if self.error is not None else self.finish,
            usage=self.usage,
            error=self.error,
            model=self.model,
            response_id=self.response_id,
            tool_calls=tool_calls,
            native_finish_reason=self.native,
        )


def collect(events: Iterable[Event]) -> Completion:
    """Fold events into a Completion; text received before an error is kept."""
    fold = Fold()
    for event in events:
        fold.feed(event)
    return fold.completion()


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

