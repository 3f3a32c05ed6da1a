"""Introspect the installed Keras into a `Snapshot`.

This is the only module that imports Keras. It walks the public modules from `keras` down (never
into `keras.src` or `keras.api`), identifies aliases through Keras's own export registry
(`_api_export_path`, set by `keras_export`), and normalises everything that would otherwise
depend on the active backend or the process: backend classes in a method resolution order,
memory addresses in reprs, set and dict ordering.
"""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import re
import textwrap
import types
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from generator.upstream.model import Member, MemberKind, Parameter, Signature, Snapshot, Symbol

# Backend implementations live here; anything defined in them differs between backends.
BACKEND_PACKAGES = ("jax", "torch", "tensorflow", "numpy", "openvino")
_BACKEND_MODULE = re.compile(r"^keras\.src\.backend\.(%s)(\.|$)" % "|".join(BACKEND_PACKAGES))
# Classes outside the backend packages that are chosen per backend at import time
# (`keras/src/optimizers/optimizer.py` binds BackendOptimizer to a backend's optimizer).
BACKEND_STAND_INS = frozenset({"keras.src.optimizers.optimizer.BackendOptimizer"})
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_DEPRECATED_WORD = re.compile(r"deprecat", re.IGNORECASE)
_QUOTED_NAME = re.compile(r"`([A-Za-z_]\w*)")
# Top-level attributes of `keras` that are implementation, not API.
_PRIVATE_TOP_LEVEL = {"src", "api"}
# Where a Keras source file sits inside the package: ".../keras/src/backend/jax/core.py".
_KERAS_SOURCE = re.compile(r"(?:^|[\\/])(keras[\\/]src(?:[\\/][^\\/]+)*?)(?:[\\/]__init__)?\.py$")

_PARAMETER_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "positional_only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional_or_keyword",
    inspect.Parameter.VAR_POSITIONAL: "var_positional",
    inspect.Parameter.KEYWORD_ONLY: "keyword_only",
    inspect.Parameter.VAR_KEYWORD: "var_keyword",
}


def take_snapshot() -> Snapshot:
    """Introspect the Keras importable in this process (whichever backend is active)."""
    keras = importlib.import_module("keras")
    objects = dict(walk_public(keras))
    return build_snapshot(_keras_version(keras), objects)


def _keras_version(keras: types.ModuleType) -> str:
    version = getattr(keras, "__version__", None)
    if version is None:  # some early 3.0 releases only had keras.version()
        version = keras.version()
    return str(version)


# --- walking ------------------------------------------------------------------------------------


def walk_public(root: types.ModuleType, prefix: str = "keras") -> Iterator[tuple[str, Any]]:
    """Yield (public path, object) for every public non-module attribute below `root`.

    Keras exposes its API modules under their public names (`keras.layers` is the module
    `keras.api.layers` in recent releases, `keras.layers` in early ones), so paths are built from
    attribute names, never from `__name__`.
    """
    visited: set[int] = set()
    stack: list[tuple[str, types.ModuleType]] = [(prefix, root)]
    while stack:
        path, module = stack.pop()
        if id(module) in visited:
            continue
        visited.add(id(module))
        for name in sorted(vars(module)):
            if name.startswith("_") or (path == prefix and name in _PRIVATE_TOP_LEVEL):
                continue
            obj = vars(module)[name]
            child = f"{path}.{name}"
            if isinstance(obj, types.ModuleType):
                if _is_public_keras_module(obj):
                    stack.append((child, obj))
                continue
            yield child, obj


def _is_public_keras_module(module: types.ModuleType) -> bool:
    name = module.__name__
    return (name == "keras" or name.startswith("keras.")) and not name.startswith("keras.src")


# --- building the snapshot -----------------------------------------------------------------------


