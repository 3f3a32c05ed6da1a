"""keras3 impact: what a change of upstream costs the users of keras3, in keras3's own names.

Upstream's report grades changes for users of Keras. A keras3 user calls wrapper names, and those
can break where upstream did not: `keras.ops.amax` becoming an alias of `keras.ops.max` is
compatible for Keras users, but the binding then gives `op_max` only, so `op_amax` would vanish.
Two things follow from that, both pure functions of snapshots and the spec:

* `dropped_names`: every wrapper name the binding gave for a stored release (from the oldest
  release the package supports, `keras>=` in pyproject.toml) that the snapshot being bound no
  longer gives. The binding keeps each as a deprecated wrapper (`wrappers._deprecated_wrappers`).
  It is computed from the store, not kept as a committed list: the binding is a pure function of
  snapshot and spec, so the store already holds every name ever published, and a list would be a
  second copy that could rot.
* `binding_impact`: the section "keras3 impact" of the change report: wrapper names removed,
  renamed (kept, deprecated), changed (compatible changes too, such as a new optional parameter)
  or added, graded for keras3's users, breaking first.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence

from packaging.specifiers import SpecifierSet

from generator.binding.model import Published, Wrapper, WrapperParam
from generator.binding.naming import NamingSpec, load_naming_spec
from generator.binding.spec import BindingSpec, load_binding_spec
from generator.binding.wrappers import build_binding, wrapper_sources
from generator.changes.diff import GRADES, Grade, Impact, compare_signatures
from generator.settings import supported_releases, version_key
from generator.upstream.model import Parameter, Signature, Snapshot
from generator.upstream.store import SnapshotStore


def dropped_names(store: SnapshotStore, snapshot: Snapshot, spec: BindingSpec, naming: NamingSpec,
                  supported: SpecifierSet | None = None) -> dict[str, Published]:
    """Wrapper names the binding of a supported stored release before `snapshot` gave, and the
    binding of `snapshot` does not: each with what it wrapped when it last arose."""
    supported = supported_releases() if supported is None else supported
    target = version_key(snapshot.keras_version)
    releases = [r for r in store.releases()
                if version_key(r) < target and supported.contains(r, prereleases=True)]
    sequence = [*releases, snapshot.keras_version]
    memo: dict[str, tuple[str, str]] = {}  # path -> outcome; the same for every release
    last: dict[str, tuple[int, object]] = {}
    for index, release in enumerate(releases):
        for name, source in wrapper_sources(store.load(release), spec, naming, memo).items():
            last[name] = (index, source)
    current = wrapper_sources(snapshot, spec, naming, memo)
    return {name: Published(source, sequence[index], sequence[index + 1])  # type: ignore[arg-type]
            for name, (index, source) in sorted(last.items()) if name not in current}


# --- the impact section ------------------------------------------------------------------------------


def binding_impact(old: Snapshot, new: Snapshot, spec: BindingSpec | None = None,
                   naming: NamingSpec | None = None) -> list[Impact]:
    """The wrapper names that removing, renaming or changing upstream symbols between `old` and
    `new` affects, graded for keras3's users and sorted breaking first.

    A name the binding of `new` no longer gives is kept as a deprecated wrapper, and still listed
    as breaking: code using it warns now and will stop working once the name is retired.
    """
    spec = load_binding_spec() if spec is None else spec
    naming = load_naming_spec() if naming is None else naming
    memo: dict[str, tuple[str, str]] = {}
    old_sources = wrapper_sources(old, spec, naming, memo)
    new_sources = wrapper_sources(new, spec, naming, memo)
    dropped = {name: Published(source, old.keras_version, new.keras_version)
               for name, source in old_sources.items() if name not in new_sources}
    before = {w.name: w for w in build_binding(old, spec, naming, {}, "", check_spec=False).wrappers}
    after = {w.name: w for w in build_binding(new, spec, naming, {}, "", dropped=dropped,
                                              check_spec=False).wrappers}
    found: list[Impact] = []
    for name, was in before.items():
        now = after[name]
        if now.deprecation is not None:
            kind = "removed" if now.deprecation.removed_in else "renamed"
            found.append(Impact(kind, "breaking", name, was.upstream,
                                f"{now.deprecation.message} (kept: it warns with DeprecationWarning"
                                + (", and fails on a Keras without it)" if kind == "removed" else ")"),
                                now.deprecation.replacement))
        else:
            found += _changed(was, now)
    for name in sorted(after.keys() - before.keys()):
        now = after[name]
        found.append(Impact("added", "compatible", name, now.upstream, f"new wrapper of `{now.upstream}`"))
    return sorted(found, key=Impact.sort_key)


def _changed(was: Wrapper, now: Wrapper) -> list[Impact]:
    """How calling one wrapper changes, from its own signature (what keras3 users call)."""
    notes: list[tuple[Grade, str]] = []
    if (was.upstream, was.member) != (now.upstream, now.member):
        notes.append(("possibly-breaking", f"now wraps `{now.upstream}` (was `{was.upstream}`)"))
    if was.shape != now.shape:
        notes.append(("breaking", f"now a {now.shape} wrapper (was a {was.shape} wrapper)"))
    if was.family != now.family:
        notes.append(("possibly-breaking", f"moved from keras3.{was.family} to keras3.{now.family}"))
    findings = compare_signatures(was.name, None, _signature(was.params), _signature(now.params))
    # Compatible changes too (a new optional parameter): users of the wrapper gain something to call.
    notes += [(f.grade, f.message) for f in findings if f.grade != "docs-only"]
    if not notes:
        return []
    grade = min((g for g, _ in notes), key=GRADES.index)
    return [Impact("changed", grade, now.name, was.upstream, "; ".join(m for _, m in notes))]


def _signature(params: Sequence[WrapperParam]) -> Signature:
    return Signature(tuple(Parameter(p.name, p.kind, p.default) for p in params))  # type: ignore[arg-type]


def impact_counts(impact: Sequence[Impact]) -> Mapping[str, int]:
    return {grade: sum(i.grade == grade for i in impact) for grade in GRADES}


def exported_names(package_init: str) -> frozenset[str]:
    """The names a generated `keras3/__init__.py` exports (its `__all__`)."""
    for node in ast.parse(package_init).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return frozenset(ast.literal_eval(node.value))
    return frozenset()


def lost_names(committed_init: str, new_init: str) -> list[str]:
    """Names the committed package exports and the regenerated one would not.

    Names upstream moves are kept (`dropped_names`); what can still go is a name the spec itself
    stopped giving (a rename in naming.toml, a new skip): the current spec, applied to the store,
    no longer gives it for any release. `regenerate` says so out loud rather than drop it quietly.
    """
    return sorted(exported_names(committed_init) - exported_names(new_init))
