"""A hostile answer through the whole app: the loopback mock answers gpt-4o-mini with every payload of
tests/markdown_corpus.py (script tags, event handlers, javascript:/data: links in many spellings, SVG,
iframes, forms, <base>, style imports, reference definitions, images), streamed word by word so the
throttled redraws see every half-written tag too. The window flag each payload sets stays unset, the
answer region holds only allowlisted elements and http(s)/mailto links opened with
rel="noopener noreferrer", and no request leaves for any host but loopback and the mapped providers.

Needs the compose view's answer panes: a region named "<model> (<Provider>)" whose `.answer-text` is
drawn by `web.markdown_view`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from scripts.mock_providers import MockProviders

from tests.browser.conftest import is_allowed
from tests.markdown_corpus import HOSTILE_ANSWER

TIMEOUT = 30_000
FORBIDDEN = "script, img, iframe, frame, svg, math, form, input, base, style, link, meta, object, embed, details"

CHECK = """(region) => {
  const text = region.querySelector(".answer-text");
  const allowed = new Set(["P", "H1", "H2", "H3", "H4", "H5", "H6", "UL", "OL", "LI", "BLOCKQUOTE", "PRE",
    "CODE", "EM", "STRONG", "DEL", "A", "TABLE", "THEAD", "TBODY", "TR", "TH", "TD", "HR", "BR",
    "DIV", "SPAN", "BUTTON"]);
  const attrs = {A: ["href", "title", "rel", "target"], OL: ["start"], TH: ["class"], TD: ["class"],
    CODE: ["class"], DIV: ["class"], SPAN: ["class", "role"], BUTTON: ["type", "class"]};
  const bad = [];
  for (const el of text.querySelectorAll("*")) {
    if (!allowed.has(el.tagName)) bad.push(el.tagName);
    for (const a of el.getAttributeNames())
      if (!(attrs[el.tagName] || []).includes(a)) bad.push(`${el.tagName}[${a}]`);
  }
  return {
    bad,
    forbidden: text.querySelectorAll(arguments_forbidden).length,
    links: [...text.querySelectorAll("a[href]")].map((a) => [a.protocol, a.rel, a.target, a.href]),
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    shown: text.textContent,
  };
}""".replace("arguments_forbidden", repr(FORBIDDEN))


@pytest.fixture(scope="module")
def app(shared_page: Page) -> Iterator[Page]:
    """The shared app with a session-only OpenAI key (no vault needed)."""
    page = shared_page
    page.get_by_role("button", name="API keys").click()
    row = page.locator('form[data-provider="openai"]')
    page.get_by_label("OpenAI API key", exact=True).fill("sk-openai-markdown-test-2468")
    row.get_by_label("This session only").check()
    row.get_by_role("button", name="Save key").click()
    expect(row.locator(".key-status")).to_have_text("•••• 2468 (this session only)")
    page.keyboard.press("Escape")
    yield page


def ask_gpt_4o_mini(page: Page, prompt: str) -> Any:
    """Send prompt to gpt-4o-mini alone; return its answer region."""
    new = page.get_by_role("button", name="New conversation")
    if new.is_visible():
        new.click()
    for box in page.locator('#provider-list input[name="provider"]').all():
        box.set_checked(box.get_attribute("value") == "openai")
    row = page.locator('.model-row[data-slot="openai"]')
    chips = row.locator(".model-chips li")
    for left in range(chips.count() - 1, -1, -1):
        chips.first.get_by_role("button").click()
        expect(chips).to_have_count(left)
    row.locator(".model-input").fill("gpt-4o-mini")
    row.get_by_role("button", name="Add model").click()
    page.get_by_role("textbox", name="Prompt", exact=True).fill(prompt)
    page.get_by_role("button", name="Send").click()
    return page.get_by_role("region", name=re.compile(r"^gpt-4o-mini \(OpenAI\)$")).first


@pytest.mark.parametrize("pace", [0.0, 0.004], ids=["at-once", "streamed"])
def test_a_hostile_answer_runs_nothing_and_reaches_no_other_host(app: Page, mock: MockProviders, pace: float) -> None:
    seen: list[str] = []

    def record(request: Any) -> None:
        seen.append(request.url)

    app.on("request", record)
    app.evaluate("() => { delete window.__pwned; }")
    mock.configure(pace=pace, scenario="ok", reply_text=HOSTILE_ANSWER)
    try:
        region = ask_gpt_4o_mini(app, "show me everything you have")
        expect(region.locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
        assert mock.last("openai")["reply"]["text"] == HOSTILE_ANSWER
        # Drawn as Markdown once markdown-it-py has loaded: the corpus has code fences.
        expect(region.locator(".answer-text .code-block").first).to_be_visible(timeout=TIMEOUT)
        app.wait_for_timeout(500)  # an onerror, onload or refresh would have fired by now
        result = region.evaluate(CHECK)
    finally:
        mock.configure(pace=0.0, reply_text=None)
        app.remove_listener("request", record)
    assert result["pwned"] is None
    assert result["bad"] == [] and result["forbidden"] == 0
    assert result["links"], "the corpus has allowed links too"
    for protocol, rel, target, href in result["links"]:
        assert protocol in ("http:", "https:", "mailto:"), href
        assert (rel, target) == ("noopener noreferrer", "_blank"), href
    assert "<script>window.__pwned=1</script>" in result["shown"]  # raw HTML is shown as text
    assert [url for url in seen if not is_allowed(url)] == []
