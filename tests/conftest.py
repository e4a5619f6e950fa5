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


@pytest.fixture(scope="session")
def price_data_wheel() -> Path:
    """The pinned genai-prices wheel the build makes the price catalog from, as the build cached it."""
    from scripts.buildlib import artifacts, price_catalog

    root = Path(__file__).resolve().parents[1]
    entry = artifacts.load_lock(root / "scripts" / "artifacts.lock.json")[("data", price_catalog.PACKAGE)]
    wheel = root / ".cache" / "artifacts" / entry.file
    if not wheel.exists():
        pytest.fail(f"{entry.file} is not in .cache/artifacts: run scripts/test (or python3 scripts/build.py)")
    assert artifacts.sha256_of(wheel) == entry.sha256
    return wheel
