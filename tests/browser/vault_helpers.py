"""Helpers for the vault's browser tests: driving the UI by accessible name, and looking for secrets.

The secret scan reads everything a page can persist or show (IndexedDB, Web Storage, Cache Storage,
cookies, the DOM with every field's value, console output, downloaded files) and looks for each key
as plaintext, base64 (standard and URL-safe, padded or not, at each of the three byte alignments) and
hex (lower and upper case).
"""

from __future__ import annotations

import base64
import secrets
import string
from collections.abc import Iterable, Mapping

from playwright.sync_api import Locator, Page, expect

UI_TIMEOUT = 30_000  # ms for one UI step: a PBKDF2 run plus a loaded 2-core machine, with margin

# --- secrets and their encodings ----------------------------------------------------------------------


def random_key(prefix: str, length: int = 64) -> str:
    """A distinctive random key (letters and digits; never containing "bad", which the mock refuses)."""
    alphabet = string.ascii_letters + string.digits
    for _ in range(100):
        key = prefix + "".join(secrets.choice(alphabet) for _ in range(length))
        if "bad" not in key.lower():
            return key
    raise AssertionError("could not draw a key without 'bad' in 100 tries")


def encodings(secret: str) -> dict[str, bytes]:
    """Every form of secret the scan looks for, by name."""
    raw = secret.encode("utf-8")
    forms: dict[str, bytes] = {"plaintext": raw, "hex": raw.hex().encode(), "HEX": raw.hex().upper().encode()}
    for skip in range(3):
        # Inside a longer base64 text, the secret starts 0, 1 or 2 bytes into a 3-byte group; the
        # groups that lie wholly inside it encode the same way whatever surrounds them.
        tail = raw[skip:]
        whole = tail[: len(tail) // 3 * 3]
        for name, encode in (("base64", base64.b64encode), ("base64url", base64.urlsafe_b64encode)):
            forms[f"{name} +{skip}"] = encode(whole)
            padded = encode(tail)
            forms[f"{name} +{skip} padded"] = padded
            forms[f"{name} +{skip} unpadded"] = padded.rstrip(b"=")
    return forms


def leaks(places: Mapping[str, Iterable[bytes]], secrets_: Mapping[str, str]) -> list[str]:
    """'<place>: <secret name> as <form>' for every secret found anywhere."""
    found = []
    for place, chunks in places.items():
        blob = b"\x00".join(chunks)
        for secret_name, secret in secrets_.items():
            found += [f"{place}: {secret_name} as {form}" for form, needle in encodings(secret).items()
                      if needle in blob]
    return found


# Everything the origin keeps, searched inside the page (Cache Storage holds the whole app once the
# service worker has precached it: tens of MB, too much to ship to Python for every scan). Places:
# every IndexedDB database (each store's keys and values, bytes read as Latin-1 so an ASCII needle
# matches them), both Web Storages, every Cache Storage entry's URL, headers and body, document.cookie.
# Returns "<place>: <needle label>" for every hit.
SCAN = """async (needles) => {
  const latin1 = (view) => {
    const u = new Uint8Array(view.buffer ?? view, view.byteOffset ?? 0, view.byteLength);
    let s = "";
    for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000));
    return s;
  };
  const strings = (v, out) => {
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) out.push(latin1(v));
    else if (v instanceof Blob) throw new Error("a stored Blob cannot be scanned");
    else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
    else if (v instanceof Map) for (const [k, x] of v) { strings(k, out); strings(x, out); }
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) { out.push(k); strings(x, out); }
    else if (v !== undefined && v !== null) out.push(String(v));
    return out;
  };
  const req = (r) => new Promise((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
  const places = {};
  for (const info of await indexedDB.databases()) {
    const db = await req(indexedDB.open(info.name));
    const chunks = places[`IndexedDB ${info.name}`] = [];
    try {
      for (const name of db.objectStoreNames) {
        const store = db.transaction(name, "readonly").objectStore(name);
        const [keys, values] = await Promise.all([req(store.getAllKeys()), req(store.getAll())]);
        strings([name, keys, values], chunks);
      }
    } finally { db.close(); }
  }
  for (const area of ["localStorage", "sessionStorage"]) {
    const s = window[area], chunks = places[area] = [];
    for (let i = 0; i < s.length; i++) chunks.push(s.key(i), s.getItem(s.key(i)));
  }
  const cached = places["Cache Storage"] = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      const body = new Uint8Array(await response.arrayBuffer());
      cached.push(name, request.url, [...response.headers].join("\\n"), latin1(body));
    }
  }
  places["document.cookie"] = [document.cookie];
  const hits = [];
  for (const [place, chunks] of Object.entries(places)) {
    for (const [label, needle] of needles) if (chunks.some((c) => c.includes(needle))) hits.push(`${place}: ${label}`);
  }
  return {hits};
}"""

# The DOM as markup, plus what markup does not show: the current value of every form field.
DOM = """() => [document.documentElement.outerHTML,
  ...[...document.querySelectorAll("input, textarea, select")].map((e) => `${e.id}=${e.value}`)]"""


def storage_leaks(page: Page, secrets_: Mapping[str, str]) -> list[str]:
    """leaks() over every place the origin persists data, plus the context's cookies."""
    needles = [[f"{name} as {form}", needle.decode("ascii")]
               for name, secret in secrets_.items() for form, needle in encodings(secret).items()]
    result = page.evaluate(SCAN, needles)
    cookies = [f"{c['name']}={c['value']}".encode() for c in page.context.cookies()]
    return [*result["hits"], *leaks({"context cookies": cookies}, secrets_)]


def dom_text(page: Page) -> list[bytes]:
    """The page's markup and every form field's value."""
    return [text.encode("utf-8") for text in page.evaluate(DOM)]


VAULT_RECORDS = """async () => {
  const req = (r) => new Promise((ok, no) => { r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
  if (!(await indexedDB.databases()).some((d) => d.name === "switchboard")) return [];
  const db = await req(indexedDB.open("switchboard"));
  try {
    if (!db.objectStoreNames.contains("vault")) return [];
    const store = db.transaction("vault", "readonly").objectStore("vault");
    const [keys, values] = await Promise.all([req(store.getAllKeys()), req(store.getAll())]);
    return keys.map((k, i) => [k, values[i]]);
  } finally { db.close(); }
}"""


def vault_records(page: Page) -> dict[str, str]:
    """The app's vault records exactly as stored (IndexedDB "switchboard", store "vault")."""
    records = page.evaluate(VAULT_RECORDS)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in records), "vault records are text"
    return {k: v for k, v in records}


