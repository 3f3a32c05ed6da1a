"""`make regenerate`: snapshot the installed Keras, store it, and report what upstream changed.

The wrapper and docs stages join this flow in later issues; the order stays snapshot -> store ->
diff -> render, each stage a pure function of what the one before produced.
"""

from __future__ import annotations

import sys

from rich.console import Console

from generator.diff import diff_snapshots
from generator.introspect import take_snapshot
from generator.report import render_terminal
from generator.store import SnapshotStore


def regenerate(store: SnapshotStore) -> int:
    console = Console(stderr=True, highlight=False)
    live = take_snapshot()
    version = live.keras_version
    # Compare with what the store held for this release if anything, else the release before it.
    if version in store.releases():
        baseline, label = store.load(version), f"{version} (stored)"
    else:
        previous = store.previous_release(version)
        baseline, label = (store.load(previous), previous) if previous else (None, None)
    file = store.save(live)
    console.print(f"Keras {version}: {len(live.symbols)} public paths -> {file}")
    if baseline is None:
        console.print("no earlier stored release to compare with")
        return 0
    findings = diff_snapshots(baseline, live)
    if not findings and label and label.endswith("(stored)"):
        console.print(f"snapshot of {version} unchanged")
        return 0
    render_terminal(findings, label or "", f"{version} (installed)", sys.stdout)
    return 0
