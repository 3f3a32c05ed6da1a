"""Stage 5: the binding model, a pure function of (snapshot, binding spec, naming spec, history).

Decides for every public callable of the covered upstream modules whether it is wrapped (and in
which shape, under which name, with which typed parameters) or skipped (and why). Rendering
(`render.py`) only turns this model into text.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from generator.docstrings import DocPatch, DocPatchError, ParsedDoc, apply_patches, parse_docstring
from generator.model import Parameter, Snapshot, Symbol
from generator.naming import NamingSpec, wrapper_name
from generator.overrides import OVERRIDES_FILE, Override
from generator.tomlfiles import read_toml
from generator.typing_rules import Overloads, admit_documented, annotate, dual_overloads, layer_overloads, return_type

SPEC_DIR = Path(__file__).resolve().parent / "spec"
Shape = Literal["function", "constructor", "layer", "dual", "member"]

# Layer classes that are not called on an input by composition: RNN cells go into an RNN layer.
_NO_COMPOSITION_SUFFIXES = ("Cell", "Cells")


class SpecError(ValueError):
    """The binding spec is malformed or names something upstream lacks; the message says which."""


@dataclass(frozen=True)
class Family:
    module: str  # generated module, e.g. "ops" -> keras3/ops.py
    upstream: tuple[str, ...]
    shape: str
    include_submodules: bool = False

    def covers(self, module_path: str) -> bool:
        return module_path in self.upstream or (
            self.include_submodules and any(module_path.startswith(u + ".") for u in self.upstream)
        )


@dataclass(frozen=True)
class BindingSpec:
    families: tuple[Family, ...]
    skip: Mapping[str, str]  # path or "module.*" -> reason
    bases: Mapping[str, str]  # keras3 name -> upstream path
    hand_written: tuple[str, ...]
    member_wrappers: Mapping[str, Mapping[str, Any]]
    source: Path

    def skip_reason(self, path: str) -> str | None:
        if path in self.skip:
            return self.skip[path]
        parts = path.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            reason = self.skip.get(".".join(parts[:cut]) + ".*")
            if reason is not None:
                return reason
        return None

    def family_of(self, path: str) -> Family | None:
        module = path.rsplit(".", 1)[0]
        return next((f for f in self.families if f.covers(module)), None)


def load_binding_spec(path: Path = SPEC_DIR / "binding.toml") -> BindingSpec:
    data = read_toml(path, SpecError)
    families = []
    for number, raw in enumerate(data.get("family", []), start=1):
        missing = {"module", "upstream", "shape"} - raw.keys()
        if missing:
            raise SpecError(f"{path}: family {number} lacks {', '.join(sorted(missing))}")
        if raw["shape"] not in ("function", "layer", "dual"):
            raise SpecError(f"{path}: family {raw['module']}: unknown shape {raw['shape']!r}")
        families.append(Family(raw["module"], tuple(raw["upstream"]), raw["shape"],
                                bool(raw.get("include_submodules", False))))
    return BindingSpec(
        families=tuple(families),
        skip=dict(data.get("skip", {})),
        bases=dict(data.get("bases", {})),
        hand_written=tuple(data.get("hand_written", ())),
        member_wrappers=dict(data.get("member_wrappers", {})),
        source=path,
    )


# --- the model ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrapperParam:
    name: str
    kind: str  # the Python parameter kind in the wrapper's signature
    annotation: str
    default: str | None  # Python source of the default; None when required
    forward: str  # how it is handed on: "positional", "keyword", "star", "starstar"
    omit_when_missing: bool = False  # default not expressible: forwarded only when given


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
    aliases: tuple[str, ...] = ()
    overridden: bool = False  # hand-written in keras3/overrides.py; the module re-exports it
    doc: ParsedDoc = ParsedDoc()  # the upstream docstring, patched and parsed
    changes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (release, finding kinds) since added
    symbolic_returns: str | None = None  # function shape: the return when given a KerasTensor
    overloads: Overloads = ()  # layer and dual shapes: (composition argument type, return type)


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


# --- building --------------------------------------------------------------------------------------


def build_binding(
    snapshot: Snapshot, spec: BindingSpec, naming: NamingSpec, added_in: Mapping[str, str], digest: str,
    overrides: Iterable[Override] = (), docs: DocSources | None = None,
) -> Binding:
    _check_spec_names(snapshot, spec)
    wrappers: list[Wrapper] = []
    skipped: dict[str, str] = {}
    uncovered: list[str] = []
    by_name: dict[tuple[str, str], list[Symbol]] = {}
    for symbol in snapshot.canonical_symbols():
        if symbol.kind == "constant":
            continue
        reason = spec.skip_reason(symbol.path)
        if reason is not None:
            skipped[symbol.path] = reason
            continue
        family = spec.family_of(symbol.path)
        if family is None:
            uncovered.append(symbol.path)
            continue
        by_name.setdefault((family.module, wrapper_name(symbol.path, naming)), []).append(symbol)
    alias_functions = _dual_alias_functions(snapshot, spec, naming)
    for (module, name), symbols in sorted(by_name.items()):
        family = next(f for f in spec.families if f.module == module)
        wrapper = _wrapper(name, family, symbols, added_in, snapshot.keras_version)
        if wrapper.shape == "dual" and wrapper.function is None:
            # `keras.losses.mean_squared_error` is an alias of the keras.metrics function.
            wrapper = replace(wrapper, function=alias_functions.get((module, name)))
        wrappers.append(wrapper)
    wrappers += _member_wrappers(snapshot, spec, naming, added_in)
    _check_unique_names(wrappers)
    wrappers = _apply_overrides(wrappers, overrides)
    if docs is not None:
        wrappers = [_documented(w, snapshot, docs) for w in wrappers]
    return Binding(
        keras_version=snapshot.keras_version,
        snapshot_digest=digest,
        wrappers=tuple(sorted(wrappers, key=lambda w: (w.family, w.name))),
        skipped=dict(sorted(skipped.items())),
        bases=dict(sorted(spec.bases.items())),
        families=tuple(f.module for f in spec.families),
        uncovered=tuple(sorted(uncovered)),
    )


def _dual_alias_functions(snapshot: Snapshot, spec: BindingSpec, naming: NamingSpec) -> dict[tuple[str, str], str]:
    """(family, wrapper name) -> a function alias in a dual family's module that bears that name."""
    found: dict[tuple[str, str], str] = {}
    for symbol in snapshot.symbols.values():
        family = spec.family_of(symbol.path) if symbol.is_alias and symbol.kind == "function" else None
        if family is not None and family.shape == "dual":
            found.setdefault((family.module, wrapper_name(symbol.path, naming)), symbol.path)
    return found


