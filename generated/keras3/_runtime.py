# HAND-WRITTEN runtime support for the generated keras3 wrappers. NOT GENERATED:
# the wrapper generator never writes this file; edit it by hand, and keep it free of any
# import of Keras at module level.
"""Runtime support shared by every generated ``keras3`` wrapper.

The generated wrapper modules (``op_add``, ``layer_dense``, ``loss_mean_squared_error`` ...)
call into this module; nothing here is emitted by the generator.

Design points:

* **No eager Keras import.** ``import keras3._runtime`` imports only the standard library.
  Keras (and with it a backend such as TensorFlow or JAX) is imported on first need.
* **Backend switches replace the ``keras`` module.** ``keras.config.set_backend(name)``
  deletes every ``keras*`` entry from :data:`sys.modules` and re-imports Keras, so a new
  ``keras`` module object appears and every reference taken earlier goes stale.
  :func:`keras` therefore always reads ``sys.modules["keras"]``, and :func:`upstream`
  keeps a cache that is thrown away as soon as that module object changes identity.
* **Hot path.** :func:`upstream` runs on every wrapper call. On a cache hit it costs two
  dict subscripts and one identity comparison.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import re
import sys
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any, Final, TypeVar, cast, final

__all__ = [
    "BACKENDS",
    "OPTIONAL_BACKENDS",
    "KerasVersionError",
    "MISSING",
    "argument_error",
    "backend",
    "bind",
    "call_member",
    "call_or_instance",
    "compose_layer",
    "deprecated",
    "keras",
    "missing_argument",
    "override",
    "removed",
    "saved_as",
    "split_inputs",
    "supplied",
    "upstream",
    "use_backend",
    "valid_backends",
]

# --------------------------------------------------------------------------------------
# Backends
# --------------------------------------------------------------------------------------

#: The backends every Keras 3 release supports, in the order they are listed to users.
BACKENDS: Final[tuple[str, ...]] = ("jax", "torch", "tensorflow", "numpy")

#: Backends only some Keras releases support. Each is valid only when the installed Keras
#: ships ``keras/src/backend/<name>/`` (OpenVINO arrived in Keras 3.8; its
#: ``keras.config.set_backend`` accepts "openvino" from then on).
OPTIONAL_BACKENDS: Final[tuple[str, ...]] = ("openvino",)

#: For each backend, the modules it imports and the pip command that provides each one.
#: The numpy backend imports jax (``keras/src/backend/numpy/nn.py`` and ``math.py``).
_BACKEND_REQUIREMENTS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "jax": (("jax", "pip install 'jax[cpu]'"),),
    "torch": (("torch", "pip install torch"),),
    "tensorflow": (("tensorflow", "pip install tensorflow-cpu (or tensorflow)"),),
    "numpy": (("numpy", "pip install numpy"), ("jax", "pip install 'jax[cpu]'")),
    "openvino": (("openvino", "pip install openvino"),),
}

# --------------------------------------------------------------------------------------
# The current keras module and the resolution cache
# --------------------------------------------------------------------------------------

_modules: Final[dict[str, ModuleType]] = sys.modules


@final
class _Missing:
    """The type of `MISSING`: `help()` and `inspect.signature` show a wrapper's parameter as
    `units=MISSING` rather than `<object object at 0x...>` (an address that differs per run).
    Copying or pickling gives the one sentinel back, so `is MISSING` keeps holding."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "_MISSING"  # the module-level name: pickle and copy return the same object


_MISSING: Final[object] = _Missing()
# The default of a generated wrapper's parameter whose upstream default is not a Python literal:
# such a parameter is handed on only when the caller gives it, so upstream's own default applies.
MISSING: Final[Any] = _MISSING
_lock: Final[threading.RLock] = threading.RLock()

# The keras module the caches below were filled from; None until the first resolution.
_owner: ModuleType | None = None
# public path -> resolved object, valid only while sys.modules["keras"] is _owner.
_objects: dict[str, Any] = {}
# function path -> the keyword names it accepts (None: it takes **kwargs), same validity.
_accepted: dict[str, frozenset[str] | None] = {}


