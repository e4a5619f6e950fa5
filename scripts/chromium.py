"""How we launch Debian's Chromium for tests and benchmarks: no sandbox as root, no background traffic."""

from __future__ import annotations

import os
from collections.abc import Mapping

EXECUTABLE = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BASE_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # without these Chromium keeps calling Google services, which this closed network refuses
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def host_rules(mapping: Mapping[str, int]) -> str:
    """Resolver rules that send each provider host to a loopback port and make every other host unresolvable."""
    rules = [f"MAP {host} 127.0.0.1:{port}" for host, port in sorted(mapping.items())]
    rules += ["MAP * ~NOTFOUND", "EXCLUDE 127.0.0.1", "EXCLUDE localhost"]
    return "--host-resolver-rules=" + ", ".join(rules)
