"""The Content-Security-Policy: built from the provider registry, one policy for the meta tag and nginx."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from scripts.buildlib import csp

from switchboard.providers import get, ids

ROOT = Path(__file__).resolve().parents[2]


def directive(policy: str, name: str) -> list[str]:
    found = [part.split()[1:] for part in policy.split("; ") if part.split()[0] == name]
    assert len(found) == 1, (name, policy)
    return found[0]


def test_connect_src_is_self_every_provider_origin_and_local_models() -> None:
    connect = directive(csp.header_policy(), "connect-src")
    expected = {
        "https://api.openai.com", "https://api.anthropic.com", "https://generativelanguage.googleapis.com",
        "https://api.mistral.ai", "https://api.groq.com", "https://openrouter.ai", "https://api.deepseek.com",
        "https://api.x.ai", "https://api.together.xyz", "https://api.cohere.com",
    }
    assert set(connect) == {"'self'", *expected, "http://localhost:*", "http://127.0.0.1:*"}
    assert len(connect) == len(set(connect))
    for provider_id in ids():  # every registry base URL is allowed, whatever is added later
        url = get(provider_id).default_base_url
        if url is None:
            continue  # a custom endpoint: localhost is allowed, a remote one is EXTRA_CONNECT_SRC
        origin = csp.origin(url)
        allowed = "http://localhost:*" if origin.startswith("http://localhost:") else origin
        assert allowed in connect, (provider_id, url)


def test_script_src_is_self_wasm_and_the_theme_script_only() -> None:
    theme = csp.sha256_source(csp.theme_script())
    assert directive(csp.header_policy(), "script-src") == ["'self'", "'wasm-unsafe-eval'", theme]
    policy = csp.header_policy()
    assert "'unsafe-inline'" not in policy and "*" not in directive(policy, "default-src")
    assert directive(policy, "object-src") == ["'none'"]
    assert directive(policy, "base-uri") == ["'none'"]


def test_trusted_types_are_required_and_only_our_three_policies_may_exist() -> None:
    for policy in (csp.header_policy(), csp.meta_policy()):
        assert directive(policy, "require-trusted-types-for") == ["'script'"]
        # No "default" (a pass-through default policy would undo it) and no 'allow-duplicates'.
        assert directive(policy, "trusted-types") == ["switchboard-html", "switchboard-sw", "switchboard-inflate"]


def test_meta_policy_is_the_header_policy_without_frame_ancestors() -> None:
    header, meta = csp.header_policy(), csp.meta_policy()
    assert directive(header, "frame-ancestors") == ["'none'"]
    assert "frame-ancestors" not in meta  # browsers ignore it in a <meta> policy
    assert header == meta + "; frame-ancestors 'none'"


def test_nginx_conf_carries_the_generated_policy_and_headers() -> None:
    text = (ROOT / "nginx.conf").read_text()
    assert csp.nginx_policy(text) == csp.header_policy(), "run: python3 scripts/buildlib/csp.py --write"
    assert csp.nginx_headers(text) == csp.security_headers(), "run: python3 scripts/buildlib/csp.py --write"
    assert csp.security_headers()["Content-Security-Policy"] == csp.header_policy()


def test_with_header_rewrites_exactly_that_header_line() -> None:
    text = (ROOT / "nginx.conf").read_text()
    changed = csp.with_header(text, "X-Frame-Options", "SAMEORIGIN")
    assert csp.nginx_headers(changed) == {**csp.security_headers(), "X-Frame-Options": "SAMEORIGIN"}
    assert [b for a, b in zip(text.splitlines(), changed.splitlines(), strict=True) if a != b] == [
        '    add_header X-Frame-Options "SAMEORIGIN" always;'
    ]


def test_with_policy_rewrites_exactly_the_policy_line() -> None:
    text = (ROOT / "nginx.conf").read_text()
    changed = csp.with_policy(text, "default-src 'none'")
    assert csp.nginx_policy(changed) == "default-src 'none'"
    assert [a for a, b in zip(text.splitlines(), changed.splitlines(), strict=True) if a != b] == [
        line for line in text.splitlines() if "add_header Content-Security-Policy" in line
    ]
    with pytest.raises(ValueError, match="exactly one"):
        csp.nginx_policy(text + text)
    with pytest.raises(ValueError, match="exactly one"):
        csp.nginx_policy("server {}")


def test_extra_origins_for_custom_endpoints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csp, "EXTRA_CONNECT_SRC", ("https://LLM.example.com:8443/v1/",))
    assert "https://llm.example.com:8443" in directive(csp.meta_policy(), "connect-src")


@pytest.mark.parametrize("url", ["ftp://x.example", "/v1", "api.openai.com"])
def test_origin_refuses_what_is_not_an_absolute_http_url(url: str) -> None:
    with pytest.raises(ValueError):
        csp.origin(url)


def test_built_index_carries_the_meta_policy_first_in_head() -> None:
    index = ROOT / "dist" / "index.html"
    if not index.exists():
        pytest.skip("dist/ is not built")
    html = index.read_text()
    match = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert match and match.group(1) == csp.meta_policy(), "rebuild: python3 scripts/build.py"
    head = html[: html.index("</head>")]
    assert head.index("Content-Security-Policy") < min(head.index("<script"), head.index("<link"),
                                                        head.index("<style>"))
    # The styles are inline, and exactly the text the policy allows by its hash; no stylesheet is fetched.
    (styles,) = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    assert styles == csp.styles() and dict(csp.directives(header=False))["style-src"] == [csp.sha256_source(styles)]
    assert 'rel="stylesheet"' not in html and not (ROOT / "dist" / "styles.css").exists()
    # So is the theme script, the page's one inline script, allowed by its hash.
    (theme,) = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert theme == csp.theme_script() and not (ROOT / "dist" / "theme.js").exists()
    script_src = dict(csp.directives(header=False))["script-src"]
    assert script_src == ["'self'", "'wasm-unsafe-eval'", csp.sha256_source(theme)]


def test_the_policy_in_the_deploy_doc_is_rewritten_in_place() -> None:
    text = "# Deploy\n\n```\ndefault-src 'self'; style-src 'self'\n```\n\nmore\n"
    assert csp.with_doc_policy(text, "default-src 'none'") == "# Deploy\n\n```\ndefault-src 'none'\n```\n\nmore\n"
    with pytest.raises(ValueError, match="exactly one"):
        csp.with_doc_policy(text + text, "default-src 'none'")
