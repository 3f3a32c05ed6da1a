"""Mutation test: random changes of every kind applied to the real stored snapshot of the pinned
release must each be found by the diff, with the kind and grade the change implies."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

import pytest

from generator.changes.diff import diff_snapshots, inherited_member
from generator.upstream.model import Member, Parameter, Signature, Snapshot, Symbol

Expected = tuple[str, str, str, str | None]  # kind, grade, target, parameter
Mutation = Callable[[Snapshot, random.Random, int], tuple[Snapshot, Expected] | None]


def put(snapshot: Snapshot, symbol: Symbol) -> Snapshot:
    """Replace a canonical symbol and refresh the copies its aliases carry, as introspection would."""
    symbols = dict(snapshot.symbols)
    symbols[symbol.path] = symbol
    for alias in symbol.aliases:
        symbols[alias] = replace(symbol, path=alias, alias_of=symbol.path, aliases=())
    return Snapshot(snapshot.keras_version, symbols)


def pick(snapshot: Snapshot, rng: random.Random, keep: Callable[[Symbol], bool]) -> Symbol | None:
    candidates = [s for s in snapshot.canonical_symbols() if keep(s)]
    return rng.choice(candidates) if candidates else None


def positional(symbol: Symbol) -> list[Parameter]:
    return [p for p in symbol.signature.parameters if p.kind == "positional_or_keyword"] if symbol.signature else []


def with_params(symbol: Symbol, params: list[Parameter]) -> Symbol:
    assert symbol.signature is not None
    return replace(symbol, signature=replace(symbol.signature, parameters=tuple(params)))


def insert_before_var(params: list[Parameter], new: Parameter) -> list[Parameter]:
    """Insert after the last parameter of `new`'s kind group, as a real signature would."""
    order = ["positional_only", "positional_or_keyword", "var_positional", "keyword_only", "var_keyword"]
    at = sum(1 for p in params if order.index(p.kind) <= order.index(new.kind))
    return params[:at] + [new] + params[at:]


# --- the mutations: each returns the mutated snapshot and the finding it must produce --------------


def remove_symbol(s, rng, n):
    victim = pick(s, rng, lambda x: not x.aliases)
    symbols = {k: v for k, v in s.symbols.items() if k != victim.path}
    return Snapshot(s.keras_version, symbols), ("symbol-removed", "breaking", victim.path, None)


def add_symbol(s, rng, n):
    path = f"keras.ops.mutant_{n}"
    new = Symbol(path=path, kind="function", implementation=f"keras.src.ops.mutant_{n}", signature=Signature())
    return put(s, new), ("symbol-added", "compatible", path, None)


def add_alias(s, rng, n):
    target = pick(s, rng, lambda x: x.kind == "function")
    path = f"keras.ops.nn.alias_{n}"
    updated = replace(target, aliases=tuple(sorted(target.aliases + (path,))))
    return put(s, updated), ("alias-added", "compatible", path, None)


def remove_alias(s, rng, n):
    target = pick(s, rng, lambda x: len(x.aliases) == 1)
    symbols = {k: v for k, v in s.symbols.items() if k != target.aliases[0]}
    symbols[target.path] = replace(target, aliases=())
    return Snapshot(s.keras_version, symbols), ("alias-removed", "breaking", target.aliases[0], None)


def retarget_alias(s, rng, n):
    target = pick(s, rng, lambda x: len(x.aliases) == 1 and x.kind == "function")
    other = pick(s, rng, lambda x: x.kind == "function" and x.implementation != target.implementation)
    alias_path = target.aliases[0]
    symbols = dict(s.symbols)
    symbols[target.path] = replace(target, aliases=())
    symbols[other.path] = replace(other, aliases=tuple(sorted(other.aliases + (alias_path,))))
    symbols[alias_path] = replace(symbols[other.path], path=alias_path, alias_of=other.path, aliases=())
    return Snapshot(s.keras_version, symbols), ("alias-retargeted", "possibly-breaking", alias_path, None)


def change_kind(s, rng, n):
    victim = pick(s, rng, lambda x: x.kind == "function")
    return put(s, replace(victim, kind="class")), ("kind-changed", "possibly-breaking", victim.path, None)


def add_optional_keyword(s, rng, n):
    victim = pick(s, rng, lambda x: x.signature is not None)
    params = insert_before_var(list(victim.signature.parameters), Parameter(f"opt_{n}", "keyword_only", "None"))
    return put(s, with_params(victim, params)), ("parameter-added", "compatible", victim.path, f"opt_{n}")


def add_required(s, rng, n):
    victim = pick(s, rng, lambda x: x.signature is not None and not any(
        p.kind in ("var_positional", "keyword_only", "var_keyword") or p.default for p in x.signature.parameters))
    params = list(victim.signature.parameters) + [Parameter(f"req_{n}", "positional_or_keyword")]
    return put(s, with_params(victim, params)), ("parameter-added", "breaking", victim.path, f"req_{n}")


