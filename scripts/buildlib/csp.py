"""The Content-Security-Policy and the other security headers, built once (the policy from the provider registry).

One source of truth for three consumers: the build puts ``meta_policy()`` in ``dist/index.html`` (for hosts
that cannot set headers) and ``security_headers()`` into ``dist/sw.js`` (the service worker adds any of
them a host did not send to what it serves), and ``nginx.conf`` carries ``security_headers()`` literally
(a unit test and ``python3 scripts/buildlib/csp.py --check`` fail when it drifts; ``--write`` rewrites
those lines, and the policy docs/deploy.md shows). The policy names the page's styles and its theme script by
their hashes, so an edit of ``public/styles.css`` or ``public/theme.js`` needs ``--write`` too.

    python3 scripts/buildlib/csp.py            # print the header policy
    python3 scripts/buildlib/csp.py --write    # rewrite nginx.conf's security headers and docs/deploy.md's policy
    python3 scripts/buildlib/csp.py --check    # exit 1 when either is stale

A self-hosted copy that calls a remote custom endpoint adds its origin to ``EXTRA_CONNECT_SRC``, runs
``--write`` and rebuilds (see docs/deploy.md).
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "py") not in sys.path:
    sys.path.insert(0, str(ROOT / "py"))

from switchboard.providers import get, ids  # noqa: E402

NGINX_CONF = ROOT / "nginx.conf"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
_DOC_POLICY = re.compile(r"^```\n(default-src [^\n]*)\n```$", re.MULTILINE)
# The page's styles, which the build puts inline in index.html (a stylesheet to fetch would hold back the
# first paint): the policy allows exactly that text, by its hash, and no other style.
STYLES = ROOT / "public" / "styles.css"
# The script that puts the remembered theme on <html> before the first paint: inline in index.html's head
# for the same reason, and allowed by its hash beside 'self'.
THEME = ROOT / "public" / "theme.js"
# Local models (Ollama, LM Studio, llama.cpp, vLLM...) on any port of this machine.
LOCAL_MODELS = ("http://localhost:*", "http://127.0.0.1:*")
# Remote custom endpoints of a self-hosted copy, e.g. "https://llm.example.com"; one origin per entry.
EXTRA_CONNECT_SRC: tuple[str, ...] = ()
# 'wasm-unsafe-eval' lets Pyodide compile its WebAssembly (pydantic-core's side module included).
# No 'unsafe-eval': nothing builds a function from a string (PyScript did, one reason it was dropped).
# tests/browser/test_deploy_nginx.py proves it; docs/deploy.md ("Content-Security-Policy") explains.
SCRIPT_SRC = ("'self'", "'wasm-unsafe-eval'")
# Trusted Types: every HTML string and script URL the page hands to the DOM must come from a named
# policy, and only these may exist (no "default" policy, which would pass everything through).
# Pyodide starts with none (tests/browser/test_deploy_nginx.py; docs/security.md).
HTML_POLICY = "switchboard-html"  # web/dom.py, behind set_html / append_html: the one audited way the app writes HTML
SW_POLICY = "switchboard-sw"  # public/sw-register.js: makes only ./sw.js, for navigator.serviceWorker.register
INFLATE_POLICY = "switchboard-inflate"  # public/pyodide/snapshot.mjs: makes only its inflate.js worker's URL
TRUSTED_TYPES = (HTML_POLICY, SW_POLICY, INFLATE_POLICY)
# Powerful features the app never uses, off for the page and anything it might embed.
PERMISSIONS_POLICY = ("accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
                      "hid=(), magnetometer=(), microphone=(), midi=(), payment=(), serial=(), usb=(), "
                      "xr-spatial-tracking=(), browsing-topics=()")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def sri(digest: bytes) -> str:
    """A sha256 digest as Subresource Integrity and CSP hash sources write it: "sha256-<base64>"."""
    return "sha256-" + base64.b64encode(digest).decode()


def sha256_source(text: str) -> str:
    """The CSP source that allows exactly this inline script or style."""
    return f"'{sri(hashlib.sha256(text.encode()).digest())}'"


def styles() -> str:
    """The text of index.html's <style> element."""
    return STYLES.read_text(encoding="utf-8")


def theme_script() -> str:
    """The text of index.html's one inline <script> element."""
    return THEME.read_text(encoding="utf-8")


