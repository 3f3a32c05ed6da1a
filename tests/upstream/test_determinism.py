"""A snapshot is the same bytes whichever backend and hash seed it was taken under, and equal to
the committed snapshot of the installed (pinned) release."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# One worker runs the module, so the shared reference snapshot is taken once per session.
pytestmark = pytest.mark.xdist_group("determinism")


def take(tmp_path: Path, backend: str, seed: str) -> dict[str, bytes]:
    store = tmp_path / f"{backend}-{seed}"
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))  # add, never hide
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONHASHSEED": seed, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": path}
    subprocess.run([sys.executable, "-m", "generator", "--store", str(store), "snapshot"],
                   check=True, env=env, cwd=REPO, capture_output=True)
    return {f.name: f.read_bytes() for f in sorted(store.iterdir())}


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, bytes]:
    """One snapshot on jax under a random hash seed, taken once: what every other is compared with."""
    return take(tmp_path_factory.mktemp("reference"), "jax", "random")


@pytest.mark.parametrize("backend, seed", [("torch", "1"), ("tensorflow", "2"), ("numpy", "3")])
def test_snapshot_bytes_do_not_depend_on_backend_or_hash_seed(tmp_path, reference, backend, seed):
    assert take(tmp_path, backend, seed) == reference


def test_a_fresh_snapshot_of_the_installed_keras_equals_the_committed_one(reference, store, installed_keras):
    # The installed release: the pin, or a nightly whose snapshot regenerate stored.
    assert reference[f"keras-{installed_keras}.json"] == store.release_file(installed_keras).read_bytes()
