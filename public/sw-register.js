// Offline support: once the app is running, register the service worker (sw.js), and offer each new
// build with "New version available" + "Reload". Where there can be no service worker (file://, a
// browser without them, a private mode that refuses them) the app simply runs online only.
const banner = document.getElementById("update-banner");
const reload = document.getElementById("update-reload");
const workers = navigator.serviceWorker;

let switching = false; // this page asked the new build to take over: reload when it has

/** ./sw.js as register() takes it. Under the CSP's Trusted Types (require-trusted-types-for 'script')
 * that is a TrustedScriptURL, made by a policy named in its trusted-types list that makes only this one. */
function workerURL() {
  if (!window.trustedTypes) return "./sw.js";
  const policy = window.trustedTypes.createPolicy("switchboard-sw", {
    createScriptURL(url) {
      if (url !== "./sw.js") throw new TypeError(`switchboard-sw makes only ./sw.js, not ${url}`);
      return url;
    },
  });
  return policy.createScriptURL("./sw.js");
}

/** Show the banner; "Reload" activates `waiting` (a new build, installed) or just reloads. */
function offer(waiting) {
  banner.hidden = false;
  reload.onclick = () => {
    reload.disabled = true;
    if (waiting && waiting.state === "installed") {
      switching = true;
      waiting.postMessage({ type: "SKIP_WAITING" });
      setTimeout(() => location.reload(), 5000); // should the switch never be reported
    } else {
      location.reload();
    }
  };
}

async function register() {
  const hadController = Boolean(workers.controller);
  workers.addEventListener("controllerchange", () => {
    if (switching) location.reload();
    else if (hadController) offer(null); // another tab switched to the new build
  });
  const registration = await workers.register(workerURL(), { scope: "./" });
  const watch = (worker) => {
    if (!worker) return;
    const check = () => {
      if (worker.state === "installed" && workers.controller) offer(worker);
    };
    worker.addEventListener("statechange", check);
    check();
  };
  watch(registration.waiting);
  watch(registration.installing);
  registration.addEventListener("updatefound", () => watch(registration.installing));
  // Browsers look for a new sw.js on each navigation; a tab left open also looks every hour.
  setInterval(() => registration.update().catch(() => {}), 60 * 60 * 1000);
}

/** Run once the app is ready (body[data-ready]), so precaching never competes with start-up. */
function whenReady(run) {
  if (document.body.dataset.ready === "true") return run();
  const observer = new MutationObserver(() => {
    if (document.body.dataset.ready !== "true") return;
    observer.disconnect();
    run();
  });
  observer.observe(document.body, { attributes: true, attributeFilter: ["data-ready"] });
}

if (workers && (location.protocol === "https:" || location.protocol === "http:")) {
  whenReady(() => register().catch((e) => console.info("Switchboard works online only here:", e.message || e)));
}
