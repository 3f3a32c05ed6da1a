"""Every ``keras3.op_*`` wrapper delegates to ``keras.ops`` on every backend; keras3-built
models train; the same wrapper objects follow ``use_backend``.

The work runs in subprocesses of ``tests/delegation_runner.py``, one per backend (a backend is
chosen when Keras is imported) plus one that switches backends in-process. They are all
started together on first use and run concurrently; each test then reads its report:

* ``ops-<backend>`` (KERAS_BACKEND=<backend>): for every name in ``keras3.ops.__all__``,
  calls the wrapper and the function its docstring says it wraps (resolved on ``keras``
  itself) on the same fresh sample inputs from ``tests/op_samples.py``, compares shape,
  dtype and values, and reports ``ok``, ``mismatch: ...``, ``error-both: ...``,
  ``error-wrapper-only: ...``, ``error-upstream-only: ...`` or ``not-implemented: ...``
  (both raise NotImplementedError). Then fits a Sequential and a functional model built with
  keras3 calls only.
* ``switch``: jax -> torch -> tensorflow -> numpy in one process, calling the same imported
  wrapper function objects after each switch.

Under pytest-xdist the workers share one set of subprocesses: the first worker to need them
starts them all, the others wait for the report files.

`make test` splits the ops among the four backends: the i-th backend's job checks the ops whose
index in ``keras3.ops.__all__`` is i modulo KERAS3_DELEGATION_EVERY (4 unless set), and every op
NOT_SAMPLED lists for it, so each op is checked on one backend and every backend checks its
share (a wrapper calls ``keras.ops`` alike on every backend). With 1 (`make test-full`, or
``KERAS3_DELEGATION_EVERY=1 .venv/bin/python -m pytest tests/package/test_delegation.py``) every
op is checked on every backend.
"""

from __future__ import annotations

import fcntl
import inspect
import json
import math
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keras3.ops
import numpy as np
import pytest

from tests import op_samples
from tests.conftest import built, generated_from
from tests.delegation_runner import shared_ops
from generator.settings import pinned_release
from generator.settings import version_key

PIN = pinned_release()  # the Keras release pyproject.toml pins

BACKENDS = ("jax", "torch", "tensorflow", "numpy")
RUNNER = Path(__file__).resolve().parents[1] / "delegation_runner.py"
ROOT = RUNNER.parent.parent
TIMEOUT = 600.0  # seconds, per job

# The runner compiles ~1000 tiny XLA programs on jax (and jax-backed ops on numpy); these flags
# halve XLA's compile time. Both sides of every comparison are compiled alike.
FAST_XLA_FLAGS = "--xla_cpu_use_fusion_emitters=false --xla_backend_optimization_level=0"

OP_NAMES: tuple[str, ...] = tuple(keras3.ops.__all__)
EVERY = int(os.environ.get("KERAS3_DELEGATION_EVERY", "4"))


def share(backend: str) -> str:
    """The share of the ops (tests/delegation_runner.py's shared_ops) `backend`'s job checks."""
    return f"{BACKENDS.index(backend) % EVERY}/{EVERY}"

WRAPS = re.compile(r"Wraps `(keras\.[A-Za-z0-9_.]+)`")

# --------------------------------------------------------------------------------------
# The subprocesses
# --------------------------------------------------------------------------------------


def _job_command(job: str) -> list[str]:
    mode = "switch" if job == "switch" else "ops"
    return [sys.executable, str(RUNNER), mode]


