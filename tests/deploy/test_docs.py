"""The docs stay true: docs/deploy.md's sections and policy, every link between docs, every shell command.

Links: every relative link in README.md, CONTRIBUTING.md and docs/*.md (outside code) must name a file
or folder of the checkout, and a `#anchor` must name a heading of the linked Markdown file, slugged as
GitHub does. Commands: every shell command in a code block of those files must be either run by a test
or by a script CI runs (and that file must still contain it), or be in ALLOWED with the reason it is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from scripts.buildlib import csp

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "deploy.md"


def doc_files(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", root / "CONTRIBUTING.md", *sorted((root / "docs").glob("*.md"))]


def test_deploy_doc_has_every_section() -> None:
    headings = re.findall(r"^## (.+)$", DOC.read_text(), re.MULTILINE)
    for section in ("Local", "nginx and Docker", "GitHub Pages", "Content-Security-Policy", "Offline",
                    "Saved copy"):
        assert section in headings, (section, headings)


def test_deploy_doc_shows_the_generated_policy() -> None:
    text = DOC.read_text()
    assert csp.doc_policies(text) == [csp.header_policy()], "run: python3 scripts/buildlib/csp.py --write"
    origins = csp.provider_origins()
    assert "https://api.openai.com" in origins and len(origins) >= 10, origins  # not a loop over nothing
    for origin in origins:
        assert origin in text, origin


# --- links ---------------------------------------------------------------------------------------------

FENCE = re.compile(r"^ *(```+)(\w*)\n(.*?)^ *\1[ \t]*$", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def prose(text: str) -> str:
    """The text outside fenced code blocks and inline code, where a link is a link."""
    text = FENCE.sub("", text)
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: link text kept, lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip())
    return re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")


def anchors(markdown: Path) -> set[str]:
    found: set[str] = set()
    counts: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", FENCE.sub("", markdown.read_text()), re.MULTILINE):
        base = slug(heading)
        n = counts.get(base, 0)
        counts[base] = n + 1
        found.add(base if n == 0 else f"{base}-{n}")  # GitHub numbers repeated headings
    return found


def broken_links(doc: Path, root: Path = ROOT) -> list[str]:
    problems = []
    for target in LINK.findall(prose(doc.read_text())):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ... : not ours to check here
            continue
        path, _, anchor = target.partition("#")
        linked = (doc.parent / path).resolve() if path else doc
        if not linked.is_relative_to(root) or not linked.exists():
            problems.append(f"{doc.name}: {target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            problems.append(f"{doc.name}: {target}: no heading #{anchor} in {linked.name}")
        elif anchor and linked.suffix != ".md":
            problems.append(f"{doc.name}: {target}: an anchor into a file that is not Markdown")
    return problems


def test_slugs_are_githubs() -> None:
    assert slug("Trust: the network ledger and verifying a copy") == "trust-the-network-ledger-and-verifying-a-copy"
    assert slug("Your responsibility: each provider's terms apply") == "your-responsibility-each-providers-terms-apply"
    assert slug("Finding: PyScript would run `Function(...)` on every start") == \
        "finding-pyscript-would-run-function-on-every-start"
    assert slug("The proof: `tests/conformance/`") == "the-proof-testsconformance"


def test_every_link_between_docs_resolves() -> None:
    docs = doc_files()
    assert len(docs) >= 9 and all(d.exists() for d in docs), docs
    problems = [p for doc in docs for p in broken_links(doc)]
    assert problems == []
    relative = [t for doc in docs for t in LINK.findall(prose(doc.read_text())) if "://" not in t]
    assert len(relative) >= 40 and any("#" in t for t in relative)  # the check looked at something


def test_the_link_check_catches_a_missing_file_and_a_missing_heading(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n\n## Real heading\n")
    doc = tmp_path / "README.md"
    doc.write_text("[ok](docs/a.md#real-heading) [gone](docs/gone.md) [bad](docs/a.md#no-such) "
                   "[self](#a-readme) `[code](docs/ignored.md)`\n\n# A readme\n")
    assert broken_links(doc, tmp_path) == ["README.md: docs/gone.md: no such file",
                                           "README.md: docs/a.md#no-such: no heading #no-such in a.md"]


def test_every_doc_is_linked_from_the_readme() -> None:
    readme = prose((ROOT / "README.md").read_text())
    for doc in doc_files()[1:]:
        assert f"]({doc.relative_to(ROOT)}" in readme, doc


# --- commands ------------------------------------------------------------------------------------------

SHELL = {"sh", "bash", "shell", "console"}
# In an unlabelled block, a line that starts like one of these is a command too.
COMMAND_START = re.compile(r"(python3? |scripts/|\.venv/|docker |curl |git |npm |node |apt(-get)? |sudo |nginx "
                           r"|ollama |grep |pip |cd |[A-Z_]+=\S* )")


def commands(text: str) -> list[str]:
    """Every shell command in the text's code blocks, comments dropped and whitespace collapsed."""
    found = []
    for _, lang, body in FENCE.findall(text):
        if lang and lang not in SHELL:
            continue
        lines = body.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i].strip()
            i += 1
            if not line or line.startswith("#") or (not lang and not COMMAND_START.match(line)):
                continue
            # continuation: a trailing backslash, or (a usage synopsis) indented lines of options
            while i < len(lines) and (line.endswith("\\") or re.match(r"\s+[\[-]", lines[i])):
                line = line.removesuffix("\\") + " " + lines[i].strip()
                i += 1
            found.append(" ".join(re.sub(r"\s+#.*$", "", line).split()))
    return found


