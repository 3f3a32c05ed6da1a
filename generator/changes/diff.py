"""The graded API diff of two snapshots.

Every difference becomes a `Finding` with a stable id (`kind:path[.member][:parameter]`) and a
grade. Grades answer the maintainer's question "does code written against the old release still
run?": breaking (it will not), possibly breaking (it may behave differently or warn), compatible
(new surface only) and docs only.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from generator.upstream.model import (
    POSITIONAL_KINDS,
    Member,
    Parameter,
    Signature,
    Snapshot,
    Symbol,
)

Grade = Literal["breaking", "possibly-breaking", "compatible", "docs-only"]
GRADES: tuple[Grade, ...] = ("breaking", "possibly-breaking", "compatible", "docs-only")

# Every kind of finding this module emits, with the grade it gets when no rule below refines it.
KINDS: dict[str, Grade] = {
    "symbol-added": "compatible",
    "symbol-removed": "breaking",
    "symbol-renamed": "compatible",
    "alias-added": "compatible",
    "alias-removed": "breaking",
    "alias-retargeted": "possibly-breaking",
    "kind-changed": "breaking",
    "implementation-moved": "compatible",
    "value-changed": "possibly-breaking",
    "signature-changed": "possibly-breaking",
    "parameter-added": "compatible",
    "parameter-removed": "breaking",
    "parameter-deprecated": "possibly-breaking",
    "parameter-renamed": "breaking",
    "parameter-moved": "breaking",
    "parameter-kind-changed": "possibly-breaking",
    "default-added": "compatible",
    "default-removed": "breaking",
    "default-changed": "possibly-breaking",
    "annotation-changed": "compatible",
    "docstring-changed": "docs-only",
    "bases-changed": "compatible",
    "mro-changed": "compatible",
    "method-added": "compatible",
    "method-removed": "breaking",
    "method-kind-changed": "breaking",
    "attribute-added": "compatible",
    "attribute-removed": "breaking",
    "deprecated": "possibly-breaking",
    "undeprecated": "compatible",
}

# Passing by keyword keeps working when a parameter becomes positional-or-keyword, and so on.
_KIND_CHANGE_GRADES: dict[tuple[str, str], Grade] = {
    ("positional_or_keyword", "keyword_only"): "breaking",
    ("positional_or_keyword", "positional_only"): "breaking",
    ("keyword_only", "positional_only"): "breaking",
    ("positional_only", "keyword_only"): "breaking",
    ("positional_only", "positional_or_keyword"): "compatible",
    ("keyword_only", "positional_or_keyword"): "compatible",
}


@dataclass(frozen=True)
class Finding:
    kind: str
    grade: Grade
    path: str
    message: str
    member: str | None = None
    parameter: str | None = None
    old: str | None = None
    new: str | None = None
    detail: str | None = None  # a unified diff, for docstring changes

    @property
    def target(self) -> str:
        return f"{self.path}.{self.member}" if self.member else self.path

    @property
    def id(self) -> str:
        suffix = f":{self.parameter}" if self.parameter else ""
        return f"{self.kind}:{self.target}{suffix}"

    def sort_key(self) -> tuple[int, str, str, str, str]:
        return (GRADES.index(self.grade), self.path, self.member or "", self.kind, self.parameter or "")


# What a change of upstream costs keras3's users, in keras3's names: computed by `binding.impact`
# (it needs the binding), rendered with the findings by `report`. Kinds of impact, in the order a
# section lists them within a grade.
IMPACT_KINDS: tuple[str, ...] = ("removed", "renamed", "changed", "added")


@dataclass(frozen=True)
class Impact:
    """One wrapper name whose use changes for keras3's users between two releases."""

    kind: str  # one of IMPACT_KINDS
    grade: Grade
    name: str  # the keras3 wrapper name
    upstream: str  # what it wrapped in the old release (the new one for "added")
    message: str
    replacement: str | None = None  # the wrapper (or public path) to use instead

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.name}"

    def sort_key(self) -> tuple[int, int, str]:
        return GRADES.index(self.grade), IMPACT_KINDS.index(self.kind), self.name


