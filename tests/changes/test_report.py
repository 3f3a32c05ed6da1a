"""The four renderings of a change report, on a real release pair."""

from __future__ import annotations

import io
import json

import pytest

from generator.changes.diff import diff_snapshots
from generator.changes.report import render
from tests.release_notes import EXPECTED

# The release pair whose notes announce sliding-window attention on MultiHeadAttention.
(SWA,) = [e for e in EXPECTED if (e.kind, e.path, e.parameter)
          == ("parameter-added", "keras.layers.MultiHeadAttention", "sliding_window")]
OLD, NEW = SWA.old, SWA.new


@pytest.fixture(scope="module")
def findings(store):
    return diff_snapshots(store.load(OLD), store.load(NEW))


def stored_positional(path: str) -> list[str]:
    from generator.upstream.store import SnapshotStore

    signature = SnapshotStore().load(NEW).symbols[path].signature
    assert signature is not None
    return list(signature.positional_names())


def rendered(findings, fmt: str) -> str:
    out = io.StringIO()
    render(findings, OLD, NEW, fmt, out)
    return out.getvalue()


def test_json_carries_every_finding_with_its_id_and_a_consistent_summary(findings):
    document = json.loads(rendered(findings, "json"))
    assert [f["id"] for f in document["findings"]] == [f.id for f in findings]
    assert sum(document["summary"].values()) == len(findings)


def test_markdown_reads_as_a_release_note(findings):
    text = rendered(findings, "markdown")
    assert text.startswith(f"# Keras {OLD} → {NEW}: API changes\n")
    # The notes announce sliding-window attention; its insertion shifts positional calls.
    positional = stored_positional("keras.layers.MultiHeadAttention")
    shifted = len(positional) - positional.index("sliding_window") - 1  # those after the insertion
    assert f"`keras.layers.MultiHeadAttention`: {shifted} parameters change position" in text
    assert "new optional parameter `sliding_window`" in text
    assert text.index("## Breaking") < text.index("## Compatible") < text.index("## Docs only")


def test_github_annotations_are_one_line_each_and_graded(findings):
    lines = rendered(findings, "github").splitlines()
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    breaking = sum(f.grade == "breaking" for f in findings)
    assert sum(line.startswith("::error ") for line in lines) == breaking


def test_terminal_report_names_the_releases_and_the_counts(findings):
    text = rendered(findings, "terminal")
    assert text.splitlines()[0].startswith(f"Keras {OLD} → {NEW}: {len(findings)} findings")
