"""Building the binding model, a pure function of (snapshot, binding spec, naming spec, history).

Decides for every public callable of the covered upstream modules whether it is wrapped (and in
which shape, under which name, with which typed parameters) or skipped (and why), and keeps every
name an earlier release's binding published (deprecated, delegating to what replaced it).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from packaging.version import Version

from generator.binding.docstrings.model import ParsedDoc
from generator.binding.docstrings.parse import parse_docstring
from generator.binding.model import (
    Binding,
    Deprecation,
    DocSources,
    NameSource,
    Published,
    Shape,
    Wrapper,
    WrapperParam,
)
from generator.binding.naming import NamingSpec, wrapper_name
from generator.binding.overrides import Override
from generator.binding.spec import BindingSpec, Family, SpecError
from generator.binding.typing_rules import annotate, dual_overloads, layer_overloads, return_type
from generator.binding.wrapper_docs import documented_wrapper
from generator.changes.signature_history import SignatureHistory, call_signature
from generator.settings import OVERRIDES_FILE
from generator.upstream.model import Member, Parameter, Snapshot, Symbol, unknown_path

# Layer classes that are not called on an input by composition: RNN cells go into an RNN layer.
_NO_COMPOSITION_SUFFIXES = ("Cell", "Cells")


# --- building --------------------------------------------------------------------------------------


def build_binding(
    snapshot: Snapshot, spec: BindingSpec, naming: NamingSpec, added_in: Mapping[str, str], digest: str,
    overrides: Iterable[Override] = (), docs: DocSources | None = None,
    dropped: Mapping[str, Published] | None = None, check_spec: bool = True,
    histories: Callable[[str, str | None], SignatureHistory | None] | None = None,
) -> Binding:
    """The binding of `snapshot`. `dropped` holds the names earlier releases' bindings gave that
    this snapshot no longer gives (`impact.dropped_names`): each is kept as a deprecated wrapper.
    `check_spec=False` binds a release older than the spec (which may name later symbols)."""
    if check_spec:
        _check_spec_names(snapshot, spec)
    by_name, skipped, uncovered = _classify(snapshot, spec, naming)
    wrappers: list[Wrapper] = []
    alias_functions = _dual_alias_functions(snapshot, spec, naming)
    for (module, name), symbols in sorted(by_name.items()):
        family = next(f for f in spec.families if f.module == module)
        wrapper = _wrapper(name, family, symbols, added_in, snapshot.keras_version)
        if wrapper.shape == "dual" and wrapper.function is None:
            # `keras.losses.mean_squared_error` is an alias of the keras.metrics function.
            wrapper = replace(wrapper, function=alias_functions.get((module, name)))
        wrappers.append(wrapper)
    wrappers += _member_wrappers(snapshot, spec, naming, added_in)
    wrappers += _verb_wrappers(snapshot, spec, added_in)
    wrappers = [_with_inputs(_serialized(w, snapshot, spec), snapshot) for w in wrappers]
    wrappers = [_versioned(_routed(_class_only(w, snapshot), snapshot), histories or (lambda path, member: None))
                for w in wrappers]
    _check_unique_names(wrappers)
    wrappers = _apply_overrides(wrappers, overrides, snapshot)
    if docs is not None:
        wrappers = [documented_wrapper(w, snapshot, docs, spec) for w in wrappers]
    wrappers += _deprecated_wrappers(snapshot, spec, wrappers, dropped or {}, added_in, docs)
    return Binding(
        keras_version=snapshot.keras_version,
        snapshot_digest=digest,
        wrappers=tuple(sorted(wrappers, key=lambda w: (w.family, w.name))),
        skipped=dict(sorted(skipped.items())),
        bases=dict(sorted(spec.bases.items())),
        families=tuple(f.module for f in spec.families),
        uncovered=tuple(sorted(uncovered)),
    )


def _classify(
    snapshot: Snapshot, spec: BindingSpec, naming: NamingSpec, memo: dict[str, tuple[str, str]] | None = None,
) -> tuple[dict[tuple[str, str], list[Symbol]], dict[str, str], list[str]]:
    """(family module, wrapper name) -> its canonical symbols; skipped path -> reason; uncovered paths.

    `memo` (path -> ("skip", reason) | ("uncovered", "") | (module, name)) may be shared between
    releases: the outcome depends only on the path and the spec.
    """
    memo = {} if memo is None else memo
    by_name: dict[tuple[str, str], list[Symbol]] = {}
    skipped: dict[str, str] = {}
    uncovered: list[str] = []
    for symbol in snapshot.canonical_symbols():
        if symbol.kind == "constant":
            continue
        outcome = memo.get(symbol.path)
        if outcome is None:
            outcome = memo[symbol.path] = _outcome(symbol.path, spec, naming)
        if outcome[0] == "skip":
            skipped[symbol.path] = outcome[1]
        elif outcome[0] == "uncovered":
            uncovered.append(symbol.path)
        else:
            by_name.setdefault(outcome, []).append(symbol)
    return by_name, skipped, uncovered


def _outcome(path: str, spec: BindingSpec, naming: NamingSpec) -> tuple[str, str]:
    reason = spec.skip_reason(path)
    if reason is not None:
        return "skip", reason
    family = spec.family_of(path)
    return ("uncovered", "") if family is None else (family.module, wrapper_name(path, naming))


def wrapper_sources(snapshot: Snapshot, spec: BindingSpec, naming: NamingSpec,
                    memo: dict[str, tuple[str, str]] | None = None) -> dict[str, NameSource]:
    """Wrapper name -> what it wraps, for every name the binding of `snapshot` gives (deprecated
    ones aside). Cheap (no parameters typed, no docs), and tolerant of a release older than the
    spec: the spec's checks are for the release being generated, not for the names of the past."""
    by_name, _, _ = _classify(snapshot, spec, naming, memo)
    sources = {name: NameSource(name, module, tuple(symbols)) for (module, name), symbols in by_name.items()}
    for name, module, symbol, member in _member_sources(snapshot, spec):
        sources.setdefault(name, NameSource(name, module, (symbol,), member.name))
    return sources


