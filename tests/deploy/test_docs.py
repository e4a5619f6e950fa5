"""docs/deploy.md stays true: its sections, and the policy it shows is the one the build generates."""

from __future__ import annotations

import re
from pathlib import Path

from scripts.buildlib import csp

DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def test_deploy_doc_has_every_section() -> None:
    headings = re.findall(r"^## (.+)$", DOC.read_text(), re.MULTILINE)
    for section in ("Local", "nginx and Docker", "GitHub Pages", "Content-Security-Policy", "Offline",
                    "Saved copy"):
        assert section in headings, (section, headings)


def test_deploy_doc_shows_the_generated_policy() -> None:
    text = DOC.read_text()
    blocks = re.findall(r"^```\n(default-src [^\n]+)\n```$", text, re.MULTILINE)
    assert blocks == [csp.header_policy()], "update the policy shown in docs/deploy.md"
    origins = csp.provider_origins()
    assert "https://api.openai.com" in origins and len(origins) >= 10, origins  # not a loop over nothing
    for origin in origins:
        assert origin in text, origin