def build_snapshot(keras_version: str, objects: dict[str, Any]) -> Snapshot:
    groups = _alias_groups(objects)
    public_names = {id(objects[paths[0]]): paths[0] for paths in groups}
    namer = _Namer(public_names)
    symbols: dict[str, Symbol] = {}
    for paths in groups:
        canonical, *aliases = paths
        symbol = describe(canonical, objects[canonical], namer)
        symbol = replace(symbol, aliases=tuple(sorted(aliases)))
        symbols[canonical] = symbol
        for alias in aliases:
            symbols[alias] = replace(symbol, path=alias, alias_of=canonical, aliases=())
    return Snapshot(keras_version=keras_version, symbols=dict(sorted(symbols.items())))



def _alias_groups(objects: dict[str, Any]) -> list[list[str]]:
    """Group public paths that name the same object; the canonical path comes first.

    Only functions and classes are grouped: two constants that happen to be equal (`0`, `"x"`)
    are not aliases of each other.
    """
    by_identity: dict[int, list[str]] = {}
    singles: list[list[str]] = []
    for path, obj in objects.items():
        if inspect.isclass(obj) or callable(obj):
            by_identity.setdefault(id(obj), []).append(path)
        else:
            singles.append([path])
    groups = [_canonical_first(paths, objects[paths[0]]) for paths in by_identity.values()]
    return sorted(groups + singles)


def _canonical_first(paths: list[str], obj: Any) -> list[str]:
    registered = _export_paths(obj)
    # Keras's registry lists the canonical name first; fall back to the shortest path.
    ranked = sorted(
        paths,
        key=lambda p: (registered.index(p) if p in registered else len(registered), p.count("."), p),
    )
    return ranked


def _export_paths(obj: Any) -> list[str]:
    # Read from the object's own namespace: a subclass must not inherit its parent's path.
    own = vars(obj) if hasattr(obj, "__dict__") else {}
    value = own.get("_api_export_path")
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return []


class _Namer:
    """Names classes and callables stably: by public path where exported, else by definition."""

    def __init__(self, public_names: dict[int, str]) -> None:
        self._public = public_names

    def name(self, obj: Any) -> str:
        if id(obj) in self._public:
            return self._public[id(obj)]
        return implementation_path(obj)

    def is_public(self, obj: Any) -> bool:
        return id(obj) in self._public


def implementation_path(obj: Any) -> str:
    target = obj if (inspect.isclass(obj) or inspect.isroutine(obj)) else type(obj)
    module = getattr(target, "__module__", None) or "builtins"
    qualname = getattr(target, "__qualname__", None) or getattr(target, "__name__", repr(target))
    return f"{module}.{qualname}"


def describe(path: str, obj: Any, namer: _Namer) -> Symbol:
    if inspect.isclass(obj):
        return _describe_class(path, obj, namer)
    if callable(obj):
        return Symbol(
            path=path,
            kind="function",
            implementation=implementation_path(obj),
            signature=signature_of(obj, namer),
            doc=_doc(obj),
            deprecated=_deprecation(path, obj),
        )
    return Symbol(
        path=path,
        kind="constant",
        implementation=implementation_path(obj),
        value=normalise_value(obj, namer),
        deprecated=_deprecation(path, None),
    )


# --- classes -------------------------------------------------------------------------------------


def _describe_class(path: str, cls: type, namer: _Namer) -> Symbol:
    hidden = _backend_brought(cls)
    face = _face(cls, hidden)
    if face is None:
        kept_mro = [k for k in cls.__mro__[1:] if k not in hidden and k is not object]
        bases = tuple(namer.name(b) for b in _kept_bases(cls, hidden))
        doc = _class_doc(cls, hidden, namer)
    else:
        # A class chosen per backend and published under one name (`keras.Variable`,
        # `keras.name_scope`): describe it as the backend-independent class it stands for, derived
        # from that class, whichever backend class (or that class itself) the active backend chose.
        after = [k for k in face.__mro__[1:] if k not in hidden and k is not object]
        kept_mro = [face, *after]
        bases = (_defined_path(face),)
        doc = _class_doc(cls, hidden, namer)
    return Symbol(
        path=path,
        kind="class",
        implementation=implementation_path(cls),
        signature=_constructor_signature(cls, hidden, namer),
        doc=doc,
        bases=bases,
        mro=tuple(_defined_path(k) if k is face else namer.name(k) for k in kept_mro),
        members=tuple(_members(cls, hidden, namer)),
        deprecated=_deprecation(path, cls),
    )


