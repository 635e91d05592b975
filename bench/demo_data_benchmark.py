"""Benchmark: how long `csw demo-data` takes to write the synthetic feeds (the tests do not time it).

The demo generators are vectorised (Polars/NumPy, no loop over rows), so the whole demo at full
scale should take well under 30 seconds on this 2-core machine and the small scale the tests use
a few seconds. Best of --repeat runs, each into a new temporary folder; printed and written to
bench/demo_data.md.

    .venv/bin/python bench/demo_data_benchmark.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ingestion.demo import write_demo_data  # noqa: E402

# scale -> what it is for, and the time it should stay under (seconds)
SCALES = {0.02: ("the scale the end-to-end tests use", 10.0), 1.0: ("the full demo (`csw demo-data`)", 30.0)}


def best_of(scale: float, repeat: int, seed: int = 7) -> tuple[float, int]:
    """The fastest of ``repeat`` runs, and how many files one run writes."""
    times, files = [], 0
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="csw-demo-bench-") as root:
            started = time.perf_counter()
            written = write_demo_data(Path(root), seed=seed, scale=scale)
            times.append(time.perf_counter() - started)
            files = sum(len(v) for v in written.values())
    return min(times), files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    lines = [f"## Demo data ({datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, best of {args.repeat})", "",
             "| scale | what | files | seconds | limit |", "|---|---|---|---|---|"]
    slow = False
    for scale, (what, limit) in SCALES.items():
        seconds, files = best_of(scale, args.repeat)
        slow |= seconds > limit
        lines.append(f"| {scale} | {what} | {files} | {seconds:.1f} | {limit:.0f} |")
    report = "\n".join(lines) + "\n"
    print(report)
    (REPO / "bench" / "demo_data.md").write_text(report, encoding="utf-8")
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