def remove_parameter(s, rng, n):
    victim = pick(s, rng, lambda x: bool(positional(x)))
    gone = positional(victim)[-1]
    params = [p for p in victim.signature.parameters if p is not gone]
    return put(s, with_params(victim, params)), ("parameter-removed", "breaking", victim.path, gone.name)


def rename_parameter(s, rng, n):
    victim = pick(s, rng, lambda x: bool(positional(x)))
    old = rng.choice(positional(victim))
    params = [replace(p, name=f"renamed_{n}") if p is old else p for p in victim.signature.parameters]
    return put(s, with_params(victim, params)), ("parameter-renamed", "breaking", victim.path, f"renamed_{n}")


def swap_parameters(s, rng, n):
    victim = pick(s, rng, lambda x: len(positional(x)) >= 2)
    params = list(victim.signature.parameters)
    first = params.index(positional(victim)[0])
    params[first], params[first + 1] = params[first + 1], params[first]
    return put(s, with_params(victim, params)), ("parameter-moved", "breaking", victim.path, params[first].name)


def make_keyword_only(s, rng, n):
    victim = pick(s, rng, lambda x: bool(positional(x)) and not any(
        p.kind == "var_positional" for p in x.signature.parameters))
    last = positional(victim)[-1]
    params = [replace(p, kind="keyword_only") if p is last else p for p in victim.signature.parameters]
    return put(s, with_params(victim, params)), ("parameter-kind-changed", "breaking", victim.path, last.name)


def _change_default(make: Callable[[Parameter], Parameter], kind: str, grade: str,
                    eligible: Callable[[Parameter], bool]) -> Mutation:
    def mutate(s, rng, n):
        victim = pick(s, rng, lambda x: any(eligible(p) for p in positional(x)))
        chosen = rng.choice([p for p in positional(victim) if eligible(p)])
        params = [make(p) if p is chosen else p for p in victim.signature.parameters]
        return put(s, with_params(victim, params)), (kind, grade, victim.path, chosen.name)
    return mutate


def change_annotation(s, rng, n):
    victim = pick(s, rng, lambda x: bool(positional(x)))
    chosen = rng.choice(positional(victim))
    params = [replace(p, annotation=f"Mutant{n}") if p is chosen else p for p in victim.signature.parameters]
    return put(s, with_params(victim, params)), ("annotation-changed", "compatible", victim.path, chosen.name)


def change_docstring(s, rng, n):
    victim = pick(s, rng, lambda x: bool(x.doc))
    return put(s, replace(victim, doc=victim.doc + f"\n\nMutant {n}.")), ("docstring-changed", "docs-only", victim.path, None)


def drop_base(s, rng, n):
    victim = pick(s, rng, lambda x: bool(x.bases))
    return put(s, replace(victim, bases=victim.bases[1:] + ("keras.src.Mutant",))), (
        "bases-changed", "possibly-breaking", victim.path, None)


def grow_mro(s, rng, n):
    victim = pick(s, rng, lambda x: x.kind == "class")
    return put(s, replace(victim, mro=victim.mro + (f"keras.src.Mixin{n}",))), ("mro-changed", "compatible", victim.path, None)


def add_method(s, rng, n):
    victim = pick(s, rng, lambda x: x.kind == "class")
    members = victim.members + (Member(name=f"mutant_{n}", kind="method", signature=Signature()),)
    return put(s, replace(victim, members=members)), ("method-added", "compatible", f"{victim.path}.mutant_{n}", None)


def own_members(s: Snapshot, symbol: Symbol, kinds: Callable[[str], bool]) -> list[Member]:
    """Members of `symbol` that no public base class also has (removing one removes it for good)."""
    return [m for m in symbol.members if kinds(m.kind) and inherited_member(symbol, m.name, s.symbols.get) is None]


def remove_method(s, rng, n):
    victim = pick(s, rng, lambda x: bool(own_members(s, x, lambda k: k != "attribute")))
    gone = rng.choice(own_members(s, victim, lambda k: k != "attribute"))
    members = tuple(m for m in victim.members if m is not gone)
    return put(s, replace(victim, members=members)), ("method-removed", "breaking", f"{victim.path}.{gone.name}", None)


def remove_attribute(s, rng, n):
    victim = pick(s, rng, lambda x: bool(own_members(s, x, lambda k: k == "attribute")))
    gone = rng.choice(own_members(s, victim, lambda k: k == "attribute"))
    members = tuple(m for m in victim.members if m is not gone)
    return put(s, replace(victim, members=members)), (
        "attribute-removed", "breaking", f"{victim.path}.{gone.name}", None)


def move_method_to_base(s, rng, n):
    """A method moved up to the class's public base with its signature unchanged: the class still
    has it, so the only finding is the base's new method."""
    def base_of(x: Symbol) -> Symbol | None:
        return next((s.symbols[b] for b in x.mro if b in s.symbols), None)

    def movable(x: Symbol) -> list[Member]:
        base = base_of(x)
        return [m for m in own_members(s, x, lambda k: k == "method")
                if base is not None and not base.is_alias and base.member(m.name) is None]

    victim = pick(s, rng, lambda x: x.kind == "class" and bool(movable(x)))
    moved = rng.choice(movable(victim))
    base = base_of(victim)
    s = put(s, replace(base, members=tuple(sorted(base.members + (moved,), key=lambda m: m.name))))
    victim = s.symbols[victim.path]
    s = put(s, replace(victim, members=tuple(m for m in victim.members if m.name != moved.name)))
    return s, ("method-added", "compatible", f"{base.path}.{moved.name}", None)


