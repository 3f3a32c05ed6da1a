"""`make regenerate`: snapshot the installed Keras, report what changed, store it, re-emit keras3.

Order matters for "nothing half-written, nothing lost": the run takes the lock and repairs what a
killed run left (generator/render/writephase.py) before anything else; then everything is computed in memory
(snapshot, change report, binding, rendered and formatted package, docs sources), so a bad spec, a template
error or a damaged store stops the run before any file is touched. Then the snapshot is stored
(each file atomically) and the package swapped in whole (render/package.py, write_package).
"""

from __future__ import annotations

import re
import sys

from rich.console import Console
from rich.markup import escape

from generator.binding.impact import binding_impact, lost_names
from generator.binding.spec import load_binding_spec
from generator.changes.diff import diff_snapshots
from generator.changes.report import render_terminal
from generator.docs.site.common import CONFIG_NAME, DOCS_NAME
from generator.docs.site.sources import write_docs
from generator.pipeline import outputs_for
from generator.render.package import PACKAGE, write_package
from generator.render.stubs import STUBS, write_stubs
from generator.render.writephase import check_package, pending, recover, recover_folder, writer_lock
from generator.settings import GENERATED, version_key
from generator.upstream.model import Snapshot
from generator.upstream.preflight import check_keras_installation, unpinned_keras
from generator.upstream.store import SnapshotStore

# The header names the stored file, `keras-<PEP 440 version>.json` (see `store._RELEASE_FILE`).
_HEADER_RELEASE = re.compile(r"upstream_snapshots/keras-(\d[0-9A-Za-z.!+_-]*)\.json")


def generated_release(package_init: str) -> str | None:
    """The Keras release the committed package was generated from, read from its header."""
    match = _HEADER_RELEASE.search(package_init)
    return match.group(1) if match else None


def baseline_release(store: SnapshotStore, version: str) -> str | None:
    """What to report changes against: the release the current package was generated for (after
    a pin bump that is the one users had), else the stored release before `version`."""
    init = PACKAGE / "__init__.py"
    current = generated_release(init.read_text(encoding="utf-8")) if init.exists() else None
    if current and current != version and current in store.releases():
        return current
    return store.previous_release(version)


def check_supported(store: SnapshotStore, version: str) -> None:
    releases = store.releases()
    if releases and version_key(version) < version_key(releases[0]):
        raise ValueError(f"the installed Keras {version} is older than the oldest stored release "
                         f"{releases[0]}; keras3 binds Keras 3 (install keras>={releases[0]})")


def load_specs() -> None:
    """Read every spec file and the overrides into their checked records (paths are checked later,
    against the snapshot)."""
    from generator.binding.docstrings.patches import load_doc_patches
    from generator.binding.naming import load_naming_spec
    from generator.binding.overrides import read_overrides
    from generator.binding.stub_spec import load_stub_spec
    from generator.binding.typing_rules import load_rules
    from generator.docs.examples.spec import load_example_data

    load_naming_spec(), load_rules(), load_doc_patches(), load_example_data(), read_overrides(), load_stub_spec()


def regenerate(store: SnapshotStore, live: Snapshot | None = None) -> int:
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    docs = GENERATED / DOCS_NAME
    # 0. One run at a time; what a killed run left is repaired before anything is read or computed.
    if live is None and (warning := unpinned_keras()) is not None:
        console.print(f"[bold yellow]warning:[/] {escape(warning)}")  # before anything else
    with writer_lock(store.root, lambda text: console.print(escape(text))):
        for done in [*recover(store.root, PACKAGE, docs, CONFIG_NAME), recover_folder(STUBS)]:
            if done is None:
                continue
            console.print(f"[yellow]recovery:[/] {escape(done)}")
        check_package(PACKAGE, load_binding_spec().hand_written)
        load_specs()  # a malformed spec file fails in a second, before Keras is imported
        if live is None:
            check_keras_installation()  # Keras 3 with its backend installed, before importing it
            from generator.upstream.introspect import take_snapshot  # the one import of Keras here

            live = take_snapshot()
        return _regenerate(store, live, console)


def _regenerate(store: SnapshotStore, live: Snapshot, console: Console) -> int:
    version = live.keras_version
    check_supported(store, version)

    # 1. Everything in memory.
    restated = diff_snapshots(store.load(version), live) if version in store.releases() else []
    baseline = baseline_release(store, version)
    changes = diff_snapshots(store.load(baseline), live) if baseline else None
    impact = binding_impact(store.load(baseline), live) if baseline else None
    outputs = outputs_for(live, store)
    init = PACKAGE / "__init__.py"
    lost = lost_names(init.read_text(encoding="utf-8"), outputs.package["__init__.py"]) if init.exists() else []

    # 2. Report, then write. The marker stays if a kill cuts the writes short, so the package and
    # docs (two folders, swapped one after the other) are never out of step unnoticed.
    if restated:
        console.print(f"[yellow]the stored snapshot of {version} differed from a fresh one:[/]")
        render_terminal(restated, f"{version} (stored)", f"{version} (fresh)", sys.stdout)
    if changes is not None and baseline is not None:
        render_terminal(changes, baseline, version, sys.stdout, impact)
    else:
        console.print("no earlier stored release to compare with")
    if lost:
        console.print(f"[bold red]keras3 impact: the spec no longer gives {len(lost)} published name(s), "
                      f"which the package drops:[/] {', '.join(lost)} (a rename or skip in generator/spec?)")
    with pending(GENERATED):
        file = store.save(live)
        write_package(outputs.package, outputs.spec)
        write_stubs(outputs.stubs)
        write_docs(outputs.docs)
    console.print(f"Keras {version}: {len(live.symbols)} public paths -> {file}; "
                  f"generated/keras3: {len(outputs.package)} modules; generated docs: {len(outputs.docs)} files; "
                  f"generated/{STUBS.name}: {sum(n.endswith('.pyi') for n in outputs.stubs)} stub modules")
    return 0
