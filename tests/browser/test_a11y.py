"""Accessibility (issue 15) in Chromium against the built dist/ and the loopback mock providers.

- axe-core (npm, pinned in scripts/artifacts.lock.json as a "test" artifact, never shipped in dist/) runs on
  every screen and state in the light and the dark theme; any serious or critical violation fails.
  The app's CSP forbids inline scripts and requires Trusted Types, so axe cannot be injected into the page
  as it ships: that one test uses a dedicated browser context with Playwright's `bypass_csp=True`. Only
  the test's context skips the CSP; the app's policy is unchanged (tests/browser/test_hardening.py checks it).
- A keyboard-only run: "/" to the prompt, Tab and Space to pick two models, Ctrl+Enter to send,
  Alt+Shift+H to open History, Tab and Enter to open the run again; every focus visible on the way.
- Dialogs keep the focus inside and give it back when they close.
- Screen readers hear a round start and each answer end, coalesced, never the streaming text; a failure
  is said assertively.
- Themes: the system's by default, a remembered manual switch that applies before Python starts, reduced
  motion honoured.
- Layout: panes stack at 360 px with nothing overflowing, and sit side by side at 1280 px. The run saves
  screenshots of both widths in both themes to tests/.output/screenshots/ (docs/screenshots/ holds the two
  1280 px ones the README shows: copied from there).
"""

from __future__ import annotations

import functools
import tarfile
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from scripts.buildlib import artifacts
from scripts.mock_providers import MockProviders

from tests.browser.conftest import ROOT, RequestGuard, app_errors, wait_ready
from tests.browser.test_ask_many import TIMEOUT, ask, pane, pick
from tests.browser.vault_helpers import (
    UI_TIMEOUT,
    add_session_keys,
    button,
    close_keys,
    create_vault,
    lock,
    open_keys,
    password_field,
    random_key,
    save_key,
    try_unlock,
    unlock,
)

SHOTS = ROOT / "tests" / ".output" / "screenshots"
KEYED = {"openai": "OpenAI", "anthropic": "Anthropic", "mistral": "Mistral"}
MASTER = "a11y walk: amber pelican 5521 harbour"
THEMES = ("light", "dark")


@functools.cache
def axe_source() -> str:
    """axe.min.js from the pinned npm package, verified against its sha256 (downloaded once if missing)."""
    tgz = artifacts.fetch_test(ROOT / ".cache" / "artifacts", ROOT / "scripts" / "artifacts.lock.json", "axe-core")
    with tarfile.open(tgz) as archive:
        member = archive.extractfile("package/axe.min.js")
        assert member is not None
        return member.read().decode("utf-8")


