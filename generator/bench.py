"""`make bench`: the speed figures, each printed beside what it is compared against.

Timings are medians of a few runs in fresh processes where start-up matters. They are printed,
never asserted: the machines are shared and noisy.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from generator.diff import diff_snapshots
from generator.store import SnapshotStore

REPO = Path(__file__).resolve().parent.parent
# Measured on this class of machine and recorded in shared/facts/api-drift.md.
GRIFFE_LOAD_S = 2.2
GRIFFE_DIFF_S = (0.5, 1.0)

_SNAPSHOT_TIMING = """
import time
t0 = time.perf_counter()
import keras
t1 = time.perf_counter()
from generator.introspect import take_snapshot
take_snapshot()
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "jax"),
            "TF_CPP_MIN_LOG_LEVEL": "3"}


def _median(measure: Callable[[], float], runs: int) -> float:
    return statistics.median(measure() for _ in range(runs))


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def snapshot_timing(runs: int = 3) -> tuple[float, float]:
    """(import keras, snapshot beyond import), medians over fresh processes."""
    pairs = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _SNAPSHOT_TIMING], env=_env(), cwd=REPO,
                             capture_output=True, text=True, check=True).stdout.split()
        pairs.append((float(out[0]), float(out[1])))
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def run_benchmarks(store: SnapshotStore) -> int:
    console = Console(highlight=False, width=110)
    releases = store.releases()
    newest, previous = releases[-1], releases[-2]
    with console.status("timing snapshot, load, diff and drift check…"):
        import_s, snapshot_s = snapshot_timing()
        load_s = _median(lambda: _timed(lambda: SnapshotStore(store.root).load(newest)), 5)
        diffs = []
        for old, new in zip(releases, releases[1:]):
            fresh = SnapshotStore(store.root)  # includes loading both sides, as the CLI does
            diffs.append(_timed(lambda: diff_snapshots(fresh.load(old), fresh.load(new))))
        drift_s = _median(lambda: _timed(lambda: subprocess.run(
            [sys.executable, "-m", "generator", "drift-check"], env=_env(), cwd=REPO,
            capture_output=True, check=True)), 3)
    size = sum(f.stat().st_size for f in store.root.iterdir() if f.is_file())

    table = Table(title="keras3 toolkit benchmarks", title_justify="left")
    for column in ("figure", "measured", "target", "compared with"):
        table.add_column(column)
    table.add_row("import keras", f"{import_s:.2f} s", "-", "the floor every introspection pays")
    table.add_row("snapshot, beyond import keras", f"{snapshot_s:.2f} s", "< 2 s",
                  f"griffe loads one release in ~{GRIFFE_LOAD_S} s")
    table.add_row(f"load one stored snapshot ({newest})", f"{load_s:.3f} s", "< 0.5 s", "-")
    table.add_row(f"diff adjacent releases, median of {len(diffs)}", f"{statistics.median(diffs):.3f} s",
                  "< 0.3 s", f"griffe diffs two in {GRIFFE_DIFF_S[0]}–{GRIFFE_DIFF_S[1]} s")
    table.add_row("diff adjacent releases, slowest", f"{max(diffs):.3f} s", "< 0.3 s", "-")
    table.add_row(f"diff {previous} → {newest}", f"{diffs[-1]:.3f} s", "< 0.3 s", "-")
    table.add_row("drift check end to end (new process)", f"{drift_s:.2f} s", "< 5 s",
                  "includes import keras")
    table.add_row(f"store on disk ({len(releases)} releases)", f"{size / 2**20:.1f} MiB", "< 25 MiB", "-")
    console.print(table)
    return 0
