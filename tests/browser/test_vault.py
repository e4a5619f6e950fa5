"""Issue 4 in Chromium, against the built dist/: the key vault keeps keys encrypted and only there.

Every test drives the real page by accessible name; nothing in the app is test-only. Python starts
are the cost here (one per page load), so each test walks one story through as many checks as its
state allows.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page, expect

from switchboard.vault import AuthenticationFailed, open_with_password
from switchboard.vault.entries import Credential, EntryRef
from switchboard.vault.keysfile import read_keys_file, write_keys_file
from tests.browser.conftest import ROOT, RequestGuard, wait_ready
from tests.browser.vault_helpers import (
    UI_TIMEOUT,
    button,
    change_password,
    close_keys,
    create_vault,
    dom_text,
    expect_locked,
    export_keys,
    fill_export,
    leaks,
    lock,
    message,
    open_keys,
    password_field,
    random_key,
    row,
    row_message,
    save_key,
    status,
    storage_leaks,
    try_unlock,
    unlock,
    vault_records,
)
from tests.fakes import CryptographyCipher

BOTH_BOOTS = True  # conftest: every test here runs with the snapshot boot and with the normal boot

T = TypeVar("T")
MASTER = "violet harbour 93 quietly"
PASSPHRASE = "export lantern 58 orbit"
WRONG_PASSWORD = "That password does not open this vault. Nothing was changed; try again."
NO_KEY = "No key"
TOO_MANY = re.compile(r"Too many wrong passwords: try again in (\d+) seconds\.")
WHAT_PASSES = "Four or more random words pass, or 12 or more random letters, digits and symbols."


def masked(key: str) -> str:
    return f"•••• {key[-4:]}"


def on_cpython(awaitable: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end on CPython (a thread of its own: Playwright's sync API holds a loop here)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, awaitable).result(timeout=120)


def read_file(data: bytes, passphrase: str) -> dict[str, str]:
    """A keys file opened on CPython with the `cryptography` cipher: {entry: key}."""
    creds = on_cpython(read_keys_file(CryptographyCipher(), data, passphrase))
    return {str(c.ref): c.key for c in creds}


# --- 1, 2, 3, 7, 8: nothing in clear at rest; wrong passwords; reload; session-only; key test ---------------


CANARY_JS = """async ([plain, b64, b64url, hexUpper, hexLower]) => {
  localStorage.setItem("canary", plain);
  sessionStorage.setItem("canary", b64);
  document.cookie = `canary=${hexUpper}; path=/`;
  const cache = await caches.open("canary");
  await cache.put("/canary", new Response(b64url));
  await new Promise((ok, no) => {
    const open = indexedDB.open("canary", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("s");
    open.onerror = () => no(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction("s", "readwrite");
      tx.objectStore("s").put(new TextEncoder().encode(plain), "k");
      tx.oncomplete = () => { open.result.close(); ok(); };
      tx.onerror = () => no(tx.error);
    };
  });
  console.log("canary", hexLower);
}"""

CANARY_CLEANUP_JS = """async () => {
  localStorage.removeItem("canary");
  sessionStorage.removeItem("canary");
  document.cookie = "canary=; path=/; max-age=0";
  await caches.delete("canary");
  await new Promise((ok, no) => {
    const del = indexedDB.deleteDatabase("canary");
    del.onsuccess = ok; del.onerror = () => no(del.error);
  });
}"""


def prove_the_scan_finds_things(page: Page, console: list[str]) -> None:
    """The scan is not vacuous: a canary put in each place, each time in another encoding, is found."""
    canary = random_key("canary-", 40)
    raw = canary.encode()
    page.evaluate(CANARY_JS, [
        canary,
        base64.b64encode(b"x" + raw).decode(),  # the canary one byte into a base64 group
        base64.urlsafe_b64encode(b"yz" + raw).decode().rstrip("="),  # two bytes in, unpadded
        raw.hex().upper(),
        raw.hex(),
    ])
    page.get_by_role("textbox", name="Prompt", exact=True).fill(canary)
    places = {"DOM": dom_text(page), "console": [t.encode() for t in console]}
    found = storage_leaks(page, {"canary": canary}) + leaks(places, {"canary": canary})
    expected = {"localStorage: canary as plaintext", "sessionStorage: canary as base64 +2",
                "Cache Storage: canary as base64url +1", "document.cookie: canary as HEX",
                "context cookies: canary as HEX", "IndexedDB canary: canary as plaintext",
                "DOM: canary as plaintext", "console: canary as hex"}
    assert expected <= set(found), sorted(expected - set(found))
    page.evaluate(CANARY_CLEANUP_JS)
    page.get_by_role("textbox", name="Prompt", exact=True).fill("")
    console.clear()


def test_keys_never_in_clear_survive_wrong_passwords_and_reload_session_keys_do_not(
    page: Page, app_url: str
) -> None:
    """Items 1, 2, 3, 7 and 8 of issue 4, in one page (two Python starts: the load and a reload)."""
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.on("pageerror", lambda e: console.append(str(e)))
    page.clock.install()  # time flows as usual until fast_forward (the waits after wrong passwords)
    page.goto(app_url)
    wait_ready(page)
    prove_the_scan_finds_things(page, console)

    keys = {
        "openai": random_key("sk-proj-"),
        "anthropic": random_key("sk-ant-api03-"),
        "mistral": random_key(""),
    }
    bad_key = "sk-bad-" + random_key("", 40)  # the mock refuses keys containing "bad"
    session_keys = {"groq": random_key("gsk_"), "groq again": random_key("gsk_")}
    all_secrets = {**keys, "refused key": bad_key, **session_keys}

    # Hardening 1: what the meter rates weak is refused, saying why and what would pass; nothing stored.
    weak = "Password123!"
    password_field(page).fill(weak)
    expect(page.locator("#vault-strength-text")).to_have_text(
        f"Strength: very weak. It contains a common password. Too weak to use. {WHAT_PASSES}")
    page.get_by_label("Confirm master password", exact=True).fill(weak)
    button(page, "Create vault").click()
    expect(message(page)).to_have_text(
        f"The master password rates very weak: it contains a common password. {WHAT_PASSES}", timeout=UI_TIMEOUT)
    expect(button(page, "Lock")).to_be_hidden()
    assert vault_records(page) == {}

    create_vault(page, MASTER)
    open_keys(page)
    # 8. "Test key" in words: refused, then accepted (OpenAI's host is the loopback mock).
    save_key(page, "openai", "OpenAI", bad_key)
    button(row(page, "openai"), "Test key").click()
    expect(row_message(page, "openai")).to_have_text(re.compile(r"^OpenAI refused it: \S.+"), timeout=UI_TIMEOUT)
    save_key(page, "openai", "OpenAI", keys["openai"])
    button(row(page, "openai"), "Test key").click()
    expect(row_message(page, "openai")).to_have_text("The key works: OpenAI accepted it.", timeout=UI_TIMEOUT)
    save_key(page, "anthropic", "Anthropic", keys["anthropic"])
    save_key(page, "mistral", "Mistral", keys["mistral"])
    # 7. A session-only key works...
    save_key(page, "groq", "Groq", session_keys["groq"], session=True)
    button(row(page, "groq"), "Test key").click()
    expect(row_message(page, "groq")).to_have_text("The key works: Groq accepted it.", timeout=UI_TIMEOUT)
    for provider_id, key in keys.items():
        expect(status(page, provider_id)).to_have_text(masked(key))
    unlocked_dom = dom_text(page)  # unlocked, dialog open: only masked keys on the page
    close_keys(page)

    # Hardening 2: exporting asks for the master password again; a wrong one exports nothing.
    downloads: list[object] = []

    def downloaded(download: object) -> None:
        downloads.append(download)

    page.on("download", downloaded)
    fill_export(page, f"{MASTER}x", PASSPHRASE)
    button(page, "Download encrypted keys").click()
    expect(message(page)).to_have_text("The master password is wrong. Nothing was exported.", timeout=UI_TIMEOUT)
    assert downloads == []
    page.remove_listener("download", downloaded)

    # The export holds the stored keys (never the session one) and opens on CPython.
    exported = export_keys(page, MASTER, PASSPHRASE)
    assert read_file(exported, PASSPHRASE) == {f"provider:{p}": k for p, k in keys.items()}

    # 1. With a session key alive in memory, storage holds no key in any encoding.
    assert storage_leaks(page, all_secrets) == []
    records = vault_records(page)
    assert set(records) == {"meta"} | {f"g/{json.loads(records['meta'])['generation']}/key/provider:{p}"
                                      for p in keys}, sorted(records)

    # ...and is gone after a lock (lock drops every session key).
    lock(page)
    after_lock_dom = dom_text(page)
    unlock(page, MASTER)
    open_keys(page)
    expect(status(page, "groq")).to_have_text(NO_KEY)
    save_key(page, "groq", "Groq", session_keys["groq again"], session=True)
    button(row(page, "groq"), "Test key").click()
    expect(row_message(page, "groq")).to_have_text("The key works: Groq accepted it.", timeout=UI_TIMEOUT)
    close_keys(page)

    # 3. A reload keeps the vault, locked; 7. the session key is gone.
    page.reload()
    wait_ready(page)
    expect_locked(page)
    assert vault_records(page) == records

    # 2. Twenty wrong passwords: the same clear message each time, not one byte of storage changed.
    # Hardening 5: after 5 in a row, each further attempt is refused until a wait, longer each time,
    # has passed (the page's clock jumps over it).
    waits = []
    for i in range(20):
        try_unlock(page, f"{MASTER} {i}")
        if i >= 5:
            expect(message(page)).to_have_text(TOO_MANY)
            said = TOO_MANY.fullmatch(message(page).inner_text())
            assert said, message(page).inner_text()
            waits.append(int(said[1]))
            page.clock.fast_forward(waits[-1] * 1000)
            try_unlock(page, f"{MASTER} {i}")
        expect(message(page)).to_have_text(WRONG_PASSWORD, timeout=UI_TIMEOUT)
        expect_locked(page)
    # 30 s, doubling up to an hour; rounded up from what was left when the refusal came.
    full = [min(30 * 2**n, 3600) for n in range(15)]
    assert all(f - 2 <= w <= f for w, f in zip(waits, full, strict=True)), waits
    assert vault_records(page) == records
    try_unlock(page, MASTER)  # even the right password waits
    expect(message(page)).to_have_text(TOO_MANY)
    page.clock.fast_forward("01:00:00")

    unlock(page, MASTER)
    dialog = open_keys(page)
    for provider_id, key in keys.items():
        expect(status(page, provider_id)).to_have_text(masked(key))
    expect(status(page, "groq")).to_have_text(NO_KEY)
    button(row(page, "groq"), "Test key").click()
    expect(row_message(page, "groq")).to_have_text("There is no key to test: save one first.")
    expect(dialog).to_be_visible()
    close_keys(page)
    lock(page)

    # 1. The rest of the scan: storage again, the DOM unlocked and after each lock, the console for the
    # whole test (across the reload), and the exported file.
    assert storage_leaks(page, all_secrets) == []
    places = {
        "DOM (unlocked, keys dialog open)": unlocked_dom,
        "DOM (after lock)": after_lock_dom,
        "DOM (after lock, after reload)": dom_text(page),
        "console": [text.encode() for text in console],
        "exported file": [exported],
    }
    assert leaks(places, all_secrets) == []
    assert vault_records(page) == records


# --- 4: known-answer vectors in the browser, and a browser-made envelope opened on CPython -----------------

CHECKS = ROOT / "tests" / "fixtures" / "vault"
RUN_CHECKS = """async ([code, vectors]) => {
  const boot = await import("./pyodide/boot.mjs");
  const py = await boot.start();
  const ns = py.globals.get("dict")();
  try {
    await py.runPythonAsync(code, {globals: ns});
    const run = ns.get("run_checks");
    try { return await run(vectors); } finally { run.destroy(); }
  } finally { ns.destroy(); }
}"""


def test_known_answer_vectors_in_the_browser_and_its_envelope_on_cpython(page: Page, app_url: str) -> None:
    """Item 4: WebCrypto and IndexedDB agree with the CPython reference, byte for byte, both ways."""
    from tests.fixtures.vault.browser_check import BROWSER_AAD, BROWSER_PASSWORD, BROWSER_PLAINTEXT

    vectors = (CHECKS / "vectors.json").read_text()
    page.goto(app_url)
    wait_ready(page)
    result = json.loads(page.evaluate(RUN_CHECKS, [(CHECKS / "browser_check.py").read_text(), vectors]))
    checks: dict[str, bool] = result["checks"]
    expected = {f"vector {v['name']}{wrong}" for v in json.loads(vectors)["envelopes"]
                for wrong in ("", " wrong password")}
    expected |= {"keys file vector", "keys file wrong passphrase", "random bytes", "tabs share records",
                 "wrong passwords refused", "other tab sees the change", "keys survive the change",
                 "export then import", "prefix read", "failed expectation writes nothing",
                 "compare and write", "failed body rolls back"}
    assert set(checks) == expected
    assert [name for name, ok in checks.items() if ok is not True] == []

    envelope = result["browser_envelope"]
    assert on_cpython(open_with_password(CryptographyCipher(), envelope, BROWSER_PASSWORD, BROWSER_AAD)) == (
        BROWSER_PLAINTEXT)
    with pytest.raises(AuthenticationFailed):
        on_cpython(open_with_password(CryptographyCipher(), envelope, BROWSER_PASSWORD, BROWSER_AAD + b" "))
    # The check used its own database and left the app's alone.
    assert vault_records(page) == {}


# --- 5, 6, 9: two tabs, password change, export/import into a fresh vault, auto-lock, forget ---------------

NEW_MASTER = "copper meadow 27 sideways"
OTHER_MASTER = "granite willow 64 softly"
WRONG_PASSPHRASE = "That passphrase does not open this file. Nothing was imported."
TAMPERED = "Nothing was imported: the keys in this file were modified or damaged after export"
TRUNCATED = "Nothing was imported: the keys file is cut off; export it again"


def submit_import(page: Page, data: bytes, passphrase: str, clicks: int = 1) -> None:
    """Fill in the vault panel's import form and submit it."""
    form = page.locator("#vault-import-form")
    if not form.is_visible():
        button(page, "Import keys").click()
    page.get_by_label("Keys file", exact=True).set_input_files(
        files=FilePayload(name="switchboard-keys.json", mimeType="application/json", buffer=data))
    page.get_by_label("Import passphrase", exact=True).fill(passphrase)
    button(form, "Import").click(click_count=clicks)


def written(keys: dict[str, str], passphrase: str) -> bytes:
    """A keys file of these provider keys, written on CPython."""
    credentials = [Credential(EntryRef.provider(provider_id), key) for provider_id, key in keys.items()]
    return on_cpython(write_keys_file(CryptographyCipher(), credentials, passphrase))


def import_file(page: Page, data: bytes, passphrase: str, expected: str) -> None:
    """Import through the vault panel's form and wait for its message."""
    submit_import(page, data, passphrase)
    expect(message(page)).to_have_text(expected, timeout=UI_TIMEOUT)


def tampered(data: bytes) -> bytes:
    """The file with one bit of the keys envelope's ciphertext flipped (still well-formed JSON)."""
    ct = json.loads(data)["keys"]["ct"]
    raw = bytearray(base64.b64decode(ct))
    raw[0] ^= 0x01
    out = data.replace(ct.encode(), base64.b64encode(bytes(raw)))
    assert out != data and len(out) == len(data)
    return out


def test_two_tabs_password_change_export_then_import_into_a_fresh_vault_auto_lock_and_forget(
    page: Page, context: BrowserContext, browser: Browser, guard: RequestGuard, app_url: str
) -> None:
    """Items 5, 6 and 9: two tabs of one browser, then a second browser profile (a fresh context)."""
    tab1, tab2 = page, context.new_page()
    tab1.goto(app_url)
    tab2.goto(app_url)
    wait_ready(tab1)
    wait_ready(tab2)
    keys = {"openai": random_key("sk-proj-"), "anthropic": random_key("sk-ant-api03-"),
            "mistral": random_key(""), "deepseek": random_key("sk-")}
    labels = {"openai": "OpenAI", "anthropic": "Anthropic", "mistral": "Mistral", "deepseek": "DeepSeek"}

    # A vault created in one tab shows as locked in the other; unlock there too.
    create_vault(tab1, MASTER)
    expect_locked(tab2)
    unlock(tab2, MASTER)
    # An auto-lock time chosen in one tab holds in the other too (it kept the time it read at start).
    for minutes in ("5", "15"):
        tab1.get_by_label("Lock automatically after").select_option(minutes)
        expect(tab2.get_by_label("Lock automatically after")).to_have_value(minutes)

    # 6. Writes from both tabs, overlapping in time, are all kept.
    for tab in (tab1, tab2):
        open_keys(tab)
    for pair in (("openai", "anthropic"), ("mistral", "deepseek")):
        for tab, provider_id in zip((tab1, tab2), pair, strict=True):
            row(tab, provider_id).get_by_label(f"{labels[provider_id]} API key", exact=True).fill(keys[provider_id])
        for tab, provider_id in zip((tab1, tab2), pair, strict=True):
            button(row(tab, provider_id), "Save key").click()
        for tab, provider_id in zip((tab1, tab2), pair, strict=True):
            expect(row_message(tab, provider_id)).to_have_text("Saved, encrypted.", timeout=UI_TIMEOUT)
    for tab in (tab1, tab2):
        open_keys(tab)  # reopened: rows rebuilt from storage
        for provider_id, key in keys.items():
            expect(status(tab, provider_id)).to_have_text(masked(key))

    # 6. Locking one tab locks the other; its open keys dialog drops every masked key in place and
    # keeps what the user was typing.
    close_keys(tab1)
    half_typed = row(tab2, "groq").get_by_label("Groq API key", exact=True)
    half_typed.fill("gsk_half_typed")
    lock(tab1)
    expect_locked(tab2)
    expect(tab2.get_by_role("dialog", name="API keys")).to_be_visible()
    for provider_id in keys:
        expect(status(tab2, provider_id)).to_have_text("No key")
    assert not [k for k in keys.values() if masked(k).encode() in b"".join(dom_text(tab2))]
    expect(half_typed).to_have_value("gsk_half_typed")
    close_keys(tab2)
    expect(tab2.locator("#keys-body")).to_be_empty()

    # Hardening 3: with the vault locked, a session-only key still shows "Lock"; a lock in one tab
    # drops the session keys of every tab, locked vault or not.
    for tab in (tab1, tab2):
        open_keys(tab)
        save_key(tab, "groq", "Groq", random_key("gsk_"), session=True)
        close_keys(tab)
        expect(button(tab, "Lock")).to_be_visible()
        expect(button(tab, "Unlock")).to_be_visible()
    lock(tab1)
    expect_locked(tab2)
    open_keys(tab2)
    expect(status(tab2, "groq")).to_have_text(NO_KEY)
    close_keys(tab2)

    # 5 and 6. A password change in one tab makes the other unlock again, with the new password only.
    unlock(tab1, MASTER)
    unlock(tab2, MASTER)
    change_password(tab1, MASTER, NEW_MASTER)
    expect_locked(tab2)
    lock(tab1)
    for tab in (tab1, tab2):
        try_unlock(tab, MASTER)
        expect(message(tab)).to_have_text(WRONG_PASSWORD, timeout=UI_TIMEOUT)
        unlock(tab, NEW_MASTER)
    open_keys(tab2)
    for provider_id, key in keys.items():
        expect(status(tab2, provider_id)).to_have_text(masked(key))
    close_keys(tab2)
    # The old generation is gone: only the new one's records remain.
    records = vault_records(tab1)
    generation = json.loads(records["meta"])["generation"]
    assert set(records) == {"meta"} | {f"g/{generation}/key/provider:{p}" for p in keys}, sorted(records)

    # 5. Export (from the tab that did not change the password); the file opens on CPython.
    exported = export_keys(tab2, NEW_MASTER, PASSPHRASE)
    assert read_file(exported, PASSPHRASE) == {f"provider:{p}": k for p, k in keys.items()}
    assert leaks({"exported file": [exported]}, keys) == storage_leaks(tab1, keys) == []

    # A fresh browser profile: its own vault, with a key of the same name and one of its own.
    fresh = browser.new_context(service_workers="block")  # its precache would compete for the CPU
    guard.attach(fresh)
    try:
        other = fresh.new_page()
        other.clock.install()  # time flows as usual until fast_forward (item 9)
        other.goto(app_url)
        wait_ready(other)
        create_vault(other, OTHER_MASTER)
        own = {"openai": random_key("sk-other-"), "cohere": random_key("")}
        open_keys(other)
        save_key(other, "openai", "OpenAI", own["openai"])
        save_key(other, "cohere", "Cohere", own["cohere"])
        close_keys(other)
        before = vault_records(other)

        # 5. Wrong passphrase, a flipped ciphertext bit, a cut-off file: each named, nothing changed.
        import_file(other, exported, PASSPHRASE + "!", WRONG_PASSPHRASE)
        import_file(other, tampered(exported), PASSPHRASE, TAMPERED)
        import_file(other, exported[: len(exported) // 2], PASSPHRASE, TRUNCATED)
        assert vault_records(other) == before
        # Hardening 4: this vault has an OpenAI key too: the import lists it and asks first. Cancel
        # changes nothing; confirming replaces it and keeps the rest.
        confirm_replace = other.get_by_role("group", name="Confirm replacing keys")
        submit_import(other, exported, PASSPHRASE)
        expect(confirm_replace.get_by_role("listitem")).to_have_text(["OpenAI key"], timeout=UI_TIMEOUT)
        expect(message(other)).to_have_text("Nothing is imported until you confirm.")
        button(confirm_replace, "Cancel").click()
        expect(message(other)).to_have_text("Nothing was imported.")
        expect(confirm_replace).to_be_hidden()
        assert vault_records(other) == before
        submit_import(other, exported, PASSPHRASE)
        button(confirm_replace, "Replace and import").click()
        expect(message(other)).to_have_text(f"Imported {len(keys)} keys (1 replaced).", timeout=UI_TIMEOUT)
        # A double click on Import imports once: the second click asked to replace the keys the first added.
        groq = random_key("gsk_")
        submit_import(other, written({"groq": groq}, PASSPHRASE), PASSPHRASE, clicks=2)
        expect(message(other)).to_have_text("Imported 1 key.", timeout=UI_TIMEOUT)
        expect(confirm_replace).to_be_hidden()
        open_keys(other)
        for provider_id, key in {**keys, "cohere": own["cohere"], "groq": groq}.items():
            expect(status(other, provider_id)).to_have_text(masked(key))
        close_keys(other)

        # 9. Auto-lock: 5 minutes chosen; not locked after 4 idle minutes, locked after 6.
        other.get_by_label("Lock automatically after").select_option(label="5 minutes")
        expect(message(other)).to_have_text("Locks after 5 minutes without activity.")
        assert other.evaluate("() => localStorage.getItem('switchboard.autoLockMinutes')") == "5"
        other.clock.fast_forward("04:00")
        expect(button(other, "Lock")).to_be_visible()
        other.clock.fast_forward("02:00")
        expect_locked(other)
        unlock(other, OTHER_MASTER)  # still the same vault
        # An endpoint, ticked: the settings kept for it (its name among them) go with the vault below.
        other.get_by_role("button", name="API keys").click()
        other.get_by_label("Endpoint name").fill("lab")
        other.get_by_label("Base URL").fill("http://127.0.0.1:9/v1")
        other.get_by_label("Endpoint API key").fill("lab-endpoint-key-0001")
        other.get_by_role("button", name="Save endpoint").click()
        expect(other.locator('li[data-endpoint="lab"]')).to_contain_text("•••• 0001")
        other.keyboard.press("Escape")
        other.get_by_role("checkbox", name="lab").check()
        assert "endpoint:lab" in other.evaluate("() => localStorage.getItem('switchboard.providers')")
        # A price of the user's and a model set that name it, beside a set that does not.
        other.evaluate("""() => {
            localStorage.setItem("switchboard.prices.user", JSON.stringify(
                [{provider: "endpoint:lab", model: "m1", input: "1", output: "2"}]));
            localStorage.setItem("switchboard.modelSets", JSON.stringify(
                {Both: [["openai", "gpt-4o-mini"], ["endpoint:lab", "m1"]], Mini: [["openai", "gpt-4o-mini"]]}));
        }""")
        lock(other)
        kept = vault_records(other)

        # 9. Forget, only after its explicit confirmation: storage holds no vault record afterwards.
        confirm = other.get_by_role("group", name="Confirm forgetting the vault")
        other.get_by_text("Forgot the password?").click()
        button(other, "Forget vault…").click()
        button(confirm, "Cancel").click()
        expect_locked(other)
        assert vault_records(other) == kept
        other.get_by_text("Forgot the password?").click()
        button(other, "Forget vault…").click()
        button(confirm, "Yes, forget the vault").click()
        expect(button(other, "Create vault")).to_be_visible(timeout=UI_TIMEOUT)
        assert vault_records(other) == {}
        assert other.evaluate("() => Object.entries(localStorage).filter(([k, v]) => (k + v).includes('lab'))") == []
        assert json.loads(other.evaluate("() => localStorage.getItem('switchboard.modelSets')")) == {
            "Both": [["openai", "gpt-4o-mini"]], "Mini": [["openai", "gpt-4o-mini"]]}
        # This tab's list of sets follows at once (only another tab's change used to redraw it).
        expect(other.locator("#model-set option")).to_have_text(["Choose a saved set…", "Both", "Mini"])
        other.get_by_role("checkbox", name="OpenAI").check()  # writes the ticks back: from storage, not memory
        assert "endpoint:lab" not in other.evaluate("() => localStorage.getItem('switchboard.providers')")
        assert storage_leaks(other, {**keys, **own}) == leaks({"DOM": dom_text(other)}, {**keys, **own}) == []
    finally:
        fresh.close()
