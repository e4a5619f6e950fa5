#!/usr/bin/env python3
"""Set up, build and serve Switchboard: `python3 scripts/serve.py [--port N]` then open the printed URL.

Serves dist/ on 127.0.0.1 with the right MIME types and no caching (so a rebuild shows at once).
`--base /switchboard/` serves it under a sub-path, as GitHub Pages would; `--no-build` serves dist/ as is.
`--nginx` serves it through Debian's nginx with the project's own nginx.conf (the production headers).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts import devsetup  # noqa: E402

DIST = ROOT / "dist"


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm",
        ".json": "application/json", ".webmanifest": "application/manifest+json", ".svg": "image/svg+xml",
    }
    base = "/"

    def translate_path(self, path: str) -> str:
        if not path.startswith(self.base):
            # A 404, as from a host that publishes only the sub-path.
            return str(Path(self.directory) / "__outside_base__")
        return super().translate_path("/" + path[len(self.base):])

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.verbose:  # type: ignore[attr-defined]
            super().log_message(format, *args)


class Server(http.server.ThreadingHTTPServer):
    """A server that takes a download the browser dropped (a tab closed while files still came) quietly."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError):
            super().handle_error(request, client_address)


def serve(port: int, host: str, base: str, verbose: bool, directory: Path = DIST) -> None:
    handler = functools.partial(Handler, directory=str(directory))
    Handler.base = base
    with Server((host, port), handler) as httpd:
        httpd.verbose = verbose  # type: ignore[attr-defined]
        httpd.daemon_threads = True
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        print(f"Switchboard is at http://{host}:{httpd.server_address[1]}{base}  (Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            httpd.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--base", default="/", help="URL path to serve dist/ under, e.g. /switchboard/")
    parser.add_argument("--no-build", action="store_true", help="serve dist/ without rebuilding it")
    parser.add_argument("--dir", type=Path, default=DIST, help="serve this folder instead of dist/ (tests)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument("--nginx", action="store_true", help="serve through nginx with the project's nginx.conf")
    args = parser.parse_args(argv)
    base = "/" + args.base.strip("/") + "/" if args.base.strip("/") else "/"
    if not args.no_build:
        python = devsetup.ensure(test=False)
        subprocess.run([str(python), str(ROOT / "scripts" / "build.py")], check=True)
    if not (args.dir / "index.html").exists():
        print(f"{args.dir} has no index.html: run without --no-build", file=sys.stderr)
        return 1
    if args.nginx:
        from scripts import nginx_serve

        return nginx_serve.run(args.port, args.host, base, args.dir, args.verbose)
    serve(args.port, args.host, base, args.verbose, args.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