def _dual_alias_functions(snapshot: Snapshot, spec: BindingSpec, naming: NamingSpec) -> dict[tuple[str, str], str]:
    """(family, wrapper name) -> a function alias in a dual family's module that bears that name."""
    found: dict[tuple[str, str], str] = {}
    for symbol in snapshot.symbols.values():
        family = spec.family_of(symbol.path) if symbol.is_alias and symbol.kind == "function" else None
        if family is not None and family.shape == "dual":
            found.setdefault((family.module, wrapper_name(symbol.path, naming)), symbol.path)
    return found


def _serialized(wrapper: Wrapper, snapshot: Snapshot, spec: BindingSpec) -> Wrapper:
    """Give a wrapper over a function that Keras saves by name the public path Keras saves it by.

    A model compiled with an uncalled wrapper (`loss=loss_binary_crossentropy`) must save and
    load as the upstream function it stands for. Up to 3.15 Keras saves a plain function by its
    `__name__` alone and looks that name up in keras.losses, keras.metrics, keras.activations ...
    (`serialization_lib.BUILTIN_MODULES`); from 3.16 it saves `__module__` and `__name__` and looks
    the pair up among its registered public names, which hold only the canonical path (the first
    `keras_export` path: `keras.metrics.binary_crossentropy`, not `keras.losses.`...). The
    snapshot's canonical path is that name, so it serves every release.
    """
    path = wrapper.function if wrapper.shape == "dual" else wrapper.upstream
    symbol = snapshot.symbols.get(path) if path else None
    if symbol is None or symbol.kind != "function" or wrapper.shape not in ("dual", "function"):
        return wrapper
    module, name = path.rsplit(".", 1)
    if module not in spec.serialized_by_name or name in spec.serialized_by_name_except:
        return wrapper
    return replace(wrapper, serialized_as=symbol.canonical_path)


def _call_member(snapshot: Snapshot, symbol: Symbol, name: str) -> Member | None:
    """A layer's method, from the class or the nearest recorded ancestor that defines it."""
    for owner in (symbol.path, *symbol.mro):
        found = snapshot.symbols.get(owner)
        member = found.member(name) if found is not None else None
        if member is not None and member.signature is not None:
            return member
    return None


def _with_inputs(wrapper: Wrapper, snapshot: Snapshot) -> Wrapper:
    """The input tensors of a layer whose `call` takes two or more of them as separate arguments.

    They are the call's leading required positional parameters, plus the optional ones after them
    whose shape `build` receives (`key` for `build(query_shape, value_shape, key_shape=None)`).
    """
    if wrapper.shape != "layer":
        return wrapper
    symbol = snapshot.symbols[wrapper.upstream]
    call = _call_member(snapshot, symbol, "call")
    if call is None or call.signature is None:
        return wrapper
    positional = [p for p in call.signature.parameters if p.kind in ("positional_only", "positional_or_keyword")]
    required = [p.name for p in positional if p.default is None]
    if len(required) < 2 or [p.name for p in positional[:len(required)]] != required:
        return wrapper
    build = _call_member(snapshot, symbol, "build")
    shapes = {p.name for p in build.signature.parameters} if build and build.signature else set()
    inputs = list(required)
    for p in positional[len(required):]:
        if f"{p.name}_shape" not in shapes:
            break
        inputs.append(p.name)
    return replace(wrapper, inputs=tuple(inputs), required_inputs=len(required))


