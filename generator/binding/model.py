"""The binding model: what the binding of one snapshot is, as frozen dataclasses.

A `Binding` lists every wrapper (`Wrapper`: name, family, shape, typed parameters, parsed docs,
the release that added it, a `Deprecation` for a kept published name) and every skip with its
reason. `wrappers.build_binding` makes it; rendering (`render/package.py`) and the docs only turn it
into text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from generator.binding.docstrings.model import DocPatch, Example, ParsedDoc
from generator.binding.typing_rules import Overloads
from generator.upstream.model import Symbol

Shape = Literal["function", "constructor", "layer", "dual", "member"]


# --- the model ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrapperParam:
    name: str
    kind: str  # the Python parameter kind in the wrapper's signature
    annotation: str
    default: str | None  # Python source of the default; None when required
    forward: str  # how it is handed on: "positional", "keyword", "star", "starstar"
    omit_when_missing: bool = False  # default not expressible, or given-ness matters: forwarded only when given
    added_in: str | None = None  # the release that added it, when later than the wrapped symbol


@dataclass(frozen=True)
class Wrapper:
    name: str
    family: str
    shape: Shape
    upstream: str  # canonical public path of the wrapped object
    params: tuple[WrapperParam, ...]
    returns: str
    added_in: str
    summary: str
    function: str | None = None  # dual shape: the function counterpart's path
    member: str | None = None  # member shape: the class method called on `upstream`
    # member shape: the method is called on the wrapper's first argument (a model verb such as
    # `fit(model, x, y)`), not on the class
    bound: bool = False
    aliases: tuple[str, ...] = ()
    overridden: bool = False  # hand-written in keras3/overrides.py; the module re-exports it
    doc: ParsedDoc = ParsedDoc()  # the upstream docstring, patched and parsed
    function_doc: ParsedDoc = ParsedDoc()  # the docstring of `function`, patched and parsed
    # Parameters the docstrings above leave undocumented that another upstream docstring
    # documents (`__init__`, a base in the MRO, `spec/docs.toml [arg_docs]`): (name, text, source).
    borrowed_args: tuple[tuple[str, str, str], ...] = ()
    changes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (release, finding kinds) since added
    deprecation: Deprecation | None = None  # a published name kept working after upstream moved on
    # The `__name__` of the upstream function this wrapper stands for, when Keras saves such a
    # function by that name (a loss or metric given to compile(), an activation): the wrapper
    # takes it, so a model saved with the wrapper reloads in plain Keras, logs under Keras's names.
    serialized_as: str | None = None  # the public path Keras saves the upstream function by
    # layer shape: a layer whose call takes several input tensors as separate arguments
    # (MultiHeadAttention's query, value, key) gets them from `object` as a list; the first
    # `required_inputs` of `inputs` must be given
    inputs: tuple[str, ...] = ()
    required_inputs: int = 0
    # The release since which the signature is as generated, when later than `added_in`: on an
    # older Keras the wrapper hands on only what the caller gave (see `bind` in _runtime.py).
    since: str | None = None
    # layer shape: the parameters of the layer's `call` the wrapper routes to the call (keyword-only).
    call_params: tuple[WrapperParam, ...] = ()
    class_only: tuple[str, ...] = ()  # dual shape: parameters of the class its function form lacks
    symbolic_returns: str | None = None  # function shape: the return when given a KerasTensor
    overloads: Overloads = ()  # layer and dual shapes: (composition argument type, return type)
    # Upstream's examples translated to keras3, for the docstring (`help()`, an editor's hover):
    # prose chunks as upstream wrote them, code as doctests (generator/docs/examples/docstring.py).
    examples: tuple[Example, ...] = ()


@dataclass(frozen=True)
class Deprecation:
    """Why a published wrapper name no longer arises from the snapshot, and what to use instead.

    The wrapper is still emitted (typed like what it now delegates to) and warns with
    `DeprecationWarning`; when its upstream is gone altogether (`removed_in`), it works on a Keras
    that still has it and raises KerasVersionError naming `removed_in` on one that does not.
    """

    message: str  # "keras.ops.amax is now an alias of keras.ops.max; use op_max"
    replacement: str | None  # the wrapper to use instead (or, when keras3 wraps none, a public path)
    dropped_in: str  # the first release whose binding no longer gives the name
    removed_in: str | None = None  # set when the upstream object is gone


@dataclass(frozen=True)
class NameSource:
    """What a wrapper name wraps in one release: the canonical symbols it is built from (a class
    and a function of one module may share a wrapper), or one member of a class."""

    name: str
    module: str  # the family's generated module
    symbols: tuple[Symbol, ...]
    member: str | None = None


@dataclass(frozen=True)
class Published:
    """A wrapper name an earlier release's binding gave, with what it wrapped when it last arose."""

    source: NameSource
    release: str  # the last release whose binding gave it
    dropped_in: str  # the first release after that one whose binding does not


@dataclass(frozen=True)
class Binding:
    keras_version: str
    snapshot_digest: str
    wrappers: tuple[Wrapper, ...]
    skipped: Mapping[str, str]  # canonical path -> reason
    bases: Mapping[str, str]
    families: tuple[str, ...]
    uncovered: tuple[str, ...] = field(default=())  # public callables no family covers

    def by_family(self, family: str) -> list[Wrapper]:
        return [w for w in self.wrappers if w.family == family]



@dataclass(frozen=True)
class DocSources:
    """What a wrapper's docstring is built from besides the snapshot."""

    patches: Mapping[str, DocPatch]
    changes: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]]  # history.notable_changes
    strict_patches: bool  # the pinned release: a patch that no longer applies is an error
    # public path -> other upstream docstrings that document its parameters (spec/docs.toml)
    arg_docs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
