"""`make preview`: upstream's next release (a keras-nightly build) reported against the pin,
installed in isolation and snapshotted into a temporary store, the tree left as it was.

Run on a pinned nightly so the test does not move with the package index. Besides the change
report and the keras3 impact, the preview says what bumping the pin to it would take: overrides to
re-tether and doc patches to remove, checked here against the nightly itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from generator.binding.docstrings.patches import load_doc_patches
from generator.settings import pinned_release
from generator.binding.overrides import read_overrides
from generator.upstream.releases import install_release, take_release
from generator.upstream.store import SnapshotStore

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


def run_preview(report: Path, fmt: str) -> tuple[subprocess.CompletedProcess[str], str]:
    result = subprocess.run(
        ["make", "-s", "preview", f"VERSION={NIGHTLY}", f"FORMAT={fmt}", f"OUTPUT={report}"],
        cwd=REPO, env=dict(os.environ), capture_output=True, text=True, timeout=900, check=False)
    return result, report.read_text(encoding="utf-8") if report.exists() else ""


@pytest.fixture(scope="module")
def preview(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], str, tuple, tuple]:
    before = tracked_state()
    result, text = run_preview(tmp_path_factory.mktemp("preview") / "preview.md", "markdown")
    return result, text, before, tracked_state()


@pytest.fixture(scope="module")
def preview_json(tmp_path_factory) -> dict:
    result, text = run_preview(tmp_path_factory.mktemp("preview") / "preview.json", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(text)


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



# --- before you bump the pin ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nightly_store(tmp_path_factory, store) -> SnapshotStore:
    """A copy of the store with the nightly's snapshot in it (taken as `make snapshot` would)."""
    copy = SnapshotStore(tmp_path_factory.mktemp("nightly") / "store")
    shutil.copytree(store.root, copy.root)
    take_release(NIGHTLY, copy)
    return SnapshotStore(copy.root)


def nightly_docstrings(paths: list[str]) -> dict[str, str]:
    """The docstrings the nightly itself gives at `paths` (None: no such path), asked of the
    installed nightly in a child process (its folder first on PYTHONPATH)."""
    folder = install_release(NIGHTLY)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), *filter(None, [os.environ.get("PYTHONPATH")])])}
    env.setdefault("KERAS_BACKEND", "jax")
    code = textwrap.dedent("""
        import functools, inspect, json, sys
        import keras
        def doc(path):
            try:
                obj = functools.reduce(getattr, path.split(".")[1:], keras)
            except AttributeError:
                return None
            raw = vars(obj).get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
            return inspect.cleandoc(raw) if isinstance(raw, str) else None
        print(json.dumps({"version": keras.version(), "docs": {p: doc(p) for p in json.load(sys.stdin)}}))
    """)
    result = subprocess.run([sys.executable, "-c", code], input=json.dumps(paths), env=env,
                            capture_output=True, text=True, timeout=300, check=True)
    answer = json.loads(result.stdout.splitlines()[-1])
    assert answer["version"] == NIGHTLY  # the child read the nightly, not the venv's Keras
    return answer["docs"]


def test_preview_lists_the_overrides_to_retether(preview_json, nightly_store):
    """Every override whose upstream symbol is not what it was tethered to in the nightly (what the
    drift check fails on once the pin is the nightly), with its upstream path and the new identity."""
    listed = {o["name"]: o for o in preview_json["before_bump"]["overrides"]}
    expected = {o.name: o for o in read_overrides()
                if nightly_store.identity(NIGHTLY, o.upstream) != o.tethered_to}
    assert listed.keys() == expected.keys()
    for name, o in expected.items():
        assert (listed[name]["upstream"], listed[name]["tethered_to"], listed[name]["current"]) == (
            o.upstream, o.tethered_to, nightly_store.identity(NIGHTLY, o.upstream))


def test_preview_lists_the_doc_patches_that_no_longer_apply(preview_json):
    """A doc patch is listed exactly when a text it replaces is not in the nightly's docstring."""
    patches = load_doc_patches()
    docs = nightly_docstrings(sorted(patches))
    expected = sorted(path for path, patch in patches.items()
                      if docs[path] is None or any(old not in docs[path] for old, _ in patch.replace))
    assert [p["path"] for p in preview_json["before_bump"]["doc_patches"]] == expected


def test_the_markdown_preview_ends_with_the_same_before_bump_section(preview, preview_json):
    _, text, _, _ = preview
    head, _, section = text.partition(f"\n## Before you bump the pin to {NIGHTLY}\n")
    assert section and "keras3 impact" in head and "keras3 impact" not in section
    bump = preview_json["before_bump"]
    for o in bump["overrides"]:
        assert f"- `{o['name']}` (`{o['upstream']}`, " in section
        assert f'tethered_to="{o["current"]}"' in section
    for p in bump["doc_patches"]:
        assert f"- `{p['path']}`: " in section


def test_the_impact_lists_a_new_optional_parameter_of_an_existing_wrapper(preview_json, store):
    """The nightly adds `label_smoothing` to SparseCategoricalCrossentropy: compatible for users of
    `loss_sparse_categorical_crossentropy`, listed as such unless the pin already has it."""
    pin = store.symbol(pinned_release(), "keras.losses.SparseCategoricalCrossentropy")
    names = {n["name"]: n for n in preview_json["keras3_impact"]["names"]}
    if pin.signature.parameter("label_smoothing") is not None:
        assert "loss_sparse_categorical_crossentropy" not in names
        return
    found = names["loss_sparse_categorical_crossentropy"]
    assert (found["kind"], found["grade"]) == ("changed", "compatible")
    assert "`label_smoothing`" in found["message"]