# Public path -> its symbol in one snapshot; lets a class's inherited members be looked up.
Lookup = Callable[[str], "Symbol | None"]
# How introspection records a deprecation that names arguments rather than the symbol.
PARAMETER_DEPRECATION = "parameter deprecated: "


def finding(kind: str, path: str, message: str, grade: Grade | None = None, **fields: str | None) -> Finding:
    return Finding(kind=kind, grade=grade or KINDS[kind], path=path, message=message, **fields)


def diff_snapshots(old: Snapshot, new: Snapshot) -> list[Finding]:
    """All findings between two snapshots, most severe first, in a stable order."""
    found: list[Finding] = []
    found += _paths_added_and_removed(old, new)
    mro_changed = _classes_with_changed_mro(old, new)
    lookups = (old.symbols.get, new.symbols.get)
    for path, now in new.symbols.items():
        before = old.symbols.get(path)
        if before is None or before == now:
            continue
        retargeted: list[Finding] = []
        if before.is_alias or now.is_alias:
            retargeted = list(alias_change(before, now))
            found += retargeted
        # Details once per object: on its canonical path, or on an alias whose target is new.
        if not now.is_alias or now.alias_of not in old.symbols:
            found += compare_symbols(before, now, old.keras_version, new.keras_version, mro_changed, lookups)
        elif retargeted:
            # The path now calls another (older) object: how a call through this path changes.
            found += compare_signatures(now.path, None, before.signature, now.signature,
                                        _deprecated_parameters(now.deprecated))
    return sorted(found, key=Finding.sort_key)


def findings_for(findings: Iterable[Finding], target: str, old: Snapshot, new: Snapshot) -> list[Finding]:
    """The findings about one public path, an alias path (whose object's findings sit on its
    canonical path) or a member target (`keras.Layer.add_weight`, `keras.layers.Layer.add_weight`)."""
    wanted = {target}
    for snapshot in (old, new):
        symbol = snapshot.symbols.get(target)
        if symbol is not None:
            wanted.add(symbol.canonical_path)
            continue
        owner, _, member = target.rpartition(".")
        symbol = snapshot.symbols.get(owner)
        if symbol is not None:
            wanted.add(f"{symbol.canonical_path}.{member}")
    return [f for f in findings if f.path in wanted or f.target in wanted]


def knows_target(snapshot: Snapshot, target: str) -> bool:
    """Whether `target` is a public path of `snapshot` or a member (own or inherited) of one."""
    if target in snapshot.symbols:
        return True
    owner, _, name = target.rpartition(".")
    symbol = snapshot.symbols.get(owner)
    if symbol is None:
        return False
    return (symbol.member(name) or inherited_member(symbol, name, snapshot.symbols.get)) is not None


def target_candidates(snapshot: Snapshot, target: str) -> list[str]:
    """What `target` may have meant in `snapshot`: its paths, and the members of `target`'s owner."""
    owner = snapshot.symbols.get(target.rpartition(".")[0])
    members = [f"{owner.path}.{m.name}" for m in owner.members] if owner is not None else []
    return [*snapshot.symbols, *members]


def _paths_added_and_removed(old: Snapshot, new: Snapshot) -> Iterator[Finding]:
    # An alias is "added" only when its object already had a public path; a new object's every
    # path is a new symbol to users (`keras.ops.pinv` and `keras.ops.linalg.pinv` alike).
    for path in sorted(new.symbols.keys() - old.symbols.keys()):
        symbol = new.symbols[path]
        former = _former_name(old, symbol)
        if symbol.is_alias and symbol.alias_of in old.symbols:
            yield finding("alias-added", path, f"new alias of `{symbol.alias_of}`", new=symbol.alias_of)
        elif former is not None:
            yield finding("symbol-renamed", path,
                          f"new name of `{former}`, which stays as an alias", old=former, new=path)
        else:
            also = f", also at `{symbol.alias_of}`" if symbol.is_alias else ""
            yield finding("symbol-added", path, f"new {symbol.kind}{also}", new=symbol.kind)
    for path in sorted(old.symbols.keys() - new.symbols.keys()):
        symbol = old.symbols[path]
        if symbol.is_alias and symbol.alias_of in new.symbols:
            yield finding("alias-removed", path, f"alias of `{symbol.alias_of}` removed", old=symbol.alias_of)
        else:
            yield finding("symbol-removed", path, f"{symbol.kind} removed", old=symbol.kind)


