"""Stage 6: render the binding model into the `keras3` package, through jinja2 and ruff.

`emit()` is pure: binding in, {relative path: text} out, byte-identical on every run. `write_package()`
puts the result in place without ever leaving a half-written package: the new tree is built beside
the old one and swapped in with renames; hand-written files are carried over untouched.
"""

from __future__ import annotations

import builtins
import ctypes
import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import jinja2

from generator.binding.model import Binding, Wrapper, WrapperParam
from generator.binding.spec import BindingSpec
from generator.binding.typing_rules import TYPES_MODULE_NAMES, TYPING_NAMES, used_names
from generator.render.writephase import check_package, recover_folder, staging_folder, swap_in
from generator.settings import PACKAGE, TEMPLATES


def _docstring_text(text: str) -> str:
    # Upstream summaries may hold backslashes or triple quotes; neither may end our docstring.
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').rstrip('"').rstrip()


_COMPOSITION = ("What the layer is composed with: None returns the layer; a Sequential model gets "
                "the layer added and is returned; a tensor (or a list of tensors) is passed through the "
                "layer and the output returned.")
_SHAPE_RETURNS = {
    "layer": "The layer when `object` is None; the model when `object` is a Sequential model; "
             "otherwise the layer's output.",
}
_OWN_ARGS = {"y_true": "Ground truth values; with `y_pred`, the value is computed.",
             "y_pred": "Predicted values; with `y_true`, the value is computed."}
_CALL_ARG = "Goes to the layer's call (needs a tensor `object`)."


def _composition(w: Wrapper) -> str:
    if not w.inputs:
        return _COMPOSITION
    forms = " or ".join(f"[{', '.join(w.inputs[:n])}]" for n in range(w.required_inputs, len(w.inputs) + 1))
    return _COMPOSITION.replace("a tensor (or a list of tensors) is passed through the layer",
                                f"a list of tensors, {forms}, is passed to the layer's call")


def dual_returns(w: Wrapper) -> str:
    """Which form computes, and what shape comes back: one rule for every dual wrapper."""
    cls = w.upstream.rsplit(".", 1)[-1]
    configured = f"Without `y_true` and `y_pred`: the configured `{cls}` object."
    called = (f"`{cls}(...)(y_true, y_pred)`: a loss reduced by its `reduction` (a scalar by default), "
              "a metric's result after one update (a scalar)")
    if w.function is None:
        return f"{configured} With both: {called}."
    only = ", ".join(f"`{name}`" for name in w.class_only)
    which = only if len(w.class_only) == 1 else f"any of {only}"
    when = (f" If {which} is given (whatever its value: it configures the object only), the "
            f"configured object computes instead: {called}.") if only else ""
    return (f"{configured} With both: `{w.function}(y_true, y_pred, ...)`, as Keras's function "
            f"computes it (one value per sample for losses and most metrics).{when}")


def _indented(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else "" for line in text.strip("\n").splitlines())


def _receiver(w: Wrapper) -> str:
    """The first argument of a model verb: what its method is called on."""
    kind = w.upstream.rsplit(".", 1)[1]
    return f"The {'model' if kind in ('Model', 'Sequential') else 'layer or model'} whose `{w.member}()` is called."


def own_param_text(w: Wrapper, p: WrapperParam) -> str | None:
    """What keras3 says of a parameter the wrapper adds or routes (a layer's `object` and call
    parameters, a dual's `y_true`/`y_pred`, a model verb's receiver); None for upstream's own."""
    if p.name in {c.name for c in w.call_params}:
        return _CALL_ARG
    if w.shape == "layer" and p.name == "object":
        return _composition(w)
    if w.bound and p.name == "object":
        return _receiver(w)
    return _OWN_ARGS.get(p.name)