# --- the app, by accessible name ------------------------------------------------------------------------


def button(page: Page | Locator, name: str) -> Locator:
    return page.get_by_role("button", name=name, exact=True)


def message(page: Page) -> Locator:
    return page.locator("#vault-message")


def password_field(page: Page) -> Locator:
    return page.get_by_label("Master password", exact=True)


def create_vault(page: Page, password: str) -> None:
    password_field(page).fill(password)
    page.get_by_label("Confirm master password", exact=True).fill(password)
    button(page, "Create vault").click()
    expect(button(page, "Lock")).to_be_visible(timeout=UI_TIMEOUT)


def try_unlock(page: Page, password: str) -> None:
    """Submit the unlock form and wait until the app has taken the password (it empties the field)."""
    field = password_field(page)
    field.fill(password)
    taken = field.element_handle()
    button(page, "Unlock").click()
    # Emptied, or already gone: a quick unlock redraws the panel without the field before a check sees it.
    page.wait_for_function("(field) => !field.isConnected || field.value === ''", arg=taken, timeout=UI_TIMEOUT)


def unlock(page: Page, password: str) -> None:
    try_unlock(page, password)
    expect(button(page, "Lock")).to_be_visible(timeout=UI_TIMEOUT)


def expect_locked(page: Page) -> None:
    expect(button(page, "Unlock")).to_be_visible(timeout=UI_TIMEOUT)
    expect(button(page, "Lock")).to_be_hidden()