def _former_name(old: Snapshot, symbol: Symbol) -> str | None:
    """The old canonical path of the object that `symbol` (a new canonical path) now names.

    Upstream renames by exporting the class under the new name first and the old name second
    (`GroupedQueryAttention`, `GroupQueryAttention`): the old path becomes an alias of the new.
    """
    if symbol.is_alias:
        return None
    for path in symbol.aliases:
        was = old.symbols.get(path)
        if was is not None and not was.is_alias and was.kind == symbol.kind and (
                was.implementation == symbol.implementation or was.signature == symbol.signature):
            return path
    return None


def alias_change(before: Symbol, now: Symbol) -> Iterator[Finding]:
    # Which path Keras calls canonical is bookkeeping; a different object behind the path is not.
    if before.implementation != now.implementation:
        yield finding(
            "alias-retargeted",
            now.path,
            f"now refers to `{now.canonical_path}` ({now.implementation}), "
            f"was `{before.canonical_path}` ({before.implementation})",
            old=before.implementation,
            new=now.implementation,
        )


def _classes_with_changed_mro(old: Snapshot, new: Snapshot) -> dict[str, set[str]]:
    """Class path -> the entries that left or joined its method resolution order."""
    changed: dict[str, set[str]] = {}
    for path, now in new.symbols.items():
        before = old.symbols.get(path)
        if now.kind == "class" and before is not None and before.mro != now.mro:
            changed[path] = set(before.mro) ^ set(now.mro)
    return changed


def compare_symbols(
    before: Symbol, now: Symbol, old_version: str = "old", new_version: str = "new",
    mro_changed: dict[str, set[str]] | None = None,
    lookups: tuple[Lookup, Lookup] | None = None,
) -> list[Finding]:
    """Findings between two versions of the object at one public path.

    `lookups` find other symbols of the old and the new release, so that a member a class now
    inherits from a public base (or newly overrides) is compared with the base's; without them a
    member that moved to a base reads as removed.
    """
    path = now.path
    if before.kind != now.kind:
        grade: Grade = "possibly-breaking" if {before.kind, now.kind} == {"function", "class"} else "breaking"
        return [finding("kind-changed", path, f"was a {before.kind}, now a {now.kind}", grade,
                        old=before.kind, new=now.kind)]
    found: list[Finding] = []
    if before.implementation != now.implementation and not (before.is_alias or now.is_alias):
        found.append(finding("implementation-moved", path, f"now defined in `{now.implementation}`",
                             old=before.implementation, new=now.implementation))
    if before.value != now.value:
        found.append(finding("value-changed", path, f"value `{before.value}` → `{now.value}`",
                             old=before.value, new=now.value))
    absorbed = _deprecated_parameters(now.deprecated)
    found += compare_signatures(path, None, before.signature, now.signature, absorbed)
    found += _deprecation_change(path, None, before.deprecated, now.deprecated,
                                 {f.parameter for f in found if f.kind == "parameter-deprecated"})
    found += _docstring_change(path, None, before.doc, now.doc, old_version, new_version)
    found += _class_changes(before, now, mro_changed or {})
    found += _members_compared(before, now, old_version, new_version, lookups)
    return found


def _class_changes(before: Symbol, now: Symbol, mro_changed: dict[str, set[str]]) -> Iterator[Finding]:
    if before.bases != now.bases:
        lost = set(before.bases) - set(now.bases)
        yield finding(
            "bases-changed", now.path,
            f"bases ({', '.join(before.bases) or '-'}) → ({', '.join(now.bases) or '-'})",
            "possibly-breaking" if lost else "compatible",
            old=", ".join(before.bases), new=", ".join(now.bases),
        )
    elif before.mro != now.mro and not _explained_by_bases(before, now, mro_changed):
        lost = set(before.mro) - set(now.mro)
        yield finding(
            "mro-changed", now.path,
            "method resolution order changed" + (f"; no longer derives from {', '.join(sorted(lost))}" if lost else ""),
            "possibly-breaking" if lost else "compatible",
            old=", ".join(before.mro), new=", ".join(now.mro),
        )


