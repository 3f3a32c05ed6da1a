"""`make guides-sync` on real upstream history: the tutobooks bundle (keras-team/keras's guides with
their whole history) and keras-io-history/ (older keras-io files) of ../shared/upstream-tutobooks.

An older upstream is synced, a translated page is edited by hand, the newer upstream is synced: an
edit where upstream left the page alone survives (merged), an edit where upstream changed it too
gives conflict markers, which the drift check refuses. Every sync writes to a temporary store and
templates folder with a spec restricted to the guides at stake (about 0.3 s of translation each).
"""

from __future__ import annotations

import difflib
import io
import json
import os
import subprocess
from pathlib import Path

import pytest

from generator.checks.tutobook_drift import tutobook_problems
from generator.docs.tutobooks.tether import read_tether
from generator.guides_sync import guides_sync, store_report, translation_table
from generator.upstream.tutobook_spec import load_tracked
from generator.upstream.tutobooks import TutobookStore

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KERAS3_UPSTREAM_TUTOBOOKS", REPO.parent / "shared" / "upstream-tutobooks"))
BUNDLE = SHARED / "keras-tutobooks.bundle"
HISTORY = SHARED / "keras-io-history"
KERAS_IO = SHARED / "keras-io"

pytestmark = pytest.mark.skipif(not BUNDLE.is_file(), reason=(
    f"the upstream tutobooks ({BUNDLE}) are not on this machine: set KERAS3_UPSTREAM_TUTOBOOKS to a "
    "folder holding keras-tutobooks.bundle, keras-io/ and keras-io-history/ (CI has them)"))

TRANSFER = "guides/transfer_learning.py"  # rewritten for batch normalization on 2024-09-27
FUNCTIONAL = "guides/functional_api.py"  # fixed on 2024-12-27
SAVING = "guides/customizing_saving_and_serialization.py"  # keras-io, older copy in keras-io-history/


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clone = tmp_path_factory.mktemp("upstream") / "keras"
    subprocess.run(["git", "clone", "--quiet", str(BUNDLE), str(clone)], check=True)
    return clone


@pytest.fixture(scope="session")
def table():
    return translation_table()


def git(clone: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(clone), *args], check=True, capture_output=True, text=True).stdout.strip()


def before(clone: Path, path: str, date: str) -> str:
    """The last commit that changed `path` before `date` (YYYY-MM-DD)."""
    return git(clone, "log", "-1", "--format=%H", f"--before={date}T00:00:00", "main", "--", path)


class Sandbox:
    """A store, a templates folder and a spec of a few real tracked guides, in tmp_path."""

    def __init__(self, root: Path, paths: list[str], table) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.store = root / "upstream_snapshots" / "keras-io"
        self.templates = root / "templates"
        self.spec = root / "guides.toml"
        self.table = table
        entries = [e for e in load_tracked() if e.path in paths]
        assert len(entries) == len(paths)
        self.spec.write_text("".join(f'[[guide]]\npath = "{e.path}"\nrepo = "{e.repo}"\n' for e in entries))
        self.pages = {e.path: self.templates / (e.page or "") for e in load_tracked(self.spec)}

    def sync(self, folder: Path, check: bool = False) -> tuple[int, dict]:
        out = io.StringIO()
        status = guides_sync([folder], "json", out, lambda _: None, check=check, store_root=self.store,
                             templates=self.templates, spec=self.spec, table=self.table)
        report = json.loads(out.getvalue())
        return status, {c["path"]: c for c in report["changes"]}

    def problems(self) -> list[str]:
        return tutobook_problems(TutobookStore(self.store), self.templates, load_tracked(self.spec))


def changed_lines(base: str, theirs: str) -> tuple[set[int], list[int]]:
    """(lines of `base` upstream's change replaces or deletes (or inserts before), lines it leaves
    alone that are more than 3 lines from any change)."""
    touched: set[int] = set()
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, base.splitlines(), theirs.splitlines(),
                                                      autojunk=False).get_opcodes():
        if tag != "equal":
            touched.update(range(i1, max(i2, i1 + 1)))
    lines = base.splitlines()
    return touched, [n for n in range(len(lines)) if all(abs(n - t) > 3 for t in touched)]


def edit_line(page: Path, number: int, text: str) -> None:
    lines = page.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[number] = text + "\n"
    page.write_text("".join(lines), encoding="utf-8")


