"""The stub model: typed Keras itself (generated/keras-stubs), a pure function of (snapshot, binding,
stub spec).

One type model for two products: a parameter is typed as the keras3 wrapper of the same upstream
symbol types it (types.toml rules, widened where upstream's docs admit more, see
`typing_rules.admit_documented`), a function returns what its wrapper returns (with the same
`KerasTensor` overload), a model method what its {keras3} verb returns; what no wrapper covers gets
the same rules directly. Classes keep their public bases only: a base Keras picks per backend at
import is left out (the snapshot records the backend-independent class), and a private base is
replaced by the public ancestors behind it, its members recorded on the class (see
`introspect._members`). What only a class can say (operators, `Layer.__call__`, settable
properties) comes from spec/stubs.toml and the [[layer]] rules of types.toml.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from generator.binding.docstrings.parse import parse_docstring
from generator.binding.model import Binding, Wrapper
from generator.binding.spec import BindingSpec
from generator.binding.stub_spec import StubSpec
from generator.binding.typing_rules import IMPRECISE, admit_documented, annotate, load_layer_rules
from generator.upstream.model import Member, Parameter, Snapshot, Symbol

ROOT = "keras"
# Bases from outside Keras that a stub keeps (as a type expression).
FOREIGN_BASES = {"collections.abc.MutableMapping": "MutableMapping[Any, Any]"}


# --- the model ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StubParam:
    name: str
    kind: str  # a `Parameter.kind`
    annotation: str
    default: str | None  # stub source of the default (a literal or `...`); None when required


Variant = tuple[tuple[StubParam, ...], str]  # (parameters, return type) of one signature


@dataclass(frozen=True)
class StubDef:
    """A function or method: one signature, or several (`@overload`, most specific first)."""

    name: str
    variants: tuple[Variant, ...]
    decorator: str | None = None  # "staticmethod", "classmethod"
    method: bool = False  # takes `self` (or `cls`) first


@dataclass(frozen=True)
class StubProperty:
    name: str
    annotation: str
    settable: bool


@dataclass(frozen=True)
class StubAttribute:
    name: str
    annotation: str


StubMember = StubDef | StubProperty | StubAttribute


@dataclass(frozen=True)
class StubClass:
    name: str
    path: str
    bases: tuple[str, ...]  # type expressions (`keras.Layer`, or a name of the same module)
    members: tuple[StubMember, ...]
    hand: tuple[str, ...] = ()  # hand-typed member sources (spec/stubs.toml)


@dataclass(frozen=True)
class StubModule:
    path: str  # "keras.layers"
    submodules: tuple[str, ...]  # child module names, re-exported (`keras.layers` on `keras`)
    reexports: tuple[tuple[str, str], ...]  # (module path, name): an alias of the same name
    class_aliases: tuple[tuple[str, str], ...]  # (name, type expression): a class alias renamed
    classes: tuple[StubClass, ...]
    functions: tuple[StubDef, ...]
    extras: tuple[str, ...] = ()  # hand-typed sources (spec/stubs.toml [[extra]])

    @property
    def names(self) -> list[str]:
        """The public names the module defines (what `__all__`-less star import would give)."""
        return sorted({*self.submodules, *(n for _, n in self.reexports), *(n for n, _ in self.class_aliases),
                       *(c.name for c in self.classes), *(f.name for f in self.functions)})


@dataclass(frozen=True)
class Stubs:
    keras_version: str
    snapshot_digest: str
    modules: tuple[StubModule, ...]


# --- building -------------------------------------------------------------------------------------


def build_stubs(snapshot: Snapshot, binding: Binding, spec: BindingSpec, stub_spec: StubSpec) -> Stubs:
    builder = _Builder(snapshot, binding, spec, stub_spec)
    by_module: dict[str, list[Symbol]] = {}
    for symbol in snapshot.symbols.values():
        by_module.setdefault(symbol.path.rsplit(".", 1)[0], []).append(symbol)
    paths = set(by_module) | {e.where for e in stub_spec.extras}
    for path in list(paths):  # every parent package of a module is a module too
        parts = path.split(".")
        paths.update(".".join(parts[:n]) for n in range(1, len(parts)))
    modules = [builder.module(path, sorted(by_module.get(path, []), key=lambda s: s.path), paths)
               for path in sorted(paths)]
    return Stubs(snapshot.keras_version, binding.snapshot_digest, tuple(modules))


class _Builder:
    def __init__(self, snapshot: Snapshot, binding: Binding, spec: BindingSpec, stub_spec: StubSpec) -> None:
        self.snapshot, self.spec, self.stub_spec = snapshot, spec, stub_spec
        live = [w for w in binding.wrappers if w.deprecation is None]
        self.wrappers: dict[str, Wrapper] = {}
        self.duals: dict[str, Wrapper] = {}  # a loss or metric function -> its dual wrapper
        self.verbs: dict[tuple[str, str], Wrapper] = {}
        for w in live:
            if w.shape == "member" and w.bound and w.member:
                self.verbs.setdefault((w.upstream, w.member), w)
            elif w.shape != "member":
                self.wrappers.setdefault(w.upstream, w)
                if w.function:
                    self.duals.setdefault(w.function, w)
        self.layer_rules = load_layer_rules()

    # -- modules

    def module(self, path: str, symbols: list[Symbol], paths: set[str]) -> StubModule:
        children = tuple(sorted(p.rsplit(".", 1)[1] for p in paths if p.rsplit(".", 1)[0] == path and p != path))
        reexports, aliases, classes, functions = [], [], [], []
        for symbol in symbols:
            name = symbol.path.rsplit(".", 1)[1]
            canonical = self.snapshot.symbols.get(symbol.canonical_path, symbol)
            if symbol.is_alias and canonical.path.rsplit(".", 1)[1] == name:
                reexports.append((canonical.path.rsplit(".", 1)[0], name))
            elif symbol.is_alias and canonical.kind == "class":
                aliases.append((name, canonical.path))
            elif canonical.kind == "class":
                classes.append(self.klass(canonical, name))
            elif canonical.kind == "function":
                functions.append(self.function(canonical, name))
        extras = tuple(e.source for e in self.stub_spec.extras if e.where == path)
        return StubModule(path, children, tuple(reexports), tuple(aliases), tuple(_ordered(classes)),
                          tuple(functions), extras)

    # -- functions

    def function(self, symbol: Symbol, name: str) -> StubDef:
        wrapper = self.wrappers.get(symbol.path) if symbol.kind == "function" else None
        family = self._family(symbol.path)
        params = self.params(symbol.signature.parameters if symbol.signature else None, family, symbol.doc,
                             wrapper)
        if wrapper is not None and wrapper.shape == "function":
            general: Variant = (params, wrapper.returns)
            symbolic = _symbolic(params) if wrapper.symbolic_returns else None
            if symbolic is not None and wrapper.symbolic_returns:
                return StubDef(name, ((symbolic, wrapper.symbolic_returns), general))
            return StubDef(name, (general,))
        if symbol.path in self.duals:  # a loss or metric function: one value per sample
            symbolic = _symbolic(params)
            variants = ((symbolic, "keras.KerasTensor"),) if symbolic else ()
            return StubDef(name, (*variants, (params, "Tensor")))
        return StubDef(name, ((params, "Any"),))

    def params(self, parameters: tuple[Parameter, ...] | None, family: str, doc: str,
               wrapper: Wrapper | None) -> tuple[StubParam, ...]:
        if parameters is None:
            return (StubParam("args", "var_positional", "Any", None), StubParam("kwargs", "var_keyword", "Any", None))
        typed = {p.name: p.annotation for p in (*wrapper.params, *wrapper.call_params)} if wrapper else {}
        described: dict[str, str] | None = None
        result = []
        for p in parameters:
            if p.kind in ("var_positional", "var_keyword"):
                result.append(StubParam(p.name, p.kind, "Any", None))
                continue
            annotation = typed.get(p.name)  # a dual wrapper's y_true/y_pred are Any: the rules type them
            if annotation is None or annotation == "Any":
                annotation = annotate(p.name, p.default, family)
                if annotation not in IMPRECISE and doc:
                    if described is None:
                        described = {a.name: a.description for a in parse_docstring(doc).args}
                    if p.name in described:
                        annotation = admit_documented(annotation, described[p.name])
            result.append(StubParam(p.name, p.kind, annotation, _default(p.default)))
        return tuple(result)

    # -- classes

    def klass(self, symbol: Symbol, name: str) -> StubClass:
        family = self._family(symbol.path)
        hand = [h for owner in (symbol.path, *(b for b in symbol.bases if b in FOREIGN_BASES))
                for h in self.stub_spec.hand_typed(owner)]
        taken = {n for h in hand for n in h.names}
        members: list[StubMember] = []
        if not taken & {"__init__", "__new__"}:
            ctor = self.params(symbol.signature.parameters if symbol.signature else None, family, symbol.doc,
                               self.wrappers.get(symbol.path))
            members.append(StubDef("__init__", ((ctor, "None"),), method=True))
        call = self._layer_call(symbol)
        if call is not None and "__call__" not in taken:
            members.append(call)
        for m in symbol.members:
            if m.name not in taken:
                members.append(self.member(symbol, m, family))
        return StubClass(name, symbol.path, self._bases(symbol), tuple(members), tuple(h.source for h in hand))

    def member(self, owner: Symbol, m: Member, family: str) -> StubMember:
        if m.kind == "attribute":
            return StubAttribute(m.name, "Any")
        if m.kind == "property":
            return StubProperty(m.name, self.stub_spec.returns.get(m.name, "Any"), self._settable(owner, m.name))
        verb = next((self.verbs[(o, m.name)] for o in (owner.path, *owner.mro) if (o, m.name) in self.verbs), None)
        params = self.params(m.signature.parameters if m.signature else None, family, m.doc, verb)
        returns = self.stub_spec.returns.get(m.name) or (verb.returns if verb is not None else "Any")
        if returns == "Self" and m.kind == "staticmethod":
            returns = "Any"
        decorator = m.kind if m.kind in ("staticmethod", "classmethod") else None
        return StubDef(m.name, ((params, returns),), decorator, method=m.kind != "staticmethod")

    def _settable(self, owner: Symbol, name: str) -> bool:
        return any(name in self.stub_spec.settable.get(o, ()) for o in (owner.path, *owner.mro))

    def _layer_call(self, symbol: Symbol) -> StubDef | None:
        """`Layer.__call__`: a KerasTensor (or a list of them) in gives the rule's symbolic type,
        data in gives its concrete type; declared where the rule differs from the base's."""
        if symbol.path != "keras.Layer" and "keras.Layer" not in symbol.mro:
            return None
        mine = self._call_types(symbol.path, symbol.mro)
        parent = next((self.snapshot.symbols[b] for b in self._bases(symbol) if b in self.snapshot.symbols), None)
        if symbol.path != "keras.Layer" and parent is not None and \
                self._call_types(parent.path, parent.mro) == mine:
            return None
        symbolic, concrete, mapping = mine
        # Image preprocessing layers (the `mapping` rule) are called as `(inputs, **kwargs)`.
        rest = (*(() if mapping else (StubParam("args", "var_positional", "Any", None),)),
                StubParam("kwargs", "var_keyword", "Any", None))

        def variant(annotation: str, returns: str) -> Variant:
            return ((StubParam("inputs", "positional_or_keyword", annotation, None), *rest), returns)

        variants = [variant("keras.KerasTensor", symbolic), variant("Sequence[keras.KerasTensor]", symbolic)]
        if mapping:
            variants.append(variant("Mapping[str, Any]", "dict[str, Any]"))
        else:
            # A model of named inputs, or a layer whose `call` takes a dict (keras.io's guides do both).
            variants.append(variant("Mapping[str, keras.KerasTensor]", symbolic))
        variants.append(variant("TensorLike", concrete))
        if not mapping:
            # A layer whose `call` names its inputs otherwise (`mha(query=q, value=v)`, a subclass's
            # `call(self, targets, logits)` called by keyword): no positional argument, so a layer
            # given where a tensor goes is still refused.
            variants += [variant("Mapping[str, TensorLike]", concrete),
                         ((StubParam("kwargs", "var_keyword", "Any", None),), "Any")]
        return StubDef("__call__", tuple(variants), method=True)

    def _call_types(self, path: str, mro: tuple[str, ...]) -> tuple[str, str, bool]:
        rule = next((r for r in self.layer_rules if r.matches(path, mro)), None)
        return (rule.symbolic, rule.concrete, rule.mapping) if rule else ("keras.KerasTensor", "Tensor", False)

    def _bases(self, symbol: Symbol) -> tuple[str, ...]:
        """Public bases: a private one is replaced by the nearest public ancestors behind it."""
        public = [p for p in symbol.mro if self._public_class(p)]
        chosen: list[str] = []
        for base in symbol.bases:
            if base in FOREIGN_BASES:
                found = FOREIGN_BASES[base]
            elif self._public_class(base):
                found = self.snapshot.symbols[base].canonical_path
            else:
                after = symbol.mro[symbol.mro.index(base) + 1:] if base in symbol.mro else public
                found = next((self.snapshot.symbols[p].canonical_path for p in after if self._public_class(p)), "")
            if found and found not in chosen:
                chosen.append(found)
        # A base already an ancestor of another chosen base would make the MRO inconsistent.
        return tuple(b for b in chosen if not any(
            b != o and o in self.snapshot.symbols and b in self.snapshot.symbols[o].mro for o in chosen))

    def _public_class(self, path: str) -> bool:
        found = self.snapshot.symbols.get(path)
        return found is not None and found.kind == "class"

    def _family(self, path: str) -> str:
        family = self.spec.family_of(path)
        return family.module if family is not None else ""


