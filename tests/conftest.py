"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check behaviour, not speed: hypothesis's default 200 ms deadline per example fails
# them at random on a loaded 2-core machine.
settings.register_profile("switchboard", deadline=None)
settings.load_profile("switchboard")

DIST = Path(__file__).resolve().parents[1] / "dist"


@pytest.fixture(scope="session")
def dist() -> Path:
    """The built site; scripts/test builds it before any test runs."""
    if not (DIST / "index.html").exists():
        pytest.fail("dist/ is not built: run scripts/test (or python3 scripts/build.py)")
    return DIST