def wrapper_docstring(w: Wrapper) -> str:
    """The Google-style docstring of a wrapper: upstream's words, our types, its history."""
    doc = w.doc
    described = {a.name: a.description for a in doc.args}
    parts = [doc.summary or w.summary]
    if doc.description:
        parts.append(doc.description)
    routed = {p.name for p in w.call_params}
    call_described = {a.name: a.description for a in doc.call_args}
    args = []
    for p in with_call(w.params, w.call_params):
        own = own_param_text(w, p)
        if p.name in routed:
            text = f"{own} {call_described.get(p.name, '')}".strip()
        else:
            text = own if (own and p.name == "object") else described.get(p.name) or own or ""
        star = "*" if p.kind == "var_positional" else "**" if p.kind == "var_keyword" else ""
        head = f"{star}{p.name} ({p.annotation})" if not star else f"{star}{p.name}"
        body = text.strip().splitlines() or [""]
        args.append(f"{head}: {body[0]}".rstrip() + ("\n" + _indented("\n".join(body[1:]), 4) if len(body) > 1 else ""))
    if args:
        parts.append("Args:\n" + "\n".join(_indented(a, 4) for a in args))
    returns = dual_returns(w) if w.shape == "dual" else (_SHAPE_RETURNS.get(w.shape) or doc.returns)
    if returns:
        parts.append("Returns:\n" + _indented(returns, 4))
    if doc.raises:
        parts.append("Raises:\n" + "\n".join(_indented(f"{r.name}: {r.description}", 4) for r in doc.raises))
    call_args = "\n".join(f"{a.name}: {a.description}" for a in doc.call_args if a.name not in routed)
    for title, body in (("Call arguments", call_args),
                        ("Input shape", doc.input_shape), ("Output shape", doc.output_shape),
                        ("References", doc.references), ("Notes", doc.notes), *doc.other):
        if body:
            parts.append(f"{title}:\n" + _indented(body, 4))
    if w.examples:
        parts.append("Examples:\n" + "\n\n".join(_indented(e.text, 4) for e in w.examples))
    history = f"Added in Keras {w.added_in}."
    if w.changes:
        history += " Changed in " + "; ".join(f"{release} ({', '.join(kinds)})" for release, kinds in w.changes) + "."
    target = f"{w.upstream}.{w.member}" if w.member else w.upstream
    parts.append(f"{history}\nWraps `{target}`.")
    return _docstring_text("\n\n".join(parts))


def signature_parts(params: Sequence[WrapperParam]) -> list[str]:
    """The parameters of a signature as Python source, `/` and `*` where the kinds need them."""
    parts: list[str] = []
    star = False
    for index, p in enumerate(params):
        if p.kind == "keyword_only" and not star:
            parts.append("*")
            star = True
        if p.kind == "var_positional":
            parts.append(f"*{p.name}: {p.annotation}")
            star = True
        elif p.kind == "var_keyword":
            parts.append(f"**{p.name}: {p.annotation}")
        else:
            default = f" = {p.default}" if p.default is not None else ""
            parts.append(f"{p.name}: {p.annotation}{default}")
        if p.kind == "positional_only" and (index + 1 == len(params) or params[index + 1].kind != "positional_only"):
            parts.append("/")
    return parts


def signature(params: Sequence[WrapperParam]) -> str:
    """A parameter list in Python source (the wrapper's `def` line)."""
    return ", ".join(signature_parts(params))


def _positional(params: Sequence[WrapperParam]) -> list[WrapperParam]:
    """The parameters a wrapper hands on by position: those before the first one it leaves out
    when not given (after a gap, position would put a value in the wrong place)."""
    found: list[WrapperParam] = []
    for p in params:
        if p.forward != "positional" or p.omit_when_missing:
            break
        found.append(p)
    return found


def symbolic_parts(w: Wrapper, annotation: str = "keras.KerasTensor") -> list[str]:
    """The parameters of a function wrapper's symbolic overload: its first required tensor
    parameter typed `keras.KerasTensor` (returning `w.symbolic_returns`); [] when it has none.
    With `annotation="keras.Layer"`, the overload that catches a layer or model passed as that
    tensor (returning `NotATensor`, see keras3/types.py)."""
    if w.symbolic_returns is None:
        return []
    params = list(w.params)
    for index, p in enumerate(params):
        if p.default is None and p.kind not in ("var_positional", "var_keyword") and p.annotation == "TensorLike":
            params[index] = replace(p, annotation=annotation)
            return signature_parts(params)
    return []


def symbolic_signature(w: Wrapper, annotation: str = "keras.KerasTensor") -> str:
    """`symbolic_parts` as a parameter list in Python source; "" when there is no such overload."""
    return ", ".join(symbolic_parts(w, annotation))


def form_parts(w: Wrapper, argument_type: str) -> list[str]:
    """The parameters of one overload of a layer or dual wrapper, its composition argument typed
    `argument_type` (an entry of `Wrapper.overloads`): a layer's constructor parameters follow
    `object`, keyword-only when there is none, with the call's when it is a tensor; a dual's own
    parameters follow `y_true` and `y_pred`."""
    default = " = None" if argument_type == "None" else ""
    if w.shape == "layer":
        ctor = list(w.params[1:])
        params = (keyword_only(ctor) if argument_type == "None" else
                  ctor if argument_type == "keras.Sequential" else with_call(ctor, w.call_params))
        return [f"object: {argument_type}{default}", "/", *signature_parts(params)]
    y_pred = argument_type if argument_type != "keras.KerasTensor" else "TensorLike"
    return [f"y_true: {argument_type}{default}", f"y_pred: {y_pred}{default}", *signature_parts(w.params[2:])]