def _check_spec_names(snapshot: Snapshot, spec: BindingSpec) -> None:
    """Every path the spec names must exist upstream: a typo would silently skip nothing."""
    named = [p for p in spec.skip if not p.endswith(".*")] + list(spec.bases.values())
    named += list(spec.member_wrappers)
    named += [_verb_owner(target) for target in spec.verbs.get("methods", {}).values()]
    missing = sorted(p for p in named if p not in snapshot.symbols)
    if missing:
        raise SpecError(f"{spec.source}: names symbols Keras {snapshot.keras_version} lacks: {', '.join(missing)}")


def _apply_overrides(wrappers: list[Wrapper], overrides: Iterable[Override], snapshot: Snapshot) -> list[Wrapper]:
    by_name = {w.name: w for w in wrappers}
    for o in overrides:
        if o.upstream not in snapshot.symbols:
            raise SpecError(f"{OVERRIDES_FILE}:{o.line}: override {o.name}: its upstream "
                            + unknown_path(o.upstream, f"path of Keras {snapshot.keras_version}", snapshot.symbols))
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


# --- published names kept working -------------------------------------------------------------------


def _deprecated_wrappers(snapshot: Snapshot, spec: BindingSpec, live: list[Wrapper],
                         dropped: Mapping[str, Published], added_in: Mapping[str, str],
                         docs: DocSources | None) -> list[Wrapper]:
    """A deprecated wrapper for every published name the snapshot's binding no longer gives."""
    names = {w.name for w in live}
    by_path: dict[str, Wrapper] = {}  # public path -> the live wrapper of that object
    for w in live:
        if w.shape != "member":
            by_path.setdefault(w.upstream, w)
            if w.function:
                by_path.setdefault(w.function, w)
    same_object = {(s.implementation, s.kind): s.path for s in snapshot.canonical_symbols()}
    kept = []
    for name, old in sorted(dropped.items()):
        if name in names:
            continue  # it arises again (a rename reverted): nothing to keep
        family = next((f for f in spec.families if f.module == old.source.module), None)
        if family is None:
            raise SpecError(f"{spec.source}: family {old.source.module} is gone, but Keras {old.release}'s "
                            f"binding published {name} in it; keep the family or move the name")
        kept.append(_kept(name, family, old, snapshot, by_path, same_object, added_in, docs, spec))
    return kept


def _kept(name: str, family: Family, old: Published, snapshot: Snapshot,
          by_path: Mapping[str, Wrapper], same_object: Mapping[tuple[str, str], str],
          added_in: Mapping[str, str], docs: DocSources | None, spec: BindingSpec) -> Wrapper:
    version, dropped_in = snapshot.keras_version, old.dropped_in
    found = None if old.source.member else next(
        (f for s in old.source.symbols if (f := _now_at(s, snapshot, same_object, dropped_in))), None)
    if found is None:  # the upstream object is gone: the wrapper stays as it was, guarded
        was = old.source.symbols[0]
        target = was.path if old.source.member is None else f"{was.path}.{old.source.member}"
        deprecation = Deprecation(f"{target} was removed in Keras {dropped_in}", None, dropped_in,
                                  removed_in=dropped_in)
        if old.source.member is not None:
            member = was.member(old.source.member)
            assert member is not None
            wrapper = _member_wrapper(name, family.module, was, member, added_in, old.release)
        else:
            wrapper = _wrapper(name, family, list(old.source.symbols), added_in, old.release)
        return _deprecated(wrapper, deprecation, parse_docstring(was.doc) if docs is not None else ParsedDoc())
    canonical, how = found
    target = by_path.get(canonical)
    if target is not None:  # delegate to the wrapper's target: typed like it, calling what it calls
        how = how or f"keras3 wraps {canonical} as {target.name} since Keras {dropped_in}"
        deprecation = Deprecation(f"{how}; use {target.name}", target.name, dropped_in)
        wrapper = replace(target, name=name, family=family.module, overridden=False, aliases=())
        return _deprecated(wrapper, deprecation, target.doc)
    # The object lives on at a path keras3 does not wrap (a skip of the spec): delegate to it there.
    how = f"{how}, which keras3 does not wrap" if how else f"keras3 no longer wraps {canonical}"
    deprecation = Deprecation(f"{how}; use {canonical}", canonical, dropped_in)
    wrapper = replace(_wrapper(name, family, [snapshot.symbols[canonical]], added_in, version), aliases=())
    documented = documented_wrapper(wrapper, snapshot, docs, spec).doc if docs is not None else ParsedDoc()
    return _deprecated(wrapper, deprecation, documented)


