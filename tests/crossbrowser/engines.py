"""Firefox ESR over Marionette and WebKitGTK's MiniBrowser over WebDriver, behind one small page API.

Both engines run Debian's packages: `firefox-esr --marionette --headless` with a fresh profile whose
prefs turn off every background service and send all non-loopback traffic to the loopback proxy;
`WebKitWebDriver` starting `MiniBrowser --automation` on an Xvfb display we start ourselves, with the
same proxy. Service workers are off in both, as in tests/browser: precaching 16 MB would only slow a
2-core machine. Every wait is bounded; a timeout says what the page showed at that moment.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

FIREFOX = os.environ.get("FIREFOX", "/usr/bin/firefox-esr")
WEBKIT_DRIVER = os.environ.get("WEBKIT_DRIVER", "/usr/bin/WebKitWebDriver")
# Debian ships MiniBrowser with libwebkit2gtk-4.1-0 under the multiarch directory.
MINIBROWSER_GLOB = "/usr/lib/*/webkit2gtk-4.*/MiniBrowser"
START_TIMEOUT = 90.0  # s for the app to start (Python included) on a loaded 2-core machine
UI_TIMEOUT = 30.0  # s for one UI step (a PBKDF2 run, an answer from the mock)
LOOPBACK = ("127.0.0.1", "localhost", "::1")

# Firefox talks to Mozilla's services on its own: updates, telemetry, remote settings, safe browsing,
# captive-portal and connectivity checks, push, experiments, geolocation, DNS over HTTPS. All off; the
# proxy refuses and reports whatever is still missed here.
FIREFOX_PREFS: dict[str, object] = {
    "app.normandy.enabled": False,
    "app.normandy.api_url": "",
    "app.shield.optoutstudies.enabled": False,
    "app.update.auto": False,
    "app.update.disabledForTesting": True,
    "browser.aboutwelcome.enabled": False,
    "browser.discovery.enabled": False,
    "browser.newtabpage.enabled": False,
    "browser.newtabpage.activity-stream.feeds.section.topstories": False,
    "browser.newtabpage.activity-stream.feeds.system.topstories": False,
    "browser.newtabpage.activity-stream.feeds.telemetry": False,
    "browser.newtabpage.activity-stream.telemetry": False,
    "browser.newtabpage.activity-stream.showSponsored": False,
    "browser.newtabpage.activity-stream.showSponsoredTopSites": False,
    "browser.newtabpage.activity-stream.default.sites": "",
    "browser.ping-centre.telemetry": False,
    "browser.places.speculativeConnect.enabled": False,
    "browser.region.network.url": "",
    "browser.region.update.enabled": False,
    "browser.safebrowsing.blockedURIs.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.downloads.remote.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.passwords.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.provider.google.gethashURL": "",
    "browser.safebrowsing.provider.google.updateURL": "",
    "browser.safebrowsing.provider.google4.gethashURL": "",
    "browser.safebrowsing.provider.google4.updateURL": "",
    "browser.safebrowsing.provider.mozilla.gethashURL": "",
    "browser.safebrowsing.provider.mozilla.updateURL": "",
    "browser.safebrowsing.update.enabled": False,
    "browser.search.geoip.url": "",
    "browser.search.update": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage": "about:blank",
    "browser.startup.page": 0,
    "browser.topsites.contile.enabled": False,
    "browser.translations.enable": False,
    "browser.uitour.enabled": False,
    "browser.urlbar.quicksuggest.enabled": False,
    "browser.urlbar.speculativeConnect.enabled": False,
    "browser.urlbar.suggest.quicksuggest.sponsored": False,
    "browser.vpn_promo.enabled": False,
    "captivedetect.canonicalURL": "",
    "datareporting.healthreport.uploadEnabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "dom.push.connection.enabled": False,
    "dom.push.enabled": False,
    "dom.push.serverURL": "",
    "dom.serviceWorkers.enabled": False,
    "extensions.blocklist.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "extensions.getAddons.discovery.api_url": "",
    "extensions.htmlaboutaddons.recommendations.enabled": False,
    "extensions.systemAddon.update.enabled": False,
    "extensions.systemAddon.update.url": "",
    "extensions.update.autoUpdateDefault": False,
    "extensions.update.enabled": False,
    "geo.enabled": False,
    "geo.provider.network.url": "",
    "identity.fxaccounts.enabled": False,
    "media.gmp-gmpopenh264.enabled": False,
    "media.gmp-manager.updateEnabled": False,
    "media.gmp-manager.url": "data:,",
    "media.gmp-widevinecdm.enabled": False,
    "messaging-system.rsexperimentloader.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "network.dns.disablePrefetch": True,
    "network.http.http3.enable": False,
    "network.http.speculative-parallel-limit": 0,
    "network.predictor.enabled": False,
    "network.prefetch-next": False,
    "network.trr.mode": 5,
    "privacy.trackingprotection.enabled": False,
    "security.OCSP.enabled": 0,
    "security.certerrors.mitm.priming.enabled": False,
    "security.remote_settings.crlite_filters.enabled": False,
    "security.remote_settings.intermediates.enabled": False,
    # honoured only with MOZ_REMOTE_SETTINGS_DEVTOOLS=1 in the environment (release builds)
    "services.settings.server": "data:,",
    "signon.management.page.breach-alerts.enabled": False,
    "toolkit.telemetry.archive.enabled": False,
    "toolkit.telemetry.bhrPing.enabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.firstShutdownPing.enabled": False,
    "toolkit.telemetry.newProfilePing.enabled": False,
    "toolkit.telemetry.server": "data:,",
    "toolkit.telemetry.shutdownPingSender.enabled": False,
    "toolkit.telemetry.unified": False,
    "toolkit.telemetry.updatePing.enabled": False,
}

# --- scripts run in the page (function bodies; `arguments` as in WebDriver) ---------------------------
# Firefox runs them in a sandbox that sees the DOM but not the page's own globals: those are read
# through window.wrappedJSObject, which WebKit does not have (there `window` is the page's).

PAGE = "const w = window.wrappedJSObject || window;\n"
STATE = PAGE + """
const text = (sel) => (document.querySelector(sel)?.textContent ?? "").trim();
return {
  ready: w.SWITCHBOARD_READY === true,
  error: w.SWITCHBOARD_BOOT_ERROR === undefined ? null : String(w.SWITCHBOARD_BOOT_ERROR),
  boot: text("#boot-text"), notice: text("#browser-notice"), vault: text("#vault-body"),
  message: text("#vault-message"),
};"""
MISSING = PAGE + "return Array.from(w.SWITCHBOARD_MISSING || [], String);"
RESOURCES = "return performance.getEntriesByType('resource').map((e) => e.name);"
# A visible control by its accessible name: a <label>'s text (or aria-label) for fields, text for buttons.
FIND = """
const [kind, name, scope] = arguments;
const root = scope ? document.querySelector(scope) : document;
if (!root) return null;
const shown = (e) => e && e.getClientRects().length > 0 && !e.closest("[hidden]");
const candidates = kind === "button"
  ? [...root.querySelectorAll("button")].filter((b) => b.textContent.trim() === name)
  : [...[...root.querySelectorAll("label")].filter((l) => l.textContent.trim() === name).map((l) => l.control),
     ...root.querySelectorAll(`[aria-label="${CSS.escape(name)}"]`)];