def _job_env(job: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERAS")}
    if job.startswith("ops-"):
        env["KERAS_BACKEND"] = job.removeprefix("ops-")
        env["KERAS3_DELEGATION_SHARE"] = share(env["KERAS_BACKEND"])
    env["KERAS_HOME"] = str(home)  # built-in defaults, no user keras.json
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["PYTHONWARNINGS"] = "ignore"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["XLA_FLAGS"] = " ".join(filter(None, [env.get("XLA_FLAGS"), FAST_XLA_FLAGS]))
    return env


class Jobs:
    """The runner subprocesses of one pytest session, shared by its xdist workers.

    Each job writes ``<job>.out``, ``<job>.err`` and, once it has ended however it ended,
    ``<job>.rc`` into ``folder``. A job is started by whichever process claims it first
    (under a file lock); any process reads its result.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.owned: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, jobs: list[str]) -> None:
        with open(self.folder / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for job in jobs:
                claim = self.folder / f"{job}.claimed"
                if claim.exists():
                    continue
                claim.touch()
                prefix = str(self.folder / job)
                self.owned[job] = subprocess.Popen(
                    [
                        "sh",
                        "-c",
                        '"$@" >"$P.out" 2>"$P.err"; echo $? >"$P.rc.tmp"; mv "$P.rc.tmp" "$P.rc"',
                        "sh",
                        *_job_command(job),
                    ],
                    env={**_job_env(job, self.folder / "keras_home"), "P": prefix},
                    cwd=ROOT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )

    def result(self, job: str) -> dict[str, Any]:
        rc_file = self.folder / f"{job}.rc"
        if not (self.folder / f"{job}.claimed").exists():
            self.start([job])
        deadline = time.monotonic() + TIMEOUT
        while not rc_file.exists():
            if time.monotonic() > deadline:
                pytest.fail(f"delegation job {job!r} did not finish within {TIMEOUT:.0f} s")
            time.sleep(0.1)
        rc = rc_file.read_text().strip()
        out = (self.folder / f"{job}.out").read_text()
        err = (self.folder / f"{job}.err").read_text()
        lines = out.strip().splitlines()
        if rc != "0" or not lines:
            pytest.fail(f"delegation job {job!r} exited with {rc}:\n{out[-3000:]}\n{err[-5000:]}")
        return json.loads(lines[-1])

    def close(self) -> None:
        """Wait for the jobs this process started (other workers may be reading them)."""
        for process in self.owned.values():
            try:
                process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()


def _needed_jobs(items: list[pytest.Item]) -> list[str]:
    """The jobs the selected tests of this module read (so ``-k`` runs no more than needed)."""
    needed: list[str] = []
    for item in items:
        module = getattr(item, "module", None)
        if module is None or module.__name__ != __name__:
            continue
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("backend") if callspec else None
        job = f"ops-{backend}" if backend else ("switch" if "use_backend" in item.name else None)
        if job and job not in needed:
            needed.append(job)
    # The slowest first: jax compiles every op.
    return sorted(needed, key=lambda job: job != "ops-jax")


@pytest.fixture(scope="session")
def jobs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Jobs]:
    base = tmp_path_factory.getbasetemp()
    # Under xdist every worker's basetemp is <session dir>/popen-gwN: share the session dir.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    pool = Jobs(shared / "delegation")
    pool.start(_needed_jobs(request.session.items))
    yield pool
    pool.close()


# --------------------------------------------------------------------------------------
# The sample table itself (no Keras needed)
# --------------------------------------------------------------------------------------


def _params(name: str) -> list[op_samples.Param]:
    return [
        op_samples.Param(
            p.name,
            p.kind.name.lower(),
            p.default is inspect.Parameter.empty
            and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD),
        )
        for p in inspect.signature(getattr(keras3.ops, name)).parameters.values()
    ]


def test_every_op_wrapper_names_what_it_wraps_as_the_generator_does() -> None:
    from generator.upstream.store import SnapshotStore

    binding, _ = built(SnapshotStore(), generated_from())  # the release keras3 was generated from
    expected = {w.name: w.upstream for w in binding.wrappers if w.family == "ops"}
    documented = {}
    for name in OP_NAMES:
        match = WRAPS.search(getattr(keras3.ops, name).__doc__ or "")
        documented[name] = match.group(1) if match else None
    assert documented == expected
    assert all(path.startswith("keras.ops.") for path in documented.values())


def test_the_sample_tables_name_only_real_ops_and_parameters() -> None:
    ops = set(OP_NAMES)
    tables = {
        "OVERRIDES": set(op_samples.OVERRIDES),
        "CALL_RESULT_WITH": set(op_samples.CALL_RESULT_WITH),
        "SHAPE_AND_DTYPE_ONLY": set(op_samples.SHAPE_AND_DTYPE_ONLY),
        "SIGNED_X": set(op_samples.SIGNED_X),
        "NAN_X": set(op_samples.NAN_X),
    }
    for backend, table in op_samples.NOT_SAMPLED.items():
        assert backend in BACKENDS
        assert all(reason.strip() for reason in table.values())
        tables[f"NOT_SAMPLED[{backend!r}]"] = set(table)
    # Samples written for upstream's next release may wait for it; nothing else may be stray.
    ahead = set(op_samples.AHEAD_OF_PIN)
    stray = {label: sorted(names - ops - ahead) for label, names in tables.items() if names - ops - ahead}
    assert not stray
    for name in OP_NAMES:  # raises on an override naming a parameter the wrapper lacks
        op_samples.sample_spec(name, _params(name))


def test_samples_ahead_of_the_pin_name_ops_the_pin_lacks() -> None:
    """Once the pin has an op sampled ahead of it, the AHEAD_OF_PIN entry is stale: drop it."""
    from generator.upstream.store import SnapshotStore

    binding, _ = built(SnapshotStore(), PIN)
    pinned_ops = {w.name for w in binding.wrappers if w.family == "ops"}
    assert not set(op_samples.AHEAD_OF_PIN) & pinned_ops
    assert all(version_key(release) > version_key(PIN) for release in op_samples.AHEAD_OF_PIN.values())
    assert set(op_samples.AHEAD_OF_PIN) <= set(op_samples.OVERRIDES) | set(op_samples.CALL_RESULT_WITH)


def test_samples_are_the_same_on_every_build() -> None:
    def same(a: Any, b: Any) -> bool:
        if isinstance(a, np.ndarray):
            return a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        if isinstance(a, (list, tuple)):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        if isinstance(a, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        return a is b or a == b

    for name in OP_NAMES:
        first = op_samples.build_call(name, _params(name), lambda x: x)
        second = op_samples.build_call(name, _params(name), lambda x: x)
        assert same(first, second), name


# --------------------------------------------------------------------------------------
# Delegation, training, switching (real Keras, in the subprocesses)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_op_wrapper_equals_the_direct_keras_call(jobs: Jobs, backend: str) -> None:
    report: dict[str, str] = jobs.result(f"ops-{backend}")["ops"]
    assert sorted(report) == sorted(shared_ops(list(OP_NAMES), backend, share(backend)))
    not_sampled = op_samples.NOT_SAMPLED.get(backend, {})
    problems = []
    for name, status in report.items():
        if name in not_sampled:
            # Listed: upstream itself must still raise NotImplementedError on this backend.
            if not status.startswith("not-implemented:"):
                problems.append(f"{name}: listed in NOT_SAMPLED[{backend!r}] but now {status}")
        elif status != "ok":
            problems.append(f"{name}: {status}")
    assert not problems, f"{len(problems)} op wrapper(s) on {backend}:\n" + "\n".join(problems)


def test_the_backends_shares_check_every_op(jobs: Jobs) -> None:
    checked = {name for backend in BACKENDS for name in jobs.result(f"ops-{backend}")["ops"]}
    assert checked == set(OP_NAMES)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_model_built_only_with_keras3_calls_trains(jobs: Jobs, backend: str) -> None:
    training = jobs.result(f"ops-{backend}")["training"]
    assert training["sequential"]["model_class"] == "Sequential"
    assert training["functional"]["model_class"] == "Functional"
    if backend == "numpy":
        for entry in training.values():
            assert entry.get("fit_error", "").startswith("NotImplementedError"), entry
        pytest.skip(
            "Keras's numpy backend has no training support: Model.fit raises "
            "NotImplementedError (checked above)"
        )
    for label, entry in training.items():
        losses = entry.get("loss")
        assert losses is not None, (label, entry)
        assert len(losses) == 5 and all(math.isfinite(v) for v in losses), (label, losses)
        assert losses[-1] < losses[0], (label, losses)


def test_the_same_wrapper_objects_follow_use_backend(jobs: Jobs) -> None:
    report = jobs.result("switch")["switch"]
    assert list(report) == ["jax", "torch", "tensorflow", "numpy"]
    for backend, seen in report.items():
        prefix = seen["expected_type_prefix"]
        assert seen["active"] == backend
        assert seen["same_objects"], (backend, seen)
        assert seen["add_type"].startswith(prefix), (backend, seen["add_type"])
        assert seen["add_value"] == [[3.0, 3.0, 3.0], [3.0, 3.0, 3.0]]
        assert seen["resize_type"].startswith(prefix), (backend, seen["resize_type"])
        assert seen["resize_shape"] == [1, 2, 2, 3]
        assert seen["layer_is_current_dense"], (backend, seen)
        assert seen["dense_out_type"].startswith(prefix), (backend, seen["dense_out_type"])
        assert seen["dense_out_shape"] == [1, 2]
