"""Every HTML write of the app goes through web.dom's helpers, and only the app's own templates do.

An HTML-injection bug would let a model's answer or an imported file insert markup that runs or
loads something. So: no module but web/dom.py touches innerHTML and its kin, the helpers take
only Markup, and Markup is built from string literals alone (its values are escaped by `fill`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "py" / "switchboard"
SINKS = re.compile(r"\b(innerHTML|outerHTML|insertAdjacentHTML|srcdoc|createContextualFragment|document\.write"
                   r"|DOMParser|setHTMLUnsafe|parseHTMLUnsafe)\b")


def sinks(source: str) -> list[str]:
    return SINKS.findall(source)


def markup_from_non_literals(source: str) -> list[int]:
    """Lines where Markup(...) is called with anything but one string literal."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Markup":
            literal = len(node.args) == 1 and isinstance(node.args[0], ast.Constant) and isinstance(
                node.args[0].value, str)
            if not literal or node.keywords:
                lines.append(node.lineno)
    return lines


def test_detectors_find_what_they_look_for() -> None:
    assert sinks('node.innerHTML = x\nnode.insertAdjacentHTML("beforeend", y)\njs.document.write(z)') == [
        "innerHTML", "insertAdjacentHTML", "document.write"]
    assert sinks("node.textContent = x") == []
    assert markup_from_non_literals('A = Markup("<b>")\nB = Markup(f"<b>{x}")\nC = Markup(text)\n') == [2, 3]
    assert markup_from_non_literals('D = Markup("<i>" if x else "")\nE = Markup("a").fill(x=y)') == [1]


def test_only_the_dom_helper_writes_html() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 10
    offenders = {str(p.relative_to(PACKAGE)): found for p in modules
                 if (found := sinks(p.read_text())) and p != PACKAGE / "web" / "dom.py"}
    assert offenders == {}
    assert sinks((PACKAGE / "web" / "dom.py").read_text()), "the helper itself must be where HTML is written"


def test_markup_is_only_built_from_literals() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 10
    # The check below sees real Markup calls, not a tree without any.
    assert any("Markup(" in p.read_text() for p in modules if p != PACKAGE / "escaping.py")
    offenders = {str(p.relative_to(PACKAGE)): lines for p in modules
                 if (lines := markup_from_non_literals(p.read_text())) and p != PACKAGE / "escaping.py"}
    assert offenders == {}
