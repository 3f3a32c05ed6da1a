"""Shared fixtures: the real snapshot store of this repository, the pin, the installed Keras."""

from __future__ import annotations

import importlib
import os
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


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist registers this marker; `-p no:xdist` (one test, one process) must accept it too.
    config.addinivalue_line("markers", "xdist_group(name): under `--dist loadgroup`, run on one worker with "
                            "the other tests of the group (they share a session fixture)")
