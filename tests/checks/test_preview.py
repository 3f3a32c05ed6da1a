"""`make preview`: upstream's next release (a keras-nightly build) reported against the pin,
installed in isolation and snapshotted into a temporary store, the tree left as it was.

Run on a pinned nightly so the test does not move with the package index.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from generator.settings import pinned_release

REPO = Path(__file__).resolve().parents[2]
NIGHTLY = "3.16.0.dev2026102704"  # upstream's 3.16.0 development build on the package index


def tracked_state() -> tuple[str, dict[str, str]]:
    """`git status --porcelain` and a hash of every file of the store and the generated tree."""
    status = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True,
                            check=True).stdout
    # What git sees (tracked, or new and not ignored): a venv rebuild's generated/keras3.egg-info
    # is not the preview's doing.
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "upstream_snapshots", "generated"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    files = {name: hashlib.sha256((REPO / name).read_bytes()).hexdigest() for name in sorted(listed)
             if (REPO / name).is_file()}
    return status, files


@pytest.fixture(scope="module")
def preview(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], str, tuple, tuple]:
    report = tmp_path_factory.mktemp("preview") / "preview.md"
    before = tracked_state()
    result = subprocess.run(
        ["make", "-s", "preview", f"VERSION={NIGHTLY}", "FORMAT=markdown", f"OUTPUT={report}"],
        cwd=REPO, env=dict(os.environ), capture_output=True, text=True, timeout=900, check=False)
    text = report.read_text(encoding="utf-8") if report.exists() else ""
    return result, text, before, tracked_state()


def test_preview_reports_the_nightly_against_the_pin(preview, store):
    result, text, _, _ = preview
    assert result.returncode == 0, result.stderr
    assert text.startswith(f"# Keras {pinned_release()} → {NIGHTLY}: API changes\n"), text[:200]
    # The nightly's new public name of the grouped-query attention layer (checked on its wheel):
    # reported unless the pin already has it (a pin moved to this nightly or later).
    new_name = "keras.layers.GroupedQueryAttention"
    assert (new_name in text) is (new_name not in store.index(pinned_release()))
    # ... and what that costs keras3's users: the renamed wrapper, graded in the impact section.
    impact = text.partition("keras3 impact")[2]
    assert ("layer_group_query_attention" in impact) is (new_name not in store.index(pinned_release()))
    assert f"Keras {NIGHTLY}: snapshot taken" in result.stderr and "untouched" in result.stderr


def test_preview_leaves_the_tree_as_it_was(preview):
    _, _, before, after = preview
    assert after == before

