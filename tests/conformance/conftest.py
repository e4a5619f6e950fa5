"""One mock for the whole conformance run (start-up is cheap, but SDK clients reuse it); each test gets
it with an empty request log and default settings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from scripts.mock_providers import MockProviders

DEFAULTS = {"pace": 0.0, "scenario": "ok", "slow_first_token": 0.4, "stall_max": 5.0, "ollama_origins": (),
            "reply_text": None}


@pytest.fixture(scope="session")
def _mock_server() -> Iterator[MockProviders]:
    with MockProviders(**DEFAULTS) as mock:
        yield mock


@pytest.fixture
def mock(_mock_server: MockProviders) -> Iterator[MockProviders]:
    _mock_server.configure(**DEFAULTS)
    _mock_server.clear()
    yield _mock_server
    assert not _mock_server.errors, f"the mock raised: {list(_mock_server.errors)}"
