"""The binding of one snapshot, assembled from the store and the spec files: spec -> binding model.

Reads the binding spec, the naming spec, the doc patches, the overrides and what the store knows of
earlier releases (when each path was added, notable changes, names published before, signature
histories), then builds the model (`model.build_binding`). Pure given those files and the store; a
snapshot not yet stored (a fresh introspection) builds exactly as it will once stored.
"""

from __future__ import annotations

import hashlib

from generator.binding.docstrings.patches import (
    check_patches_apply,
    load_arg_docs,
    load_doc_patches,
)
from generator.binding.impact import dropped_names
from generator.binding.model import Binding, DocSources
from generator.binding.naming import load_naming_spec
from generator.binding.overrides import read_overrides
from generator.binding.spec import BindingSpec, load_binding_spec
from generator.binding.spec_paths import check_spec_paths
from generator.binding.wrappers import build_binding
from generator.changes.history import added_in_all, notable_changes
from generator.changes.signature_history import signature_histories
from generator.settings import pinned_release
from generator.upstream.model import Snapshot
from generator.upstream.store import SnapshotStore, encode_snapshot, index_text


def snapshot_digest(snapshot: Snapshot) -> str:
    """sha256 of the release file this snapshot is (or will be) stored as."""
    index, _ = encode_snapshot(snapshot)
    return hashlib.sha256(index_text(snapshot.keras_version, index).encode("utf-8")).hexdigest()


def build_for(snapshot: Snapshot, store: SnapshotStore, check_spec: bool = True) -> tuple[Binding, BindingSpec]:
    """`check_spec=False` binds a release older than the spec (whose paths it may lack), as the
    stubs of any stored release need."""
    spec = load_binding_spec()
    added_in = added_in_all(store)
    for path in snapshot.symbols:  # a release not stored yet adds what it introduces
        added_in.setdefault(path, snapshot.keras_version)
    naming, patches = load_naming_spec(), load_doc_patches()
    check_spec_paths(added_in, spec, naming, patches)  # every path any stored release has
    strict = snapshot.keras_version == pinned_release()
    if strict:  # every stale patch at once, rather than the first a wrapper's docstring meets
        check_patches_apply(snapshot, patches)
    docs = DocSources(patches=patches, changes=notable_changes(store, snapshot),
                      strict_patches=strict, arg_docs=load_arg_docs())
    # Names earlier releases' bindings published and this one no longer gives: kept, deprecated.
    dropped = dropped_names(store, snapshot, spec, naming)
    histories = signature_histories(store, snapshot)
    binding = build_binding(snapshot, spec, naming, added_in, snapshot_digest(snapshot),
                            read_overrides(), docs, dropped, check_spec=check_spec, histories=histories)
    return binding, spec


def build(store: SnapshotStore, version: str) -> tuple[Binding, BindingSpec]:
    return build_for(store.load(version), store)
