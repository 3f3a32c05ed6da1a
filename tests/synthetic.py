"""Small hand-made snapshots: the shortest way to state one API change."""

from __future__ import annotations

from dataclasses import replace

from generator.upstream.model import Member, Parameter, Signature, Snapshot, Symbol


def param(name: str, kind: str = "positional_or_keyword", default: str | None = None,
          annotation: str | None = None) -> Parameter:
    return Parameter(name=name, kind=kind, default=default, annotation=annotation)  # type: ignore[arg-type]


def function(path: str, *params: Parameter, doc: str = "Adds.", **fields) -> Symbol:
    return Symbol(path=path, kind="function", implementation=f"keras.src.{path[6:]}",
                  signature=Signature(tuple(params)), doc=doc, **fields)


def klass(path: str, *params: Parameter, members: tuple[Member, ...] = (), **fields) -> Symbol:
    return Symbol(path=path, kind="class", implementation=f"keras.src.{path[6:]}",
                  signature=Signature(tuple(params)), doc="A layer.", members=members, **fields)


def method(name: str, *params: Parameter, kind: str = "method", doc: str = "") -> Member:
    return Member(name=name, kind=kind, signature=Signature(tuple(params)), doc=doc)  # type: ignore[arg-type]


def snapshot(version: str, *symbols: Symbol) -> Snapshot:
    return Snapshot(keras_version=version, symbols={s.path: s for s in symbols})


def alias(symbol: Symbol, path: str) -> Symbol:
    return replace(symbol, path=path, alias_of=symbol.path, aliases=())


# --- mutations of a real snapshot: upstream's next release, stated as edits ---------------------------


def with_version(base: Snapshot, version: str) -> Snapshot:
    return Snapshot(keras_version=version, symbols=dict(base.symbols))


def next_release(version: str) -> str:
    """A release number after `version` (its next minor), for a mutated copy of a real snapshot."""
    major, minor = version.split(".")[:2]
    return f"{major}.{int(minor) + 1}.0"


def made_alias(base: Snapshot, path: str, target: str) -> Snapshot:
    """`path` (and its aliases) become aliases of the canonical `target`, as keras.ops.amax of
    keras.ops.max in Keras 3.16: the object `path` named is gone."""
    symbols = dict(base.symbols)
    was = symbols[path]
    assert not was.is_alias and not symbols[target].is_alias
    moved = (path, *was.aliases)
    canonical = replace(symbols[target], aliases=tuple(sorted({*symbols[target].aliases, *moved})))
    symbols[target] = canonical
    for p in moved:
        symbols[p] = replace(canonical, path=p, alias_of=target, aliases=())
    return Snapshot(base.keras_version, dict(sorted(symbols.items())))


def renamed(base: Snapshot, path: str, new_path: str, keep_alias: bool) -> Snapshot:
    """The object at canonical `path` is now canonically `new_path` (the same object: same
    implementation); `keep_alias` keeps the old path as an alias of the new one."""
    symbols = dict(base.symbols)
    was = symbols.pop(path)
    assert not was.is_alias and new_path not in symbols
    aliases = (*was.aliases, path) if keep_alias else was.aliases
    canonical = replace(was, path=new_path, aliases=tuple(sorted(aliases)))
    symbols[new_path] = canonical
    for p in aliases:
        symbols[p] = replace(canonical, path=p, alias_of=new_path, aliases=())
    return Snapshot(base.keras_version, dict(sorted(symbols.items())))


def without(base: Snapshot, path: str) -> Snapshot:
    """The object at canonical `path` removed, with every alias of it."""
    was = base.symbols[path]
    gone = {path, *was.aliases}
    return Snapshot(base.keras_version, {p: s for p, s in base.symbols.items() if p not in gone})


def with_symbol(base: Snapshot, symbol: Symbol) -> Snapshot:
    return Snapshot(base.keras_version, dict(sorted({**base.symbols, symbol.path: symbol}.items())))
