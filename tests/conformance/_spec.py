"""Validators for schemas in the OpenAI OpenAPI spec (tests/fixtures/specs/openai-openapi.yaml).

The spec is OpenAPI 3.1 but still writes OpenAPI 3.0's `nullable: true`; JSON Schema 2020-12 knows no
such keyword (it would be ignored, so `null` would be refused), so it is rewritten to a null union first.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC = Path(__file__).resolve().parents[1] / "fixtures" / "specs" / "openai-openapi.yaml"


def denullable(node: Any) -> Any:
    """`{type: X, nullable: true}` -> `{type: [X, "null"]}`; other nullable schemas -> anyOf with null."""
    if isinstance(node, list):
        return [denullable(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: denullable(v) for k, v in node.items()}
    if out.pop("nullable", False):
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@functools.cache
def _registry() -> Registry:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = denullable(yaml.load(SPEC.read_text(encoding="utf-8"), Loader=loader))
    return Registry().with_resource(
        "urn:openai", Resource.from_contents(spec, default_specification=DRAFT202012)
    )


@functools.cache
def validator(schema: str) -> Draft202012Validator:
    """A validator for `#/components/schemas/<schema>`."""
    return Draft202012Validator({"$ref": f"urn:openai#/components/schemas/{schema}"}, registry=_registry())


def errors(schema: str, obj: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator(schema).iter_errors(obj)
    ]
