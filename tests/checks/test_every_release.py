"""Every stored release reports: `doc-report --release R` for each release in the store.

Doc patches (`generator/spec/docs.toml`) are written against the pinned release; on another
release a patch whose path has no docstring there, or whose text that docstring lacks, is listed
in the report rather than fatal.

`make test` reports a deterministic sample of the stored releases (see `sampled_releases`: the oldest,
the newest of each minor series, and every release from the pin on); `make test-full`, or
`KERAS3_STORED_RELEASES=all .venv/bin/python -m pytest tests/checks/test_every_release.py`, reports
every stored release.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.cli import main
from generator.binding.docstrings.model import DocPatch, DocPatchError
from generator.binding.docstrings.patches import check_patches_apply, documented_docstrings, load_doc_patches, stale_patches
from generator.checks.doc_report import doc_report, format_doc_report
from generator.settings import pinned_release
from generator.settings import version_key
from generator.upstream.store import DEFAULT_ROOT, SnapshotStore

STORE = SnapshotStore(Path(os.environ.get("KERAS3_TEST_STORE", DEFAULT_ROOT)))


def sampled_releases(releases: list[str]) -> list[str]:
    """The releases (in version order) KERAS3_STORED_RELEASES selects: `all`, or `sample` (the
    default): the oldest, the newest of each minor series (3.0.5, 3.1.1, ...) and every release from
    the pin on, so every minor series and the releases the pin's spec meets are reported."""
    choice = os.environ.get("KERAS3_STORED_RELEASES", "sample")
    if choice not in ("sample", "all"):
        raise ValueError(f"KERAS3_STORED_RELEASES={choice!r}: expected `sample` or `all`")
    if choice == "all":
        return releases
    newest_of_series = {version_key(r).release[:2]: r for r in releases}
    keep = {*releases[:1], *newest_of_series.values(),
            *(r for r in releases if version_key(r) >= version_key(pinned_release()))}
    return [r for r in releases if r in keep]


def test_the_sample_holds_every_minor_series_and_the_releases_from_the_pin():
    releases = STORE.releases()
    sample = sampled_releases(releases)
    assert sample[0] == releases[0] and sample[-1] == releases[-1]
    assert {version_key(r).release[:2] for r in sample} == {version_key(r).release[:2] for r in releases}
    assert pinned_release() in sample


def expected_unapplied(release: str) -> set[str]:
    """Patched paths that cannot apply to `release`, read straight from its snapshot."""
    docs = {path: doc for path, doc, _ in documented_docstrings(STORE.load(release))}
    return {path for path, patch in load_doc_patches().items()
            if path not in docs or any(old not in docs[path] for old, _ in patch.replace)}


@pytest.mark.parametrize("release", sampled_releases(STORE.releases()))
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


FROM_THE_PIN = [r for r in STORE.releases() if version_key(r) >= version_key(pinned_release())]


@pytest.mark.parametrize("release", FROM_THE_PIN)
def test_bumping_the_pin_names_every_patch_upstream_fixed_in_one_error(release):
    """The pin's patches all apply. A release after it (a nightly, stored by regenerate) may fix
    upstream what a patch mends (3.16 fixed the Args of set_max_steps_per_epoch and compute_ciou):
    making it the pin then fails with one line naming docs.toml and every such patch, to remove."""
    snapshot, patches = STORE.load(release), load_doc_patches()
    stale = expected_unapplied(release)
    assert {path for path, _ in stale_patches(snapshot, patches)} == stale
    if not stale:
        check_patches_apply(snapshot, patches)  # raises on any stale patch
        return
    with pytest.raises(DocPatchError) as caught:
        check_patches_apply(snapshot, patches)
    message = str(caught.value)
    assert "\n" not in message and "docs.toml" in message and f"{len(stale)} doc patch(es)" in message
    assert all(path in message for path in stale)


def test_a_stale_patch_on_the_pin_is_named_with_every_other():
    snapshot = STORE.load(pinned_release())
    patches = {**load_doc_patches(),
               "keras.layers.Gone": DocPatch("keras.layers.Gone", (("a", "b"),), "test"),
               "keras.layers.Dense": DocPatch("keras.layers.Dense", (("no such text", "x"),), "test")}
    with pytest.raises(DocPatchError, match=r"2 doc patch\(es\) do not apply .*keras\.layers\.Dense: upstream "
                       r"text no longer there: 'no such text'; keras\.layers\.Gone: no docstring"):
        check_patches_apply(snapshot, patches)
