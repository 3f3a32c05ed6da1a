"""Shared fixtures: the real snapshot store of this repository, the pin, the installed Keras."""

from __future__ import annotations

import functools
import importlib
import os
import resource
from pathlib import Path

import pytest

from generator.settings import PACKAGE, pinned_release
from generator.upstream.store import DEFAULT_ROOT, SnapshotStore


def generated_from() -> str:
    """The Keras release the committed tree (generated/) was regenerated from, read from the
    package header: the pin, or the installed Keras a maintainer regenerated against before
    bumping the pin (a keras-nightly). Tests of "the committed output is what regeneration emits"
    compare with that release; tests/binding/test_binding.py checks it is one of those two."""
    from generator.regenerate import generated_release

    release = generated_release((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    return release if release is not None else pinned_release()


@pytest.fixture(scope="session")
def store() -> SnapshotStore:
    return SnapshotStore(Path(os.environ.get("KERAS3_TEST_STORE", DEFAULT_ROOT)))


@pytest.fixture(scope="session")
def pinned(store: SnapshotStore):
    """The stored snapshot of the Keras release pyproject.toml pins."""
    return store.load(pinned_release())


@pytest.fixture(scope="session")
def installed_keras() -> str:
    """The version of the Keras this interpreter imports (a PEP 440 version), whichever
    distribution provided it: `keras`, or `keras-nightly` first on PYTHONPATH."""
    keras = importlib.import_module("keras")
    version = getattr(keras, "__version__", None)
    return str(version if version is not None else keras.version())


@functools.cache
def _built(root: Path, release: str):
    from generator.binding.build import build

    return build(SnapshotStore(root), release)


def built(store: SnapshotStore, release: str):
    """`build(store, release)` (the binding and its spec), built once per test process: the binding
    model is frozen and the store is read-only during a session (tests that write use copies)."""
    return _built(Path(store.root).resolve(), release)


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist registers this marker; `-p no:xdist` (one test, one process) must accept it too.
    config.addinivalue_line("markers", "xdist_group(name): under `--dist loadgroup`, run on one worker with "
                            "the other tests of the group (they share a session fixture)")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--cpu-durations", type=int, default=None, metavar="N",
                     help="list the N tests that took the most CPU time (setup + call + teardown, the "
                          "test process and the child processes it waited for); 0 lists all. "
                          "KERAS3_CPU_LOG=FILE also appends each test's figure to FILE as it ends")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under `--dist loadgroup`, a test with no xdist_group of its own runs on the worker of its
    module (as `--dist loadfile` does): a module- or session-scoped fixture is then computed by one
    worker, not by both. Runs before pytest-xdist reads the marks."""
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


def _without_group(nodeid: str) -> str:
    """The test's id without the `@group` suffix pytest-xdist's loadgroup adds to it."""
    at = nodeid.rfind("@")
    return nodeid[:at] if at > nodeid.rfind("]") else nodeid


_CPU_START = pytest.StashKey[float]()


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    item.stash[_CPU_START] = _cpu_seconds()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if call.when == "teardown" and _CPU_START in item.stash:
        seconds = _cpu_seconds() - item.stash[_CPU_START]
        report.user_properties.append(("cpu_seconds", seconds))
        if log := os.environ.get("KERAS3_CPU_LOG"):  # a line per test as it ends, for a run cut short
            with open(log, "a", encoding="utf-8") as out:
                out.write(f"{seconds:.1f}\t{_without_group(item.nodeid)}\n")
    return report


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    wanted = config.getoption("--cpu-durations")
    if wanted is None:
        return
    rows = sorted(((value, _without_group(report.nodeid)) for reports in terminalreporter.stats.values() for report in reports
                   if getattr(report, "when", None) == "teardown"
                   for name, value in report.user_properties if name == "cpu_seconds"), reverse=True)
    total = sum(value for value, _ in rows)
    terminalreporter.write_sep("=", f"most CPU: {len(rows)} tests, {total:.1f} s of CPU in all")
    for value, nodeid in rows[:wanted or None]:
        terminalreporter.write_line(f"{value:8.1f}s cpu  {nodeid}")
