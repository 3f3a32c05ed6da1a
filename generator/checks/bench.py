"""`make bench`: the speed figures, each printed beside what it is compared against.

Timings are medians of a few runs in fresh processes where start-up matters. They are printed,
never asserted: the machines are shared and noisy.

Wrapper overhead is a ratio measured inside one process per backend: wrapper and direct Keras call
are timed in alternating blocks (which one goes first alternates too), so drift of a shared machine
cancels out of each block's ratio, and the figure is the median of those ratios. Those blocks are
timed in process CPU time: time spent descheduled by other jobs on the machine is not the wrapper's.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from generator.changes.diff import diff_snapshots
from generator.settings import REPO_ROOT as REPO
from generator.upstream.store import SnapshotStore

# Measured on this class of machine and recorded in shared/facts/api-drift.md.
GRIFFE_LOAD_S = 2.2
GRIFFE_DIFF_S = (0.5, 1.0)

_SNAPSHOT_TIMING = """
import time
t0 = time.perf_counter()
import keras
t1 = time.perf_counter()
from generator.upstream.introspect import take_snapshot
take_snapshot()
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


_IMPORT_KERAS3 = """
import sys, time
t0 = time.perf_counter()
import keras3
t1 = time.perf_counter()
print(t1 - t0, "keras" in sys.modules)
"""
IMPORT_RUNS = 7

BACKENDS = ("jax", "torch", "tensorflow", "numpy")
# (name, wrapper call, direct Keras call): a few representative ops on small float32 inputs. Both
# sides call a name bound once (`from keras3 import op_add`, `from keras.ops import add`), so the
# ratio holds the wrapper's own cost and no attribute lookups.
OVERHEAD_OPS = (
    ("add", "op_add(x, y)", "add(x, y)"),
    ("matmul", "op_matmul(x, y)", "matmul(x, y)"),
    ("relu", "op_relu(x)", "relu(x)"),
    ("sum", "op_sum(x)", "ops_sum(x)"),
    ("image.resize", "op_image_resize(image, (8, 8))", "resize(image, (8, 8))"),
)
OVERHEAD_TARGET = 1.01

# argv: the ops as JSON, the number of blocks, the seconds one block should take. Prints JSON.
_OVERHEAD = """
import json, statistics, sys, time, timeit
import numpy as np
import keras
from keras.ops import add, matmul, relu, sum as ops_sum
from keras.ops.image import resize
from keras3 import op_add, op_image_resize, op_matmul, op_relu, op_sum

rng = np.random.default_rng(0)
x, y = (keras.ops.convert_to_tensor(rng.random((8, 8), dtype=np.float32)) for _ in range(2))
image = keras.ops.convert_to_tensor(rng.random((1, 16, 16, 3), dtype=np.float32))
ops, blocks, block_s = json.loads(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
result = {}
for name, wrapped, direct in ops:
    wrapper_t, direct_t = (timeit.Timer(call, timer=time.process_time, globals=globals())
                           for call in (wrapped, direct))
    wrapper_t.timeit(100), direct_t.timeit(100)  # warm up: jax compiles and fills its caches
    loops, seconds = direct_t.autorange()
    number = max(1, round(loops * block_s / seconds))
    pairs = []
    for block in range(blocks):  # alternate which of the two goes first
        if block % 2:
            w = wrapper_t.timeit(number); d = direct_t.timeit(number)
        else:
            d = direct_t.timeit(number); w = wrapper_t.timeit(number)
        pairs.append((w / number, d / number))
    result[name] = {"ratio": statistics.median(w / d for w, d in pairs),
                    "wrapper_ns": statistics.median(w for w, _ in pairs) * 1e9,
                    "direct_ns": statistics.median(d for _, d in pairs) * 1e9,
                    "extra_ns": statistics.median(w - d for w, d in pairs) * 1e9}
print(json.dumps(result, separators=(",", ":")))  # one word: the caller splits stdout
"""

# Both variants start on jax with torch already imported: the figure is Keras's reload alone.
_SWITCH = """
import sys, time
import torch
import keras
{prepare}
t0 = time.perf_counter()
{switch}
t1 = time.perf_counter()
print(t1 - t0, sys.modules["keras"].config.backend())
"""
SWITCHES = {"keras3.use_backend": ("import keras3", 'keras3.use_backend("torch")'),
            "keras.config.set_backend": ("import warnings; warnings.simplefilter('ignore')",
                                         'keras.config.set_backend("torch")')}


def _env(backend: str | None = None) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO),
            "KERAS_BACKEND": backend or os.environ.get("KERAS_BACKEND", "jax"), "TF_CPP_MIN_LOG_LEVEL": "3"}


def _python(code: str, *args: str, backend: str | None = None) -> list[str]:
    """Run `code` in a fresh interpreter; its stdout, split into words."""
    return subprocess.run([sys.executable, "-c", code, *args], env=_env(backend), cwd=REPO,
                          capture_output=True, text=True, check=True).stdout.split()


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
        out = _python(_SNAPSHOT_TIMING)
        pairs.append((float(out[0]), float(out[1])))
    return statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)


