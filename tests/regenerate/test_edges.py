"""The command line's edges and the one writers' lock (issue 19), in copies of the repository or
read-only on the real store: a closed pipe ends quietly, a path no stored release has is an error
naming the nearest paths, a reversed pair says so, the allowlist is checked field by field,
`regenerate` warns first when the installed Keras is not the pin, an override of a missing symbol
names it and the nearest paths only; two writers of generated/ at once lose nothing."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest

from generator.settings import pinned_release
from generator.upstream.store import SnapshotStore
from tests.regenerate.test_robust import cli, edit, environment, one_error
from tests.repo_copies import REPO

PIN = pinned_release()


def releases() -> list[str]:
    return SnapshotStore().releases()


def before_pin() -> str:
    previous = SnapshotStore().previous_release(PIN)
    assert previous is not None, "the store holds a release before the pin"
    return previous


def test_a_closed_pipe_ends_quietly():
    """`diff A B --format json | head -1` ended in a BrokenPipeError traceback."""
    reader = subprocess.Popen([sys.executable, "-m", "generator", "diff", before_pin(), PIN, "--format", "json"],
                              cwd=REPO, env=environment(REPO), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert reader.stdout is not None and reader.stderr is not None
    first = reader.stdout.readline()
    reader.stdout.close()  # `head -1` exits
    errors = reader.stderr.read().decode()
    reader.wait(timeout=600)
    assert first.strip(), "the report was being written"
    assert reader.returncode in (0, 141) and "Traceback" not in errors, (reader.returncode, errors)


@pytest.mark.parametrize("target, nearest", [
    ("keras.layers.Densee", "keras.layers.Dense"),
    ("keras.Layer.add_weigth", "keras.Layer.add_weight"),
])
def test_a_symbol_no_release_has_is_an_error_naming_the_nearest_paths(target, nearest):
    """`diff A B --symbol keras.nonexistent.Thing` printed "0 findings" with exit 0."""
    one_error(cli(REPO, "diff", before_pin(), PIN, "--symbol", target), target, "nearest paths:", nearest)
    one_error(cli(REPO, "history", target), target, "nearest paths:", nearest)


def test_a_symbol_of_either_release_is_still_diffed():
    result = cli(REPO, "diff", before_pin(), PIN, "--symbol", "keras.layers.Dense")
    assert result.returncode == 0 and "error" not in result.stderr, result.stderr


def test_a_reversed_release_pair_says_so():
    """`diff 3.15.1 3.0.0` printed 1,164 "breaking" findings with no word of the order."""
    oldest = releases()[0]
    result = cli(REPO, "diff", PIN, oldest, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert re.search(rf"reverse order: {re.escape(PIN)} is newer than {re.escape(oldest)}", result.stderr), result.stderr
    forward = cli(REPO, "diff", before_pin(), PIN, "--format", "json")
    assert "reverse order" not in forward.stderr


ALLOWLIST = """
[[accept]]
kind = "{kind}"
path = "{path}"
reason = "a test"
expires = 2099-01-01
"""


@pytest.mark.parametrize("kind, path, expected", [
    ("defualt-changed", "keras.layers.Dense", ("entry 1", "unknown kind 'defualt-changed'", "known kinds:",
                                               "default-changed", "symbol-removed")),
    ("default-changed", "keras.layers.Densse", ("entry 1", "keras.layers.Densse", "nearest paths: keras.layers.Dense")),
])
def test_an_allowlist_entry_is_checked_field_by_field(tmp_path, kind, path, expected):
    """An unknown kind was told "matches no finding: remove it"."""
    allowlist = tmp_path / "allowlist.toml"
    allowlist.write_text(ALLOWLIST.format(kind=kind, path=path), encoding="utf-8")
    result = cli(REPO, "drift-check", "--allowlist", str(allowlist))
    one_error(result, *expected)
    assert "matches no finding" not in result.stderr


def test_regenerate_warns_first_when_the_installed_keras_is_not_the_pin(repo):
    """After bumping the pin without reinstalling, regenerate ran on the old Keras without a word."""
    other = next(r for r in reversed(releases()) if r != PIN)
    edit(repo / "pyproject.toml", f"keras=={PIN}", f"keras=={other}")
    edit(repo / "generator/spec/types.toml", 'names = ["name"]', 'names = "name"')  # stop it early
    result = cli(repo, "regenerate")
    first = result.stderr.splitlines()[0]
    assert first.startswith("warning:") and f"installed Keras is {PIN}" in first and f"pins {other}" in first, \
        result.stderr
    one_error(result, "types.toml")


def test_regenerate_on_the_pinned_keras_does_not_warn(repo):
    edit(repo / "generator/spec/types.toml", 'names = ["name"]', 'names = "name"')
    result = cli(repo, "regenerate")
    assert "warning:" not in result.stderr, result.stderr
    one_error(result, "types.toml")


def test_an_override_of_a_missing_symbol_names_it_and_the_nearest_paths_only(repo):
    """drift-check suggested `tethered_to="None"` first for an override whose upstream is gone."""
    overrides = repo / "generated/keras3/overrides.py"
    text = overrides.read_text(encoding="utf-8")
    tether = re.search(r'@override\(upstream="keras\.Model", tethered_to="(\w+)"\)\ndef load_model_config', text)
    assert tether is not None
    edit(overrides, tether.group(0), tether.group(0).replace('"keras.Model"', '"keras.Modell"'))
    result = cli(repo, "drift-check")
    assert "tethered_to" not in result.stderr, result.stderr
    assert "keras.Modell is not a path of Keras" in result.stderr and "nearest paths: keras.Model" in result.stderr, \
        result.stderr
    assert "Traceback" not in result.stderr


# --- one lock for every writer ---------------------------------------------------------------------

_WRITER = textwrap.dedent("""
    import sys
    from generator.docs.site.cli import write_sources
    from generator.settings import GENERATED
    from generator.upstream.store import SnapshotStore

    name, rounds = sys.argv[1], int(sys.argv[2])
    files = {f"docs/page-{i}.md": f"{name} {i}\\n" for i in range(40)}
    files["mkdocs.yml"] = f"site_name: {name}\\n"
    for _ in range(rounds):
        write_sources(files, SnapshotStore())
        present = {p.name for p in (GENERATED / "docs").iterdir()}
        missing = sorted({f"page-{i}.md" for i in range(40)} - present)
        if missing:
            sys.exit(f"missing after a write: {missing[:5]}")