SYMBOLIC = "keras.KerasTensor | Sequence[keras.KerasTensor]"


def _symbolic(params: tuple[StubParam, ...]) -> tuple[StubParam, ...] | None:
    """The parameters with the first required tensor parameter typed as a KerasTensor (or a list of
    them: `ops.concatenate([a, b])`, `layers.add([a, b])` on symbolic inputs)."""
    for index, p in enumerate(params):
        if p.default is None and p.kind not in ("var_positional", "var_keyword") and p.annotation == "TensorLike":
            return (*params[:index], StubParam(p.name, p.kind, SYMBOLIC, None), *params[index + 1:])
    return None


_LITERALS = (type(None), bool, int, float, str)


def _default(default: str | None) -> str | None:
    """A default as stub source: simple literals as they are (a reader sees them), else `...`."""
    if default is None:
        return None
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return "..."
    return default if isinstance(value, _LITERALS) and len(default) <= 40 else "..."


def _ordered(classes: list[StubClass]) -> list[StubClass]:
    """Classes with each one's bases of the same module before it (sorted by name otherwise)."""
    by_name = {c.path: c for c in classes}
    done: dict[str, StubClass] = {}

    def visit(c: StubClass) -> None:
        if c.path in done:
            return
        for base in c.bases:
            if base in by_name:
                visit(by_name[base])
        done[c.path] = c

    for c in sorted(classes, key=lambda c: c.name):
        visit(c)
    return list(done.values())
