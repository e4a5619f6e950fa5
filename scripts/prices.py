#!/usr/bin/env python3
"""The price catalog, made from the pinned genai-prices data (scripts/buildlib/price_catalog.py says what it keeps).

    python3 scripts/prices.py build [--out FILE]   write the catalog (the build puts it in the app wheel
                                                   as switchboard/pricing/prices.json) and summarise it
    python3 scripts/prices.py check [--litellm-version V] [--at ISO-TIME] [--limit N]
                                                   compare it with LiteLLM's price table (downloads
                                                   LiteLLM's wheel to a temporary folder) and print
                                                   where they disagree; not part of the build
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "py")]

from scripts import prices_check  # noqa: E402
from scripts.buildlib import artifacts, price_catalog  # noqa: E402
from switchboard.answer import DEFAULT_MODELS  # noqa: E402
from switchboard.pricing import Catalog  # noqa: E402

CACHE = ROOT / ".cache" / "artifacts"
LOCK = ROOT / "scripts" / "artifacts.lock.json"


def catalog_bytes() -> bytes:
    """The catalog from the pinned genai-prices wheel (fetched into .cache/ and verified like the build's)."""
    return price_catalog.from_pinned(artifacts.fetch_data(CACHE, LOCK, price_catalog.PACKAGE))


def summary(data: bytes) -> list[str]:
    document = json.loads(data)
    source = document["source"]
    lines = [f"{source['package']} {source['version']}, as of {source['as_of']}: {len(data):,} bytes"]
    for provider, models in document["providers"].items():
        priced = sum(1 for m in models if m["prices"])
        tiered = sum(1 for m in models if any("tiers" in p for p in m["prices"]))
        timed = sum(1 for m in models if any("from" in p or "daily" in p for p in m["prices"]))
        lines.append(f"  {provider:10} {len(models):4} models, {priced:4} priced by tokens, {tiered:3} with tiers, "
                     f"{timed:2} with dated or daily prices")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="write the catalog and summarise it")
    build.add_argument("--out", type=Path, help="write the catalog here (default: only the summary)")
    check = commands.add_parser("check", help="compare the catalog with LiteLLM's price table")
    check.add_argument("--litellm-version", help="LiteLLM release to compare with (default: the newest)")
    check.add_argument("--at", type=datetime.fromisoformat, default=None,
                       help="price at this time (default: now); dated and daily prices depend on it")
    check.add_argument("--limit", type=int, default=200, help="print at most this many disagreements")
    args = parser.parse_args(argv)
    try:
        data = catalog_bytes()
    except (artifacts.ArtifactError, price_catalog.CatalogError) as exc:
        print(f"prices: {exc}", file=sys.stderr)
        return 1
    if args.command == "build":
        if args.out:
            args.out.write_bytes(data)
            print(f"wrote {args.out}")
        print("\n".join(summary(data)))
        return 0
    at = args.at or datetime.now(UTC)
    return prices_check.run(Catalog.from_json(data), args.litellm_version, at, DEFAULT_MODELS, args.limit)


if __name__ == "__main__":
    sys.exit(main())
