"""scripts/serve.py's server: a browser dropping a download (a tab closed mid-file) prints nothing."""

from __future__ import annotations

import pytest
from scripts.serve import Handler, Server


def test_a_dropped_download_is_quiet_and_any_other_error_is_not(capsys: pytest.CaptureFixture[str]) -> None:
    server = Server(("127.0.0.1", 0), Handler)
    try:
        for error, printed in ((ConnectionResetError(104, "reset"), False), (BrokenPipeError(32, "pipe"), False),
                               (ValueError("a bug"), True)):
            try:
                raise error
            except Exception:
                server.handle_error(None, ("127.0.0.1", 1))
            assert ("Traceback" in capsys.readouterr().err) is printed, error
    finally:
        server.server_close()
