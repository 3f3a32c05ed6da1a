"""`make regenerate`: snapshot the installed Keras, store it, and report what upstream changed.

The wrapper and docs stages join this flow in later issues; the order stays snapshot -> store ->
diff -> render, each stage a pure function of what the one before produced.
"""

from __future__ import annotations

import sys

from rich.console import Console

from generator.diff import diff_snapshots
from generator.introspect import take_snapshot
from generator.package import package_files
from generator.render import write_package
from generator.report import render_terminal
from generator.store import SnapshotStore


def regenerate(store: SnapshotStore) -> int:
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    live = take_snapshot()
    version = live.keras_version
    if version in store.releases():
        # The same release introspected again should give the same bytes; say so when it does not
        # (a changed toolkit or a damaged file), then store the fresh one.
        stored_changes = diff_snapshots(store.load(version), live)
        if stored_changes:
            console.print(f"[yellow]the stored snapshot of {version} differed from a fresh one:[/]")
            render_terminal(stored_changes, f"{version} (stored)", f"{version} (fresh)", sys.stdout)
    previous = store.previous_release(version)
    file = store.save(live)
    console.print(f"Keras {version}: {len(live.symbols)} public paths -> {file}")
    if previous is None:
        console.print("no earlier stored release to compare with")
    else:
        render_terminal(diff_snapshots(store.load(previous), live), previous, version, sys.stdout)
    files, spec = package_files(store, version)
    write_package(files, spec)
    console.print(f"generated/keras3: {len(files)} modules from the snapshot of Keras {version}")
    return 0