def _now_at(was: Symbol, snapshot: Snapshot, same_object: Mapping[tuple[str, str], str],
            dropped_in: str) -> tuple[str, str] | None:
    """(canonical path, what happened) of the object a published wrapper wrapped, if it still exists."""
    if was.path in snapshot.symbols:
        now = snapshot.symbols[was.path]
        if now.is_alias:
            return now.canonical_path, f"{was.path} is now an alias of {now.canonical_path}"
        return was.path, ""  # the same path: the binding, not upstream, changed
    for alias in was.aliases:  # its other public paths (keras.AbsMaxQuantizer -> keras.quantizers.…)
        if alias in snapshot.symbols:
            canonical = snapshot.symbols[alias].canonical_path
            return canonical, f"{was.path} was removed in Keras {dropped_in}; the same object is {canonical}"
    # Renamed with the old name dropped: the object is still defined where it was.
    canonical = same_object.get((was.implementation, was.kind))
    if canonical is not None:
        return canonical, f"{was.path} was renamed {canonical} in Keras {dropped_in}"
    return None


def _deprecated(wrapper: Wrapper, deprecation: Deprecation, doc: ParsedDoc) -> Wrapper:
    note = f"Deprecated: {deprecation.message}."
    # The note leads; what the wrapper does (the target's summary) stays, first in the description.
    description = "\n\n".join(part for part in (doc.summary, doc.description) if part)
    return replace(wrapper, deprecation=deprecation, summary=note,
                   doc=replace(doc, summary=note, description=description), changes=())


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
    # `object` comes first, then the constructor's parameters in upstream's order, positional or
    # keyword as in R and Keras (`layer_dense(x, 64)`); they are handed on by keyword. A required
    # one follows an optional `object`: the overloads type it as required, the implementation
    # checks it (see templates/_wrappers.j2).
    params = [WrapperParam("object", "positional_only", "Any", "None", "none")]
    params += [replace(p, forward="keyword") if p.forward == "positional" else p
               for p in (_forwarded(p, family.module) for p in _parameters(symbol))]
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


def _routed(wrapper: Wrapper, snapshot: Snapshot) -> Wrapper:
    """A layer wrapper's call parameters, read from the `call` its class has or inherits.

    The leading required parameters are the tensor inputs (`object`); the optional ones become
    keyword-only parameters of the wrapper that go to the call. A name the constructor also takes
    stays the constructor's (`layer_lambda(mask=...)`).
    """
    if wrapper.shape != "layer":
        return wrapper
    signature = call_signature(snapshot.symbols, snapshot.symbols[wrapper.upstream])
    if signature is None:
        return wrapper
    # The tensors `object` stands for: a multi-input layer's `inputs` (see _with_inputs), else
    # the call's leading required parameters.
    own = {p.name for p in wrapper.params} | {"object"} | set(wrapper.inputs)
    routed = tuple(_forwarded(p, wrapper.family, keyword_only=True) for p in signature.parameters
                   if not p.required and p.kind not in ("var_positional", "var_keyword") and p.name not in own)
    return replace(wrapper, call_params=routed)


def _class_only(wrapper: Wrapper, snapshot: Snapshot) -> Wrapper:
    """A dual wrapper's parameters that only its class takes (`reduction`, `name`, `dtype`).

    Giving one asks for the configured object's computation, so it is handed on only when given
    (default MISSING): whether it was given decides the form, never whether it equals a default.
    """
    if wrapper.shape != "dual":
        return wrapper
    function = snapshot.symbols.get(wrapper.function) if wrapper.function else None
    if function is None or function.signature is None:
        return wrapper
    if any(p.kind == "var_keyword" for p in function.signature.parameters):
        return wrapper
    takes = {p.name for p in function.signature.parameters}
    only = tuple(p.name for p in wrapper.params[2:] if p.name not in takes and p.kind not in ("var_positional", "var_keyword"))
    params = tuple(replace(p, default="MISSING", omit_when_missing=True) if p.name in only else p for p in wrapper.params)
    return replace(wrapper, params=params, class_only=only)