def _check_spec_names(snapshot: Snapshot, spec: BindingSpec) -> None:
    """Every path the spec names must exist upstream: a typo would silently skip nothing."""
    named = [p for p in spec.skip if not p.endswith(".*")] + list(spec.bases.values())
    named += list(spec.member_wrappers)
    missing = sorted(p for p in named if p not in snapshot.symbols)
    if missing:
        raise SpecError(f"{spec.source}: names symbols Keras {snapshot.keras_version} lacks: {', '.join(missing)}")


@dataclass(frozen=True)
class DocSources:
    """What a wrapper's docstring is built from besides the snapshot."""

    patches: Mapping[str, DocPatch]
    changes: Mapping[str, tuple[tuple[str, tuple[str, ...]], ...]]  # history.notable_changes
    strict_patches: bool  # the pinned release: a patch that no longer applies is an error


def _documented(wrapper: Wrapper, snapshot: Snapshot, docs: DocSources) -> Wrapper:
    symbol = snapshot.symbols[wrapper.upstream]
    key = wrapper.upstream
    text = symbol.doc
    if wrapper.member is not None:
        member = symbol.member(wrapper.member)
        text, key = (member.doc if member else ""), f"{wrapper.upstream}.{wrapper.member}"
    try:
        text = apply_patches(text, docs.patches.get(key))
    except DocPatchError:
        if docs.strict_patches:
            raise
    doc = parse_docstring(text)
    described = {a.name: a.description for a in doc.args}
    params = tuple(replace(p, annotation=admit_documented(p.annotation, described[p.name]))
                   if p.name in described and p.forward != "none" else p for p in wrapper.params)
    return replace(wrapper, params=params, doc=doc, changes=docs.changes.get(wrapper.upstream, ()))


