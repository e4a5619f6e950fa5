"""Build-time HTML for the shell, rendered from the Python registry so the page and the code agree."""

from __future__ import annotations

import html
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "py"))

from switchboard.providers import all_providers


def provider_list() -> str:
    """One checkbox per built-in provider, painted before Python starts and enabled by it.

    Custom OpenAI-compatible endpoints have a base URL of the user's, so they are not listed here.
    """
    rows = []
    for provider in all_providers():
        if provider.default_base_url is None:
            continue
        pid, name = html.escape(provider.id, quote=True), html.escape(provider.display_name)
        rows.append(f'<label class="provider"><input type="checkbox" name="provider" value="{pid}"> {name}</label>')
    return "\n      ".join(rows)
