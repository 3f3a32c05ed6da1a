"""The maintainer's upgrade path, replayed on real releases in a copy of the repository:
from the package as generated for the stored release before the one the committed tree was
regenerated from (the pin; or a keras-nightly a maintainer regenerated against before bumping the
pin) to that release, which must be the Keras installed.
Also: SIGKILL at random points never leaves a mixed tree, and bad inputs leave it untouched."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.changes.diff import diff_snapshots
from generator.changes.report import summary_line
from tests.conftest import generated_from
from tests.repo_copies import child_environment, copy_repository, tree
from generator.upstream.store import SnapshotStore

REPO = Path(__file__).resolve().parents[2]
NEW = generated_from()  # the installed Keras, which the child's regenerate introspects
OLD = SnapshotStore(REPO / "upstream_snapshots").previous_release(NEW)
OVERRIDDEN = {"keras_model_sequential": "keras.Sequential"}


def run(repo: Path, *args: str, **kwargs) -> subprocess.Popen | subprocess.CompletedProcess:
    env = child_environment(repo)
    command = [sys.executable, *args]
    if kwargs.pop("background", False):
        return subprocess.Popen(command, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=300)


GENERATE_OLD = f"""
from generator.docs.site.sources import write_docs
from generator.pipeline import outputs_for
from generator.render.package import write_package
from generator.upstream.store import SnapshotStore
store = SnapshotStore()
outputs = outputs_for(store.load("{OLD}"), store)
write_package(outputs.package, outputs.spec)
write_docs(outputs.docs)
"""


def make_old_repository(target: Path) -> Path:
    """A copy of the repository as it was while `OLD` was the pinned release."""
    copy_repository(target)
    store = SnapshotStore(target / "upstream_snapshots")
    tethers = dict(store.index(NEW))  # the committed overrides are tethered to NEW (on the pin)
    store.release_file(NEW).unlink()
    store.save(store.load(OLD))  # rewrites the pool without what only NEW used
    overrides = target / "generated/keras3/overrides.py"
    text = overrides.read_text()
    for override_path in OVERRIDDEN.values():
        text = text.replace(tethers[override_path], store.index(OLD)[override_path])
    overrides.write_text(text)
    result = run(target, "-c", GENERATE_OLD)
    assert result.returncode == 0, result.stderr
    return target


@pytest.fixture(scope="module")
def old_repository(tmp_path_factory) -> Path:
    return make_old_repository(tmp_path_factory.mktemp("old") / "repo")


@pytest.fixture(scope="module")
def upgraded(old_repository: Path, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, dict[str, str]]:
    repo = tmp_path_factory.mktemp("upgraded") / "repo"
    shutil.copytree(old_repository, repo)
    overrides_before = tree(repo / "generated/keras3")["overrides.py"]
    result = run(repo, "-m", "generator", "regenerate")
    return repo, result, {"overrides.py": overrides_before}


def test_regenerate_prints_the_change_report_since_the_old_release(upgraded):
    _, result, _ = upgraded
    assert result.returncode == 0, result.stderr
    assert f"Keras {OLD} → {NEW}" in result.stdout
    store = SnapshotStore(REPO / "upstream_snapshots")
    expected = summary_line(diff_snapshots(store.load(OLD), store.load(NEW)))
    assert f"Keras {OLD} → {NEW}: {expected}" in result.stdout
    assert "keras3 impact:" in result.stdout  # what it costs keras3's users, in wrapper names


def test_regenerate_writes_the_new_snapshot_and_exactly_the_committed_tree(upgraded):
    repo, _, before = upgraded
    assert tree(repo / "upstream_snapshots") == tree(REPO / "upstream_snapshots")
    produced, committed = tree(repo / "generated/keras3"), tree(REPO / "generated/keras3")
    assert produced.pop("overrides.py") == before["overrides.py"]  # overrides are never touched
    committed.pop("overrides.py")
    assert produced == committed
    assert tree(repo / "generated/docs") == tree(REPO / "generated/docs")
    assert (repo / "generated/mkdocs.yml").read_bytes() == (REPO / "generated/mkdocs.yml").read_bytes()


def test_the_drift_check_then_reports_each_override_whose_upstream_moved(upgraded, store):
    repo, _, _ = upgraded
    result = run(repo, "-m", "generator", "drift-check", "--against", NEW)  # NEW is the pin but on a nightly
    moved = {name: path for name, path in OVERRIDDEN.items() if store.index(OLD)[path] != store.index(NEW)[path]}
    assert result.returncode == (1 if moved else 0), result.stderr
    for name, path in OVERRIDDEN.items():
        assert (f"override {name} ({path}) is tethered to" in result.stderr) == (name in moved)
    for name, path in moved.items():  # each with its upstream diff since the tether
        findings = diff_snapshots(store.load(OLD), store.load(NEW))
        assert any(f.path == path for f in findings) and path in result.stdout, name


def test_regenerate_is_idempotent(upgraded):
    repo, _, _ = upgraded
    before = tree(repo)
    assert run(repo, "-m", "generator", "regenerate").returncode == 0
    assert tree(repo) == before


def test_sigkill_at_random_points_leaves_the_old_tree_or_the_new_never_a_mix(old_repository, upgraded, tmp_path):
    old_package = tree(old_repository / "generated/keras3")
    new_package = tree(upgraded[0] / "generated/keras3")
    releases = SnapshotStore(old_repository / "upstream_snapshots").releases()
    run(old_repository, "-c", "import generator.regenerate")  # warm the bytecode caches
    rng = random.Random(2026)
    for attempt in range(8):
        repo = tmp_path / f"kill-{attempt}"
        shutil.copytree(old_repository, repo)
        process = run(repo, "-m", "generator", "regenerate", background=True)
        time.sleep(rng.uniform(0.5, 5.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        package = tree(repo / "generated/keras3")
        assert package in (old_package, new_package), f"attempt {attempt}: a mixed package"
        store = SnapshotStore(repo / "upstream_snapshots")
        for release in releases:  # nothing stored before is lost or damaged
            store.load(release)


def broken(old_repository: Path, tmp_path: Path, name: str) -> Path:
    repo = tmp_path / name
    shutil.copytree(old_repository, repo)
    return repo


@pytest.mark.parametrize("case", ["damaged-snapshot", "spec-names-missing-symbol", "template-error"])
def test_bad_input_gets_a_clear_error_and_leaves_the_tree_untouched(old_repository, tmp_path, case):
    repo = broken(old_repository, tmp_path, case)
    if case == "damaged-snapshot":
        file = repo / f"upstream_snapshots/keras-{OLD}.json"
        file.write_text(file.read_text()[:-300])
        expected = f"keras-{OLD}.json: line"
    elif case == "spec-names-missing-symbol":
        spec = repo / "generator/spec/binding.toml"
        spec.write_text(spec.read_text().replace("[skip]\n", '[skip]\n"keras.layers.Densse" = "typo"\n'))
        expected = f"names symbols Keras {NEW} lacks: keras.layers.Densse"
    else:
        template = repo / "templates/_wrappers.j2"
        template.write_text(template.read_text().replace("{{ w.name }}(", "{{ w.nmae }}(", 1))
        expected = "rendering failed"
    before = tree(repo)
    result = run(repo, "-m", "generator", "regenerate")
    assert result.returncode == 2 and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert tree(repo) == before


def test_an_unknown_release_is_refused_without_touching_the_store(old_repository, tmp_path):
    repo = broken(old_repository, tmp_path, "unknown-release")
    before = tree(repo)
    result = run(repo, "-m", "generator", "snapshot", "--release", "3.99.0")
    assert result.returncode == 2 and "3.99.0" in result.stderr and "Traceback" not in result.stderr
    assert tree(repo) == before


def test_a_keras_older_than_the_oldest_stored_release_is_refused(old_repository, tmp_path):
    repo = broken(old_repository, tmp_path, "too-old")
    before = tree(repo)
    script = ("from generator.upstream.model import Snapshot\nfrom generator.regenerate import regenerate\n"
              "from generator.upstream.store import SnapshotStore\nregenerate(SnapshotStore(), Snapshot('2.15.0', {}))")
    result = run(repo, "-c", script)
    oldest = SnapshotStore(repo / "upstream_snapshots").releases()[0]
    assert result.returncode != 0 and f"older than the oldest stored release {oldest}" in result.stderr
    assert tree(repo) == before
