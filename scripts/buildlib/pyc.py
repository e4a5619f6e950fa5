"""Compile the app's modules to CPython 3.14 bytecode at build time, with Pyodide itself run by Node.

Otherwise the browser compiles every module on each start: about 230 ms of a 4 s warm start on a
2-core machine. The browser imports the wheel in place as a zip (zipimport), which looks for
`module.pyc` beside `module.py`, not in `__pycache__`. The .pyc files are unchecked-hash based, so they
are reproducible and used without reading the source, which still ships for tracebacks. The result
is cached by the sources and the Pyodide version, so a rebuild without changes needs no Node run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import tempfile
from pathlib import Path

APP_ZIP = "/lib/switchboard-app.zip"  # where pyodide/boot.mjs puts the wheel; tracebacks name files in it
_NODE_SCRIPT = """
import { readFileSync } from "node:fs";
const [pyodideDir, sourcesFile, APP_ZIP] = process.argv.slice(2);
const { loadPyodide } = await import(pyodideDir + "/pyodide.mjs");
const py = await loadPyodide({ indexURL: pyodideDir + "/" });
const sources = JSON.parse(readFileSync(sourcesFile, "utf8"));
py.globals.set("SOURCES", py.toPy(sources));
py.globals.set("APP_ZIP", APP_ZIP);
console.log(py.runPython(`
import base64, json, os, py_compile
out = {}
for rel, text in SOURCES.items():
    path = os.path.join("/tmp/src", rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    py_compile.compile(path, cfile=path + "c", dfile=os.path.join(APP_ZIP, rel), doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    with open(path + "c", "rb") as f:
        out[rel + "c"] = base64.b64encode(f.read()).decode()
json.dumps(out)
`));
"""


def compile_modules(pyodide_dir: Path, sources: dict[str, bytes], cache: Path) -> dict[str, bytes]:
    """Map of wheel paths (e.g. switchboard/chat.pyc) to bytecode for `sources`."""
    key = hashlib.sha256((pyodide_dir.resolve().parent.name + _NODE_SCRIPT).encode())
    for name in sorted(sources):
        key.update(name.encode() + b"\0" + sources[name])
    cached = cache / f"{key.hexdigest()[:20]}.json"
    if not cached.exists():
        with tempfile.TemporaryDirectory() as tmp:
            script, data = Path(tmp) / "compile.mjs", Path(tmp) / "sources.json"
            script.write_text(_NODE_SCRIPT)
            data.write_text(json.dumps({name: text.decode("utf-8") for name, text in sources.items()}))
            result = subprocess.run(["node", str(script), str(pyodide_dir.resolve()), str(data), APP_ZIP],
                                    capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise RuntimeError(f"compiling the app's modules with Pyodide in Node failed:\n{result.stderr[-2000:]}")
        output = result.stdout.strip().splitlines()[-1]
        json.loads(output)  # refuse to cache anything but the answer
        cache.mkdir(parents=True, exist_ok=True)
        cached.write_text(output)
    return {name: base64.b64decode(b64) for name, b64 in json.loads(cached.read_text()).items()}