def _apply_overrides(wrappers: list[Wrapper], overrides: Iterable[Override]) -> list[Wrapper]:
    by_name = {w.name: w for w in wrappers}
    for o in overrides:
        wrapper = by_name.get(o.name)
        if wrapper is None:
            raise SpecError(f"{OVERRIDES_FILE}:{o.line}: override {o.name} replaces no generated wrapper")
        if wrapper.upstream != o.upstream:
            raise SpecError(f"{OVERRIDES_FILE}:{o.line}: override {o.name} says it wraps {o.upstream}, "
                            f"but {o.name} wraps {wrapper.upstream}")
        by_name[o.name] = replace(wrapper, overridden=True)
    return list(by_name.values())


def _check_unique_names(wrappers: Iterable[Wrapper]) -> None:
    seen: dict[str, str] = {}
    for w in wrappers:
        if w.name in seen:
            raise SpecError(f"wrapper name {w.name} given to both {seen[w.name]} and {w.upstream}; "
                            "add a rename to generator/spec/naming.toml")
        seen[w.name] = w.upstream


def _wrapper(name: str, family: Family, symbols: list[Symbol], added_in: Mapping[str, str], version: str) -> Wrapper:
    classes = [s for s in symbols if s.kind == "class"]
    functions = [s for s in symbols if s.kind == "function"]
    if len(symbols) == 2 and family.shape == "dual" and len(classes) == 1 and len(functions) == 1:
        return _dual_wrapper(name, family, classes[0], functions[0], added_in, version)
    if len(symbols) == 2 and len(classes) == 1 and len(functions) == 1:
        # `keras.layers.Add` and `keras.layers.add`: the layer wrapper composes like the function.
        wrapper = _wrapper(name, family, classes, added_in, version)
        return replace(wrapper, function=functions[0].path)
    if len(symbols) != 1:
        raise SpecError(f"wrapper name {name} given to {', '.join(s.path for s in symbols)}; "
                        "add a rename to generator/spec/naming.toml")
    symbol = symbols[0]
    if symbol.kind == "class" and family.shape == "layer" and _composes(symbol):
        return _layer_wrapper(name, family, symbol, added_in, version)
    if symbol.kind == "class" and family.shape == "dual":
        return _dual_wrapper(name, family, symbol, None, added_in, version)
    shape: Shape = "constructor" if symbol.kind == "class" else "function"
    # A class wrapper returns the real class; annotations resolve `keras` under TYPE_CHECKING.
    returns = return_type(name, family.module, shape)
    if symbol.kind == "class":
        returns = replace(returns, type=symbol.path, symbolic=None)
    params = tuple(_forwarded(p, family.module) for p in _parameters(symbol))
    return Wrapper(name, family.module, shape, symbol.path, params, returns.type,
                   added_in.get(symbol.path, version), _first_line(symbol.doc), aliases=symbol.aliases,
                   symbolic_returns=returns.symbolic)


def _composes(symbol: Symbol) -> bool:
    return "keras.Layer" in symbol.mro and not symbol.path.endswith(_NO_COMPOSITION_SUFFIXES)


