"""The Markdown renderer in the real page: markdown-it-py loads after start-up from the shipped wheel,
hostile answers run no script and reach no other host, normal Markdown comes out as DOM, streaming
redraws are throttled, and a code block's Copy button copies its code.

These drive `switchboard.web.markdown_view` in the app's own interpreter (boot.mjs's `start()` hands it
out again), into a container of their own; the compose view's end-to-end test is
`test_markdown_hostile.py`.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.markdown_corpus import HOSTILE, HOSTILE_ANSWER

IN_APP = """async ([code, answer]) => {
  const boot = await import(new URL("./pyodide/boot.mjs", document.baseURI).href);
  const pyodide = await boot.start();
  window.__markdown_answer = answer;
  return JSON.parse(await pyodide.runPythonAsync(code));
}"""

# Draw `window.__markdown_answer` into a fresh <section id=...> with LiveMarkdown, as the answer panes do.
DRAW = """
import asyncio, json, js
from switchboard.web import markdown_view

box = js.document.createElement("section")
box.id = {box_id!r}
js.document.body.append(box)
loaded = await markdown_view.load()
live = markdown_view.LiveMarkdown(box)
live.draw(str(js.window.__markdown_answer))
await asyncio.sleep(0.5)  # an onerror or onload would have fired by now
json.dumps({{"loaded": loaded}})
"""

# What the page may hold inside an answer: the allowlist, plus the code block's own frame and button.
ALLOWED = """(box) => {
  const tags = new Set(["P", "H1", "H2", "H3", "H4", "H5", "H6", "UL", "OL", "LI", "BLOCKQUOTE", "PRE",
    "CODE", "EM", "STRONG", "DEL", "A", "TABLE", "THEAD", "TBODY", "TR", "TH", "TD", "HR", "BR",
    "DIV", "SPAN", "BUTTON"]);
  const attrs = {A: ["href", "title", "rel", "target"], OL: ["start"], TH: ["class"], TD: ["class"],
    CODE: ["class"], DIV: ["class"], SPAN: ["class", "role"], BUTTON: ["type", "class"]};
  const root = document.getElementById(box);
  const bad = [];
  for (const el of root.querySelectorAll("*")) {
    if (!tags.has(el.tagName)) bad.push(el.tagName);
    for (const a of el.getAttributeNames())
      if (!(attrs[el.tagName] || []).includes(a)) bad.push(`${el.tagName}[${a}]`);
  }
  const links = [...root.querySelectorAll("a")].map((a) => [a.protocol, a.rel, a.target]);
  return {bad, links, pwned: window.__pwned === undefined ? null : String(window.__pwned),
          text: root.textContent};
}"""


def draw(page: Any, box_id: str, answer: str) -> dict[str, Any]:
    page.evaluate("() => { delete window.__pwned; }")
    assert page.evaluate(IN_APP, [DRAW.format(box_id=box_id), answer]) == {"loaded": True}
    return dict(page.evaluate(ALLOWED, box_id))


def test_markdown_loads_after_start_up_from_the_shipped_wheel(shared_page: Any) -> None:
    page = shared_page
    before = page.evaluate("""() => performance.getEntriesByType("resource").map((e) => e.name)
        .filter((n) => n.includes("markdown_it") || n.includes("mdurl"))""")
    assert before == [], "markdown-it-py must not load at start-up"
    draw(page, "md-first", "*hi*")
    timing = page.evaluate("""() => Object.fromEntries(performance.getEntriesByType("measure")
        .filter((m) => m.name.startsWith("switchboard:markdown")).map((m) => [m.name, m.duration]))""")
    print("markdown-it-py load (ms):", json.dumps(timing))
    assert set(timing) == {"switchboard:markdown-package", "switchboard:markdown-import"}
    loaded = page.evaluate("""() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname)
        .filter((n) => n.endsWith(".whl"))""")
    assert any("markdown_it_py-" in n for n in loaded) and any("mdurl-" in n for n in loaded), loaded


@pytest.mark.parametrize("index", range(len(HOSTILE)))
def test_each_hostile_answer_runs_nothing_and_loads_nothing(shared_page: Any, index: int) -> None:
    seen = draw(shared_page, f"md-hostile-{index}", HOSTILE[index])
    assert seen["pwned"] is None
    assert seen["bad"] == []
    assert all(protocol in ("http:", "https:", "mailto:") for protocol, _, _ in seen["links"]), seen["links"]
    assert all((rel, target) == ("noopener noreferrer", "_blank") for _, rel, target in seen["links"])


def test_all_hostile_answers_at_once(shared_page: Any) -> None:
    seen = draw(shared_page, "md-hostile-all", HOSTILE_ANSWER)
    assert seen["pwned"] is None and seen["bad"] == []
    assert "<script>window.__pwned=1</script>" in seen["text"]  # raw HTML is shown as text
    # The module's RequestGuard fails the module if anything reached a host other than loopback.


NORMAL = """# Plan

Some *emphasis*, **strong**, ~~gone~~ and `inline`, with [a link](https://example.com/docs "Docs").

1. first
2. second

| left | right |
|:-----|------:|
| a    | 1     |

```python
print("copied")
```
"""


def test_normal_markdown_and_the_copy_button(shared_page: Any) -> None:
    page = shared_page
    seen = draw(page, "md-normal", NORMAL)
    assert seen["bad"] == [] and seen["pwned"] is None
    box = page.locator("#md-normal")
    assert box.locator("h1").inner_text() == "Plan"
    assert box.locator("em").inner_text() == "emphasis" and box.locator("del").inner_text() == "gone"
    link = box.get_by_role("link", name="a link")
    assert link.get_attribute("href") == "https://example.com/docs"
    assert link.get_attribute("rel") == "noopener noreferrer" and link.get_attribute("target") == "_blank"
    assert box.locator("ol li").all_inner_texts() == ["first", "second"]
    assert box.locator("td.align-right").inner_text() == "1"
    assert box.locator("pre code.language-python").inner_text().strip() == 'print("copied")'
    assert box.locator(".code-language").inner_text() == "python"

    origin = page.evaluate("() => location.origin")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    page.evaluate(IN_APP, ["""
import js
from switchboard.web import markdown_view
from switchboard.web.dom import on
on(js.document.getElementById("md-normal"), "click", markdown_view.clicked)  # as the answers view does
"null"
""", ""])
    box.get_by_role("button", name="Copy").click()
    status = box.get_by_role("status")
    page.wait_for_function("() => document.querySelector('#md-normal .code-status').textContent !== ''")
    assert status.inner_text() == "Copied"
    assert page.evaluate("() => navigator.clipboard.readText()") == 'print("copied")\n'
