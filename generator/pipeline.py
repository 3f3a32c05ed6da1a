"""The composition root: a snapshot in, everything regeneration emits out, computed in memory.

One binding (`binding.build`) is rendered three times: into the text of the `keras3` package
(`render.package`, formatted with ruff), into the Keras stubs (`binding.stubs` -> `render.stubs`,
generated/keras-stubs) and into the docs sources (`docs.site`). Pure given the
snapshot, the store's history, the spec files, the overrides and the templates; `regenerate` writes
the result and the drift check compares it with what is committed. A snapshot not yet stored (a
fresh introspection) renders exactly as it will once stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.binding.build import build_for
from generator.binding.model import Binding
from generator.binding.spec import BindingSpec
from generator.binding.stub_spec import load_stub_spec
from generator.binding.stubs import build_stubs
from generator.docs.examples.docstring import with_examples
from generator.docs.site.sources import docs_for
from generator.render.package import emit, format_files
from generator.render.stubs import emit_stubs
from generator.settings import pinned_release
from generator.upstream.model import Snapshot
from generator.upstream.store import SnapshotStore


def package_files(store: SnapshotStore, version: str) -> tuple[dict[str, str], BindingSpec]:
    return files_for(store.load(version), store)


def files_for(snapshot: Snapshot, store: SnapshotStore) -> tuple[dict[str, str], BindingSpec]:
    binding, spec = binding_for(snapshot, store)
    return format_files(emit(binding, spec)), spec


def binding_for(snapshot: Snapshot, store: SnapshotStore) -> tuple[Binding, BindingSpec]:
    """The binding of `snapshot`, each wrapper with upstream's examples in keras3 for its docstring."""
    binding, spec = build_for(snapshot, store)
    return with_examples(binding, snapshot), spec


@dataclass(frozen=True)
class Outputs:
    """Everything regeneration emits for one snapshot, computed before anything is written."""

    package: dict[str, str]  # generated/keras3/<file>
    docs: dict[str, str]  # generated/<docs sources>
    spec: BindingSpec
    stubs: dict[str, str]  # generated/keras-stubs/<file>


def outputs_for(snapshot: Snapshot, store: SnapshotStore) -> Outputs:
    binding, spec = binding_for(snapshot, store)
    return Outputs(format_files(emit(binding, spec)), docs_for(snapshot, store, built=(binding, spec)), spec,
                   stub_files(snapshot, binding, spec))


def stub_files(snapshot: Snapshot, binding: Binding, spec: BindingSpec) -> dict[str, str]:
    """The Keras stubs of `snapshot`: the same binding's types, rendered as typed Keras."""
    return emit_stubs(build_stubs(snapshot, binding, spec, load_stub_spec()))


def stubs_for(snapshot: Snapshot, store: SnapshotStore) -> dict[str, str]:
    """The stubs of any stored release (the spec's paths are checked against the pin's only)."""
    binding, spec = build_for(snapshot, store, check_spec=snapshot.keras_version == pinned_release())
    return stub_files(snapshot, binding, spec)