@dataclass(frozen=True)
class Ran:
    """Run by `where` (a test, or a script CI runs), which must still contain each of `contains`."""

    where: str
    contains: tuple[str, ...]


@dataclass(frozen=True)
class Allowed:
    """Not run by any test, for `reason`; `where` (if given) must contain each of `contains`."""

    reason: str
    where: str | None = None
    contains: tuple[str, ...] = ()


DOCKER = Allowed("no container engine runs on the project's machines; tests/deploy/test_container.py runs the "
                 "Dockerfile's build stage on its build context, tests/deploy/test_nginx.py its nginx.conf; "
                 "the Dockerfile's own usage comment must say the same",
                 "Dockerfile", ("docker build -t switchboard .", "docker run --rm -p 8080:80 switchboard"))

COMMANDS: dict[str, Ran | Allowed] = {
    "scripts/test": Ran(".ci/run", ("exec scripts/test",)),
    "python3 scripts/serve.py": Ran("tests/browser/conftest.py", ('"serve.py"',)),  # after scripts/test built
    "python3 scripts/serve.py --nginx --port 8080": Ran("tests/deploy/server.py", ('"serve.py"', '"--nginx"',
                                                                                   '"--port"')),
    "python3 scripts/devsetup.py --test": Ran("scripts/test", ("python3 scripts/devsetup.py --test",)),
    ".venv/bin/python -m ruff check py scripts tests": Ran("scripts/test", ('PY=.venv/bin/python',
                                                                            '"$PY" -m ruff check py scripts tests')),
    ".venv/bin/python -m mypy": Ran("scripts/test", ('"$PY" -m mypy\n',)),
    "python3 scripts/mock_providers.py [--port 8787] [--tls-port 8788] [--pace 0.05] [--scenario ok] [--slow 2] "
    "[--stall-max 30] [--ollama-origins URL,...] [--no-tls] [--cert-dir DIR] [--host 127.0.0.1] [--quiet]":
        Ran("tests/conformance/test_server.py", ('"mock_providers.py"', '"--port"', '"--tls-port"', '"--pace"')),
    "docker build -t switchboard . && docker run --rm -p 8080:80 switchboard": DOCKER,
    "docker build -t switchboard .": DOCKER,
    "docker run --rm -p 8080:80 switchboard": DOCKER,
    "scripts/test tests/unit/test_sse.py": Allowed(
        "an example of scripts/test with a path, which hands it to pytest after the same set-up CI runs",
        "scripts/test", ('exec "$PY" -m pytest "$@"',)),
    ".venv/bin/python -m pytest tests/unit/test_sse.py -q": Allowed(
        "an example: the pytest call scripts/test makes for tests/unit, limited to one file",
        "scripts/test", ('"$PY" -m pytest tests/unit',)),
    'grep -rnF -e "$KEY" -e "${KEY:0:12}" -e "${KEY: -12}" tests/fixtures/ && echo "KEY FOUND: do not commit"':
        Allowed("needs a contributor's own provider key in $KEY; there is none here"),
    "python3 scripts/build.py --relock": Allowed(
        "rewrites the lock after a deliberate version change; CI builds from the lock as committed, and "
        "tests/unit/test_build.py tests the verification the lock drives", "scripts/build.py", ("--relock",)),
    "python3 scripts/prices.py check": Allowed(
        "downloads LiteLLM's wheel, so it is run by hand; tests/unit/test_prices_check.py tests the comparison "
        "on a table it writes", "tests/unit/test_prices_check.py", ("scripts/prices.py check",)),
    "OLLAMA_ORIGINS=https://you.github.io ollama serve": Allowed(
        "no Ollama here; the mock applies Ollama's origin rule, checked in tests/conformance/test_cors.py",
        "tests/conformance/test_cors.py", ("def test_ollama_origins",)),
}


def unlisted(text: str) -> list[str]:
    return [c for c in commands(text) if c not in COMMANDS]


def test_every_command_in_the_docs_is_run_or_allowed_with_a_reason() -> None:
    found = {c: doc.name for doc in doc_files() for c in commands(doc.read_text())}
    assert "scripts/test" in found and "python3 scripts/serve.py" in found  # the README's two commands
    assert {c: d for c, d in found.items() if c not in COMMANDS} == {}, "run it in a test or add it to COMMANDS"
    assert sorted(set(COMMANDS) - set(found)) == [], "a listed command no doc shows any more: drop it"
    for command, how in COMMANDS.items():
        if isinstance(how, Allowed):
            assert len(how.reason) > 20, command
        if how.where is not None:
            text = (ROOT / how.where).read_text()
            for part in how.contains:
                assert part in text, f"{command!r}: {how.where} no longer contains {part!r}"


def test_the_command_check_catches_an_unlisted_command() -> None:
    text = ("```sh\npython3 scripts/serve.py   # fine\n# a comment\ncurl -I http://x/\n```\n\n"
            "```\npython3 scripts/nope.py \\\n  --flag\n--not-a-command\n```\n\n```json\n{\"a\": 1}\n```\n")
    assert commands(text) == ["python3 scripts/serve.py", "curl -I http://x/", "python3 scripts/nope.py --flag"]
    assert unlisted(text) == ["curl -I http://x/", "python3 scripts/nope.py --flag"]