def form_signature(w: Wrapper, argument_type: str) -> str:
    return ", ".join(form_parts(w, argument_type))


def typed_forms(w: Wrapper) -> list[tuple[list[str], str]]:
    """What a type checker sees of a wrapper: (parameters as source, return type) of each overload,
    in the order the module declares them, or of its one signature. The overload that only
    catches a mistake (a layer passed as a tensor, typed `NotATensor`) is left out."""
    if w.overloads:
        return [(form_parts(w, argument_type), returns) for argument_type, returns in w.overloads]
    symbolic = symbolic_parts(w)
    if symbolic and w.symbolic_returns:
        return [(symbolic, w.symbolic_returns), (signature_parts(w.params), w.returns)]
    return [(signature_parts(w.params), w.returns)]


def call_arguments(params: list[WrapperParam]) -> str:
    """How a wrapper hands its parameters on: as upstream's signature takes them, by position up
    to the first parameter handed on only when given, by keyword after it."""
    positional = _positional(params)
    forms = {"positional": "{0}={0}", "keyword": "{0}={0}", "star": "*{0}", "starstar": "**{0}"}
    parts = [p.name for p in positional]
    parts += [forms[p.forward].format(p.name) for p in params[len(positional):]
              if p.forward in forms and not p.omit_when_missing]
    omitted = [f"{p.name}={p.name}" for p in params if p.omit_when_missing]
    if omitted:
        parts.append(f"**_given({', '.join(omitted)})")
    return ", ".join(parts)


def _newer(params: Sequence[WrapperParam]) -> str:
    return "{" + ", ".join(f'"{p.name}": "{p.added_in}"' for p in params
                           if p.added_in and p.kind not in ("var_positional", "var_keyword")) + "}"


def bind_extras(w: Wrapper) -> str:
    """The arguments of `bind` past the symbol's own: since when the signature stands, which
    parameters are newer than the symbol, which arguments go by position (see `_runtime.bind`)."""
    if w.since is None:
        return ""
    own = list(w.params[1:] if w.shape == "layer" or w.bound else w.params)
    names = "".join(f'"{p.name}", ' for p in _positional(own))
    return f', "{w.since}", {_newer(own)}, ({names})'


def composition_arguments(w: Wrapper) -> str:
    """What `compose_layer` gets past `object` and the layer: the call arguments given, the inputs
    a list `object` is spread over (multi-input layers), the call parameters newer than the layer."""
    parts = []
    if w.call_params:
        parts.append(f"call={supplied_arguments(list(w.call_params), wrap=False)}")
    if w.inputs:
        parts.append(f"inputs={w.inputs}, required={w.required_inputs}")
    newer = _newer(w.call_params)
    if newer != "{}":
        parts.append(f"newer={newer}")
    return "".join(f", {part}" for part in parts)


def keyword_only(params: Sequence[WrapperParam]) -> list[WrapperParam]:
    """The same parameters, those that could go by position made keyword-only."""
    return [replace(p, kind="keyword_only") if p.kind in ("positional_only", "positional_or_keyword") else p
            for p in params]


def with_call(params: Sequence[WrapperParam], call: Sequence[WrapperParam]) -> list[WrapperParam]:
    """A layer's constructor parameters with its call parameters added, keyword-only, before `**kwargs`."""
    plain = [p for p in params if p.kind != "var_keyword"]
    return plain + list(call) + [p for p in params if p.kind == "var_keyword"]


def optional(params: Sequence[WrapperParam]) -> list[WrapperParam]:
    """Required parameters given the default `MISSING`, for an implementation after an optional
    `object` (the overloads keep them required; the body raises when one is missing)."""
    return [replace(p, default="MISSING") if p.default is None and p.kind not in ("var_positional", "var_keyword")
            else p for p in params]


def signature_tail(params: Sequence[WrapperParam]) -> str:
    """`, <parameters>` to follow a first parameter, or nothing."""
    text = signature(params)
    return f", {text}" if text else ""


def supplied_arguments(params: list[WrapperParam], wrap: bool = True) -> str:
    """`supplied(("name", name, <default>), ...)` plus `**kwargs`: what a dual wrapper hands on."""
    triples = [f'("{p.name}", {p.name}, {p.default if p.default is not None else "MISSING"})'
               for p in params if p.kind not in ("var_positional", "var_keyword")]
    star = next((f", **{p.name}" for p in params if p.kind == "var_keyword"), "")
    if not wrap and not star:
        return f"supplied({', '.join(triples)})"
    return f"dict(supplied({', '.join(triples)}){star})"


