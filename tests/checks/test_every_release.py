"""Every stored release reports: `doc-report --release R` for each release in the store.

Doc patches (`generator/spec/docs.toml`) are written against the pinned release; on another
release a patch whose path has no docstring there, or whose text that docstring lacks, is listed
in the report rather than fatal.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.cli import main
from generator.binding.docstrings.model import DocPatch, DocPatchError
from generator.binding.docstrings.patches import load_doc_patches
from generator.checks.doc_report import doc_report, documented_docstrings, format_doc_report
from generator.settings import pinned_release
from generator.upstream.store import DEFAULT_ROOT, SnapshotStore

STORE = SnapshotStore(Path(os.environ.get("KERAS3_TEST_STORE", DEFAULT_ROOT)))


def expected_unapplied(release: str) -> set[str]:
    """Patched paths that cannot apply to `release`, read straight from its snapshot."""
    docs = {path: doc for path, doc, _ in documented_docstrings(STORE.load(release))}
    return {path for path, patch in load_doc_patches().items()
            if path not in docs or any(old not in docs[path] for old, _ in patch.replace)}


@pytest.mark.parametrize("release", STORE.releases())
def test_doc_report_works_for_every_stored_release(release, capsys):
    status = main(["--store", str(STORE.root), "doc-report", "--release", release])
    out, err = capsys.readouterr()
    assert status in (0, 1), err  # 1: coverage under target; 2 would be an error
    assert out.startswith(f"Docstrings of Keras {release}: "), out[:200]
    unapplied = expected_unapplied(release)
    assert f"Patches that do not apply to Keras {release}: {len(unapplied)}\n" in out
    listed = {line.split(":")[0].strip() for line in out.split("do not apply")[1].splitlines()[1:]
              if line.startswith("  ")}
    assert unapplied <= listed
    if release == pinned_release():
        assert not unapplied  # every patch applies to the release it is written against


def test_a_patch_that_misses_is_listed_unless_the_report_is_strict():
    """Strict (the pinned release): a stale patch there is a mistake in the spec."""
    snapshot = STORE.load(pinned_release())
    dense = "keras.layers.Dense"
    patches = {"keras.layers.Gone": DocPatch("keras.layers.Gone", (("a", "b"),), "test"),
               dense: DocPatch(dense, (("no such text", "x"),), "test")}
    report = doc_report(snapshot, patches, strict=False)
    assert [path for path, _ in report.unapplied] == ["keras.layers.Dense", "keras.layers.Gone"]
    assert "no such text" in dict(report.unapplied)[dense] and report.patched == ()
    assert "Patches that do not apply to Keras" in format_doc_report(report)
    with pytest.raises(DocPatchError, match="keras.layers.Gone"):
        doc_report(snapshot, patches, strict=True)