# axe's own rule set (WCAG 2.0-2.2 A/AA and best practices); only serious and critical ones fail the test.
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary.split("\\n")[1] || ""}`),
  }));
}"""


class Audit:
    """Runs axe on the page as it is now, once per theme, and collects what fails."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.failures: list[str] = []
        self.minor: dict[str, set[str]] = {}  # moderate and minor findings (rule: states), printed, not failed
        self.states: list[str] = []

    def __call__(self, state: str) -> None:
        if not self.page.evaluate("() => typeof axe === 'object'"):
            self.page.add_script_tag(content=axe_source())
        for theme in THEMES:
            self.page.emulate_media(color_scheme=theme)
            # Buttons' colours ease over .15 s (not under reduced motion): judge them once they have settled. A
            # finished transition can stay listed until the next animation frame (seen under load), and its
            # colour is final: only those still running count.
            self.page.wait_for_function(
                "() => document.getAnimations().every(a => a.playState === 'finished')")
            for v in self.page.evaluate(AXE_RUN):
                if v["impact"] in ("serious", "critical"):
                    self.failures.append(f"[{state}, {theme}] {v['impact']} {v['id']} ({v['help']}): {v['nodes']}")
                else:
                    self.minor.setdefault(f"{v['impact']} {v['id']}", set()).add(state)
        self.states.append(state)
        self.page.emulate_media(color_scheme="light")


def dialog(page: Page, opener: str, name: str) -> Locator:
    button(page, opener).click()
    found = page.get_by_role("dialog", name=name)
    expect(found).to_be_visible()
    return found


def close(found: Locator) -> None:
    found.get_by_role("button", name="Close", exact=True).last.click()
    expect(found).to_be_hidden()


def test_every_screen_and_state_passes_axe_in_both_themes(browser: Any, app_url: str, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    guard = RequestGuard()
    context = browser.new_context(service_workers="block", bypass_csp=True, viewport={"width": 1280, "height": 900})
    guard.attach(context)
    try:
        page = context.new_page()
        errors = app_errors(page)
        page.goto(app_url)
        wait_ready(page)
        audit = Audit(page)
        expect(page.get_by_role("region", name="Getting started")).to_be_visible()
        audit("first run")

        password_field(page).fill(MASTER)
        page.get_by_label("Confirm master password", exact=True).fill(MASTER + " typo")
        button(page, "Create vault").click()
        expect(page.locator("#vault-message")).not_to_be_empty()
        audit("vault not created: passwords differ")
        create_vault(page, MASTER)
        expect(page.locator("#vault-panel")).to_contain_text("Unlocked")  # drawn before Lock is pressed
        audit("unlocked")
        lock(page)
        audit("locked")
        try_unlock(page, MASTER + " wrong")
        expect(page.locator("#vault-message")).not_to_be_empty(timeout=UI_TIMEOUT)
        audit("wrong master password")
        unlock(page, MASTER)

        open_keys(page)
        audit("keys")
        for pid, name in KEYED.items():
            save_key(page, pid, name, random_key(f"sk-{pid}-"))
        audit("keys saved")
        close_keys(page)

        pick(page, {"openai": ["gpt-4o-mini"], "anthropic": ["claude-haiku-4-5"]})
        page.get_by_role("textbox", name="Prompt", exact=True).fill("Compose me words-5")
        audit("compose")
        for summary in ("Temperature and output limit", "Time limits"):
            page.get_by_text(summary).click()
        audit("settings: answer options and time limits")

        mock.configure(pace=0.25)
        page.get_by_role("button", name="Send", exact=True).click()
        for label in ("gpt-4o-mini (OpenAI)", "claude-haiku-4-5 (Anthropic)"):
            expect(pane(page, label).locator(".answer-text")).not_to_be_empty(timeout=TIMEOUT)
        audit("streaming answers")
        page.keyboard.press("Escape")
        mock.configure(pace=0.0)
        ask(page, "Again, in full words-6")
        for label in ("gpt-4o-mini (OpenAI)", "claude-haiku-4-5 (Anthropic)"):
            expect(pane(page, label).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
        audit("answers done")

        button(page, "Merge answers").click()
        page.get_by_role("button", name="Merge", exact=True).click()
        expect(page.get_by_role("region", name="Merged answer").locator(".answer-status")).to_have_text(
            "Done", timeout=TIMEOUT)
        audit("merged answer")

        mock.configure(scenario="error-500")
        try:
            ask(page, "This one fails words-3")
            expect(pane(page, "gpt-4o-mini (OpenAI)").locator(".answer-status")).to_have_text(
                "Failed", timeout=TIMEOUT)
        finally:
            mock.configure(scenario="ok")
        audit("error: failed answers")

        page.get_by_label("Temperature").fill("7")
        page.get_by_role("textbox", name="Prompt", exact=True).fill("bad temperature")
        button(page, "Send").click()
        expect(page.locator("#compose-message")).not_to_be_empty()
        audit("error: invalid option")
        page.get_by_label("Temperature").fill("")

        budgets = dialog(page, "Budgets", "Budgets")
        audit("budgets")
        budgets.get_by_role("textbox", name="Daily limit (USD)", exact=True).fill("0.0000001")
        budgets.get_by_role("button", name="Save", exact=True).click()
        expect(budgets.locator("#budgets-message")).to_contain_text("Saved.")
        close(budgets)
        page.get_by_label("Maximum output tokens").fill("1000")
        page.get_by_role("textbox", name="Prompt", exact=True).fill("Over budget words-3")
        button(page, "Send").click()
        expect(page.get_by_role("alert").filter(has_text="daily limit")).to_be_visible()
        audit("error: send held back by a budget")

        spend = dialog(page, "Spend", "Spend")
        expect(spend.locator("#spend-summary")).not_to_be_empty()
        audit("spend")
        close(spend)
        history = dialog(page, "History", "History")
        expect(history.locator(".history-item").first).to_be_visible()
        history.get_by_text("Export, import and storage").click()
        audit("history")
        close(history)
        prices = dialog(page, "Prices", "Prices")
        expect(prices.locator("#prices-rows tr").first).to_be_visible()
        prices.get_by_role("button", name="Add a price").click()
        audit("prices")
        close(prices)
        network = dialog(page, "Network", "Network")
        expect(network.locator("#network-rows tr").first).to_be_visible()
        audit("network")
        close(network)
        help_dialog = dialog(page, "Help", "Help")
        audit("help: shortcuts and the single-key setting")
        close(help_dialog)
        about = dialog(page, "About", "About Switchboard")
        audit("about")
        close(about)

        for rule, states in sorted(audit.minor.items()):
            print(f"axe, not failing: {rule} in {len(states)} states, e.g. {sorted(states)[:3]}")
        assert len(audit.states) >= 20, audit.states
        assert audit.failures == [], "\n".join(audit.failures)
        assert errors == [], errors
    finally:
        context.close()
    assert not guard.violations, f"requests left the machine: {guard.violations}"


# --- one started page for the keyboard, dialog, announcer and layout tests (in this order) -----------------

@pytest.fixture(scope="module")
def app(shared_page: Page) -> Iterator[Page]:
    """The shared app with a session-only key for OpenAI and Anthropic, and no model picked yet."""
    errors = app_errors(shared_page)  # a failing handler (a shortcut, the announcer) logs its traceback
    add_session_keys(shared_page, KEYED, "1357")
    yield shared_page
    assert errors == [], errors


FOCUS = """() => {
  const el = document.activeElement, style = el && getComputedStyle(el);
  return {id: el ? el.id : "", tag: el ? el.tagName : "", name: el ? (el.getAttribute("aria-label") || el.textContent
    || el.value || "").trim().slice(0, 40) : "", outline: style ? `${style.outlineStyle} ${style.outlineWidth}` : "",
    dialog: el && el.closest("dialog") ? el.closest("dialog").id : null};
}"""


def focus_visible(page: Page) -> dict[str, Any]:
    """The focused element, asserted to show a focus ring."""
    now: dict[str, Any] = page.evaluate(FOCUS)
    style, width = now["outline"].split(" ", 1)
    assert style != "none" and width != "0px", f"no visible focus on {now}"
    return now


def tab_to(page: Page, selector: str, limit: int = 60, key: str = "Tab") -> None:
    """Press Tab (or key) until an element matching selector has the focus, each stop showing its focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        focus_visible(page)
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab")


TWO = ("gpt-4o-mini (OpenAI)", "claude-haiku-4-5 (Anthropic)")
NO_MOUSE = """() => { window.__mouse = 0;
  for (const type of ["mousedown", "mouseup", "click", "pointerdown"]) document.addEventListener(type, (e) => {
    if (e.isTrusted && (e.detail > 0 || e.type !== "click")) window.__mouse += 1; }, true); }"""


def test_keyboard_only_sends_to_two_models_and_opens_the_answer_in_history(context: Any, app_url: str,
                                                                          mock: MockProviders) -> None:
    """From a fresh page to an answer opened again from History with no mouse event at all."""
    mock.configure(pace=0.0, scenario="ok")
    app = context.new_page()
    errors = app_errors(app)
    app.goto(app_url)
    wait_ready(app)
    app.evaluate(NO_MOUSE)
    prompt = app.get_by_role("textbox", name="Prompt", exact=True)
    tab_to(app, "#open-keys")  # from the top of the page
    app.keyboard.press("Enter")
    expect(app.get_by_role("dialog", name="API keys")).to_be_visible()
    for slot, key in (("openai", "sk-openai-keyboard-2468"), ("anthropic", "sk-ant-keyboard-2468")):
        tab_to(app, f'form[data-provider="{slot}"] .key-session')
        app.keyboard.press("Space")  # this session only: no vault needed
        tab_to(app, f"#key-{slot}", key="Shift+Tab")
        app.keyboard.type(key)
        app.keyboard.press("Enter")
        expect(app.locator(f"#key-status-{slot}")).to_have_text("•••• 2468 (this session only)", timeout=UI_TIMEOUT)
    app.keyboard.press("Escape")
    expect(app.get_by_role("dialog", name="API keys")).to_be_hidden()
    expect(button(app, "API keys")).to_be_focused()
    app.keyboard.press("/")
    expect(prompt).to_be_focused()
    expect(prompt).to_have_value("")  # "/" moved the focus and typed nothing
    app.keyboard.type("Keyboard only words-6")
    tab_to(app, '#provider-list input[value="openai"]')
    app.keyboard.press("Space")
    tab_to(app, '#provider-list input[value="anthropic"]')
    app.keyboard.press("Space")
    for slot, model in (("openai", "gpt-4o-mini"), ("anthropic", "claude-haiku-4-5")):
        expect(app.locator(f'.model-row[data-slot="{slot}"] .model-chips li span')).to_have_text([model])
    app.keyboard.press("/")  # from a checkbox, not a text field
    expect(prompt).to_be_focused()
    app.keyboard.press("Control+Enter")
    for label in TWO:
        expect(pane(app, label).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    texts = {label: pane(app, label).locator(".answer-text").inner_text() for label in TWO}
    assert all("Keyboard only words-6" in text for text in texts.values()), texts

    app.keyboard.press("Alt+Shift+H")
    history = app.get_by_role("dialog", name="History")
    expect(history).to_be_visible()
    expect(history.locator(".history-item").first).to_contain_text("Keyboard only words-6")
    assert focus_visible(app)["dialog"] == "history-dialog"
    tab_to(app, "#history-list .history-item:first-child .history-open")
    app.keyboard.press("Enter")
    expect(history).to_be_hidden()
    expect(prompt).to_be_focused()
    expect(app.locator("#answers .round")).to_have_count(1)  # the saved run, opened as the conversation
    for label, text in texts.items():
        expect(pane(app, label).locator(".answer-text")).to_have_text(text)
        expect(pane(app, label).locator(".answer-status")).to_have_text("Done")
    assert app.evaluate("() => window.__mouse") == 0, "a mouse event reached the page"
    assert errors == [], errors


TRAPPED = """(id) => { const d = document.getElementById(id), el = document.activeElement;
  if (d.contains(el)) return "inside";
  return el === document.body || el === null ? "page" : `outside: ${el.id || el.tagName}`; }"""


@pytest.mark.parametrize(("opener", "name", "dialog_id"), [("Help", "Help", "help"),
                                                           ("Prices", "Prices", "prices-dialog")])
def test_a_dialog_keeps_the_focus_inside_and_gives_it_back_when_closed(app: Page, opener: str, name: str,
                                                                       dialog_id: str) -> None:
    opening = button(app, opener)
    opening.focus()
    app.keyboard.press("Enter")
    found = app.get_by_role("dialog", name=name)
    expect(found).to_be_visible()
    where = []
    for _ in range(40):
        app.keyboard.press("Tab")
        where.append(app.evaluate(TRAPPED, dialog_id))
    assert all(w in ("inside", "page") for w in where), where  # never a control of the page behind
    assert where.count("inside") >= 30, where
    app.keyboard.press("Escape")
    expect(found).to_be_hidden()
    expect(opening).to_be_focused()
    # History opened by its shortcut from the prompt gives the focus back to the prompt.
    prompt = app.get_by_role("textbox", name="Prompt", exact=True)
    prompt.focus()
    app.keyboard.press("Alt+Shift+H")
    expect(app.get_by_role("dialog", name="History")).to_be_visible()
    app.keyboard.press("Escape")
    expect(app.get_by_role("dialog", name="History")).to_be_hidden()
    expect(prompt).to_be_focused()


def test_the_single_key_shortcut_can_be_turned_off_and_stays_off(app: Page) -> None:
    prompt = app.get_by_role("textbox", name="Prompt", exact=True)
    help_button = button(app, "Help")
    help_button.focus()
    app.keyboard.press("Enter")
    toggle = app.get_by_role("checkbox", name="Single-key shortcuts")
    expect(toggle).to_be_checked()
    toggle.focus()
    app.keyboard.press("Space")
    expect(toggle).not_to_be_checked()
    app.keyboard.press("Escape")
    expect(help_button).to_be_focused()
    app.keyboard.press("/")
    expect(prompt).not_to_be_focused()
    assert app.evaluate("() => localStorage.getItem('switchboard.shortcuts.singleKey')") == "false"
    app.keyboard.press("Alt+Shift+H")  # not a single key: still on
    expect(app.get_by_role("dialog", name="History")).to_be_visible()
    app.keyboard.press("Escape")
    help_button.focus()
    app.keyboard.press("Enter")
    toggle.focus()
    app.keyboard.press("Space")
    expect(toggle).to_be_checked()
    app.keyboard.press("Escape")
    app.keyboard.press("/")
    expect(prompt).to_be_focused()


WATCH = """() => {
  window.__said = [];
  for (const id of ["announce-polite", "announce-alert"]) {
    const region = document.getElementById(id);
    new MutationObserver(() => window.__said.push([id, region.textContent])).observe(region,
      {childList: true, subtree: true, characterData: true});
  }
}"""
LIVE = "[aria-live]:not([aria-live=off]), [role=status], [role=alert], [role=log]"


def test_screen_readers_hear_each_answer_end_not_every_token_and_failures_at_once(
        app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.004, scenario="ok")  # 250 tokens a second
    try:
        pick(app, {"openai": ["gpt-4o-mini"], "anthropic": ["claude-haiku-4-5"]})
        app.evaluate(WATCH)
        ask(app, "Stream to a screen reader mock-words-300")
        for label in TWO:
            text = pane(app, label).locator(".answer-text")
            expect(text).not_to_be_empty(timeout=TIMEOUT)
            # Neither the text nor anything around it is a live region.
            assert text.evaluate(f"(el) => el.closest('{LIVE}') === null")
            assert pane(app, label).locator(LIVE).count() == 0
        for label in TWO:
            expect(pane(app, label).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
        polite = app.locator("#announce-polite")
        expect(polite).to_contain_text("answered", timeout=5_000)
        app.wait_for_timeout(2_000)  # any coalesced announcement still due
        said = [text for region, text in app.evaluate("() => window.__said") if region == "announce-polite" and text]
        assert said[0] == "Asking 2 models.", said
        joined = " ".join(said)
        for label in TWO:
            assert f"{label} answered." in joined, said
        assert len(said) <= 3, said  # a start and the ends (coalesced), for 600 streamed tokens
        assert "$" in joined  # the cost, as text
    finally:
        mock.configure(pace=0.0)
    mock.configure(scenario="error-500")
    try:
        ask(app, "This fails aloud words-2")
        alert = app.locator("#announce-alert")
        for label in TWO:  # both, though they failed together
            expect(alert).to_contain_text(f"{label} failed:", timeout=TIMEOUT)
        expect(alert).to_contain_text("server error")
        expect(alert).to_have_attribute("aria-live", "assertive")
    finally:
        mock.configure(scenario="ok")


PANES = """() => [...document.querySelectorAll('#answers .round:first-child article.answer')].map((a) => {
  const r = a.getBoundingClientRect(); return {x: Math.round(r.x), y: Math.round(r.y), w: Math.round(r.width)}; })"""
WIDTH = "() => ({page: document.scrollingElement.scrollWidth, body: document.body.scrollWidth})"


def test_panes_stack_at_360_px_and_sit_side_by_side_at_1280_px_in_both_themes(app: Page, mock: MockProviders) -> None:
    mock.configure(pace=0.0, scenario="ok")
    pick(app, {"openai": ["gpt-4o-mini"], "anthropic": ["claude-haiku-4-5"]})
    ask(app, "Compare these two, briefly words-12")
    for label in TWO:
        expect(pane(app, label).locator(".answer-status")).to_have_text("Done", timeout=TIMEOUT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    theme = app.get_by_label("Theme", exact=True)
    try:
        for name in THEMES:
            theme.select_option(name)
            for width in (360, 1280):
                app.set_viewport_size({"width": width, "height": 900})
                app.evaluate("() => window.scrollTo(0, 0)")
                sizes = app.evaluate(WIDTH)
                assert sizes["page"] <= width, (name, width, sizes)  # nothing overflows sideways
                first, second = app.evaluate(PANES)
                if width == 360:
                    assert first["x"] == second["x"] and second["y"] > first["y"], (first, second)  # stacked
                    assert 300 <= first["w"] <= 340, first  # the width of the page, less its margins
                else:
                    assert first["y"] == second["y"] and second["x"] > first["x"], (first, second)  # columns
                app.wait_for_function("() => document.getAnimations().length === 0")  # colours settled
                path = SHOTS / f"{name}-{width}.png"
                app.screenshot(path=str(path), full_page=True)
                assert path.stat().st_size > 10_000
    finally:
        theme.select_option("system")
        app.set_viewport_size({"width": 1280, "height": 720})


# --- themes, on their own page (they reload it) --------------------------------------------------------

BG = "() => getComputedStyle(document.body).backgroundColor"
PALETTE = """() => { const s = getComputedStyle(document.documentElement);
  return ["color-scheme", "--bg", "--panel", "--ink", "--muted", "--line", "--accent", "--on-accent", "--danger",
          "--ok", "--focus"].map((name) => s.getPropertyValue(name).trim()); }"""
LIGHT, DARK = "rgb(246, 247, 249)", "rgb(17, 20, 24)"
# Records whether <body> existed when the theme was first put on <html>: the head's script runs before the
# parser reaches the body, so the first paint has the theme (a script that ran later could not promise it).
THEME_WATCH = """new MutationObserver((changes, observer) => {
  window.THEMED_WITH_BODY = document.body !== null;
  observer.disconnect();
}).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-theme"] });"""


def test_the_theme_follows_the_system_until_switched_and_the_switch_is_remembered_before_start_up(
        context: Any, app_url: str) -> None:
    page = context.new_page()
    page.emulate_media(color_scheme="dark")
    page.goto(app_url)
    wait_ready(page)
    theme = page.get_by_label("Theme", exact=True)
    expect(theme).to_have_value("system")
    assert page.evaluate(BG) == DARK
    page.emulate_media(color_scheme="light")
    assert page.evaluate(BG) == LIGHT

    page.emulate_media(color_scheme="dark")
    theme.select_option("light")  # chosen over the system's dark
    assert page.evaluate(BG) == LIGHT
    assert page.evaluate("() => localStorage.getItem('switchboard.theme')") == '"light"'
    page.add_init_script(THEME_WATCH)
    page.reload(wait_until="domcontentloaded")
    early = page.evaluate("() => [document.documentElement.dataset.theme, window.SWITCHBOARD_READY === true, "
                          "window.THEMED_WITH_BODY]")
    assert early == ["light", False, False], early  # set in the head, before the body and long before Python
    assert page.evaluate(BG) == LIGHT
    wait_ready(page)
    expect(theme).to_have_value("light")

    page.emulate_media(color_scheme="light")
    theme.select_option("dark")
    assert page.evaluate(BG) == DARK
    chosen_dark = page.evaluate(PALETTE)
    theme.select_option("system")
    page.emulate_media(color_scheme="dark")
    assert page.evaluate(PALETTE) == chosen_dark  # the switch's dark is the system's dark, which axe checks
    page.emulate_media(color_scheme="light")
    theme.select_option("dark")
    theme.select_option("system")
    assert page.evaluate(BG) == LIGHT
    assert page.evaluate("() => document.documentElement.hasAttribute('data-theme')") is False

    page.evaluate("() => localStorage.setItem('switchboard.theme', '\"purple\"')")  # tampered with
    page.reload()
    wait_ready(page)
    expect(theme).to_have_value("system")
    assert page.evaluate("() => document.documentElement.hasAttribute('data-theme')") is False


def test_reduced_motion_turns_transitions_off(context: Any, app_url: str) -> None:
    page = context.new_page()
    page.goto(app_url)
    wait_ready(page)
    duration = "() => getComputedStyle(document.getElementById('open-help')).transitionDuration"
    page.emulate_media(reduced_motion="no-preference")
    assert page.evaluate(duration) != "0s"
    page.emulate_media(reduced_motion="reduce")
    assert page.evaluate(duration) == "0s"
