#!/usr/bin/env python3
"""Mock LLM providers on loopback, for Switchboard's tests and for trying the app by hand.

    python3 scripts/mock_providers.py [--port 8787] [--tls-port 8788] [--pace 0.05] [--scenario ok]

From tests:  from scripts.mock_providers import MockProviders
             with MockProviders(pace=0.0) as mock: ... mock.base_url("openai") ... mock.requests
Standard library only (plain python3, no venv). Guide: docs/mock-providers.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the `scripts` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.mockprov import (
    INVALID_KEY,
    PROVIDERS,
    SCENARIOS,
    TLS_HOSTS,
    MockProviders,
    Scenario,
    count_tokens,
    key_is_bad,
)

__all__ = [
    "INVALID_KEY",
    "PROVIDERS",
    "SCENARIOS",
    "TLS_HOSTS",
    "MockProviders",
    "Scenario",
    "count_tokens",
    "key_is_bad",
    "main",
]


def banner(mock: MockProviders) -> str:
    lines = [
        f"Switchboard mock providers: HTTP {mock.http_url}"
        + (f"  TLS {mock.https_url}" if mock.https_url else ""),
        f"pace {mock.pace}s between chunks; default scenario {mock.scenario!r}",
        "",
        f"In Switchboard, add an OpenAI-compatible endpoint with base URL {mock.http_url}/v1 and any key.",
        "Every provider on the HTTP port (any key works; a key containing 'bad' or equal to "
        f"{INVALID_KEY!r} is rejected):",
    ]
    for p in PROVIDERS.values():
        lines.append(f"  {p.title:<18} {mock.base_url(p.name):<48} chat: {p.chat}")
    lines.append(
        f"  Ollama also answers as http://localhost:{mock.http_port} (Host: localhost), like :11434."
    )
    if mock.https_port:
        lines += [
            "",
            "Real provider URLs in Chromium (one TLS port for all hosts, self-signed cert):",
            f'  chromium --host-resolver-rules="{mock.host_resolver_rules}" --ignore-certificate-errors',
            f"  cert: {mock.cert_path}",
        ]
    lines += [
        "",
        "Scenarios: put mock-<name> in the prompt or model name, or send header x-mock-scenario: <name>:",
    ]
    lines += [f"  mock-{name:<16} {text}" for name, text in SCENARIOS.items()]
    lines += [
        "  mock-words-N         reply with exactly N words (combines with a scenario)",
        f'Control: GET {mock.http_url}/__mock/requests, POST /__mock/config {{"scenario": ...}}, '
        "POST /__mock/reset",
        "Ctrl-C stops.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Mock LLM providers on loopback (see docs/mock-providers.md).")
    ap.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    ap.add_argument("--port", type=int, default=8787, help="plain HTTP port (0: any free port)")
    ap.add_argument(
        "--tls-port", type=int, default=8788, help="TLS port for real host names (0: any free port)"
    )
    ap.add_argument("--no-tls", action="store_true", help="serve plain HTTP only")
    ap.add_argument("--pace", type=float, default=0.05, help="seconds between streamed chunks")
    ap.add_argument("--scenario", default="ok", help="default scenario: " + ", ".join(SCENARIOS))
    ap.add_argument("--slow", type=float, default=2.0, help="seconds before the first token in scenario slow")
    ap.add_argument("--stall-max", type=float, default=30.0, help="seconds a stalled stream stays open")
    ap.add_argument(
        "--ollama-origins", default="", help="extra origins Ollama admits, comma-separated ('*': all)"
    )
    ap.add_argument("--cert-dir", help="keep the self-signed cert here (reused on the next start)")
    ap.add_argument("--quiet", action="store_true", help="do not print one line per request")
    args = ap.parse_args(argv)

    def show(entry: dict[str, object]) -> None:
        kind = "preflight" if entry["method"] == "OPTIONS" else entry["method"]
        print(f"[{entry['port']}] {entry['provider']:<10} {kind} {entry['path']}", flush=True)

    mock = MockProviders(
        pace=args.pace,
        port=args.port,
        tls_port=None if args.no_tls else args.tls_port,
        host=args.host,
        scenario=args.scenario,
        slow_first_token=args.slow,
        stall_max=args.stall_max,
        ollama_origins=tuple(o.strip() for o in args.ollama_origins.split(",") if o.strip()),
        cert_dir=args.cert_dir,
        on_request=None if args.quiet else show,
    )
    mock.start()
    print(banner(mock), flush=True)
    try:
        mock.stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        mock.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