def environment(templates: Path = TEMPLATES) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        undefined=jinja2.StrictUndefined,  # a misspelt field is an error, not an empty string
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.loopcontrols"],
    )
    env.filters.update({
        "docstring": _docstring_text,
        "wrapper_docstring": wrapper_docstring,
        "signature": signature,
        "call_arguments": call_arguments,
        "symbolic_signature": symbolic_signature,
        "form_signature": form_signature,
        "supplied_arguments": supplied_arguments,
        "python_string": lambda text: json.dumps(text, ensure_ascii=False),  # a valid str literal
        "bind_extras": bind_extras,
        "composition_arguments": composition_arguments,
        "keyword_only": keyword_only,
        "with_call": with_call,
        "optional": optional,
        "signature_tail": signature_tail,
        "newer": _newer,
    })
    return env


class RenderError(ValueError):
    """A template failed; the message names the template (and line, when jinja2 knows it)."""


def emit(binding: Binding, spec: BindingSpec, templates: Path = TEMPLATES) -> dict[str, str]:
    """The unformatted text of every generated file, keyed by path inside the package."""
    try:
        return _emit(binding, spec, templates)
    except jinja2.TemplateError as error:
        raise template_error(error, templates) from None


def template_error(error: jinja2.TemplateError, templates: Path) -> RenderError:
    """A one-line error naming the template file and line (jinja2 puts template lines in the traceback)."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        return RenderError(f"{templates / (error.name or '?')}:{error.lineno}: {error.message}")
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".j2")]
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else str(templates)
    return RenderError(f"{where}: rendering failed: {error.message or error!r}")


def _emit(binding: Binding, spec: BindingSpec, templates: Path) -> dict[str, str]:
    env = environment(templates)
    files: dict[str, str] = {}
    families = []
    shadowing = sorted(w.name for w in binding.wrappers if hasattr(builtins, w.name))
    for family in spec.families:
        wrappers = binding.by_family(family.module)
        if not wrappers:
            continue
        generated = [w for w in wrappers if not w.overridden]
        shapes_used = {w.shape for w in generated}
        needs_given = any(p.omit_when_missing for w in generated if w.shape != "dual" for p in w.params)
        layers = [w for w in generated if w.shape == "layer"]
        runtime_imports = sorted(
            ({"bind", "argument_error"} if shapes_used & {"function", "constructor", "layer"} else set())
            | ({"upstream"} if shapes_used & {"dual"} or any(
                w.shape == "member" and not w.bound for w in generated) else set())
            | ({"compose_layer"} if layers else set())
            | ({"supplied"} if any(w.call_params for w in layers) else set())
            | ({"missing_argument", "MISSING"} if any(_required(w.params[1:]) for w in layers) else set())
            | ({"call_or_instance", "supplied"} if "dual" in shapes_used else set())
            | ({"call_member"} if any(w.shape == "member" and w.since for w in generated) else set())
            | ({"MISSING"} if needs_given or _needs_missing(generated)
               or any(p.default == "MISSING" for w in generated for p in (*w.params, *w.call_params)) else set())
            | ({"deprecated"} if any(w.deprecation and not w.deprecation.removed_in for w in generated) else set())
            | ({"removed"} if any(w.deprecation and w.deprecation.removed_in for w in generated) else set())
            | ({"saved_as"} if any(w.serialized_as for w in generated) else set())
        )
        files[f"{family.module}.py"] = env.get_template("module.py.j2").render(
            binding=binding, family=family.module, upstream=family.upstream, wrappers=wrappers,
            shapes_used=shapes_used, needs_given=needs_given, runtime_imports=runtime_imports,
            needs_overload=any(w.overloads or symbolic_signature(w) for w in generated),
            needs_any=needs_given or bool(shapes_used & {"layer", "dual"}) or _annotations_use_any(generated),
            annotation_imports=annotation_imports(generated), generated=generated,
            overridden=[w.name for w in wrappers if w.overridden], shadowing=shadowing,
        )
        families.append({"module": family.module, "names": [w.name for w in wrappers]})
    files["__init__.py"] = env.get_template("__init__.py.j2").render(
        binding=binding, families=families, bases=binding.bases, shadowing=shadowing)
    return files


def _required(params: Sequence[WrapperParam]) -> list[WrapperParam]:
    return [p for p in params if p.default is None and p.kind not in ("var_positional", "var_keyword")]


def _annotations_use_any(wrappers: list[Wrapper]) -> bool:
    texts = [t for w in wrappers for t in (w.returns, w.symbolic_returns or "", *(p.annotation for p in w.params),
                                          *(part for overload in w.overloads for part in overload))]
    return any("Any" in used_names(text) for text in texts)


def _needs_missing(wrappers: list[Wrapper]) -> bool:
    """A dual wrapper with a required own parameter marks it `MISSING` (always supplied)."""
    return any(w.shape == "dual" and p.default is None and p.forward not in ("none",)
               and p.kind not in ("var_positional", "var_keyword") for w in wrappers for p in w.params)


def annotation_imports(wrappers: list[Wrapper]) -> list[str]:
    """The import lines (under TYPE_CHECKING) that a module's annotations need, and no more."""
    used: set[str] = set()
    for w in wrappers:
        used |= used_names(w.returns)
        for p in (*w.params, *w.call_params):
            used |= used_names(p.annotation)
        for argument, returns in w.overloads:
            used |= used_names(argument) | used_names(returns) | {"keras"}  # the class is keras.…
        if symbolic_signature(w):
            used |= used_names(w.symbolic_returns or "") | {"keras", "NotATensor"}
    lines = []
    by_module: dict[str, list[str]] = {}
    for name in sorted(used & TYPING_NAMES.keys()):
        by_module.setdefault(TYPING_NAMES[name], []).append(name)
    lines += [f"from {module} import {', '.join(names)}" for module, names in sorted(by_module.items())]
    if "keras" in used:
        lines.append("import keras")
    types_used = sorted(used & TYPES_MODULE_NAMES)
    if types_used:
        lines.append(f"from keras3.types import {', '.join(types_used)}")
    return lines


