"""From a snapshot to the formatted text of the `keras3` package: spec -> binding -> render.

Pure given the snapshot, the store's history, the spec files, the overrides and the templates;
`regenerate` writes the result and the drift check compares it with what is committed. A snapshot
not yet stored (a fresh introspection) renders exactly as it will once stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from generator.binding.model import Binding, BindingSpec, DocSources, build_binding, load_binding_spec
from generator.binding.docstrings import load_arg_docs, load_doc_patches
from generator.settings import pinned_release
from generator.changes.history import added_in_all, notable_changes
from generator.binding.impact import dropped_names
from generator.upstream.model import Snapshot
from generator.binding.naming import load_naming_spec
from generator.binding.overrides import read_overrides
from generator.render.package import emit, format_files
from generator.changes.signature_history import signature_histories
from generator.binding.spec_paths import check_spec_paths
from generator.upstream.store import SnapshotStore, encode_snapshot, index_text


def snapshot_digest(snapshot: Snapshot) -> str:
    """sha256 of the release file this snapshot is (or will be) stored as."""
    index, _ = encode_snapshot(snapshot)
    return hashlib.sha256(index_text(snapshot.keras_version, index).encode("utf-8")).hexdigest()


def build_for(snapshot: Snapshot, store: SnapshotStore) -> tuple[Binding, BindingSpec]:
    spec = load_binding_spec()
    added_in = added_in_all(store)
    for path in snapshot.symbols:  # a release not stored yet adds what it introduces
        added_in.setdefault(path, snapshot.keras_version)
    naming, patches = load_naming_spec(), load_doc_patches()
    check_spec_paths(added_in, spec, naming, patches)  # every path any stored release has
    docs = DocSources(patches=patches, changes=notable_changes(store, snapshot),
                      strict_patches=snapshot.keras_version == pinned_release(), arg_docs=load_arg_docs())
    # Names earlier releases' bindings published and this one no longer gives: kept, deprecated.
    dropped = dropped_names(store, snapshot, spec, naming)
    histories = signature_histories(store, snapshot)
    binding = build_binding(snapshot, spec, naming, added_in, snapshot_digest(snapshot),
                            read_overrides(), docs, dropped, histories=histories)
    return binding, spec


def build(store: SnapshotStore, version: str) -> tuple[Binding, BindingSpec]:
    return build_for(store.load(version), store)


def package_files(store: SnapshotStore, version: str) -> tuple[dict[str, str], BindingSpec]:
    return files_for(store.load(version), store)


def files_for(snapshot: Snapshot, store: SnapshotStore) -> tuple[dict[str, str], BindingSpec]:
    binding, spec = build_for(snapshot, store)
    return format_files(emit(binding, spec)), spec


@dataclass(frozen=True)
class Outputs:
    """Everything regeneration emits for one snapshot, computed before anything is written."""

    package: dict[str, str]  # generated/keras3/<file>
    docs: dict[str, str]  # generated/<docs sources>
    spec: BindingSpec


def outputs_for(snapshot: Snapshot, store: SnapshotStore) -> Outputs:
    from generator.docs.site import docs_for  # the docs stage reads the same binding

    binding, spec = build_for(snapshot, store)
    return Outputs(format_files(emit(binding, spec)), docs_for(snapshot, store, built=(binding, spec)), spec)
