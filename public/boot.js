// Start-up: start Python (pyodide/boot.mjs), then the app, and surface any failure to the user instead of
// the console. The app needs no PyScript: its one Python entry point is switchboard.web.main.start(), run
// here as the saved copy runs it (docs/architecture.md, "Start-up", says why PyScript was dropped).
const text = document.getElementById("boot-text");
const box = document.getElementById("boot-error");
const reason = document.getElementById("boot-error-reason");

function fail(message) {
  // Later errors belong to the features that raised them; the first start-up failure is the reason.
  if (window.SWITCHBOARD_READY || window.SWITCHBOARD_BOOT_ERROR !== undefined) return;
  window.SWITCHBOARD_BOOT_ERROR = String(message);
  reason.textContent = String(message);
  box.hidden = false;
  document.getElementById("boot").hidden = true;
}

window.addEventListener("error", (e) => fail(e.message || e.error || "a script failed to load"));
window.addEventListener("unhandledrejection", (e) => fail(e.reason?.message || e.reason || "start-up failed"));

/** Resolves once the shell has painted, so that Python's start (the main thread busy for a second, 20 MB
 * arriving) cannot hold the first paint back. A hidden page paints nothing and has no frames to wait for;
 * one hidden while it waits gets no frame either, hence the time limit. */
function shellPainted() {
  if (document.visibilityState !== "visible") return Promise.resolve();
  return new Promise((resolve) => {
    requestAnimationFrame(() => setTimeout(resolve, 0));
    setTimeout(resolve, 200);
  });
}

// Without these Python never starts, so they are checked here; web/capabilities.py checks the rest once
// it runs. The words are switchboard/capabilities.py's (tests/unit/test_capabilities.py compares them).
const NEEDED = {
  WebAssembly: "This browser cannot run WebAssembly, which Switchboard's Python runtime needs.",
  BroadcastChannel: "This browser has no BroadcastChannel, which Switchboard needs to keep its tabs in step.",
};
const lacking = Object.keys(NEEDED).filter((name) => typeof window[name] === "undefined");
if (lacking.length) {
  const advice = "Use a current Firefox, Chrome, Edge or Safari.";
  fail(["Switchboard cannot run in this browser.", ...lacking.map((name) => NEEDED[name]), advice].join(" "));
} else {
  shellPainted()
    .then(() => {
      // index.html's dialogs, in their place before Python looks for them.
      const dialogs = document.getElementById("dialogs");
      if (dialogs) dialogs.replaceWith(dialogs.content);
      // index.html's preloads: every file of the runtime at once, not one after the other as imports find them.
      // (An older index.html, met during a deploy, has neither: the start only goes slower.)
      const preloads = document.getElementById("preloads");
      if (preloads) document.head.append(preloads.content);
      return import("./pyodide/boot.mjs");
    })
    .then((m) => m.start())
    .catch((e) => Promise.reject(new Error(`The Python runtime could not start (${e.message || e}).`)))
    .then((pyodide) => {
      text.textContent = "Starting Switchboard…";
      // start() shows its own failures with their reason; what reaches here is logged and shown too.
      return pyodide.runPythonAsync("from switchboard.web.main import start\nawait start()");
    })
    .catch((e) => {
      console.error(e);
      fail(e.message || e);
    });
}
