"""Running examples (`ExampleRunner`): worker processes (two) that import Keras once and run one
docstring at a time in a fresh namespace (its chunks share it, as on a page), jax backend, seed
`SEED`, Keras' global state reset in between; stdout plus the repr of each top-level expression
(as a REPL shows it); a statement upstream shows raising (`# raises ...`) may raise; a time
limit per chunk; no network (examples that download are reported, not run) and a private
`/tmp`; output scrubbed of addresses, timings and temporary paths so it is byte-stable. A crash
or hang costs only its chunk: the worker is killed and restarted.

Why not a library's process pool (concurrent.futures, pebble, loky): they run independent calls,
and kill or abandon a worker only per call; here the chunks of one docstring share a namespace
in one worker, each chunk has its own time limit, a chunk that overran beside other work runs
again alone with a longer limit, and the worker blocks the network and keeps a private `/tmp`.
"""

from __future__ import annotations

import ast
import builtins
import io
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Self

from generator.docs.examples.table import TranslationTable
from generator.docs.examples.translate import NEEDS_DOWNLOAD, download_reason
from generator.settings import CACHE
from generator.settings import REPO_ROOT as REPO

BACKEND = "jax"
SEED = 1337
TIME_LIMIT = 20.0  # seconds per chunk; a worker that overruns it by GRACE is killed
# A docstring whose chunk overran TIME_LIMIT beside other work (a loaded machine, the other
# worker) runs again alone with this limit before anyone is blamed: wall-clock time on a shared
# machine says nothing about the translation, so a time-out never counts as the translator's.
RETRY_LIMIT = 300.0
GRACE = 10.0
STARTUP_LIMIT = 120.0
WORKERS = 2
# Bump when the runner or the scrubbing changes what a run records: old cache entries then miss.
RUNNER_VERSION = "2"


JAX_CACHE_DIR = CACHE / "jax"  # XLA executables the workers compiled (jax's own cache)


_NETWORK_BLOCKED = "network access is blocked while examples run"


# ---------------------------------------------------------------------------------------------
# Running


@dataclass(frozen=True)
class Run:
    output: str
    ok: bool
    error: str | None = None


_ADDRESS = re.compile(r"\b(at|id=|object at) 0x[0-9a-fA-F]+")
_HEX_ID = re.compile(r"0x[0-9a-fA-F]{8,}")
# a progress bar's elapsed time and time per step (`1/1 ━━━━ 0s 45ms/step - loss: 0.14`)
_TIMING = re.compile(r" +\d+(?:\.\d+)?(?:ms|us|µs|s)(?:/step|/sample)?(?= |$)")
_ETA = re.compile(r" +ETA: \S+")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_TMP_NAME = re.compile(r"(/tmp|<tmp>)/tmp[\w-]{6,}")
# Python ids printed in decimal at the start of a line (`  139978357967952: TensorSpec(...)`, the
# captures TensorFlow lists for an exported function)
_DECIMAL_ID = re.compile(r"^(\s*)\d{12,}(?=: )", re.MULTILINE)


def scrub(text: str, paths: Iterable[tuple[str, str]] = ()) -> str:
    """Output without what changes from run to run: memory addresses (` at 0x7f…` -> ` at 0x…`),
    progress-bar timings, temporary paths, terminal escapes and trailing spaces."""
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    # a progress bar rewritten in place (`\r`) shows its last state
    text = "\n".join(line.rsplit("\r", 1)[-1] for line in text.split("\n"))
    for old, new in paths:
        if old:
            text = text.replace(old, new)
    text = _TMP_NAME.sub(r"\1/tmp…", text)
    text = _ADDRESS.sub(lambda m: f"{m.group(1)} 0x…", text)
    text = _HEX_ID.sub("0x…", text)
    text = _DECIMAL_ID.sub(r"\1…", text)
    lines = []
    for line in text.split("\n"):
        if "/step" in line or "━" in line or "ETA" in line:
            line = _TIMING.sub("", _ETA.sub("", line))
        lines.append(line.rstrip())
    return "\n".join(lines).strip("\n")