""")


def test_two_docs_writers_at_once_lose_no_file(repo):
    """Two `docs --sources` at once lost 564 of 957 files: one run's recovery removed the other's
    staging folder. Both writers run the write path `docs --sources` takes (the lock, recovery,
    the swap), 25 rounds each on 41 small files (about 2 s)."""
    command = [sys.executable, "-c", _WRITER]
    runs = [subprocess.Popen([*command, name, "25"], cwd=repo, env=environment(repo), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for name in ("first", "second")]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    docs = repo / "generated/docs"
    pages = {p.name: p.read_text() for p in docs.iterdir()}
    assert sorted(pages) == sorted(f"page-{i}.md" for i in range(40))
    assert len({text.split()[0] for text in pages.values()}) == 1, "one writer's whole set, not a mix"
    assert not list((repo / "generated").glob(".docs.*")), "no staging or retired folder left"


def test_recovery_never_removes_the_staging_folder_of_a_live_run(tmp_path):
    from generator.render.writephase import recover_folder

    folder = tmp_path / "docs"
    folder.mkdir()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    gone_pid = subprocess.Popen([sys.executable, "-c", "pass"])
    gone_pid.wait()
    try:
        kept = tmp_path / f".docs.new-{live.pid}-abc"
        stale = tmp_path / f".docs.new-{gone_pid.pid}-def"
        for staging in (kept, stale):
            staging.mkdir()
            (staging / "page.md").write_text("x")
        recover_folder(folder)
        assert (kept / "page.md").exists() and not stale.exists()
    finally:
        live.kill()
        live.wait()
