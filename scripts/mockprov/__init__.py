"""Loopback mock of the LLM providers Switchboard talks to. Standard library only.

Entry point and public API: scripts/mock_providers.py. Guide: docs/mock-providers.md.
"""

from .base import INVALID_KEY, key_is_bad
from .registry import PROVIDERS, TLS_HOSTS
from .scenario import SCENARIOS, Scenario
from .server import MockProviders
from .text import count_tokens

__all__ = [
    "INVALID_KEY",
    "PROVIDERS",
    "SCENARIOS",
    "TLS_HOSTS",
    "MockProviders",
    "Scenario",
    "count_tokens",
    "key_is_bad",
]