def _class_doc(cls: type, hidden: set[type], namer: _Namer) -> str:
    """The class's docstring, or, like its members, that of a private class between it and its
    public ancestors (what `help()` shows for `class Variable(BackendVariable): pass`). Backend
    classes are skipped, so every backend gives the same text."""
    for klass in cls.__mro__:
        if klass in hidden or klass is object:
            continue
        if klass is not cls and (namer.is_public(klass) or not _is_keras_class(klass)):
            break
        doc = _doc(klass)
        if doc:
            return doc
    return ""


def _face(cls: type, hidden: set[type]) -> type | None:
    """For a per-backend class published under a backend-independent name, the first class of its
    MRO that no backend brought (its public face); None for an ordinary class.

    Upstream marks such classes in two ways: a public class defined inside a backend package, or
    a class relabelled with another `__module__` than the module that defines it (Keras 3.16 sets
    `Variable.__module__ = "keras.src.backend"` on whichever backend's class it imported).
    """
    if cls not in hidden and defining_module(cls) == cls.__module__:
        return None
    return next((k for k in cls.__mro__ if k not in hidden and k is not object), None)


def defining_module(cls: type) -> str:
    """The module whose source defines `cls`, read from the code of the functions in its body.

    `__module__` is only a label that upstream may rewrite; the code objects of the class's own
    functions say where it really lives. A class without functions of its own keeps its label.
    """
    prefix = f"{cls.__qualname__}."
    for value in vars(cls).values():
        function = getattr(value, "__func__", None) or getattr(value, "fget", None) or value
        code = getattr(inspect.unwrap(function) if callable(function) else function, "__code__", None)
        if code is None or not getattr(function, "__qualname__", "").startswith(prefix):
            continue
        found = _KERAS_SOURCE.search(code.co_filename)
        if found:
            return re.sub(r"[\\/]", ".", found.group(1))
    return getattr(cls, "__module__", "") or ""


def _defined_path(cls: type) -> str:
    return f"{defining_module(cls)}.{cls.__qualname__}"


def _constructor_signature(cls: type, hidden: set[type], namer: _Namer) -> Signature | None:
    """The signature of the first `__init__` not defined by a backend class.

    Backend classes often define `__init__(self, *args, **kwargs)` and forward; the parameters a
    user passes are those of the backend-independent class behind them.
    """
    for klass in cls.__mro__:
        if klass in hidden or "__init__" not in vars(klass):
            continue
        if klass is object:
            break
        return signature_of(vars(klass)["__init__"], namer, drop_first=True)
    return signature_of(cls, namer)


def _is_backend_class(cls: type) -> bool:
    # Where the class is defined, not what its `__module__` says (see `defining_module`).
    return bool(_BACKEND_MODULE.match(defining_module(cls))) or implementation_path(cls) in BACKEND_STAND_INS


def _backend_brought(cls: type) -> set[type]:
    """Classes in `cls`'s MRO that are there only because of the active backend.

    That is every class defined in a backend package, plus whatever foreign classes those bring
    (`torch.nn.Module` under torch, TensorFlow's trackables under tensorflow). Keras's own
    backend-independent classes that a backend class also derives from are kept.
    """
    backend = [k for k in cls.__mro__ if _is_backend_class(k)]
    hidden = set(backend)
    for k in backend:
        hidden.update(b for b in k.__mro__ if not _is_keras_class(b) or _is_backend_class(b))
    hidden.discard(object)
    return hidden


def _is_keras_class(cls: type) -> bool:
    module = getattr(cls, "__module__", "") or ""
    return module == "keras" or module.startswith("keras.")


def _kept_bases(cls: type, hidden: set[type]) -> list[type]:
    """Direct bases, with each backend base replaced by its own kept bases."""
    result: list[type] = []
    for base in cls.__bases__:
        candidates = _kept_bases(base, hidden) if base in hidden else [base]
        for candidate in candidates:
            if candidate is not object and candidate not in result:
                result.append(candidate)
    return result