return candidates.find(shown) ?? null;"""
TEXT = "return (document.querySelector(arguments[0])?.textContent ?? '').trim();"
PROPERTY = "const e = document.querySelector(arguments[0]); return e ? e[arguments[1]] : null;"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(proc: subprocess.Popen[Any], timeout: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if still running after timeout, to the group of a process started with
    start_new_session=True (Firefox's content processes and Xvfb go with it; never our own group)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout)


class Page:
    """One tab of one engine, driven through the calls Marionette and Selenium share."""

    def __init__(self, engine: str, run: Callable[..., Any], navigate: Callable[[str], Any],
                 refresh: Callable[[], Any]) -> None:
        self.engine = engine
        self._run = run  # run(script, *args) -> result
        self._navigate = navigate
        self._refresh = refresh
        self.resources: list[str] = []  # every resource URL the page fetched, across reloads

    def js(self, script: str, *args: Any) -> Any:
        return self._run(script, *args)

    def state(self) -> dict[str, Any]:
        try:
            return dict(self.js(STATE))
        except Exception as exc:  # diagnostics only: never hide the original failure
            return {"state unavailable": repr(exc)}

    def wait(self, what: str, check: Callable[[], T | None], timeout: float = UI_TIMEOUT) -> T:
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.engine}: no {what} within {timeout:.0f} s; the page: {self.state()}")
            time.sleep(0.1)

    def open(self, url: str) -> float:
        """Load the app and wait until it has started; returns seconds from navigation to ready."""
        self._collect()
        started = time.monotonic()
        self._navigate(url)
        return self._ready(started)

    def reload(self) -> float:
        self._collect()
        started = time.monotonic()
        self._refresh()
        return self._ready(started)

    def _ready(self, started: float) -> float:
        def settled() -> dict[str, Any] | None:
            state = dict(self.js(STATE))
            return state if state["ready"] or state["error"] is not None else None

        state = self.wait("start-up", settled, START_TIMEOUT)
        assert state["error"] is None, f"{self.engine}: the app failed to start: {state}"
        return time.monotonic() - started

    def _collect(self) -> None:
        """Keep the resource timing entries of the current document before it goes away."""
        with contextlib.suppress(Exception):  # no document yet: about:blank has nothing to lose
            self.resources += [str(url) for url in self.js(RESOURCES) or []]

    def collect(self) -> list[str]:
        self._collect()
        return sorted(set(self.resources))

    def missing(self) -> list[str]:
        return list(self.js(MISSING))

    def text(self, selector: str) -> str:
        return str(self.js(TEXT, selector))

    def prop(self, selector: str, name: str) -> Any:
        return self.js(PROPERTY, selector, name)

    def find(self, kind: str, name: str, scope: str | None = None) -> Any:
        return self.wait(f"{kind} {name!r}" + (f" in {scope}" if scope else ""),
                         lambda: self.js(FIND, kind, name, scope))

    def field(self, label: str, scope: str | None = None) -> Any:
        return self.find("field", label, scope)

    def button(self, name: str, scope: str | None = None) -> Any:
        return self.find("button", name, scope)

    def fill(self, label: str, value: str, scope: str | None = None) -> None:
        element = self.field(label, scope)
        element.clear()
        element.send_keys(value)

    def click(self, name: str, scope: str | None = None) -> None:
        self.button(name, scope).click()

    def wait_text(self, selector: str, expected: str, timeout: float = UI_TIMEOUT) -> None:
        self.wait(f"{selector} saying {expected!r}", lambda: self.text(selector) == expected, timeout)

    def wait_contains(self, selector: str, expected: str, timeout: float = UI_TIMEOUT) -> str:
        def found() -> str | None:
            text = self.text(selector)
            return text if expected in text else None

        return self.wait(f"{selector} containing {expected!r}", found, timeout)


# --- Firefox ---------------------------------------------------------------------------------------------


def firefox_profile(directory: Path, marionette_port: int, proxy: str) -> None:
    host, port = proxy.rsplit(":", 1)
    prefs = {
        **FIREFOX_PREFS,
        "marionette.port": marionette_port,
        # Everything but loopback (never proxied unless allow_hijacking_localhost) goes to the proxy.
        "network.proxy.type": 1,
        "network.proxy.http": host, "network.proxy.http_port": int(port),
        "network.proxy.ssl": host, "network.proxy.ssl_port": int(port),
        "network.proxy.share_proxy_settings": True,
        "network.proxy.no_proxies_on": "",
        "network.proxy.allow_hijacking_localhost": False,
    }
    directory.mkdir(parents=True, exist_ok=True)
    lines = [f"user_pref({json.dumps(name)}, {json.dumps(value)});" for name, value in prefs.items()]
    (directory / "user.js").write_text("\n".join(lines) + "\n")


def start_firefox(workdir: Path, proxy: str) -> tuple[Page, Callable[[], None]]:
    from marionette_driver.marionette import Marionette

    if not Path(FIREFOX).exists():
        raise AssertionError(f"{FIREFOX} is missing: run scripts/devsetup.py --test (Debian's firefox-esr)")
    port = free_port()
    profile = workdir / "firefox-profile"
    firefox_profile(profile, port, proxy)
    log = (workdir / "firefox.log").open("wb")
    env = {**os.environ, "MOZ_HEADLESS": "1", "MOZ_CRASHREPORTER_DISABLE": "1", "MOZ_REMOTE_SETTINGS_DEVTOOLS": "1"}
    proc = subprocess.Popen([FIREFOX, "--marionette", "--headless", "--no-remote", "--profile", str(profile)],
                            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    client = Marionette(host="127.0.0.1", port=port, socket_timeout=60, startup_timeout=60)

    def stop() -> None:
        with contextlib.suppress(Exception):
            client.delete_session()
        stop_process(proc)
        log.close()

    try:
        client.raise_for_port(timeout=60)
        client.start_session({"acceptInsecureCerts": True}, timeout=60)  # the mock's self-signed certificate
        client.timeout.page_load = 60
        client.timeout.script = 30
    except BaseException:
        stop()
        raise

    def run(script: str, *args: Any) -> Any:
        return client.execute_script(script, script_args=list(args))

    return Page("firefox", run, client.navigate, client.refresh), stop


# --- WebKit ---------------------------------------------------------------------------------------------


def minibrowser() -> str:
    found = sorted(glob.glob(MINIBROWSER_GLOB))
    if not found:
        raise AssertionError(f"no MiniBrowser matches {MINIBROWSER_GLOB}: run scripts/devsetup.py --test "
                             "(Debian's webkit2gtk-driver and libwebkit2gtk-4.1-0)")
    return found[-1]


def start_xvfb() -> tuple[str, Callable[[], None]]:
    """An X server on the first free display (Xvfb picks it and writes it to a pipe)."""
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    os.close(write)
    try:
        display = b""
        deadline = time.monotonic() + 30
        os.set_blocking(read, False)
        while not display.endswith(b"\n"):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise AssertionError("Xvfb did not start (is the xvfb package installed?)")
            try:
                display += os.read(read, 64)
            except BlockingIOError:
                time.sleep(0.05)
    except BaseException:
        stop_process(proc)
        raise
    finally:
        os.close(read)
    return ":" + display.decode().strip(), lambda: stop_process(proc)


def start_webkit(workdir: Path, proxy: str, display: str) -> tuple[Page, Callable[[], None]]:
    from selenium import webdriver
    from selenium.webdriver.webkitgtk.options import Options
    from selenium.webdriver.webkitgtk.service import Service

    if not Path(WEBKIT_DRIVER).exists():
        raise AssertionError(f"{WEBKIT_DRIVER} is missing: run scripts/devsetup.py --test (webkit2gtk-driver)")
    options = Options()
    options.binary_location = minibrowser()
    options.add_argument("--automation")
    options.add_argument(f"--proxy=http://{proxy}")
    for host in LOOPBACK:  # one option per host: a comma-separated list is taken as one host name
        options.add_argument(f"--ignore-host={host}")
    options.add_argument("--features=-ServiceWorkers")
    options.accept_insecure_certs = True  # the mock's self-signed certificate
    service = Service(executable_path=WEBKIT_DRIVER, port=free_port(), log_output=str(workdir / "webkit.log"),
                      env={**os.environ, "DISPLAY": display})
    driver = webdriver.WebKitGTK(options=options, service=service)

    def stop() -> None:
        try:
            driver.quit()
        except Exception:
            service.stop()

    try:
        driver.set_page_load_timeout(60)
        driver.set_script_timeout(30)
    except BaseException:
        stop()
        raise
    return Page("webkit", driver.execute_script, driver.get, driver.refresh), stop