def keras3_import_timing(runs: int = IMPORT_RUNS) -> tuple[float, int]:
    """(import keras3, median over fresh processes; how many of them had imported keras by then)."""
    outs = [_python(_IMPORT_KERAS3) for _ in range(runs)]
    return statistics.median(float(out[0]) for out in outs), sum(out[1] == "True" for out in outs)


def wrapper_overhead(backend: str, blocks: int = 31, block_s: float = 0.015) -> dict[str, dict[str, float]]:
    """Per op: wrapper/direct ratio (median over blocks) and the median times, in one process."""
    out = _python(_OVERHEAD, json.dumps(OVERHEAD_OPS), str(blocks), str(block_s), backend=backend)
    return json.loads(out[-1])


def switch_timing(runs: int = 3) -> dict[str, float]:
    """jax -> torch switch time of each variant, medians over fresh processes."""
    times = {}
    for name, (prepare, switch) in SWITCHES.items():
        code = _SWITCH.format(prepare=prepare, switch=switch)
        outs = [_python(code, backend="jax") for _ in range(runs)]
        if any(out[1] != "torch" for out in outs):
            raise RuntimeError(f"{name} did not switch to torch: {outs}")
        times[name] = statistics.median(float(out[0]) for out in outs)
    return times


def _worktree_state(paths: list[Path]) -> dict[str, str]:
    """`git status --porcelain` of `paths`, each listed file with a digest of its bytes."""
    lines = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--", *map(str, paths)],
                           cwd=REPO, capture_output=True, text=True, check=True).stdout.splitlines()
    state = {}
    for line in lines:
        file = REPO / line[3:].split(" -> ")[-1]
        state[line[3:]] = line[:2] + (hashlib.sha256(file.read_bytes()).hexdigest() if file.is_file() else "")
    return state


def regenerate_timing(store: SnapshotStore, runs: int = 3) -> tuple[float, list[str]]:
    """(`regenerate` end to end, median over fresh processes; files whose git status or bytes it changed).

    Regenerating rewrites the stored snapshot and generated/keras3, with identical bytes when nothing
    upstream or in the generator moved; the git status before and after says whether that held.
    """
    watched = [store.root, REPO / "generated"]
    before = _worktree_state(watched)
    seconds = _median(lambda: _timed(lambda: subprocess.run(
        [sys.executable, "-m", "generator", "--store", str(store.root), "regenerate"], env=_env(), cwd=REPO,
        capture_output=True, check=True)), runs)
    after = _worktree_state(watched)
    changed = before.keys() | after.keys()
    return seconds, sorted(path for path in changed if before.get(path) != after.get(path))