# A comment that says the statement raises (`# raises TypeError`, `# This will raise an error.`).
_EXPECTS_ERROR = re.compile(r"#[^\n]*\braises?\b", re.IGNORECASE)


class _Timeout(BaseException):
    """Raised in the worker when an example overruns its time limit (not an Exception, so an
    example's `except Exception` cannot swallow it)."""


def _worker_main() -> None:  # pragma: no cover - runs in the worker process
    """The worker: imports Keras once, then runs the sessions it reads from stdin, one JSON
    line each, and writes one JSON line per chunk to its (private) protocol pipe."""
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)  # C-level writes (XLA, TensorFlow) must not reach the protocol
    os.dup2(null, 2)
    _block_network()
    home = os.environ["KERAS3_EXAMPLES_HOME"]
    os.chdir(home)
    state = _State()
    protocol.write(json.dumps({"ready": os.getpid()}) + "\n")
    for line in sys.stdin:
        job = json.loads(line)
        workdir = tempfile.mkdtemp(dir=home, prefix="run")
        os.chdir(workdir)
        state.reset(job["seed"])
        namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
        os.mkdir(os.path.join(workdir, "tmp"))
        paths = [(workdir + "/tmp", "/tmp"), (workdir + "/", ""), (workdir, "."), (home, "<tmp>")]
        for code in job["chunks"]:
            run = _execute(code, namespace, job["limit"], paths, workdir + "/tmp")
            protocol.write(json.dumps(asdict(run)) + "\n")
        os.chdir(home)
        shutil.rmtree(workdir, ignore_errors=True)
        protocol.write(json.dumps({"done": True}) + "\n")


def _block_network() -> None:  # pragma: no cover - runs in the worker process
    import socket

    def refuse(*args: object, **kwargs: object) -> Any:
        raise OSError(_NETWORK_BLOCKED)

    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.socket.connect_ex = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse  # type: ignore[assignment]
    socket.getaddrinfo = refuse  # type: ignore[assignment]


class _State:  # pragma: no cover - runs in the worker process
    """Keras and process state an example may change, captured once and restored before each
    docstring's examples, so that no example sees another's settings."""

    def __init__(self) -> None:
        import warnings

        import keras
        import numpy as np

        self.keras = keras
        self.np = np
        self.warnings = warnings
        keras.ops.add(1, 1)  # initialise the backend now, not in the first example
        config = keras.config
        self.config = {
            "floatx": config.floatx(), "epsilon": config.epsilon(),
            "image_data_format": config.image_data_format(),
            "dtype_policy": config.dtype_policy().name,
            "interactive": config.is_interactive_logging_enabled(),
            "traceback": config.is_traceback_filtering_enabled(),
            "max_epochs": config.max_epochs(), "max_steps": config.max_steps_per_epoch(),
        }
        self.printoptions = np.get_printoptions()
        self.environ = dict(os.environ)
        self.filters = list(warnings.filters)
        self.path = list(sys.path)
        from keras.src.saving import object_registration

        self.registry = object_registration
        self.custom = dict(object_registration.GLOBAL_CUSTOM_OBJECTS)
        self.names = dict(object_registration.GLOBAL_CUSTOM_NAMES)
        self.resets = 0
        keras.utils.set_random_seed(SEED)  # imports TensorFlow (to seed it) once, here

    def reset(self, seed: int) -> None:
        keras, config, saved = self.keras, self.keras.config, self.config
        self.resets += 1
        # A full garbage collection costs ~0.1 s; every docstring would pay it for nothing.
        keras.utils.clear_session(free_memory=self.resets % 32 == 0)
        config.set_floatx(saved["floatx"])
        config.set_epsilon(saved["epsilon"])
        config.set_image_data_format(saved["image_data_format"])
        config.set_dtype_policy(saved["dtype_policy"])
        (config.enable_interactive_logging if saved["interactive"] else config.disable_interactive_logging)()
        (config.enable_traceback_filtering if saved["traceback"] else config.disable_traceback_filtering)()
        config.set_max_epochs(saved["max_epochs"])
        config.set_max_steps_per_epoch(saved["max_steps"])
        self.np.set_printoptions(**self.printoptions)
        os.environ.clear()
        os.environ.update(self.environ)
        self.warnings.filters[:] = self.filters
        sys.path[:] = self.path
        for registry, saved_registry in ((self.registry.GLOBAL_CUSTOM_OBJECTS, self.custom),
                                         (self.registry.GLOBAL_CUSTOM_NAMES, self.names)):
            registry.clear()
            registry.update(saved_registry)
        keras.utils.set_random_seed(seed)


