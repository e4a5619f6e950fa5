#!/usr/bin/env python3
"""SSE decode throughput: switchboard.sse.SSEDecoder against the anthropic SDK's SSEDecoder, same input.

    python3 scripts/bench_decode.py [--mb 16] [--chunk 4096] [--rounds 3]

The input is every recorded SSE stream in tests/fixtures/recorded, repeated to the wanted size and cut
into fixed-size chunks the way a network delivers them. Both decoders only frame events (no JSON
parsing). Exit status 1 when ours is slower.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDED = ROOT / "tests" / "fixtures" / "recorded"


def corpus(megabytes: float) -> bytes:
    """Recorded SSE bodies, repeated until the corpus reaches ``megabytes``."""
    bodies = []
    for path in sorted(RECORDED.glob("*/*.json")):
        rec = json.loads(path.read_text(encoding="utf-8"))
        if rec["stream"] and rec["response"]["headers"].get("content-type", "").startswith(
            "text/event-stream"
        ):
            bodies.append(rec["response"]["body"].encode("utf-8"))
    unit = b"".join(bodies)
    return unit * max(1, int(megabytes * 1024 * 1024 / len(unit)))


def ours(chunks: list[bytes]) -> list[str]:
    sys.path.insert(0, str(ROOT / "py"))
    from switchboard.sse import SSEDecoder

    decoder = SSEDecoder()
    data = [e.data for chunk in chunks for e in decoder.feed(chunk)]
    return data + [e.data for e in decoder.close()]


def anthropic_sdk(chunks: list[bytes]) -> list[str]:
    from anthropic._streaming import SSEDecoder

    return [e.data for e in SSEDecoder().iter_bytes(iter(chunks))]


def best_rate(
    decode: Callable[[list[bytes]], list[str]], chunks: list[bytes], size: int, rounds: int
) -> float:
    """Best MB/s over ``rounds`` runs (the least disturbed by other work on a shared machine)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        decode(chunks)
        best = min(best, time.perf_counter() - start)
    return size / (1024 * 1024) / best


def split(data: bytes, size: int) -> Iterator[bytes]:
    return (data[i : i + size] for i in range(0, len(data), size))


def main(argv: list[str]) -> int:
    """Print both throughputs; 0 when ours is not slower."""
    parser = argparse.ArgumentParser(
        prog="bench decode", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--mb", type=float, default=16.0, help="corpus size in MiB (default 16)")
    parser.add_argument("--chunk", type=int, default=4096, help="bytes per network chunk (default 4096)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per decoder, best kept (default 3)")
    args = parser.parse_args(argv)

    data = corpus(args.mb)
    chunks = list(split(data, args.chunk))
    mine, theirs = ours(chunks), anthropic_sdk(chunks)
    if mine != theirs:
        print("decoders disagree on the events: not comparable", file=sys.stderr)
        return 2

    rate_ours = best_rate(ours, chunks, len(data), args.rounds)
    rate_sdk = best_rate(anthropic_sdk, chunks, len(data), args.rounds)
    print(
        f"SSE decode, {len(data) / 1024 / 1024:.1f} MiB in {args.chunk}-byte chunks, {len(mine)} events, "
        f"best of {args.rounds}:"
    )
    print(f"  switchboard.sse.SSEDecoder        {rate_ours:8.1f} MB/s")
    print(f"  anthropic._streaming.SSEDecoder   {rate_sdk:8.1f} MB/s")
    print(f"  ours / sdk                        {rate_ours / rate_sdk:8.2f}x")
    return 0 if rate_ours >= rate_sdk else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
