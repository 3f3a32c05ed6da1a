"""From a stored snapshot to the formatted text of the `keras3` package: spec -> binding -> render.

Pure given the store, the spec files and the templates; `regenerate` writes the result and the
drift check compares it with what is committed.
"""

from __future__ import annotations

import hashlib

from generator.binding import Binding, BindingSpec, build_binding, load_binding_spec
from generator.history import added_in_all
from generator.naming import load_naming_spec
from generator.overrides import read_overrides
from generator.render import emit, format_files
from generator.store import SnapshotStore


def snapshot_digest(store: SnapshotStore, version: str) -> str:
    return hashlib.sha256(store.release_file(version).read_bytes()).hexdigest()


def build(store: SnapshotStore, version: str) -> tuple[Binding, BindingSpec]:
    spec = load_binding_spec()
    binding = build_binding(store.load(version), spec, load_naming_spec(), added_in_all(store),
                            snapshot_digest(store, version), read_overrides())
    return binding, spec


def package_files(store: SnapshotStore, version: str) -> tuple[dict[str, str], BindingSpec]:
    binding, spec = build(store, version)
    return format_files(emit(binding, spec)), spec