def _members(cls: type, hidden: set[type], namer: _Namer) -> Iterator[Member]:
    """Public members defined on `cls` or on a private class between it and its public ancestors.

    Members of an exported ancestor are recorded on that ancestor (`Layer.add_weight` once, not on
    all 175 layers), and members that only a backend class defines are left out. Besides methods
    and properties: public class attributes, and the public instance attributes that an
    `__init__` of the MRO assigns (`SparseCategoricalCrossentropy(...).from_logits`).
    """
    search = [k for k in cls.__mro__ if k not in hidden and k is not object]
    found: dict[str, Member] = {}
    for name in sorted(dir(cls)):
        if name.startswith("_"):
            continue
        owner = next((k for k in search if name in vars(k)), None)
        if owner is None or not _is_keras_class(owner):
            continue
        if owner is not cls and namer.is_public(owner):
            continue
        found[name] = _describe_member(name, vars(owner)[name], namer)
    set_by = {}
    for klass in reversed(search):  # the nearest `__init__` that assigns a name owns it
        if _is_keras_class(klass):
            set_by.update(dict.fromkeys(init_attributes(klass), klass))
    for name, owner in set_by.items():
        # A name the class body defines (a property with a setter, say) is described above; only
        # kept classes count, so a backend class's own `loss` cannot hide the attribute.
        defined = any(name in vars(k) for k in search)
        if not defined and (owner is cls or not namer.is_public(owner)):
            found[name] = Member(name=name, kind="attribute")
    yield from (found[name] for name in sorted(found))


def init_attributes(cls: type) -> tuple[str, ...]:
    """Public names that `cls.__init__` assigns on `self` (`self.units = units`), read from source.

    Instances are not built to find them (that would run backend code and need arguments); the
    assignments in the source are the same on every backend. Nested functions and classes inside
    `__init__` are not searched: their `self` is another object.
    """
    init = vars(cls).get("__init__")
    if not inspect.isfunction(init):
        return ()
    init = inspect.unwrap(init)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(init)))
    except (OSError, TypeError, SyntaxError):
        return ()
    function = tree.body[0] if tree.body else None
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) or not function.args.args:
        return ()
    me = function.args.args[0].arg
    names: set[str] = set()
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if (isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name) and node.value.id == me and not node.attr.startswith("_")):
            names.add(node.attr)
        pending.extend(ast.iter_child_nodes(node))
    return tuple(sorted(names))


def _describe_member(name: str, raw: Any, namer: _Namer) -> Member:
    kind: MemberKind
    if isinstance(raw, staticmethod):
        kind, function, drop_first = "staticmethod", raw.__func__, False
    elif isinstance(raw, classmethod):
        kind, function, drop_first = "classmethod", raw.__func__, True
    elif isinstance(raw, property) or (hasattr(raw, "__get__") and hasattr(raw, "__set_name__")):
        getter = getattr(raw, "fget", None) or getattr(raw, "func", None)
        return Member(name=name, kind="property", doc=_doc(getter) if getter else _doc(raw))
    elif inspect.isfunction(raw) or inspect.ismethoddescriptor(raw):
        kind, function, drop_first = "method", raw, True
    else:
        # A plain class attribute (a constant, a nested class): its name is API, its value is
        # configuration that may differ by backend, so only the name is kept.
        return Member(name=name, kind="attribute")
    signature = signature_of(function, namer, drop_first=drop_first)
    return Member(
        name=name,
        kind=kind,
        signature=signature,
        doc=_doc(function),
        deprecated=_warns_deprecation(function),
    )


# --- signatures and values -----------------------------------------------------------------------


