"""Small hand-made snapshots: the shortest way to state one API change."""

from __future__ import annotations

from dataclasses import replace

from generator.model import Member, Parameter, Signature, Snapshot, Symbol


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