class KerasVersionError(AttributeError):
    """The installed Keras lacks a public symbol a keras3 wrapper needs.

    Subclasses :class:`AttributeError` because the failure *is* a missing attribute of
    the ``keras`` module; ``hasattr``-style probing keeps working.
    """

    path: str
    added_in: str | None
    installed: str
    parameter: str | None  # set when the symbol exists but lacks a parameter the caller gave

    def __init__(
        self,
        message: str,
        *,
        path: str,
        added_in: str | None,
        installed: str,
        parameter: str | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.added_in = added_in
        self.installed = installed
        self.parameter = parameter


def _import_keras() -> ModuleType:
    try:
        return importlib.import_module("keras")
    except ModuleNotFoundError as exc:
        if exc.name != "keras":
            raise
        raise ModuleNotFoundError(
            "keras3 needs Keras 3, which is not installed. Install it with: pip install keras",
            name="keras",
        ) from exc


def _loaded_keras() -> ModuleType | None:
    """``sys.modules["keras"]`` once it is fully imported; None when Keras is not imported.

    While one thread imports Keras (seconds), ``sys.modules["keras"]`` already holds the
    half-initialised module: another thread reading it would find no ``keras.ops`` or
    ``keras.config`` and report a missing symbol. ``importlib.import_module`` waits on the
    import system's per-module lock until that import is done, so a half-built module is
    handed to nobody (the importing thread itself gets it back at once, as Python does).
    """
    module = _modules.get("keras")
    if module is None or module is _owner:
        return module
    if getattr(getattr(module, "__spec__", None), "_initializing", False):
        return importlib.import_module("keras")
    return module


def keras() -> ModuleType:
    """Return the *current* ``keras`` module, importing Keras on first use.

    Always reads ``sys.modules["keras"]``: after ``keras.config.set_backend`` (or
    :func:`use_backend`) that entry is a new module object and older references are stale.
    Thread-safe: a thread never sees the module of an import still under way in another.
    """
    module = _loaded_keras()
    if module is None:
        module = _import_keras()
    return module


def upstream(path: str, added_in: str | None = None) -> Any:
    """Resolve a public Keras path such as ``"keras.ops.add"`` on the current keras module.

    Args:
        path: dotted public path starting with ``"keras."`` (``"keras.layers.Dense"``,
            ``"keras.ops.image.resize"``).
        added_in: the Keras release that introduced the symbol, used only for the error
            message when the installed Keras lacks it. The message names the calling
            function as ``keras3.<name>`` when the caller lives in the ``keras3`` package.

    Returns:
        The object at ``path``. Results are cached until the ``keras`` module in
        :data:`sys.modules` changes identity (a backend switch), then resolved afresh.

    Raises:
        KerasVersionError: the installed Keras has no such symbol.
        ValueError: ``path`` does not start with ``"keras."``.
    """
    # Hot path: two dict subscripts and an identity check. A missing "keras" entry, a
    # switched keras module or an uncached path all fall through to the slow path.
    # (No keyword-only parameters here: in CPython 3.11 they add ~15 ns per call.)
    try:
        if _modules["keras"] is _owner:
            return _objects[path]
    except KeyError:
        pass
    return _resolve(path, added_in)


def _current_caches() -> tuple[ModuleType, dict[str, Any], dict[str, frozenset[str] | None]]:
    """Return the current keras module and caches, resetting them if keras changed."""
    global _owner, _objects, _accepted
    # Under the lock: a use_backend() in another thread holds it for the whole switch, so no
    # resolution reads the keras module while it is being replaced.
    with _lock:
        module = keras()
        if module is not _owner:
            # New dicts first, owner last: a concurrent hot-path reader that still sees the
            # old owner at worst misses, it never reads another generation's objects.
            _objects = {}
            _accepted = {}
            _owner = module
        return module, _objects, _accepted


def _resolve(path: str, added_in: str | None) -> Any:
    parts = path.split(".")
    if parts[0] != "keras" or len(parts) < 2 or not all(parts):
        raise ValueError(f"upstream() takes a public path starting with 'keras.', got {path!r}")
    module, objects, _ = _current_caches()
    obj: Any = module
    for depth, name in enumerate(parts[1:], start=2):
        found = getattr(obj, name, _MISSING)
        if found is _MISSING and isinstance(obj, ModuleType):
            # A public submodule that is not (yet) an attribute of its parent package.
            try:
                found = importlib.import_module(".".join(parts[:depth]))
            except ImportError:
                found = _MISSING
        if found is _MISSING:
            raise _version_error(module, path, added_in)
        obj = found
    objects[path] = obj
    return obj


# --------------------------------------------------------------------------------------
# Error messages
# --------------------------------------------------------------------------------------


def _installed_version(module: ModuleType) -> str:
    """The imported module's own version: `keras-nightly` provides `keras` without a `keras`
    distribution, so the distribution metadata would name another (or no) Keras."""
    version = getattr(module, "__version__", None)
    if isinstance(version, str):
        return version
    version_function = getattr(module, "version", None)  # some early 3.0 releases only had this
    if callable(version_function):
        found = version_function()
        if isinstance(found, str):
            return found
    return "unknown"


def _version_key(version: str) -> tuple[int, ...]:
    """Release numbers of a version string: ``"3.15.0.dev1"`` -> ``(3, 15, 0)``."""
    key: list[int] = []
    for part in version.split("."):
        match = re.match(r"\d+", part)
        if match is None:
            break
        key.append(int(match.group()))
        if match.end() != len(part):
            break
    return tuple(key)


def _calling_wrapper() -> str | None:
    """Name of the nearest caller outside this module, when it is a keras3 function."""
    frame: FrameType | None = inspect.currentframe()
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame = frame.f_back
    if frame is None:
        return None
    module_name = frame.f_globals.get("__name__")
    if not isinstance(module_name, str):
        return None
    if module_name != "keras3" and not module_name.startswith("keras3."):
        return None
    if frame.f_code.co_name.startswith("<"):
        return None
    return f"keras3.{frame.f_code.co_name}"


def _version_error(module: ModuleType, path: str, added_in: str | None) -> KerasVersionError:
    installed = _installed_version(module)
    who = _calling_wrapper()
    head = f"{who} needs {path}" if who else f"This call needs {path}"
    if added_in is None:
        message = f"{head}, which is missing from the installed Keras release ({installed})."
    elif installed == "unknown" or _version_key(installed) < _version_key(added_in):
        message = (
            f"{head}, added in Keras {added_in}; the installed Keras is {installed}. "
            f"Upgrade with: pip install 'keras>={added_in}'"
        )
    else:
        message = (
            f"{head}, added in Keras {added_in}, but the installed Keras {installed} does not "
            "provide it (it may have been removed or renamed since)."
        )
    return KerasVersionError(message, path=path, added_in=added_in, installed=installed)


def _parameter_error(wrapper: str, path: str, parameter: str, added_in: str) -> KerasVersionError:
    installed = _installed_version(keras())
    message = (
        f"keras3.{wrapper}: parameter {parameter!r} of {path} was added in Keras {added_in}; "
        f"the installed Keras is {installed}. Leave it out, or upgrade with: "
        f"pip install 'keras>={added_in}'"
    )
    return KerasVersionError(
        message, path=path, added_in=added_in, installed=installed, parameter=parameter
    )


def _older_than(release: str) -> bool:
    """Whether the installed Keras is older than ``release`` (release numbers compared)."""
    return _version_key(_installed_version(keras())) < _version_key(release)


# --------------------------------------------------------------------------------------
# Published names kept after upstream moved on
# --------------------------------------------------------------------------------------


def deprecated(name: str, message: str) -> None:
    """Warn that the keras3 wrapper ``name`` is deprecated, at the caller's line.

    A wrapper name, once published, keeps working when upstream renames its symbol or makes
    it an alias of another (``keras.ops.amax`` of ``keras.ops.max``); it delegates to the new
    target and says which wrapper to use instead.
    """
    # stacklevel 3: past this function and the wrapper, to the line that called the wrapper.
    warnings.warn(f"{name} is deprecated: {message}", DeprecationWarning, stacklevel=3)


def removed(name: str, path: str, added_in: str, removed_in: str) -> None:
    """Guard a keras3 wrapper whose upstream symbol a Keras release removed.

    On a Keras that still has ``path`` the wrapper works and warns (``DeprecationWarning``);
    on one that does not, this raises :class:`KerasVersionError` naming the release that
    removed it.
    """
    try:
        upstream(path, added_in)
    except KerasVersionError as error:
        installed = error.installed
        if installed == "unknown" or _version_key(installed) >= _version_key(removed_in):
            raise KerasVersionError(
                f"keras3.{name} needs {path}, which Keras {removed_in} removed; the installed "
                f"Keras is {installed}. It works with: pip install 'keras>={added_in},<{removed_in}'",
                path=path, added_in=added_in, installed=installed,
            ) from None
        raise
    warnings.warn(
        f"{name} is deprecated: {path} was removed in Keras {removed_in}",
        DeprecationWarning, stacklevel=3,
    )


# --------------------------------------------------------------------------------------
# Uncalled wrappers saved as the upstream function they stand for
# --------------------------------------------------------------------------------------


def saved_as(function: Callable[..., Any], path: str) -> None:
    """Make Keras save ``function`` (a wrapper passed uncalled) as its upstream function ``path``.

    ``model.compile(loss=loss_binary_crossentropy)`` hands Keras the wrapper itself, and a
    ``.keras`` file must name the upstream function, which loads without keras3. Keras names a
    plain function by its own attributes, and each release reads different ones:

    * up to 3.15, ``__name__`` alone (``"binary_crossentropy"``), looked up on loading in
      keras.losses, keras.metrics, keras.activations, ...;
    * from 3.16, ``__module__`` + ``__name__``, looked up among Keras's registered public paths,
      which hold only the canonical one (``keras.metrics.binary_crossentropy``, the first path
      of its ``keras_export``: ``keras.losses.binary_crossentropy`` would not load).

    So the wrapper carries the canonical path as ``__module__`` + ``__name__``: Keras writes the
    very config it writes for its own function, and loads the upstream function back. Its
    ``__qualname__`` stays its own, so repr and tracebacks still name the keras3 wrapper. (Pickle
    reads ``__module__`` + ``__qualname__``, finds no such object and refuses the bare function;
    a model pickles through Keras's own saving, which takes the path above.)
    """
    module, _, name = path.rpartition(".")
    if not module.startswith("keras.") or not name:
        raise ValueError(f"saved_as() takes a public Keras path such as 'keras.losses.hinge', got {path!r}")
    function.__module__ = module
    function.__name__ = name


# --------------------------------------------------------------------------------------
# Backend selection
# --------------------------------------------------------------------------------------


def _keras_supports(backend_name: str) -> bool:
    """Whether the installed Keras ships ``keras/src/backend/<name>``, without importing it."""
    module = _modules.get("keras")
    locations: Iterable[str] | None = None
    if module is not None:
        locations = getattr(module, "__path__", None)
    if locations is None:
        try:
            spec = importlib.util.find_spec("keras")
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            return False
        locations = spec.submodule_search_locations
    if locations is None:
        return False
    return any(
        (Path(location) / "src" / "backend" / backend_name / "__init__.py").is_file()
        for location in locations
    )


def valid_backends() -> tuple[str, ...]:
    """The backend names :func:`use_backend` accepts with the installed Keras."""
    return BACKENDS + tuple(name for name in OPTIONAL_BACKENDS if _keras_supports(name))


def _module_available(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _check_backend_installed(name: str) -> None:
    for module_name, install in _BACKEND_REQUIREMENTS.get(name, ()):
        if not _module_available(module_name):
            raise ModuleNotFoundError(
                f"The {name!r} Keras backend needs the {module_name!r} package, which is "
                f"not installed. Install it with: {install}",
                name=module_name,
            )


def backend() -> str:
    """The name of the active Keras backend (imports Keras if it is not imported yet)."""
    name: Any = keras().config.backend()
    return str(name)


def use_backend(name: str) -> None:
    """Select the Keras backend, before or after Keras has been imported.

    Before Keras is imported this sets ``KERAS_BACKEND`` and imports Keras. Afterwards it
    calls ``keras.config.set_backend(name)``, which reloads Keras in-process: every Keras
    object created earlier (layers, models, tensors) is unusable afterwards, and so is any
    reference to the old ``keras`` module. :func:`keras` and :func:`upstream` follow the
    switch. Selecting the backend that is already active does nothing.

    Raises:
        ValueError: ``name`` is not a backend the installed Keras supports.
        ModuleNotFoundError: the backend's package is not installed (the message names the
            pip requirement to install).
    """
    valid = valid_backends()
    if name not in valid:
        raise ValueError(
            f"Unknown Keras backend {name!r}. Valid backends: {', '.join(map(repr, valid))}."
        )
    _check_backend_installed(name)
    with _lock:
        previous_env = os.environ.get("KERAS_BACKEND")
        current = _loaded_keras()  # waits for an import under way in another thread
        try:
            if current is None:
                os.environ["KERAS_BACKEND"] = name
                module = _import_keras()
            elif str(current.config.backend()) == name:
                os.environ["KERAS_BACKEND"] = name
                return
            else:
                _set_backend(current, name)
                _unbind_all()
                module = keras()
        except BaseException:
            # Leave the environment as it was so a later import picks the old backend.
            if previous_env is None:
                os.environ.pop("KERAS_BACKEND", None)
            else:
                os.environ["KERAS_BACKEND"] = previous_env
            raise
        active = str(module.config.backend())
        if active != name:
            raise RuntimeError(
                f"Asked Keras for the {name!r} backend but it is running {active!r}."
            )


def _set_backend(current: ModuleType, name: str) -> None:
    """``keras.config.set_backend(name)``, keeping keras3's own modules loaded.

    ``set_backend`` deletes every ``sys.modules`` key that *starts with* ``"keras"``, which
    includes ``keras3`` and ``keras3._runtime``. Left alone, the next ``import keras3``
    would load a second copy of this package (fresh caches, a different
    ``KerasVersionError`` class). The entries are put back once the reload is done.
    """
    ours = {
        key: module
        for key, module in _modules.items()
        if key == "keras3" or key.startswith("keras3.")
    }
    try:
        current.config.set_backend(name)
    finally:
        for key, module in ours.items():
            _modules.setdefault(key, module)


# --------------------------------------------------------------------------------------
# Composition helpers used by the generated wrappers
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# Bound targets: the hot path of function wrappers
# --------------------------------------------------------------------------------------

# (module namespace, global name, unbound stub) of every bound target, for _unbind_all().
_BINDINGS: list[tuple[dict[str, Any], str, Callable[..., Any]]] = []


def bind(
    namespace: dict[str, Any],
    name: str,
    path: str,
    added_in: str | None = None,
    since: str | None = None,
    newer: Mapping[str, str] | None = None,
    positional: tuple[str, ...] = (),
) -> Callable[..., Any]:
    """A module-level target for a wrapper, resolved on its first call.

    A generated `op_add` does `return _op_add(x1, x2)`: a global lookup and a call, nothing
    more (the 1% overhead budget of a 4 µs op is ~40 ns). `_op_add` starts as this stub, which
    resolves `keras.ops.add` through `upstream()` (raising KerasVersionError when the installed
    Keras lacks it) and rebinds the global to the real function. `use_backend()` puts the stubs
    back, so every wrapper follows the new backend; so does a direct `keras.config.set_backend()`
    (seen by `_KerasImportWatch` when it imports Keras again).

    `since` is the release from which upstream's signature is the one the wrapper was generated
    for (None: unchanged since the symbol was added). On an older Keras the global is bound to
    an adapter instead (:func:`_adapter`): it hands on only the arguments the caller gave, by
    keyword, and raises KerasVersionError for a given parameter that `newer` (parameter ->
    release that added it) says the installed Keras lacks. `positional` names the arguments the
    wrapper passes by position, in order. On the Keras the wrapper was generated for the
    raw target is bound: the fast path costs nothing.
    """

    def resolve_and_call(*args: Any, **kwargs: Any) -> Any:
        target = upstream(path, added_in)
        if since is not None and _older_than(since):
            target = _adapter(target, namespace, name, path, newer or {}, positional)
        namespace[name] = target
        return target(*args, **kwargs)

    resolve_and_call.__name__ = name
    with _lock:
        _BINDINGS.append((namespace, name, resolve_and_call))
    return resolve_and_call


def _is_default(value: Any, default: Any) -> bool:
    """Whether ``value`` is the wrapper's default (an array never is: it cannot be compared)."""
    if value is default:
        return True
    if default is _MISSING or type(value) is not type(default):
        return False
    try:
        return bool(value == default)
    except Exception:  # noqa: BLE001 - e.g. an array's ambiguous truth value
        return False


def _adapter(
    target: Any,
    namespace: Mapping[str, Any],
    name: str,
    path: str,
    newer: Mapping[str, str],
    positional: tuple[str, ...],
) -> Callable[..., Any]:
    """``target`` called the way an older Keras takes it: only what the caller gave, by keyword.

    The wrapper (``namespace[name]`` without the leading underscore) gives the defaults: an
    argument equal to its default is left out, so the installed release's own default applies
    and a parameter it does not know is never handed on. Positional-only arguments, and every
    named argument when extra positional ones (``*args``) follow, keep their places.
    """
    wrapper_name = name.lstrip("_")
    parameters = inspect.signature(namespace[wrapper_name]).parameters.values()
    defaults = {p.name: p.default for p in parameters if p.default is not p.empty}
    fixed = {p.name for p in parameters if p.kind is p.POSITIONAL_ONLY}
    missing = {parameter: release for parameter, release in newer.items() if _older_than(release)}
    needed = _required_by(target)

    def adapted(*args: Any, **kwargs: Any) -> Any:
        given = dict(zip(positional, args))
        given.update(kwargs)
        extra = args[len(positional) :]
        lead: list[Any] = []
        handed: dict[str, Any] = {}
        for parameter, value in given.items():
            default = defaults.get(parameter, _MISSING)
            unchanged = _is_default(value, default)
            if parameter in missing and not unchanged:
                raise _parameter_error(wrapper_name, path, parameter, missing[parameter])
            if parameter in fixed or (extra and parameter in positional):
                lead.append(value)
            elif (not unchanged or parameter in needed) and parameter not in missing:
                handed[parameter] = value
        return target(*lead, *extra, **handed)

    adapted.__name__ = name
    return adapted


def _required_by(target: Any) -> frozenset[str]:
    """Parameters the installed ``target`` requires (an older release may require one that has a
    default now, e.g. ``conv_transpose``'s ``strides``): the wrapper's default is handed on."""
    try:
        parameters = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return frozenset()
    return frozenset(
        p.name for p in parameters if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    )


def call_member(
    namespace: Mapping[str, Any],
    name: str,
    target: Any,
    path: str,
    since: str,
    newer: Mapping[str, str],
    positional: tuple[str, ...],
    /,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """A method wrapper's call (a model verb such as ``fit``, a ``FeatureSpace`` class method).

    The method belongs to the object the caller gives, so nothing is bound ahead: on a Keras at
    least as new as ``since`` the arguments go on as they are; on an older one through
    :func:`_adapter`, as for :func:`bind` (``name`` is the wrapper's, with a leading underscore).
    """
    if not _older_than(since):
        return target(*args, **kwargs)
    return _adapter(target, namespace, name, path, newer, positional)(*args, **kwargs)


# --------------------------------------------------------------------------------------
# Errors at the binding's edge
# --------------------------------------------------------------------------------------

_REPR_LIMIT: Final = 80


def argument_error(name: str, error: Exception, arguments: Mapping[str, Any], namespace: Mapping[str, Any]) -> None:
    """Raise ``error`` again with the wrapper's argument at fault in front, chained to it.

    A generated wrapper calls this in ``except (TypeError, ValueError)`` around its call into
    Keras (the try costs nothing on the hot path; only a failing call pays), giving its name, its
    own ``locals()`` and its module's ``globals()`` (the wrapper is looked up there by name: a
    parameter may carry the wrapper's own name, as ``optimizer_map``'s does). The argument at fault is the one Keras's message names (``units=3``), else the
    string it quotes, else the one given as None where the wrapper's annotation does not admit
    None, else every argument given. The new error is of ``error``'s own class (``except ValueError`` keeps working) and
    reads ``keras3.layer_dense(units='3' of type str): <Keras's message>``. Returns, so that the
    wrapper re-raises ``error`` unchanged, when the error already names a keras3 wrapper (one
    wrapper calling another) or no argument was given.
    """
    message = str(error)
    if message.startswith("keras3."):
        return
    wrapper = namespace[name]
    try:
        parameters = inspect.signature(wrapper).parameters.values()
    except (TypeError, ValueError):
        return
    given = {
        p.name: arguments[p.name]
        for p in parameters
        if p.name in arguments and p.name != "object" and not _is_default(arguments[p.name], p.default)
        and arguments[p.name] is not _MISSING
    }
    if not given:
        return
    hints = getattr(wrapper, "__annotations__", {})
    named = [name for name in given if re.search(rf"(?<![\w.]){re.escape(name)}\b", message)]
    quoted = [n for n, v in given.items() if isinstance(v, str) and repr(v) in message]
    refused_none = [n for n, v in given.items() if v is None and not _admits_none(hints.get(n))]
    culprits = named[:1] or quoted[:1] or refused_none[:1] or list(given)
    shown = ", ".join(f"{name}={_short_repr(given[name])} of type {type(given[name]).__name__}" for name in culprits)
    edge = f"keras3.{name}({shown}): {message}"
    raise _same_class(error, edge) from error


def _short_repr(value: Any) -> str:
    text = " ".join(repr(value).split())  # one line: an array's repr spans several
    return text if len(text) <= _REPR_LIMIT else f"<{_describe(value)}>"


def _admits_none(annotation: Any) -> bool:
    """Whether a wrapper's annotation (a string: the modules use postponed annotations) admits
    None, its type aliases (``keras3.types``) followed."""
    if not isinstance(annotation, str):
        return True  # unknown: never blame on a guess
    from keras3 import types as aliases

    seen: set[str] = set()
    text = annotation
    while True:
        names = set(re.findall(r"[A-Za-z_]\w*", text)) - seen
        expansions = [v for n in names if isinstance(v := getattr(aliases, n, None), str)]
        seen |= names
        if not expansions:
            break
        text = " | ".join([text, *expansions])
    return re.search(r"\b(None|Any|object|MISSING)\b", text) is not None


def _same_class(error: Exception, message: str) -> Exception:
    """``error``'s class with ``message``, or its builtin base where that class takes other
    arguments (numpy's ``UFuncTypeError``)."""
    try:
        new = type(error)(message)
    except Exception:  # noqa: BLE001 - a constructor with its own arguments
        new = None
    if new is None or str(new) != message:
        new = (TypeError if isinstance(error, TypeError) else ValueError)(message)
    return new


def missing_argument(wrapper: str, parameter: str) -> TypeError:
    """The error of a wrapper called without a required argument (one that follows `object`)."""
    return TypeError(f"keras3.{wrapper}() missing required argument: {parameter!r}")


def _unbind_all() -> None:
    # No lock: it also runs inside an import of keras (_KerasImportWatch), which may hold the
    # import lock another thread waits for while it holds _lock. tuple() copies atomically.
    for namespace, name, stub in tuple(_BINDINGS):
        namespace[name] = stub


class _KerasImportWatch:
    """A meta path finder that finds nothing and only watches for ``keras`` being imported.

    ``keras.config.set_backend()`` called directly (not through :func:`use_backend`) deletes
    ``keras`` from :data:`sys.modules` and imports it again; without this, function
    wrappers already bound would keep calling the old backend's functions. Seeing that import,
    the watch puts every bound target back to its stub, so the next call resolves on the new
    ``keras`` module, as after :func:`use_backend`. (Wrappers going through :func:`upstream`
    follow by themselves: its cache is keyed by the ``keras`` module's identity.) Costs one
    string comparison per first import of a module, nothing per wrapper call.
    """

    @staticmethod
    def find_spec(fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname == "keras":  # found by the ordinary finders: this one only watches
            _unbind_all()


if not any(isinstance(finder, _KerasImportWatch) for finder in sys.meta_path):
    sys.meta_path.insert(0, _KerasImportWatch())


_F = TypeVar("_F", bound=Callable[..., Any])


def override(*, upstream: str, tethered_to: str) -> Callable[[_F], _F]:
    """Mark a hand-written wrapper in keras3/overrides.py.

    Changes nothing at run time; the generator reads the decorator's arguments (with libcst) to
    re-export the function instead of generating it, and the drift check compares `tethered_to`
    with the upstream symbol's current record hash.
    """

    def mark(function: _F) -> _F:
        return function

    return mark


def compose_layer(
    object: Any,
    layer: Any,
    call: Mapping[str, Any] | None = None,
    inputs: tuple[str, ...] = (),
    required: int = 0,
    newer: Mapping[str, str] | None = None,
) -> Any:
    """The {keras3} composition rule for layer wrappers (``layer_dense(object, ...)``).

    * ``object`` is ``None``: return ``layer`` itself (a configured, unbuilt layer).
    * ``object`` is a ``keras.Sequential`` model: ``object.add(layer)``, return the model.
    * otherwise: return ``layer(object, **call)``, calling the layer on a tensor, a
      ``KerasTensor`` or a list of tensors.

    A layer whose call takes several input tensors as separate arguments (``inputs``, e.g.
    ``("query", "value", "key")`` of which the first ``required`` must be given) takes them from
    ``object`` as a list, and is called as ``layer(query, value, **call)``.

    Args:
        call: the call arguments the caller gave (``training``, ``mask``, ``use_causal_mask``,
            ...): they need a tensor to call the layer on.
        newer: call parameter -> the release that added it; a given one the installed Keras
            lacks raises KerasVersionError.

    Raises:
        TypeError: call arguments without a tensor; ``object`` is a Sequential model built
            before a backend switch, or is not the list of inputs a multi-input layer takes.
    """
    if call and (object is None or _is_sequential(object)):
        names = ", ".join(map(repr, call))
        given = "None" if object is None else "a Sequential model"
        raise TypeError(
            f"{_calling_wrapper() or 'keras3'}: call argument(s) {names} go to the layer's "
            f"call, which needs a tensor as `object`; `object` is {given}. Call the layer "
            f"yourself instead: layer(x, {next(iter(call))}=...)"
        )
    if object is None:
        return layer
    module = keras()
    if isinstance(object, module.Sequential):
        object.add(layer)
        return object
    if _is_stale_sequential(object):
        raise TypeError(
            "This Sequential model was created before the Keras backend was switched and "
            "cannot be used any more; build it again after use_backend()."
        )
    if newer and call:
        for parameter in call:
            release = newer.get(parameter)
            if release is not None and _older_than(release):
                wrapper = (_calling_wrapper() or "keras3.layer").removeprefix("keras3.")
                path = f"keras.layers.{type(layer).__name__}.call"
                raise _parameter_error(wrapper, path, parameter, release)
    tensors = split_inputs(object, inputs, required) if inputs else [object]
    return layer(*tensors, **call) if call else layer(*tensors)


def _is_sequential(obj: Any) -> bool:
    module = _modules.get("keras")
    return (module is not None and isinstance(obj, module.Sequential)) or _is_stale_sequential(obj)


def _describe(value: Any) -> str:
    shape = getattr(value, "shape", None)
    kind = type(value).__name__
    return f"{kind} of shape {tuple(shape)}" if shape is not None else kind


def split_inputs(object: Any, inputs: tuple[str, ...], required: int) -> list[Any]:
    """The input tensors of a multi-input layer, from the list its wrapper was given.

    Checked here, at the binding's edge: unpacked by Keras, a single tensor fails deep inside
    ("Iterating over a symbolic KerasTensor is not supported"), and a NumPy array is split along
    its batch axis into query and value.

    Raises:
        TypeError: ``object`` is not a list or tuple of ``required`` to ``len(inputs)`` items; the
            message names the wrapper and the forms it takes (``[query, value]`` or
            ``[query, value, key]``).
    """
    items: list[Any] | None = list(cast("Sequence[Any]", object)) if isinstance(object, (list, tuple)) else None
    if items is not None and required <= len(items) <= len(inputs):
        return items
    forms = " or ".join(f"[{', '.join(inputs[:n])}]" for n in range(required, len(inputs) + 1))
    if items is not None:
        count = len(items)
        kind = "list" if isinstance(object, list) else "tuple"
        got = f"a {kind} of {count} item{'' if count == 1 else 's'}"
    else:
        got = _describe(object)
    who = _calling_wrapper() or "This layer"
    raise TypeError(f"{who} takes its inputs as a list, {forms}; got {got}.")


def _is_stale_sequential(obj: Any) -> bool:
    return any(
        cls.__name__ == "Sequential" and cls.__module__.startswith("keras.")
        for cls in type(obj).__mro__
    )


def supplied(*arguments: tuple[str, Any, Any]) -> dict[str, Any]:
    """The `(name, value, default)` arguments whose value differs from the default.

    Handing on a value equal to upstream's default changes nothing, so wrappers leave it out:
    a Keras whose own default differs keeps its own, and one that lacks the parameter never
    sees it. A value that cannot be compared with its default (an array) counts as given. A
    parameter whose default is ``MISSING`` counts as given whenever the caller passed it.
    """
    return {name: value for name, value, default in arguments if not _is_default(value, default)}


def call_or_instance(
    cls_path: str,
    fn_path: str | None,
    y_true: Any,
    y_pred: Any,
    kwargs: Mapping[str, Any],
    newer: Mapping[str, str] | None = None,
) -> Any:
    """Losses and metrics that Keras offers both as a class and as a function.

    ``loss_mean_squared_error()`` returns a configured loss object, while
    ``loss_mean_squared_error(y_true, y_pred)`` computes the loss right away. One rule decides
    the form, and it never looks at whether a value equals a default:

    * neither ``y_true`` nor ``y_pred``: ``Class(**kwargs)``, the configured object.
    * both, and the function form takes every given argument: ``function(y_true, y_pred,
      **kwargs)``, as Keras's function computes it (losses and most metrics: one value per
      sample).
    * both, and no function form, or an argument only the class takes was given
      (``reduction``, ``name``, ``dtype``: the generated wrappers default them to ``MISSING``
      so that giving one, whatever its value, counts): ``Class(**kwargs)(y_true, y_pred)``
      (a loss reduced by its ``reduction``, a scalar by default; a metric's result after one
      update).

    Args:
        cls_path: public path of the class, e.g. ``"keras.losses.MeanSquaredError"``.
        fn_path: public path of the function form, e.g.
            ``"keras.losses.mean_squared_error"``, or ``None`` when there is none.
        y_true, y_pred: the targets and predictions, or both ``None``.
        kwargs: the keyword arguments the caller gave (see :func:`supplied`).
        newer: parameter -> the release that added it to the class; a given one the
            installed Keras lacks raises KerasVersionError.

    Raises:
        TypeError: only one of ``y_true`` and ``y_pred`` was given.
        KerasVersionError: a given parameter is newer than the installed Keras.
    """
    if newer and kwargs:
        for parameter in kwargs:
            release = newer.get(parameter)
            if release is not None and _older_than(release):
                wrapper = (_calling_wrapper() or "keras3.loss").removeprefix("keras3.")
                raise _parameter_error(wrapper, cls_path, parameter, release)
    if y_true is None and y_pred is None:
        return upstream(cls_path)(**kwargs)
    if y_true is None or y_pred is None:
        missing = "y_true" if y_true is None else "y_pred"
        raise TypeError(
            f"Give both y_true and y_pred to compute the value, or neither to get a "
            f"configured {cls_path.rsplit('.', 1)[-1]} object; {missing} is missing."
        )
    if fn_path is not None:
        function = upstream(fn_path)
        if _accepts_all(fn_path, function, kwargs):
            return function(y_true, y_pred, **kwargs)
    return upstream(cls_path)(**kwargs)(y_true, y_pred)


def _accepts_all(fn_path: str, function: Any, kwargs: Mapping[str, Any]) -> bool:
    if not kwargs:
        return True
    _, _, accepted = _current_caches()
    if fn_path in accepted:
        names = accepted[fn_path]
    else:
        names = accepted[fn_path] = _keyword_names(function)
    return names is None or all(key in names for key in kwargs)


def _keyword_names(function: Any) -> frozenset[str] | None:
    """Keyword names ``function`` accepts after (y_true, y_pred); None if it takes **kwargs."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return frozenset()
    names: set[str] = set()
    for position, parameter in enumerate(signature.parameters.values()):
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            return None
        if parameter.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.VAR_POSITIONAL):
            continue
        if position < 2:
            continue  # y_true, y_pred
        names.add(parameter.name)
    return frozenset(names)