def _explained_by_bases(before: Symbol, now: Symbol, mro_changed: dict[str, set[str]]) -> bool:
    """Whether the MRO change follows from changes of the bases' own MROs.

    Those are reported once, on the base, not again on each of its (say 175) subclasses.
    """
    from_bases = [mro_changed[b] for b in now.bases if b in mro_changed]
    if not from_bases:
        return False
    return (set(before.mro) ^ set(now.mro)) <= set().union(*from_bases)


def _members_compared(
    before: Symbol, now: Symbol, old_version: str, new_version: str, lookups: tuple[Lookup, Lookup] | None
) -> Iterator[Finding]:
    path = now.path
    old_members = {m.name: m for m in before.members}
    new_members = {m.name: m for m in now.members}
    for name in sorted(new_members.keys() - old_members.keys()):
        inherited = inherited_member(before, name, lookups[0]) if lookups else None
        if inherited is not None:  # an override of what the class already had from a base
            yield from member_changes(path, name, inherited, new_members[name], None)
        else:
            yield _member_added(path, new_members[name])
    for name in sorted(old_members.keys() - new_members.keys()):
        inherited = inherited_member(now, name, lookups[1]) if lookups else None
        if inherited is not None:  # moved to a base class: still there, compared with the base's
            yield from member_changes(path, name, old_members[name], inherited, None)
        else:
            yield _member_removed(path, old_members[name])
    for name in sorted(old_members.keys() & new_members.keys()):
        if old_members[name] != new_members[name]:
            yield from member_changes(path, name, old_members[name], new_members[name], (old_version, new_version))


def inherited_member(symbol: Symbol, name: str, lookup: Lookup) -> Member | None:
    """The member `name` that `symbol` (a class) gets from the first public class of its MRO."""
    for ancestor in symbol.mro:
        base = lookup(ancestor)
        found = base.member(name) if base is not None else None
        if found is not None:
            return found
    return None


def _member_added(path: str, member: Member) -> Finding:
    if member.kind == "attribute":
        return finding("attribute-added", path, f"new attribute `{member.name}`", member=member.name, new=member.kind)
    return finding("method-added", path, f"new {member.kind} `{member.name}`", member=member.name, new=member.kind)


def _member_removed(path: str, member: Member) -> Finding:
    if member.kind == "attribute":
        return finding("attribute-removed", path, f"attribute `{member.name}` removed (reading it now raises "
                       "AttributeError)", member=member.name, old=member.kind)
    return finding("method-removed", path, f"{member.kind} `{member.name}` removed", member=member.name,
                   old=member.kind)


# Reading `obj.name` works the same whether `name` is a property or a plain attribute.
_READABLE = frozenset({"property", "attribute"})


def member_changes(
    path: str, name: str, was: Member, now: Member, versions: tuple[str, str] | None
) -> Iterator[Finding]:
    """Changes of one member; `versions` None when one side is inherited (its docstring belongs to
    the base, where a change is reported)."""
    if was.kind != now.kind:
        grade: Grade | None = "compatible" if {was.kind, now.kind} <= _READABLE else None
        yield finding("method-kind-changed", path, f"`{name}` was {_a(was.kind)}, now {_a(now.kind)}", grade,
                      member=name, old=was.kind, new=now.kind)
        return
    signature = list(compare_signatures(path, name, was.signature, now.signature,
                                        _deprecated_parameters(now.deprecated)))
    yield from signature
    yield from _deprecation_change(path, name, was.deprecated, now.deprecated,
                                   {f.parameter for f in signature if f.kind == "parameter-deprecated"})
    if versions is not None:
        yield from _docstring_change(path, name, was.doc, now.doc, *versions)


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _deprecated_parameters(deprecated: str | None) -> frozenset[str]:
    if deprecated is None or not deprecated.startswith(PARAMETER_DEPRECATION):
        return frozenset()
    return frozenset(n.strip() for n in deprecated[len(PARAMETER_DEPRECATION):].split(","))