def origin(url: str) -> str:
    """scheme://host[:port] of an absolute http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}".lower()


def provider_origins() -> list[str]:
    """The origin of every provider with a fixed remote base URL, in registry order."""
    seen: list[str] = []
    for provider_id in ids():
        url = get(provider_id).default_base_url
        if url is None or urlsplit(url).hostname in _LOCAL_HOSTS:
            continue  # custom endpoints and local models are covered by LOCAL_MODELS / EXTRA_CONNECT_SRC
        if urlsplit(url).scheme != "https":
            raise ValueError(f"provider {provider_id} has a remote base URL without TLS: {url}")
        if origin(url) not in seen:
            seen.append(origin(url))
    return seen


def connect_src() -> list[str]:
    extra = [origin(url) for url in EXTRA_CONNECT_SRC]
    return ["'self'", *provider_origins(), *extra, *LOCAL_MODELS]


def directives(header: bool) -> list[tuple[str, list[str]]]:
    rules = [
        ("default-src", ["'self'"]),
        ("script-src", [*SCRIPT_SRC, sha256_source(theme_script())]),
        ("style-src", [sha256_source(styles())]),
        ("img-src", ["'self'", "data:"]),
        ("connect-src", connect_src()),
        ("worker-src", ["'self'"]),
        ("manifest-src", ["'self'"]),
        ("object-src", ["'none'"]),
        ("base-uri", ["'none'"]),
        ("form-action", ["'none'"]),
        ("require-trusted-types-for", ["'script'"]),
        ("trusted-types", list(TRUSTED_TYPES)),
    ]
    if header:
        rules.append(("frame-ancestors", ["'none'"]))  # ignored by browsers in a <meta> policy
    return rules


def _render(rules: list[tuple[str, list[str]]]) -> str:
    return "; ".join(f"{name} {' '.join(values)}" for name, values in rules)


def header_policy() -> str:
    """The policy nginx sends as a header."""
    return _render(directives(header=True))


def meta_policy() -> str:
    """The policy for ``<meta http-equiv="Content-Security-Policy">``: the header's minus frame-ancestors."""
    return _render(directives(header=False))


def security_headers() -> dict[str, str]:
    """Every security header nginx.conf sends on every response, by name, in its order."""
    return {
        "Content-Security-Policy": header_policy(),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


def _nginx_line(name: str) -> re.Pattern[str]:
    return re.compile(rf'^(\s*add_header\s+{re.escape(name)}\s+")([^"]*)("\s+always;)', re.MULTILINE)


def nginx_header(text: str, name: str) -> str:
    """The value of header ``name`` literally in an nginx.conf text (which must have exactly one such line)."""
    found = _nginx_line(name).findall(text)
    if len(found) != 1:
        raise ValueError(f"nginx.conf must have exactly one 'add_header {name} \"...\" always;' line, "
                         f"found {len(found)}")
    return str(found[0][1])


def nginx_headers(text: str) -> dict[str, str]:
    """The security headers an nginx.conf text sends, by name."""
    return {name: nginx_header(text, name) for name in security_headers()}


def nginx_policy(text: str) -> str:
    """The policy literally in an nginx.conf text."""
    return nginx_header(text, "Content-Security-Policy")


def with_header(text: str, name: str, value: str) -> str:
    """nginx.conf text with the line of header ``name`` set to ``value``."""
    nginx_header(text, name)
    return _nginx_line(name).sub(lambda m: m.group(1) + value + m.group(3), text)


def with_policy(text: str, policy: str) -> str:
    """nginx.conf text with its policy line set to ``policy``."""
    return with_header(text, "Content-Security-Policy", policy)


def doc_policies(text: str) -> list[str]:
    """The policies shown in a docs/deploy.md text (fenced blocks that start with default-src)."""
    return _DOC_POLICY.findall(text)


def with_doc_policy(text: str, policy: str) -> str:
    """docs/deploy.md text with its one policy block set to ``policy``."""
    if len(doc_policies(text)) != 1:
        raise ValueError("docs/deploy.md must show the policy in exactly one fenced block")
    return _DOC_POLICY.sub(lambda _: f"```\n{policy}\n```", text)


def main(argv: list[str]) -> int:
    if "--write" in argv:
        text = NGINX_CONF.read_text()
        for name, value in security_headers().items():
            text = with_header(text, name, value)
        NGINX_CONF.write_text(text)
        DEPLOY_DOC.write_text(with_doc_policy(DEPLOY_DOC.read_text(), header_policy()))
        print(f"updated {NGINX_CONF.relative_to(ROOT)} and {DEPLOY_DOC.relative_to(ROOT)}")
    elif "--check" in argv:
        if (nginx_headers(NGINX_CONF.read_text()) != security_headers()
                or doc_policies(DEPLOY_DOC.read_text()) != [header_policy()]):
            print("nginx.conf's security headers or docs/deploy.md's policy are stale: "
                  "run python3 scripts/buildlib/csp.py --write", file=sys.stderr)
            return 1
    else:
        print(header_policy())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
