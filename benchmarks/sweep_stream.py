"""Streaming sweep: 10**7 rows of CSV and JSON, time and peak memory.

Each run is a separate process (``python -m symparams.cli sweep ... -o FILE``), so its
peak resident memory (ru_maxrss) is its own.  The baseline is the least any writer
pays: ``str()`` of the same 3 * 10**7 integers, written in chunks.

Run: ``python benchmarks/sweep_stream.py`` (about a minute on a 2-core machine).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

SPEC = "I(n)-H(h)-O(10)"
GRIDS = ["--grid", "n=1:10000", "--grid", "h=1:1000"]  # 10**7 points
ROWS = 10_000 * 1_000

BASELINE = """
import sys
with open(sys.argv[1], "w") as fh:
    for n in range(1, 10001):
        fh.write("\\n".join(f"{n},{h},{n * h + h + 10 * h + 10}" for h in range(1, 1001)))
"""


def run(argv: list[str]) -> tuple[float, float]:
    """CPU time (user + system, s: steadier than wall time on a shared machine) and
    peak RSS (MB, ru_maxrss) of one child process."""
    pid = subprocess.Popen(argv).pid
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        raise SystemExit(f"failed: {' '.join(argv)}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # Linux: kB


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "out")
        base_t, base_m = run([sys.executable, "-c", BASELINE, out])
        size = os.path.getsize(out)
        print(f"baseline (f-strings of the same integers): {base_t:.1f} s CPU, {base_m:.0f} MB peak, "
              f"{size / 1e6:.0f} MB written")
        for fmt in ("csv", "json"):
            t, m = run([sys.executable, "-m", "symparams.cli", "sweep", SPEC, *GRIDS,
                        "--format", fmt, "-o", out])
            print(f"symparams sweep --format {fmt}: {ROWS:,} rows in {t:.1f} s CPU "
                  f"({t / base_t:.1f}x the baseline), {m:.0f} MB peak, "
                  f"{os.path.getsize(out) / 1e6:.0f} MB written")


if __name__ == "__main__":
    main()
