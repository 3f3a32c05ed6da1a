"""The snapshot model: what one Keras release exposes, as small frozen dataclasses.

Every stage after `introspect` speaks this model. It is deliberately plain data (strings, tuples,
optional values) so that it serialises to deterministic JSON and compares by value.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

SCHEMA_VERSION = 1

SymbolKind = Literal["function", "class", "constant"]
ParameterKind = Literal[
    "positional_only", "positional_or_keyword", "var_positional", "keyword_only", "var_keyword"
]
# "attribute": a public class attribute or an instance attribute that `__init__` assigns; name only.
MemberKind = Literal["method", "staticmethod", "classmethod", "property", "attribute"]

# Parameters that can be passed by position, in the order Python binds them.
POSITIONAL_KINDS: tuple[ParameterKind, ...] = ("positional_only", "positional_or_keyword")


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: ParameterKind
    # Normalised repr of the default (`"None"`, `"'valid'"`, `"(1, 1)"`); None when required.
    default: str | None = None
    annotation: str | None = None

    @property
    def required(self) -> bool:
        return self.default is None and self.kind not in ("var_positional", "var_keyword")


@dataclass(frozen=True)
class Signature:
    parameters: tuple[Parameter, ...] = ()
    returns: str | None = None
    # Names the code takes out of its **kwargs (`kwargs.pop("num_tokens")`), sorted: arguments
    # still accepted although the signature does not list them (often a former parameter).
    accepts: tuple[str, ...] = ()

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def positional_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters if p.kind in POSITIONAL_KINDS)


@dataclass(frozen=True)
class Member:
    """A public method, static method, class method, property or attribute of a tracked class."""

    name: str
    kind: MemberKind
    signature: Signature | None = None  # None for properties
    doc: str = ""
    deprecated: str | None = None


@dataclass(frozen=True)
class Symbol:
    """One public path of Keras and what it refers to.

    An alias (a second public path of the same object, e.g. `keras.ops.nn.conv` for
    `keras.ops.conv`) carries `alias_of` and otherwise repeats its canonical symbol's data, so
    every stage can read any path without a lookup.
    """

    path: str
    kind: SymbolKind
    implementation: str  # where the object is defined, e.g. "keras.src.ops.numpy.add"
    alias_of: str | None = None
    aliases: tuple[str, ...] = ()  # on the canonical symbol: its other public paths, sorted
    signature: Signature | None = None  # for classes: the constructor's, without `self`
    doc: str = ""
    bases: tuple[str, ...] = ()
    mro: tuple[str, ...] = ()
    members: tuple[Member, ...] = ()
    value: str | None = None  # for constants: a normalised repr
    deprecated: str | None = None  # why we believe it is deprecated, or None

    @property
    def is_alias(self) -> bool:
        return self.alias_of is not None

    @property
    def canonical_path(self) -> str:
        return self.alias_of or self.path

    def member(self, name: str) -> Member | None:
        return next((m for m in self.members if m.name == name), None)


@dataclass(frozen=True)
class Snapshot:
    """The public API of one Keras release, keyed by public path."""

    keras_version: str
    symbols: dict[str, Symbol] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        for path, symbol in self.symbols.items():
            if path != symbol.path:
                raise ValueError(f"snapshot key {path!r} holds symbol for {symbol.path!r}")

    def canonical_symbols(self) -> list[Symbol]:
        return [s for s in self.symbols.values() if not s.is_alias]


def nearest_paths(target: str, paths: Iterable[str], count: int = 5) -> list[str]:
    """The public paths most like `target` (difflib), for "did you mean" in an error."""
    return difflib.get_close_matches(target, sorted(set(paths)), n=count, cutoff=0.6)


def unknown_path(target: str, where: str, paths: Iterable[str]) -> str:
    """An error message: `target` is not a `where`, with the nearest paths."""
    near = nearest_paths(target, paths)
    return f"{target} is not a {where}; " + (f"nearest paths: {', '.join(near)}" if near else
                                              "no path is close to it")
