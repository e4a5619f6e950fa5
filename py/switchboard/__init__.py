"""Switchboard: one prompt, many LLM providers, keys that never leave the browser."""

from .chat import (
    ChatRequest,
    Completion,
    Event,
    Finish,
    Message,
    ReasoningDelta,
    Started,
    StreamError,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    Usage,
    UsageUpdate,
    collect,
)
from .errors import ProviderError

__version__ = "0.1.0"

__all__ = [
    "ChatRequest",
    "Completion",
    "Event",
    "Finish",
    "Message",
    "ProviderError",
    "ReasoningDelta",
    "Started",
    "StreamError",
    "TextDelta",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
    "UsageUpdate",
    "__version__",
    "collect",
]
