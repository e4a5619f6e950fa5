"""Switchboard: one prompt, many LLM providers, keys that never leave the browser."""

__version__ = "0.1.0"