def lock(page: Page) -> None:
    button(page, "Lock").click()
    expect_locked(page)


def open_keys(page: Page) -> Locator:
    """Open the "API keys" dialog (fresh rows) and return it."""
    dialog = page.get_by_role("dialog", name="API keys")
    if dialog.is_visible():
        close_keys(page)
    button(page, "API keys").click()
    expect(dialog).to_be_visible()
    expect(dialog.locator('form[data-provider="openai"]')).to_be_visible()
    return dialog


def close_keys(page: Page) -> None:
    dialog = page.get_by_role("dialog", name="API keys")
    button(dialog, "Close").click()
    expect(dialog).to_be_hidden()


def row(page: Page, provider_id: str) -> Locator:
    return page.locator(f'form[data-provider="{provider_id}"]')


def status(page: Page, provider_id: str) -> Locator:
    return page.locator(f"#key-status-{provider_id}")


def row_message(page: Page, provider_id: str) -> Locator:
    return page.locator(f"#key-message-{provider_id}")


def save_key(page: Page, provider_id: str, label: str, key: str, *, session: bool = False) -> None:
    """Save a key in the open dialog's row and wait for its masked status."""
    form = row(page, provider_id)
    field = form.get_by_label(f"{label} API key", exact=True)
    field.fill(key)
    if session:
        form.get_by_label("This session only").check()
    button(form, "Save key").click()
    suffix = " (this session only)" if session else ""
    expect(status(page, provider_id)).to_have_text(f"•••• {key[-4:]}{suffix}", timeout=UI_TIMEOUT)
    expect(row_message(page, provider_id)).to_have_text(
        "Kept for this session only." if session else "Saved, encrypted.")
    expect(field).to_have_value("")


def fill_export(page: Page, master: str, passphrase: str) -> None:
    """Open the export form (if it is not open) and fill it in."""
    if not page.locator("#vault-export-form").is_visible():
        button(page, "Export keys").click()
    page.locator("#vault-export-form").get_by_label("Master password", exact=True).fill(master)
    page.get_by_label("Export passphrase", exact=True).fill(passphrase)
    page.get_by_label("Confirm export passphrase", exact=True).fill(passphrase)


def export_keys(page: Page, master: str, passphrase: str) -> bytes:
    """Export through the vault panel and return the downloaded file's bytes."""
    fill_export(page, master, passphrase)
    with page.expect_download(timeout=UI_TIMEOUT) as info:
        button(page, "Download encrypted keys").click()
    download = info.value
    assert download.suggested_filename.startswith("switchboard-keys-"), download.suggested_filename
    expect(message(page)).to_have_text("Exported. The file is encrypted; keep its passphrase apart from it.")
    with open(download.path(), "rb") as f:
        return f.read()


def change_password(page: Page, old: str, new: str) -> None:
    button(page, "Change master password").click()
    page.get_by_label("Current master password", exact=True).fill(old)
    page.get_by_label("New master password", exact=True).fill(new)
    page.get_by_label("Confirm new master password", exact=True).fill(new)
    button(page, "Change password").click()
    expect(message(page)).to_have_text("Master password changed. Other tabs must unlock again.",
                                       timeout=UI_TIMEOUT)


def add_session_keys(page: Page, providers: Mapping[str, str], last4: str) -> None:
    """Keep a session-only key for each provider (id -> display name) through "API keys"; no vault needed."""
    button(page, "API keys").click()
    for pid, name in providers.items():
        form = row(page, pid)
        form.get_by_label(f"{name} API key", exact=True).fill(f"sk-{pid}-session-test-{last4}")
        form.get_by_label("This session only").check()
        button(form, "Save key").click()
        expect(status(page, pid)).to_have_text(f"•••• {last4} (this session only)")
    page.keyboard.press("Escape")