def _deprecation_change(
    path: str, member: str | None, before: str | None, now: str | None, reported: set[str | None] = frozenset()
) -> Iterator[Finding]:
    """The symbol's own deprecation, or its arguments' (never read as the symbol's).

    `reported`: parameters whose deprecation a signature finding already reports.
    """
    if before == now:
        return
    old_params, new_params = _deprecated_parameters(before), _deprecated_parameters(now)
    for name in sorted(new_params - old_params - set(reported)):
        yield finding("parameter-deprecated", path, f"passing `{name}` now warns that it is deprecated",
                      member=member, parameter=name)
    before = None if old_params else before
    now = None if new_params else now
    if before == now:
        return
    if now is None:
        yield finding("undeprecated", path, "no longer deprecated", member=member, old=before)
    else:
        yield finding("deprecated", path, f"deprecated ({now})", member=member, old=before, new=now)


def _docstring_change(
    path: str, member: str | None, before: str, now: str, old_version: str, new_version: str
) -> Iterator[Finding]:
    if before == now:
        return
    target = f"{path}.{member}" if member else path
    lines = difflib.unified_diff(
        before.splitlines(), now.splitlines(),
        fromfile=f"{target} ({old_version})", tofile=f"{target} ({new_version})", lineterm="", n=2,
    )
    yield finding("docstring-changed", path, "docstring changed", member=member, detail="\n".join(lines))


# --- signatures -------------------------------------------------------------------------------------


def compare_signatures(
    path: str, member: str | None, before: Signature | None, now: Signature | None,
    deprecated: frozenset[str] = frozenset(),
) -> Iterator[Finding]:
    """Findings between two signatures; `deprecated`: parameters the new code warns about."""
    if before == now:
        return
    if before is None or now is None or _opaque(now) != _opaque(before):
        # A decorator without functools.wraps hides the parameters behind (*args, **kwargs): one
        # finding says so, not one "parameter removed" per hidden parameter.
        unreadable = now is None or _opaque(now)
        readable = f"signature now readable: `{_spelled(now)}`" + (" (was `(*args, **kwargs)`)" if before else "")
        yield finding("signature-changed", path,
                      "signature no longer readable" + (" (now `(*args, **kwargs)`)" if now is not None else "")
                      if unreadable else readable,
                      # Calls that worked through (*args, **kwargs) named what the code accepted.
                      None if unreadable else "compatible",
                      member=member, old=_spelled(before), new=_spelled(now))
        return
    old_params = {p.name: p for p in before.parameters}
    new_params = {p.name: p for p in now.parameters}
    renamed = _renames(before, now)
    for old_name, new_name in renamed.items():
        was = old_params[old_name]
        grade: Grade = "compatible" if was.kind == "positional_only" else "breaking"
        yield finding("parameter-renamed", path, f"parameter `{old_name}` renamed to `{new_name}`", grade,
                      member=member, parameter=new_name, old=old_name, new=new_name)
    renamed_to = set(renamed.values())
    had_var_positional = any(p.kind == "var_positional" for p in before.parameters)
    for param in now.parameters:
        if param.name not in old_params and param.name not in renamed_to:
            yield _parameter_added(path, member, param, had_var_positional)
    takes_kwargs = any(p.kind == "var_keyword" for p in now.parameters)
    for param in before.parameters:
        if param.name in new_params or param.name in renamed:
            continue
        if takes_kwargs and param.name in deprecated | set(now.accepts) and param.kind != "positional_only":
            # Still accepted by keyword (the code reads it out of **kwargs); positional calls and
            # code that inspects the signature see it gone, so: possibly breaking.
            warns = " with a deprecation warning" if param.name in deprecated else ""
            yield finding("parameter-deprecated", path,
                          f"parameter `{param.name}` left the signature; still accepted through **kwargs{warns}",
                          member=member, parameter=param.name, old=_describe(param))
        else:
            yield finding("parameter-removed", path, f"parameter `{param.name}` removed",
                          member=member, parameter=param.name, old=_describe(param))
    for name, was in old_params.items():
        if name in new_params:
            yield from _parameter_changes(path, member, was, new_params[name])
    yield from _positional_shifts(path, member, before, now, renamed)
    if before.returns != now.returns:
        yield finding("annotation-changed", path, f"return annotation `{before.returns}` → `{now.returns}`",
                      member=member, parameter="return", old=before.returns, new=now.returns)


