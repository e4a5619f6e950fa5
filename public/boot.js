// Start-up: load PyScript, show progress, and surface any failure to the user instead of the console.
// The remembered theme first, before the page paints (settings.THEME; web/theme_view.py owns it after).
try {
  const theme = JSON.parse(localStorage.getItem("switchboard.theme"));
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
} catch { /* no storage, or not JSON: the system's theme */ }
const text = document.getElementById("boot-text");
const box = document.getElementById("boot-error");
const reason = document.getElementById("boot-error-reason");

function fail(message) {
  if (window.SWITCHBOARD_READY) return; // later errors belong to the features that raised them
  window.SWITCHBOARD_BOOT_ERROR = String(message);
  reason.textContent = String(message);
  box.hidden = false;
  document.getElementById("boot").hidden = true;
}

window.addEventListener("error", (e) => fail(e.message || e.error || "a script failed to load"));
window.addEventListener("unhandledrejection", (e) => fail(e.reason?.message || e.reason || "start-up failed"));
addEventListener("py:ready", () => { text.textContent = "Starting Switchboard…"; });

// Without these Python never starts, so they are checked here; web/capabilities.py checks the rest once
// it runs. The words are switchboard/capabilities.py's (tests/unit/test_capabilities.py compares them).
const NEEDED = {
  WebAssembly: "This browser cannot run WebAssembly, which Switchboard's Python runtime needs.",
  BroadcastChannel: "This browser has no BroadcastChannel, which PyScript needs to start Switchboard's Python.",
};
const lacking = Object.keys(NEEDED).filter((name) => typeof window[name] === "undefined");
if (lacking.length) {
  const advice = "Use a current Firefox, Chrome, Edge or Safari.";
  fail(["Switchboard cannot run in this browser.", ...lacking.map((name) => NEEDED[name]), advice].join(" "));
} else {
  // Boot Pyodide and load PyScript in parallel; PyScript picks up the same interpreter (pyodide/boot.mjs).
  import("./pyodide/boot.mjs")
    .then((m) => m.start())
    .catch((e) => fail(`The Python runtime could not start (${e.message || e}).`));
  import("./pyscript/core.js")
    .then(({ hooks }) => {
      // PyScript builds its worker hooks with Function(...) as it starts, which the CSP forbids
      // (no 'unsafe-eval'). The app runs no PyScript worker, so the hooks go before PyScript reads them.
      for (const set of Object.values(hooks.worker)) set.clear?.();
    })
    .catch((e) => fail(`The Python runtime could not be loaded (${e.message || e}).`));
}
