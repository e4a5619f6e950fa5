"""The Dockerfile and the GitHub workflows, checked as files (no Docker engine or Actions runner here):
pinned versions, the paths nginx.conf expects, and a build that publishes dist/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"


def workflow(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(data, dict)
    return data


def steps(data: dict[Any, Any], job: str) -> list[dict[str, Any]]:
    return list(data["jobs"][job]["steps"])


def test_dockerfile_builds_then_serves_the_site_with_the_project_config_on_pinned_images() -> None:
    text = (ROOT / "Dockerfile").read_text()
    builder, server = re.findall(r"^FROM\s+(\S+)", text, re.MULTILINE)
    assert re.fullmatch(r"debian:\d+\.\d+-slim", builder), builder  # a point release, not a moving tag
    assert re.fullmatch(r"nginx:\d+\.\d+\.\d+-alpine", server), server
    assert "COPY nginx.conf /etc/nginx/conf.d/default.conf" in text
    assert "COPY --from=build /src/dist/ /usr/share/nginx/html/" in text
    assert "root /usr/share/nginx/html;" in (ROOT / "nginx.conf").read_text()
    assert re.search(r"^EXPOSE 80$", text, re.MULTILINE) and "listen 80;" in (ROOT / "nginx.conf").read_text()


def test_dockerignore_sends_the_sources_and_no_secrets_caches_or_builds() -> None:
    lines = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")]
    assert lines[0] == "*"  # everything is left out unless named: a new file never slips in
    sent = {line.removeprefix("!").rstrip("/") for line in lines if line.startswith("!")}
    assert sent == {"py", "public", "scripts", "pyproject.toml", "nginx.conf", "LICENSE", "THIRD_PARTY_NOTICES.md"}


def test_every_action_is_pinned_to_a_version() -> None:
    paths = sorted(WORKFLOWS.glob("*.yml"))
    assert [p.name for p in paths] == ["ci.yml", "pages.yml"]  # a moved folder would leave nothing to check
    used = []
    for path in paths:
        data = workflow(path.name)
        for job in data["jobs"]:
            used += [(path.name, step["uses"]) for step in steps(data, job) if "uses" in step]
    assert {("ci.yml", "actions/checkout@v4"), ("pages.yml", "actions/deploy-pages@v4")} <= set(used), used
    for name, action in used:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+(\.\d+)*", action), (name, action)


def test_pages_workflow_builds_and_publishes_dist_on_push_to_main() -> None:
    data = workflow("pages.yml")
    triggers = data[True] if True in data else data["on"]  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == ["main"]
    assert data["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build = steps(data, "build")
    runs = [step.get("run", "") for step in build]
    assert "python3 scripts/build.py" in runs
    upload = next(step for step in build if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "dist"
    assert runs.index("python3 scripts/build.py") < build.index(upload)
    assert any(step.get("uses", "").startswith("actions/deploy-pages@") for step in steps(data, "deploy"))
    assert data["jobs"]["deploy"]["needs"] == "build"


def test_ci_workflow_runs_every_check_on_debian() -> None:
    data = workflow("ci.yml")
    job = data["jobs"]["test"]
    assert job["container"].startswith("debian:")
    assert any(step.get("run") == "scripts/test" for step in job["steps"])
