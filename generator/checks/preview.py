"""`make preview`: upstream's next release, seen before it ships, without touching the tree.

Installs a `keras-nightly` build in isolation (the newest on the package index, or the one asked
for), snapshots it into a throwaway copy of the store, and prints the change report against the
pinned release, then the "keras3 impact" section (what users of the generated names would see).
`upstream_snapshots/` and `generated/` are only read: the snapshot lives in a temporary folder that
is deleted afterwards, and the install in `.cache/` (ignored by git).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from generator.binding.impact import binding_impact
from generator.changes.diff import diff_snapshots
from generator.changes.report import render
from generator.settings import version_key
from generator.upstream.releases import DEFAULT_CACHE, ReleaseError, take_release
from generator.upstream.store import SnapshotStore

NIGHTLY = "keras-nightly"


def newest_nightly() -> str:
    """The newest `keras-nightly` version on the package index (asked through pip, nothing installed)."""
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--disable-pip-version-check",
               "--no-deps", "--ignore-installed", "--pre", "--report", "-", NIGHTLY]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        (item,) = json.loads(result.stdout)["install"]
        version = str(item["metadata"]["version"])
    except (ValueError, KeyError, TypeError):
        tail = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ReleaseError(f"could not find the newest {NIGHTLY} on the package index: {tail} "
                           "(give one with `make preview VERSION=...`)") from None
    version_key(version)  # a clear error for a version this toolkit cannot store
    return version


def preview(store: SnapshotStore, baseline: str, version: str | None, fmt: str, out: TextIO,
            cache_root: Path = DEFAULT_CACHE) -> int:
    """Snapshot Keras `version` (default: the newest nightly) into a copy of `store`; report it
    against the stored `baseline` (the pinned release)."""
    version = version or newest_nightly()
    with tempfile.TemporaryDirectory(prefix="keras3-preview-") as scratch:
        copy = SnapshotStore(Path(scratch) / "store")
        shutil.copytree(store.root, copy.root)
        run = take_release(version, copy, cache_root)
        copy = SnapshotStore(copy.root)  # the child wrote the store; read it afresh
        old, new = copy.load(baseline), copy.load(version)
    print(f"Keras {version}: snapshot taken under the {run.backend} backend in {run.seconds:.0f} s "
          f"(a temporary store; {store.root.name}/ untouched)", file=sys.stderr)
    # The report ends with its "keras3 impact" section: what the release costs keras3's users.
    render(diff_snapshots(old, new), baseline, version, fmt, out, binding_impact(old, new))
    return 0

