"""Shared fixtures: the real snapshot store of this repository."""

from __future__ import annotations

import pytest

from generator.drift import pinned_release
import os
from pathlib import Path

from generator.store import DEFAULT_ROOT, SnapshotStore


@pytest.fixture(scope="session")
def store() -> SnapshotStore:
    return SnapshotStore(Path(os.environ.get("KERAS3_TEST_STORE", DEFAULT_ROOT)))


@pytest.fixture(scope="session")
def pinned(store: SnapshotStore):
    """The stored snapshot of the Keras release pyproject.toml pins."""
    return store.load(pinned_release())
