// The remembered theme (settings.THEME; web/theme_view.py owns it once Python runs), on <html> before the
// body is parsed, so the first paint has it. Inline in index.html's head: the CSP allows this text by its
// hash (scripts/buildlib/csp.py), and a file to fetch would hold the first paint back by a request.
try {
  const theme = JSON.parse(localStorage.getItem("switchboard.theme"));
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
} catch { /* no storage, or not JSON: the system's theme */ }