def _renames(before: Signature, now: Signature) -> dict[str, str]:
    """Old name -> new name for a parameter that vanished where a new one of its kind appeared."""
    old_names = {p.name for p in before.parameters}
    new_names = {p.name for p in now.parameters}
    pairs: dict[str, str] = {}
    for index, was in enumerate(before.parameters):
        if was.name in new_names or index >= len(now.parameters):
            continue
        candidate = now.parameters[index]
        if candidate.name not in old_names and candidate.kind == was.kind and candidate.default == was.default:
            pairs[was.name] = candidate.name
    return pairs


def _opaque(signature: Signature) -> bool:
    """Whether the signature says nothing: exactly `(*args, **kwargs)`."""
    return sorted(p.kind for p in signature.parameters) == ["var_keyword", "var_positional"]


def _spelled(signature: Signature | None) -> str | None:
    if signature is None:
        return None
    stars = {"var_positional": "*", "var_keyword": "**"}
    return "(" + ", ".join(stars.get(p.kind, "") + p.name for p in signature.parameters) + ")"


def _parameter_added(path: str, member: str | None, param: Parameter, had_var_positional: bool = False) -> Finding:
    if had_var_positional and param.kind in POSITIONAL_KINDS:
        # f(a, *args) -> f(a, b=None, *args): f(1, 2, 3) now binds 2 to `b` instead of *args.
        return finding("parameter-added", path,
                       f"new positional parameter `{param.name}` before *args; extra positional arguments shift",
                       "breaking", member=member, parameter=param.name, new=_describe(param))
    if param.required:
        return finding("parameter-added", path, f"new required parameter `{param.name}`", "breaking",
                       member=member, parameter=param.name, new=_describe(param))
    default = f", default `{param.default}`" if param.default is not None else ""
    return finding("parameter-added", path, f"new optional parameter `{param.name}` ({_kind_words(param)}{default})",
                   member=member, parameter=param.name, new=_describe(param))


def _parameter_changes(path: str, member: str | None, was: Parameter, now: Parameter) -> Iterator[Finding]:
    name = now.name
    if was.kind != now.kind:
        grade = _KIND_CHANGE_GRADES.get((was.kind, now.kind), "possibly-breaking")
        yield finding("parameter-kind-changed", path,
                      f"parameter `{name}` is now {_kind_words(now)} (was {_kind_words(was)})", grade,
                      member=member, parameter=name, old=was.kind, new=now.kind)
    if was.default != now.default:
        if was.default is None:
            yield finding("default-added", path, f"parameter `{name}` now optional, default `{now.default}`",
                          member=member, parameter=name, new=now.default)
        elif now.default is None:
            yield finding("default-removed", path, f"parameter `{name}` now required (default `{was.default}` removed)",
                          member=member, parameter=name, old=was.default)
        else:
            yield finding("default-changed", path, f"default of `{name}` changed `{was.default}` → `{now.default}`",
                          member=member, parameter=name, old=was.default, new=now.default)
    if was.annotation != now.annotation:
        yield finding("annotation-changed", path,
                      f"annotation of `{name}` `{was.annotation}` → `{now.annotation}`",
                      member=member, parameter=name, old=was.annotation, new=now.annotation)


def _positional_shifts(
    path: str, member: str | None, before: Signature, now: Signature, renamed: dict[str, str]
) -> Iterator[Finding]:
    """A parameter callers could pass by position that now sits at another position."""
    old_positions = {renamed.get(n, n): i for i, n in enumerate(before.positional_names())}
    for index, name in enumerate(now.positional_names()):
        was = old_positions.get(name)
        if was is not None and was != index:
            yield finding("parameter-moved", path,
                          f"parameter `{name}` moved from position {was} to {index}; positional calls shift",
                          member=member, parameter=name, old=str(was), new=str(index))


def _kind_words(param: Parameter) -> str:
    return param.kind.replace("_", "-")


def _describe(param: Parameter) -> str:
    text = f"{param.name} ({_kind_words(param)}"
    return text + (f", default {param.default})" if param.default is not None else ")")