def docs_timing() -> list[tuple[float, str]]:
    """(seconds, the phases the build printed) of the first `python -m generator docs` as found
    (cold when its caches are absent), then of a second one with every cache warm."""
    build = [sys.executable, "-m", "generator", "docs"]
    runs = []
    for _ in range(2):
        began = time.perf_counter()
        done = subprocess.run(build, env=_env(), cwd=REPO, capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - began
        phases = next((line.split("docs: phases: ", 1)[1] for line in done.stderr.splitlines()
                       if line.startswith("docs: phases: ")), "phases not printed")
        runs.append((seconds, phases))
    return runs


class _Rows:
    """The table's rows; a row with a target also records whether the measurement met it."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.verdicts: list[bool] = []

    def add(self, figure: str, measured: str, target: str = "-", compared: str = "-",
            met: bool | None = None, style: str | None = None) -> None:
        if met is not None:
            self.verdicts.append(met)
        verdict = "" if met is None else "yes" if met else "[red]no[/]"
        self.table.add_row(figure, measured, target, verdict, compared, style=style)


def _per_op(results: dict[str, dict[str, float]], width: int = 46) -> str:
    """`op ratio` pairs, broken into lines only between pairs so that no pair is torn apart."""
    lines: list[str] = []
    for op, figures in results.items():
        pair = f"{op} {figures['ratio']:.3f}"
        if lines and len(lines[-1]) + 3 + len(pair) <= width:
            lines[-1] += f" · {pair}"
        else:
            lines.append(pair)
    return "\n".join(lines)


def _overhead_detail(overhead: dict[str, dict[str, dict[str, float]]]) -> Table:
    table = Table(title="wrapper overhead per op (medians over blocks; one process per backend)",
                  title_justify="left")
    for column in ("backend", "op", "direct", "wrapper", "extra per call", "ratio"):
        table.add_column(column, justify="left" if column in ("backend", "op") else "right")
    for backend, results in overhead.items():
        for op, figures in results.items():
            table.add_row(backend, op, f"{figures['direct_ns'] / 1e3:.2f} µs",
                          f"{figures['wrapper_ns'] / 1e3:.2f} µs", f"{figures['extra_ns']:+.0f} ns",
                          f"{figures['ratio']:.4f}")
    return table


def run_benchmarks(store: SnapshotStore) -> int:
    started = time.perf_counter()
    console = Console(highlight=False, width=120)
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
    with console.status("timing import keras3…"):
        keras3_s, keras_loaded = keras3_import_timing()
    overhead = {}
    for backend in BACKENDS:
        with console.status(f"timing wrapper overhead on {backend}…"):
            overhead[backend] = wrapper_overhead(backend)
    with console.status("timing regenerate…"):
        regenerate_s, regenerate_changed = regenerate_timing(store)
    with console.status("timing backend switches…"):
        switch_s = switch_timing()
    # the caches the docs build reads: example runs and translations, the guides' outputs, XLA executables
    caches = [REPO / ".cache" / "examples", REPO / ".cache" / "docs-build", REPO / ".cache" / "jax"]
    cold = not any(cache.exists() for cache in caches)
    with console.status("timing make docs (examples and guides run once, then cached)…"):
        (docs_first_s, first_phases), (docs_warm_s, warm_phases) = docs_timing()

    table = Table(title="keras3 toolkit benchmarks", title_justify="left")
    for column in ("figure", "measured", "target", "met", "compared with"):
        table.add_column(column)
    rows = _Rows(table)
    rows.add("import keras", f"{import_s:.2f} s", "-", "the floor every introspection pays")
    rows.add("import keras3", f"{keras3_s:.3f} s", "< 0.1 s",
             f"import keras {import_s:.2f} s; median of {IMPORT_RUNS} new processes", keras3_s < 0.1)
    rows.add("import keras3 leaves keras unloaded", f"{IMPORT_RUNS - keras_loaded}/{IMPORT_RUNS} runs",
             f"{IMPORT_RUNS}/{IMPORT_RUNS}", "Keras loads on the first call", keras_loaded == 0)
    rows.add("snapshot, beyond import keras", f"{snapshot_s:.2f} s", "< 2 s",
             f"griffe loads one release in ~{GRIFFE_LOAD_S} s", snapshot_s < 2)
    rows.add(f"load one stored snapshot ({newest})", f"{load_s:.3f} s", "< 0.5 s", "-", load_s < 0.5)
    rows.add(f"diff adjacent releases, median of {len(diffs)}", f"{statistics.median(diffs):.3f} s",
             "< 0.3 s", f"griffe diffs two in {GRIFFE_DIFF_S[0]}–{GRIFFE_DIFF_S[1]} s",
             statistics.median(diffs) < 0.3)
    rows.add("diff adjacent releases, slowest", f"{max(diffs):.3f} s", "< 0.3 s", "-", max(diffs) < 0.3)
    rows.add(f"diff {previous} → {newest}", f"{diffs[-1]:.3f} s", "< 0.3 s", "-", diffs[-1] < 0.3)
    rows.add("drift check end to end (new process)", f"{drift_s:.2f} s", "< 5 s",
             "includes import keras", drift_s < 5)
    rows.add("regenerate, whole surface", f"{regenerate_s:.2f} s", "< 10 s",
             "end to end in a new process, median of 3", regenerate_s < 10)
    if regenerate_changed:
        rows.add("regenerate changed the worktree", f"{len(regenerate_changed)} files", "none",
                 ", ".join(regenerate_changed[:3]) + (" …" if len(regenerate_changed) > 3 else ""),
                 False, style="yellow")
    for backend, results in overhead.items():
        ratio = statistics.median(figures["ratio"] for figures in results.values())
        rows.add(f"wrapper ÷ keras.ops call, {backend}", f"×{ratio:.3f}", f"≤ {OVERHEAD_TARGET}",
                 _per_op(results), ratio <= OVERHEAD_TARGET)
    ours, theirs = switch_s["keras3.use_backend"], switch_s["keras.config.set_backend"]
    rows.add("use_backend, jax → torch", f"{ours:.2f} s", "-",
             f"keras.config.set_backend alone {theirs:.2f} s (×{ours / theirs:.2f});\n"
             "median of 3 new processes, torch imported first")
    first = ("cold: .cache/{examples,docs-build,jax} absent, every example and guide runs" if cold
             else "as found: .cache/ present (delete .cache/examples, docs-build and jax for a cold one)")
    rows.add("make docs, first build", f"{docs_first_s:.1f} s", "< 120 s" if cold else "-",
             f"{first}; {first_phases}", docs_first_s < 120 if cold else None)
    rows.add("make docs, warm caches", f"{docs_warm_s:.1f} s", "< 30 s", warm_phases, docs_warm_s < 30)
    rows.add(f"store on disk ({len(releases)} releases)", f"{size / 2**20:.1f} MiB", "< 25 MiB", "-",
             size / 2**20 < 25)
    console.print(table)
    console.print(_overhead_detail(overhead))
    console.print(f"targets met: {sum(rows.verdicts)}/{len(rows.verdicts)} "
                  f"(bench took {time.perf_counter() - started:.0f} s)")
    return 0