def method_becomes_property(s, rng, n):
    victim = pick(s, rng, lambda x: any(m.kind == "method" for m in x.members))
    chosen = rng.choice([m for m in victim.members if m.kind == "method"])
    members = tuple(replace(m, kind="property", signature=None) if m is chosen else m for m in victim.members)
    return put(s, replace(victim, members=members)), (
        "method-kind-changed", "breaking", f"{victim.path}.{chosen.name}", None)


def add_method_parameter(s, rng, n):
    victim = pick(s, rng, lambda x: any(m.signature is not None for m in x.members))
    chosen = rng.choice([m for m in victim.members if m.signature is not None])
    params = insert_before_var(list(chosen.signature.parameters), Parameter(f"opt_{n}", "keyword_only", "0"))
    members = tuple(replace(m, signature=replace(m.signature, parameters=tuple(params))) if m is chosen else m
                    for m in victim.members)
    return put(s, replace(victim, members=members)), (
        "parameter-added", "compatible", f"{victim.path}.{chosen.name}", f"opt_{n}")


def deprecate(s, rng, n):
    victim = pick(s, rng, lambda x: x.deprecated is None)
    return put(s, replace(victim, deprecated="docstring says deprecated")), ("deprecated", "possibly-breaking", victim.path, None)


def move_implementation(s, rng, n):
    victim = pick(s, rng, lambda x: True)
    return put(s, replace(victim, implementation=victim.implementation + "_v2")), (
        "implementation-moved", "compatible", victim.path, None)


MUTATIONS: dict[str, Mutation] = {
    "remove_symbol": remove_symbol, "add_symbol": add_symbol, "add_alias": add_alias,
    "remove_alias": remove_alias, "retarget_alias": retarget_alias, "change_kind": change_kind,
    "add_optional_keyword": add_optional_keyword, "add_required": add_required,
    "remove_parameter": remove_parameter, "rename_parameter": rename_parameter,
    "swap_parameters": swap_parameters, "make_keyword_only": make_keyword_only,
    "add_default": _change_default(lambda p: replace(p, default="None"), "default-added", "compatible",
                                   lambda p: p.default is None),
    "remove_default": _change_default(lambda p: replace(p, default=None), "default-removed", "breaking",
                                      lambda p: p.default is not None),
    "change_default": _change_default(lambda p: replace(p, default=f"{p.default!s}_changed"), "default-changed",
                                      "possibly-breaking", lambda p: p.default is not None),
    "change_annotation": change_annotation, "change_docstring": change_docstring, "drop_base": drop_base,
    "grow_mro": grow_mro, "add_method": add_method, "remove_method": remove_method,
    "remove_attribute": remove_attribute, "move_method_to_base": move_method_to_base,
    "method_becomes_property": method_becomes_property, "add_method_parameter": add_method_parameter,
    "deprecate": deprecate, "move_implementation": move_implementation,
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_every_mutation_of_a_kind_is_found_with_its_kind_and_grade(name, pinned):
    rng = random.Random(f"{name}-2026")
    for n in range(40):  # 40 random victims per kind
        mutated, (kind, grade, target, parameter) = MUTATIONS[name](pinned, rng, n)
        findings = diff_snapshots(pinned, mutated)
        hits = [f for f in findings if (f.kind, f.target, f.parameter) == (kind, target, parameter)]
        assert hits, f"{name} #{n}: expected {kind} on {target} ({parameter}); got {[f.id for f in findings]}"
        assert hits[0].grade == grade, f"{name} #{n}: {hits[0].id} graded {hits[0].grade}, expected {grade}"
        assert len({f.id for f in findings}) == len(findings), f"{name} #{n}: a finding is reported twice"
        if name == "move_method_to_base":  # the subclass still has the method: nothing on it
            assert [f.id for f in findings] == [f"method-added:{target}"], f"{name} #{n}: {findings}"


def test_many_mutations_at_once_are_all_found(pinned):
    rng = random.Random(7)
    snapshot, expected, touched = pinned, [], set()
    for n in range(200):
        before = snapshot
        snapshot, want = MUTATIONS[rng.choice(sorted(MUTATIONS))](snapshot, rng, 1000 + n)
        changed = {p for p in snapshot.symbols if before.symbols.get(p) != snapshot.symbols.get(p)}
        changed |= before.symbols.keys() - snapshot.symbols.keys()
        if changed & touched:  # a second mutation of the same symbol may undo or mask the first
            snapshot = before
            continue
        touched |= changed
        expected.append(want)
    found = {(f.kind, f.grade, f.target, f.parameter) for f in diff_snapshots(pinned, snapshot)}
    missing = [e for e in expected if e not in found]
    assert len(expected) > 100 and not missing