def test_an_older_commit_synced_then_the_newest_reports_the_change_and_keeps_a_hand_edit(bundle, tmp_path, table):
    old = before(bundle, TRANSFER, "2024-09-27")
    sandbox = Sandbox(tmp_path, [TRANSFER, FUNCTIONAL], table)
    git(bundle, "checkout", "--quiet", old)
    try:
        status, first = sandbox.sync(bundle)
    finally:
        git(bundle, "checkout", "--quiet", "main")
    assert status == 0
    assert first[TRANSFER]["status"] == "added" and first[TRANSFER]["grade"] == "added"
    assert sandbox.problems() == []
    page = sandbox.pages[TRANSFER]
    base = page.read_text(encoding="utf-8")
    assert read_tether(base, "page").commit != git(bundle, "rev-parse", "main")

    # A hand edit where upstream's change leaves the page alone: after the prose line farthest
    # from any change.
    theirs_now = (tmp_path / "preview")
    preview = Sandbox(theirs_now, [TRANSFER], table)
    preview.sync(bundle)
    theirs = preview.pages[TRANSFER].read_text(encoding="utf-8")
    touched, calm = changed_lines(base, theirs)
    assert touched, "upstream's change since 2024-09-27 changes the translated page"
    prose = [n for n in calm if base.splitlines()[n].strip() and not base.splitlines()[n].startswith(("```", "#", "-"))]
    line = prose[len(prose) // 2]
    edit = "A maintainer's note: this paragraph was checked against keras3 by hand."
    edit_line(page, line, base.splitlines()[line] + " " + edit)

    status, second = sandbox.sync(bundle)
    change = second[TRANSFER]
    assert status == 0
    assert change["status"] == "changed" and change["grade"] == "merged"
    git_diff = git(bundle, "diff", old, "main", "--", TRANSFER)
    ours = change["diff"]
    for diff_line in git_diff.splitlines()[4:]:
        if diff_line.startswith(("+", "-")) and diff_line[1:].strip():
            assert diff_line in ours.splitlines(), diff_line  # the unified diff shows each upstream change
    merged = page.read_text(encoding="utf-8")
    assert edit in merged  # the hand edit survives
    new_only = [line for n, line in enumerate(theirs.splitlines()) if line not in base.splitlines() and line.strip()]
    assert new_only and all(line in merged.splitlines() for line in new_only)  # and upstream's change is in
    assert read_tether(merged, "page").sha256 == TutobookStore(sandbox.store).index()[TRANSFER].sha256
    assert second[FUNCTIONAL]["grade"] == ("updated" if second[FUNCTIONAL]["status"] == "changed" else "unchanged")
    assert sandbox.problems() == []

    status, third = sandbox.sync(bundle)  # nothing moved: nothing written
    assert third[TRANSFER]["status"] == "unchanged" and third[TRANSFER]["grade"] == "unchanged"
    assert page.read_text(encoding="utf-8") == merged

    stored = {c.path: c for c in store_report(load_tracked(sandbox.spec), TutobookStore(sandbox.store),
                                              sandbox.templates, table).changes}  # `guides-report`
    assert (stored[TRANSFER].calls, stored[TRANSFER].rewritten) == (change["calls"], change["rewritten"])
    assert stored[TRANSFER].sentences_kept == stored[TRANSFER].sentences > 100


def test_an_edit_where_upstream_changed_too_is_a_conflict_the_drift_check_refuses(bundle, tmp_path, table):
    old = before(bundle, FUNCTIONAL, "2024-12-27")
    sandbox = Sandbox(tmp_path, [FUNCTIONAL], table)
    git(bundle, "checkout", "--quiet", old)
    try:
        sandbox.sync(bundle)
    finally:
        git(bundle, "checkout", "--quiet", "main")
    page = sandbox.pages[FUNCTIONAL]
    base = page.read_text(encoding="utf-8")
    preview = Sandbox(tmp_path / "preview", [FUNCTIONAL], table)
    preview.sync(bundle)
    theirs = preview.pages[FUNCTIONAL].read_text(encoding="utf-8")
    touched, _ = changed_lines(base, theirs)
    body = [n for n in sorted(touched) if n > 10 and n < len(base.splitlines())]  # past the front matter
    assert body, "upstream's 2024-12-27 fix changes the page's body"
    line = body[0]
    edit_line(page, line, "This line was rewritten by a maintainer, where upstream changed it too.")

    status, report = sandbox.sync(bundle, check=True)  # the weekly job: nothing written, it fails
    assert status == 1 and report[FUNCTIONAL]["status"] == "changed"
    assert "This line was rewritten" in page.read_text(encoding="utf-8")
    assert read_tether(page.read_text(encoding="utf-8"), "page").commit == read_tether(base, "page").commit

    status, report = sandbox.sync(bundle)
    assert status == 1 and report[FUNCTIONAL]["grade"] == "conflict"
    text = page.read_text(encoding="utf-8")
    assert "<<<<<<< " in text and "\n=======\n" in text and ">>>>>>> " in text
    assert "This line was rewritten by a maintainer" in text
    problems = sandbox.problems()
    assert any("conflict markers" in p and "functional_api.md" in p for p in problems), problems


def test_keras_io_history_to_newest_merges_a_hand_edit(tmp_path, table):
    older = sorted(HISTORY.glob(f"*/{SAVING}"))
    if not older:
        pytest.skip(f"{HISTORY} holds no older {SAVING}")
    sandbox = Sandbox(tmp_path, [SAVING], table)
    status, first = sandbox.sync(older[0].parents[1])  # keras-io-history/<commit>/: a partial copy
    assert status == 0 and first[SAVING]["status"] == "added"
    assert first[SAVING]["new_commit"] == older[0].parents[1].name  # from keras-io-history/MANIFEST.tsv
    page = sandbox.pages[SAVING]
    lines = page.read_text(encoding="utf-8").splitlines()
    heading = next(n for n, line in enumerate(lines) if line.startswith("## "))
    edit_line(page, heading, lines[heading] + " (read this first)")
    status, second = sandbox.sync(KERAS_IO)
    assert second[SAVING]["status"] == "changed", second[SAVING]
    assert second[SAVING]["grade"] in ("merged", "conflict")
    text = page.read_text(encoding="utf-8")
    if second[SAVING]["grade"] == "merged":
        assert "(read this first)" in text and sandbox.problems() == []
    else:
        assert any("conflict markers" in p for p in sandbox.problems())


def test_a_damaged_store_is_refused_with_a_clear_error(bundle, tmp_path, table):
    sandbox = Sandbox(tmp_path, [FUNCTIONAL], table)
    sandbox.sync(bundle)
    stored = sandbox.store / FUNCTIONAL
    stored.write_bytes(stored.read_bytes().replace(b"Functional", b"Fnuctional", 1))
    problems = sandbox.problems()
    assert any("damaged" in p and "restore it from git" in p for p in problems), problems
    with pytest.raises(Exception, match="damaged"):
        sandbox.sync(bundle)


def test_the_committed_store_and_pages_are_in_step():
    """What is committed: the store intact, every tracked page tethered to it, no markers."""
    assert tutobook_problems() == []