def format_files(files: dict[str, str]) -> dict[str, str]:
    """Format with ruff (fixed options, so the result does not depend on a config file)."""
    with tempfile.TemporaryDirectory(prefix="keras3-format-") as folder:
        root = Path(folder)
        for name, text in files.items():
            (root / name).write_text(text, encoding="utf-8")
        options = ["--line-length", "100", "--target-version", "py311", "--no-cache"]
        result = subprocess.run([sys.executable, "-m", "ruff", "format", *options, "--quiet", str(root)],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RenderError(_unformattable(files, (result.stderr or result.stdout).strip()))
        return {name: (root / name).read_text(encoding="utf-8") for name in sorted(files)}


def _unformattable(files: dict[str, str], ruff_says: str) -> str:
    """Which generated file is not Python, where, and the spec rule or template likely behind it."""
    for name, text in sorted(files.items()):
        try:
            compile(text, name, "exec")
        except SyntaxError as error:
            line = (error.text or "").strip()
            return (f"generated {name}:{error.lineno}: {error.msg}: {line[:160]} (a type in "
                    "generator/spec/types.toml or a template in templates/ made this line)")
    return f"ruff could not format the generated code: {ruff_says or 'it gave no reason'}"


def write_package(files: dict[str, str], spec: BindingSpec, package: Path = PACKAGE) -> None:
    """Replace the package with `files` plus its hand-written files, all or nothing."""
    _recover(package)
    check_package(package, spec.hand_written)  # they are copied, never recreated
    staging = staging_folder(package)
    try:
        for name in spec.hand_written:
            shutil.copy2(package / name, staging / name)
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        staging.chmod(0o755)  # mkdtemp makes 0700; the package is an ordinary folder
        if exchange_directories(staging, package):
            shutil.rmtree(staging)  # now holds the old package
        else:
            swap_in(staging, package)  # a kill between its two renames is undone by _recover
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def exchange_directories(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux renameat2 with RENAME_EXCHANGE).

    Returns False where the kernel, libc or file system does not support it.
    """
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(error, f"cannot swap {a} and {b}: {os.strerror(error)}")


def _recover(package: Path) -> None:
    """Finish or undo a swap that a killed run left between its two renames."""
    recover_folder(package)


def differences(files: dict[str, str], spec: BindingSpec, package: Path = PACKAGE) -> list[str]:
    """Generated files on disk that differ from `files` (or are missing or extra)."""
    on_disk = {p.name for p in package.glob("*.py")} - set(spec.hand_written)
    problems = [f"{name}: missing" for name in sorted(files.keys() - on_disk)]
    problems += [f"{name}: not generated, not listed as hand-written" for name in sorted(on_disk - files.keys())]
    problems += [f"{name}: differs from what regeneration emits"
                 for name in sorted(files.keys() & on_disk)
                 if (package / name).read_text(encoding="utf-8") != files[name]]
    return problems