def _later(release: str | None, than: str) -> str | None:
    return release if release is not None and Version(release) > Version(than) else None


def _versioned(wrapper: Wrapper, histories: Callable[[str, str | None], SignatureHistory | None]) -> Wrapper:
    """Since when the wrapped signature stands, and which parameters are newer than the symbol."""
    own = histories(wrapper.upstream, wrapper.member)
    call = histories(wrapper.upstream, "call") if wrapper.shape == "layer" else None
    since = _later(own.since, wrapper.added_in) if own else None

    def dated(params: tuple[WrapperParam, ...], history: SignatureHistory | None) -> tuple[WrapperParam, ...]:
        if history is None:
            return params
        return tuple(replace(p, added_in=_later(history.added.get(p.name), wrapper.added_in)) for p in params)

    # Layer.__call__ takes `training` and `mask` for every layer (it hands them to `call` only when
    # `call` declares them): never newer than the layer itself.
    call_params = tuple(replace(p, added_in=None) if p.name in _EVERY_CALL_TAKES else p
                        for p in dated(wrapper.call_params, call))
    return replace(wrapper, since=since, params=dated(wrapper.params, own), call_params=call_params)


_EVERY_CALL_TAKES = frozenset({"training", "mask"})


def _member_sources(snapshot: Snapshot, spec: BindingSpec) -> list[tuple[str, str, Symbol, Member]]:
    """(name, module, class, member) of every member wrapper; a class the release lacks gives none."""
    found = []
    for path, rule in sorted(spec.member_wrappers.items()):
        symbol = snapshot.symbols.get(path)
        for member in symbol.members if symbol is not None else ():
            if member.kind not in rule.get("kinds", ["classmethod", "staticmethod"]):
                continue
            if member.name in rule.get("exclude", []) or member.signature is None:
                continue
            name = rule.get("renames", {}).get(member.name, member.name)
            found.append((f"{rule['prefix']}_{name}", rule["module"], symbol, member))
    return found


def _member_wrappers(snapshot: Snapshot, spec: BindingSpec, naming: NamingSpec,
                     added_in: Mapping[str, str]) -> list[Wrapper]:
    """Class methods exposed as functions, e.g. FeatureSpace.float_normalized -> feature_float_normalized."""
    return [_member_wrapper(name, module, symbol, member, added_in, snapshot.keras_version)
            for name, module, symbol, member in _member_sources(snapshot, spec)]


def _member_wrapper(name: str, module: str, symbol: Symbol, member: Member, added_in: Mapping[str, str],
                    version: str) -> Wrapper:
    assert member.signature is not None  # _member_sources keeps only readable ones
    params = tuple(_forwarded(p, module) for p in member.signature.parameters)
    returns = return_type(name, module, "member").type
    return Wrapper(name, module, "member", symbol.path, params, returns, added_in.get(symbol.path, version),
                   _first_line(member.doc), member=member.name)


def _verb_owner(target: str) -> str:
    """`keras.Model.fit` -> `keras.Model`: the class whose method a verb calls."""
    return target.rsplit(".", 1)[0]


def _verb_wrappers(snapshot: Snapshot, spec: BindingSpec, added_in: Mapping[str, str]) -> list[Wrapper]:
    """The model verbs of {keras3}: `fit(model, x, y)` calls `model.fit(x=x, y=y)`.

    Parameters and docs come from the snapshot's record of the method, so a verb follows upstream
    release by release; the model comes first, as in R. Arguments go on by keyword, so a subclass
    that overrides the method with more parameters in between still gets them right.
    """
    module = spec.verbs.get("module")
    wrappers = []
    for name, target in sorted(spec.verbs.get("methods", {}).items()):
        owner_path, method = _verb_owner(target), target.rsplit(".", 1)[1]
        owner = snapshot.symbols[owner_path]
        member = owner.member(method)
        if module is None or member is None:
            raise SpecError(f"{spec.source}: verb {name}: {target} is not a recorded method "
                            f"(Keras {snapshot.keras_version})" if module else
                            f"{spec.source}: [verbs] lacks module")
        receiver = WrapperParam("object", "positional_only", owner_path, None, "none")
        own = tuple(replace(p, forward="keyword") if p.forward == "positional" else p
                    for p in (_forwarded(q, module) for q in (member.signature.parameters if member.signature else ())))
        returns = spec.verbs.get("returns", {}).get(name, "Any")
        wrappers.append(Wrapper(name, module, "member", owner_path, (receiver, *own), returns,
                                added_in.get(owner_path, snapshot.keras_version), _first_line(member.doc),
                                member=method, bound=True))
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
