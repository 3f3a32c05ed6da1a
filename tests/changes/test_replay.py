"""Replay real release pairs: what the releases' own notes say changed must be found and graded."""

from __future__ import annotations

from functools import cache

import pytest

from generator.changes.diff import Finding, diff_snapshots
from generator.upstream.store import DEFAULT_ROOT, SnapshotStore
from tests.release_notes import EXPECTED, Expected

EXPECTED_GRADE = {"symbol-added": {"compatible"}, "symbol-removed": {"breaking"},
                  "parameter-added": {"compatible", "breaking"}, "parameter-removed": {"breaking"},
                  "default-changed": {"possibly-breaking"}, "deprecated": {"possibly-breaking"}}


@cache
def findings(old: str, new: str) -> tuple[Finding, ...]:
    store = SnapshotStore(DEFAULT_ROOT)
    return tuple(diff_snapshots(store.load(old), store.load(new)))


@pytest.mark.parametrize("fact", EXPECTED, ids=[f"{e.new}-{e.kind}-{e.path}-{e.parameter}" for e in EXPECTED])
def test_each_change_from_the_release_notes_is_found(fact: Expected):
    hits = [f for f in findings(fact.old, fact.new)
            if (f.kind, f.path, f.member, f.parameter) == (fact.kind, fact.path, fact.member, fact.parameter)]
    assert hits, f"{fact.note}: not found between {fact.old} and {fact.new}"
    assert hits[0].grade in EXPECTED_GRADE[fact.kind]


def test_a_patch_release_changes_far_less_than_a_minor_one():
    assert len(findings("3.15.0", "3.15.1")) < len(findings("3.14.1", "3.15.0"))
