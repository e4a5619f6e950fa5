"""Build steps for dist/: pinned artifacts, the Pyodide lock, our wheel, the static site."""