def _execute(code: str, namespace: dict[str, Any], limit: float, paths: Sequence[tuple[str, str]],
             tmp: str = "/tmp") -> Run:  # pragma: no cover - runs in the worker
    """Run one chunk as a REPL would: statement by statement, showing the repr of each
    top-level expression's value; stop at the first exception.

    Paths the example writes under `/tmp/...` go to `tmp` instead (its session's own directory,
    removed afterwards; the output still says `/tmp`): one run cannot leave files for the next.
    """
    out = io.StringIO()
    try:
        tree = _PrivateTmp(tmp).visit(ast.parse(code))
    except SyntaxError as error:
        return Run("", False, f"SyntaxError: {error.msg} (line {error.lineno})")

    def display(value: object) -> None:
        if value is not None:
            out.write(repr(value) + "\n")

    def overrun(signum: int, frame: object) -> None:
        raise _Timeout()

    saved = sys.stdout, sys.displayhook, signal.signal(signal.SIGALRM, overrun)
    sys.stdout, sys.displayhook = out, display
    error: str | None = None
    lines = code.splitlines()
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        for statement in tree.body:
            if isinstance(statement, ast.Expr):
                compiled = compile(ast.Interactive(body=[statement]), "<example>", "single")
            else:
                compiled = compile(ast.Module(body=[statement], type_ignores=[]), "<example>", "exec")
            source = "\n".join(lines[statement.lineno - 1:statement.end_lineno or statement.lineno])
            try:
                exec(compiled, namespace)  # noqa: S102 - running examples is the point
            except Exception as problem:
                if not _EXPECTS_ERROR.search(source):
                    raise
                # upstream shows this statement raising: so does the page, as a REPL would
                out.write(f"Traceback (most recent call last):\n  ...\n{_describe(problem)}\n")
    except _Timeout:
        error = f"timed out after {limit:g} s"
    except BaseException as problem:  # noqa: BLE001 - an example may raise anything, SystemExit too
        error = _describe(problem)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        sys.stdout, sys.displayhook = saved[0], saved[1]
        signal.signal(signal.SIGALRM, saved[2])
    if error is not None:
        error = scrub(error, paths)
    return Run(scrub(out.getvalue(), paths), error is None, error)


class _PrivateTmp(ast.NodeTransformer):
    """String constants naming `/tmp` or a path under it -> the same path under `tmp`."""

    def __init__(self, tmp: str) -> None:
        self.tmp = tmp

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        value = node.value
        if isinstance(value, str) and (value == "/tmp" or value.startswith("/tmp/")):
            return ast.copy_location(ast.Constant(self.tmp + value[4:]), node)
        return node


def _describe(problem: BaseException) -> str:
    seen: BaseException | None = problem
    while seen is not None:
        if _NETWORK_BLOCKED in str(seen):
            return f"{NEEDS_DOWNLOAD}: the example reached for the network"
        seen = seen.__cause__ or seen.__context__
    lines = str(problem).strip().splitlines()
    message = next((line.strip() for line in lines if line.strip()), "")
    if len(message) > 300:
        message = message[:297] + "..."
    return f"{type(problem).__name__}: {message}" if message else type(problem).__name__