def signature_of(obj: Callable[..., Any], namer: _Namer, drop_first: bool = False) -> Signature | None:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None  # some builtins and C extensions carry no signature
    params = list(sig.parameters.values())
    if drop_first and params and params[0].kind in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    ):
        params = params[1:]
    return Signature(
        parameters=tuple(
            Parameter(
                name=p.name,
                kind=_PARAMETER_KINDS[p.kind],  # type: ignore[arg-type]
                default=None if p.default is p.empty else normalise_value(p.default, namer),
                annotation=_annotation(p.annotation),
            )
            for p in params
        ),
        returns=_annotation(sig.return_annotation),
        accepts=_kwargs_read(obj, next((p.name for p in params if p.kind is p.VAR_KEYWORD), None)),
    )


def _kwargs_read(obj: Any, kwargs: str | None) -> tuple[str, ...]:
    """The names the source of `obj` reads out of its `**kwargs` mapping.

    `"num_tokens" in kwargs`, `kwargs.pop("rms_scaling", ...)`, `kwargs.get("x")`, `kwargs["x"]`:
    how Keras keeps accepting a parameter it took out of the signature.
    """
    if kwargs is None:
        return ()
    function = inspect.unwrap(obj) if inspect.isroutine(obj) else getattr(obj, "__init__", None)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        return ()

    def is_kwargs(node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id == kwargs

    def text(node: ast.AST) -> str | None:
        return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None

    names: set[str | None] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            if is_kwargs(node.comparators[0]):
                names.add(text(node.left))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and is_kwargs(node.func.value)
              and node.func.attr in ("pop", "get") and node.args):
            names.add(text(node.args[0]))
        elif isinstance(node, ast.Subscript) and is_kwargs(node.value):
            names.add(text(node.slice))
    return tuple(sorted(n for n in names if n and n.isidentifier()))


def _annotation(annotation: Any) -> str | None:
    if annotation is inspect.Parameter.empty:
        return None
    return _ADDRESS.sub("", inspect.formatannotation(annotation))


def normalise_value(value: Any, namer: _Namer) -> str:
    """A repr that is the same on every run and backend (no addresses, sorted collections)."""
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(normalise_value(v, namer) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(normalise_value(v, namer) for v in value) + "]"
    if isinstance(value, (set, frozenset)):
        items = sorted(normalise_value(v, namer) for v in value)
        return "{" + ", ".join(items) + "}" if items else "set()"
    if isinstance(value, dict):
        items = sorted(f"{normalise_value(k, namer)}: {normalise_value(v, namer)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, enum.Enum):
        return f"{type(value).__qualname__}.{value.name}"
    if inspect.isclass(value) or inspect.isroutine(value):
        return namer.name(value)
    return _ADDRESS.sub("", repr(value))


# --- docstrings and deprecation ------------------------------------------------------------------


def _doc(obj: Any) -> str:
    # The runtime __doc__, not the source text: Keras fills `{{...}}` placeholders at import.
    raw = vars(obj).get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return inspect.cleandoc(raw) if isinstance(raw, str) else ""


def _deprecation(path: str, obj: Any) -> str | None:
    if ".legacy." in f"{path}.":
        return "legacy module"
    if obj is None:
        return None
    summary = _doc(obj).split("\n\n", 1)[0]
    if _DEPRECATED_WORD.search(summary):
        return "docstring says deprecated"
    return _warns_deprecation(obj.__init__ if inspect.isclass(obj) else obj)


def _warns_deprecation(function: Any) -> str | None:
    """What calling `function` warns is deprecated, read from its compiled code.

    Calling every public callable to watch for warnings is not possible; the code object holds the
    `warn` call and its message, which is enough and costs no call. A warning that quotes a name
    deprecates that argument, not the symbol.
    """
    function = inspect.unwrap(function) if callable(function) else function
    code = getattr(function, "__code__", None)
    if code is None or not ({"warn", "DeprecationWarning"} & set(code.co_names)):
        return None
    messages = [c for c in code.co_consts if isinstance(c, str) and _DEPRECATED_WORD.search(c)]
    if not messages:
        return None
    # Keras quotes what it deprecates in backticks: "Argument `input_length` is deprecated."
    named = sorted({found[0] for m in messages if (found := _QUOTED_NAME.findall(m))})
    if named:
        return "parameter deprecated: " + ", ".join(named)
    return "warns on use: " + " ".join(messages[0].split())[:160]