def _layer_wrapper(name: str, family: Family, symbol: Symbol, added_in: Mapping[str, str], version: str) -> Wrapper:
    # `object` comes first, so the layer's own parameters become keyword-only (Python allows no
    # required parameter after an optional one); `layer_dense(x, units=4)` reads as in R.
    params = [WrapperParam("object", "positional_only", "Any", "None", "none")]
    params += [_forwarded(p, family.module, keyword_only=True) for p in _parameters(symbol)]
    return Wrapper(name, family.module, "layer", symbol.path, tuple(params), "Any",
                   added_in.get(symbol.path, version), _first_line(symbol.doc), aliases=symbol.aliases,
                   overloads=layer_overloads(symbol.path, symbol.mro))


def _dual_wrapper(name: str, family: Family, cls: Symbol, function: Symbol | None,
                  added_in: Mapping[str, str], version: str) -> Wrapper:
    params = [WrapperParam("y_true", "positional_or_keyword", "Any", "None", "none"),
              WrapperParam("y_pred", "positional_or_keyword", "Any", "None", "none")]
    own = [p for p in _parameters(cls) if p.name not in ("y_true", "y_pred")]
    params += [_forwarded(p, family.module, keyword_only=True) for p in own]
    return Wrapper(name, family.module, "dual", cls.path, tuple(params), "Any",
                   added_in.get(cls.path, version), _first_line(cls.doc),
                   function=function.path if function else None, aliases=cls.aliases,
                   overloads=dual_overloads(cls.path))


def _member_wrappers(snapshot: Snapshot, spec: BindingSpec, naming: NamingSpec,
                     added_in: Mapping[str, str]) -> list[Wrapper]:
    """Class methods exposed as functions, e.g. FeatureSpace.float_normalized -> feature_float_normalized."""
    wrappers = []
    for path, rule in sorted(spec.member_wrappers.items()):
        symbol = snapshot.symbols[path]
        for member in symbol.members:
            if member.kind not in rule.get("kinds", ["classmethod", "staticmethod"]):
                continue
            if member.name in rule.get("exclude", []) or member.signature is None:
                continue
            params = tuple(_forwarded(p, rule["module"]) for p in member.signature.parameters)
            name = rule.get("renames", {}).get(member.name, member.name)
            returns = return_type(f"{rule['prefix']}_{name}", rule["module"], "member").type
            wrappers.append(Wrapper(f"{rule['prefix']}_{name}", rule["module"], "member", path, params, returns,
                                    added_in.get(path, snapshot.keras_version),
                                    _first_line(member.doc), member=member.name))
    return wrappers


def _parameters(symbol: Symbol) -> tuple[Parameter, ...]:
    return symbol.signature.parameters if symbol.signature else (
        Parameter("args", "var_positional"), Parameter("kwargs", "var_keyword"))



# --- parameters and their types ---------------------------------------------------------------------


def python_default(default: str) -> str | None:
    """The default as Python source if it is a literal, else None (forwarded only when given)."""
    try:
        ast.literal_eval(default)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return default


def _forwarded(param: Parameter, family: str, keyword_only: bool = False) -> WrapperParam:
    kind: str = param.kind
    if keyword_only and kind in ("positional_only", "positional_or_keyword"):
        kind = "keyword_only"
    forward = {"positional_only": "positional", "positional_or_keyword": "positional",
               "keyword_only": "keyword", "var_positional": "star", "var_keyword": "starstar"}[kind]
    default = None if param.default is None else python_default(param.default)
    omit = param.default is not None and default is None
    annotation = "Any" if kind in ("var_positional", "var_keyword") else annotate(param.name, param.default, family)
    return WrapperParam(param.name, kind, annotation, "MISSING" if omit else default,
                        forward, omit_when_missing=omit)



def _first_line(doc: str) -> str:
    first = doc.strip().split("\n\n", 1)[0].replace("\n", " ").strip()
    return first or "See the upstream documentation."