class _Worker:
    """One worker process, restarted after a crash or a kill."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.process: subprocess.Popen[bytes] | None = None
        self.buffer = b""
        self.lock = threading.Lock()  # one user at a time: a warm-up start or a session

    def warm_up(self) -> None:
        """Start the process now (it imports Keras), so that it is ready when work comes."""
        with self.lock:
            if self.process is None:
                try:
                    self._start()
                except RuntimeError:
                    pass  # `session` starts it again and reports what goes wrong

    def _start(self) -> None:
        env = dict(os.environ)
        env.update({
            "KERAS_BACKEND": BACKEND, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0",
            "COLUMNS": "100", "LINES": "50", "TERM": "dumb", "NO_COLOR": "1", "JAX_PLATFORMS": "cpu",
            "CUDA_VISIBLE_DEVICES": "-1", "TF_ENABLE_ONEDNN_OPTS": "0", "TMPDIR": str(self.home),
            "KERAS3_EXAMPLES_HOME": str(self.home), "MPLBACKEND": "Agg",
            # one thread per worker: the workers share the cores, and results do not depend on them
            "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
            "OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1",
            # Not JAX_DISABLE_MOST_OPTIMIZATIONS: it saves a quarter of the workers' CPU time (XLA
            # compiling is most of it), but changes the last digits of 5 of 451 docstrings' outputs.
            # XLA compiling is ~60% of the workers' CPU time: jax's persistent compilation cache
            # lets a worker load what the other (or an earlier build) compiled. A loaded executable
            # is the one compiling would give, so outputs do not change (checked byte for byte).
            "JAX_COMPILATION_CACHE_DIR": str(JAX_CACHE_DIR),
            "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0", "JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES": "0",
            "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])]),
        })
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from generator.docs.examples.runner import _worker_main; _worker_main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=self.home, env=env, start_new_session=True,
        )
        self.buffer = b""
        if self._line(STARTUP_LIMIT) is None:
            self.stop()
            raise RuntimeError("the example worker did not start")

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    stream.close()
        self.process = None

    def _line(self, limit: float) -> dict[str, Any] | None:
        """The next message, or None when the worker died or did not answer within `limit`."""
        assert self.process is not None and self.process.stdout is not None
        deadline = time.monotonic() + limit
        fd = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                return None
            data = os.read(fd, 1 << 16)
            if not data:  # the worker is gone: let it be reaped, so that its exit code is known
                try:
                    self.process.wait(timeout=GRACE)
                except subprocess.TimeoutExpired:
                    pass
                return None
            self.buffer += data
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)

    def session(self, chunks: Sequence[str], limit: float, seed: int) -> list[Run]:
        with self.lock:
            return self._session(chunks, limit, seed)

    def _session(self, chunks: Sequence[str], limit: float, seed: int) -> list[Run]:
        runs: list[Run] = []
        while len(runs) < len(chunks):
            if self.process is None or self.process.poll() is not None:
                self.stop()
                self._start()
            assert self.process is not None and self.process.stdin is not None
            rest = list(chunks[len(runs):])
            try:
                job = {"chunks": rest, "limit": limit, "seed": seed}
                self.process.stdin.write((json.dumps(job) + "\n").encode())
                self.process.stdin.flush()
            except BrokenPipeError:
                self.stop()
                continue
            for _ in rest:
                message = self._line(limit + GRACE)
                if message is None:
                    code = self.process.poll()
                    self.stop()
                    runs.append(Run("", False, f"timed out after {limit:g} s (worker killed)" if code is None
                                    else f"the example crashed its worker (exit code {code})"))
                    break  # the rest run in a fresh worker, without this chunk's names
                runs.append(Run(**message))
            else:
                if self._line(GRACE) is None:  # the end-of-session mark
                    self.stop()
        return runs


class ExampleRunner:
    """A small pool of worker processes that run example sessions (the chunks of one docstring,
    sharing one namespace). Use as a context manager; workers start on first use."""

    def __init__(self, workers: int = WORKERS, limit: float = TIME_LIMIT, seed: int = SEED,
                 retry_limit: float = RETRY_LIMIT) -> None:
        self.limit = limit
        self.retry_limit = retry_limit
        self.seed = seed
        self._home = Path(tempfile.mkdtemp(prefix="keras3-examples-"))
        self._workers = [_Worker(self._home) for _ in range(max(1, workers))]
        self.sessions_run = 0  # how many sessions were executed (a cache hit runs none)
        self.durations: list[tuple[float, Sequence[str]]] = []  # (seconds, chunks) per session run
        self.retried = 0  # sessions run again alone after a time-out
        # progress hooks (the docs build's bar): sessions about to run, then one call per session run
        self.on_start: Callable[[int], None] | None = None
        self.on_done: Callable[[], None] | None = None

    def __enter__(self) -> Self:
        return self

    def warm_up(self) -> None:
        """Start the workers in the background (each imports Keras, some seconds of CPU), so that
        they get ready while the caller does other work, e.g. translating the examples."""
        for worker in self._workers:
            threading.Thread(target=worker.warm_up, name="example-worker-start", daemon=True).start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for worker in self._workers:
            with worker.lock:  # a warm-up still starting finishes first, then is stopped
                worker.stop()
        shutil.rmtree(self._home, ignore_errors=True)

    def run(self, chunks: Sequence[str]) -> list[Run]:
        return self.run_sessions([chunks])[0]

    def run_sessions(self, sessions: Sequence[Sequence[str]]) -> list[list[Run]]:
        """The runs of each session, in order. A session with a chunk that timed out runs again,
        alone (no other session beside it) and with `retry_limit`; if it still overruns, its
        error says so (`timed out after N s, and after M s when run alone`): slowness, not a wrong result."""
        results = self._run_parallel(sessions, self.limit, len(self._workers))
        for index, runs in enumerate(results):
            if not any(timed_out(run) for run in runs):
                continue
            self.retried += 1
            again = self._run_parallel([sessions[index]], self.retry_limit, 1)[0]
            results[index] = [replace(run, error=f"timed out after {self.limit:g} s, and after "
                                                 f"{self.retry_limit:g} s when run alone")
                              if timed_out(run) else run for run in again]
        return results

    def _run_parallel(self, sessions: Sequence[Sequence[str]], limit: float, parallel: int) -> list[list[Run]]:
        results: list[list[Run] | None] = [None] * len(sessions)
        if self.on_start is not None and limit == self.limit:
            self.on_start(len(sessions))
        # longest first, so that a slow docstring does not start last
        order = sorted(range(len(sessions)), key=lambda i: -sum(len(c) for c in sessions[i]))
        lock = threading.Lock()

        def drain(worker: _Worker) -> None:
            while True:
                with lock:
                    if not order:
                        return
                    index = order.pop(0)
                started = time.monotonic()
                results[index] = worker.session(sessions[index], limit, self.seed)
                with lock:
                    self.sessions_run += 1
                    self.durations.append((time.monotonic() - started, sessions[index]))
                    if self.on_done is not None and limit == self.limit:
                        self.on_done()

        active = self._workers[:max(1, min(parallel, len(self._workers), len(sessions)))]
        threads = [threading.Thread(target=drain, args=(w,), daemon=True) for w in active]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return [r if r is not None else [] for r in results]


def timed_out(run: Run) -> bool:
    return not run.ok and (run.error or "").startswith("timed out")


def run_example(code: str, *, runner: ExampleRunner | None = None,
                table: TranslationTable | None = None) -> Run:
    """Run one (translated) example in a fresh namespace on the jax backend, with the fixed seed.

    An example that would download is not run: its Run says `needs download` and why.
    """
    reason = download_reason(code, table)
    if reason is not None:
        return Run("", False, reason)
    if runner is not None:
        return runner.run([code])[0]
    with ExampleRunner(workers=1) as own:
        return own.run([code])[0]
