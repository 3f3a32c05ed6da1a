"""Render the stub model into the Keras stubs, `generated/keras-stubs/`: a PEP 561 stub-only
distribution (its own pyproject.toml, the package `keras-stubs/` of `.pyi` files and `py.typed`).

`emit_stubs()` is pure: stub model in, {path inside generated/keras-stubs: text} out, byte-identical
on every run. `write_stubs()` swaps the whole folder in, as
`write_package` does for keras3.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from generator.binding.stubs import (
    StubAttribute,
    StubDef,
    StubMember,
    StubModule,
    StubParam,
    StubProperty,
    Stubs,
)
from generator.binding.typing_rules import TYPES_MODULE_NAMES, TYPING_NAMES, used_names
from generator.render.package import signature_parts, template_error
from generator.render.writephase import replace_folder
from generator.settings import GENERATED, TEMPLATES

STUBS = GENERATED / "keras-stubs"
PACKAGE_DIR = "keras-stubs"  # the stub package inside the distribution (PEP 561: `<module>-stubs`)
# PEP 561: "partial\n" says the stubs cover part of the package (the public API, not keras.src),
# so a checker reads Keras's own source for a module the stubs lack.
PY_TYPED = "partial\n"
_TYPING = {"Any": "typing", "overload": "typing", "Literal": "typing", "Self": "typing_extensions",
           "NoReturn": "typing", "MutableMapping": "collections.abc", **TYPING_NAMES}


class StubRenderError(ValueError):
    """A stub module would be wrong (a name clash); the message names the module and name."""


def emit_stubs(stubs: Stubs, templates: Path = TEMPLATES) -> dict[str, str]:
    try:
        return _emit(stubs, templates)
    except jinja2.TemplateError as error:
        raise template_error(error, templates) from None


def _emit(stubs: Stubs, templates: Path) -> dict[str, str]:
    env = _environment(templates)
    files: dict[str, str] = {}
    module_template = env.get_template("stubs/module.pyi.j2")
    packages = []
    for module in stubs.modules:
        folder = "/".join([PACKAGE_DIR, *module.path.split(".")[1:]])
        packages.append(folder.replace("/", "."))
        lines, clashes = imports(module)
        text = module_template.render(module=module, stubs=stubs, imports=lines)
        for name in clashes:  # `keras.utils.Sequence` is a class; annotations mean collections.abc's
            text = re.sub(rf"(?<![\w.]){name}(?=\[)", f"_{name}", text)
        files[f"{folder}/__init__.pyi"] = text
    files[f"{PACKAGE_DIR}/_typing.pyi"] = env.get_template("stubs/_typing.pyi.j2").render(stubs=stubs)
    # Not formatted (ruff would wrap signatures): one signature per line reads well in a diff.
    files[f"{PACKAGE_DIR}/py.typed"] = PY_TYPED
    files["pyproject.toml"] = env.get_template("stubs/pyproject.toml.j2").render(stubs=stubs, packages=packages)
    return dict(sorted(files.items()))


def _environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters.update({"member": member_source, "definition": definition, "local": local})
    return env


# --- text of members -------------------------------------------------------------------------------


def definition(d: StubDef) -> str:
    """A def (or its @overload defs), at column 0."""
    lines: list[str] = []
    for params, returns in d.variants:
        if d.decorator:
            lines.append(f"@{d.decorator}")
        if len(d.variants) > 1:
            lines.append("@overload")
        first = ["cls"] if d.decorator == "classmethod" else (["self"] if d.method else [])
        parts = _with_receiver(first, params)
        lines.append(f"def {d.name}({', '.join(parts)}) -> {returns}: ...")
    return "\n".join(lines)


def _with_receiver(first: list[str], params: tuple[StubParam, ...]) -> list[str]:
    parts = signature_parts(params)  # type: ignore[arg-type]  # StubParam has WrapperParam's fields
    parts = [p.replace(" = MISSING", " = ...") for p in parts]
    return first + parts


def member_source(m: StubMember) -> str:
    if isinstance(m, StubDef):
        return definition(m)
    if isinstance(m, StubProperty):
        text = f"@property\ndef {m.name}(self) -> {m.annotation}: ..."
        if m.settable:
            text += f"\n@{m.name}.setter\ndef {m.name}(self, value: {m.annotation}) -> None: ..."
        return text
    assert isinstance(m, StubAttribute)
    return f"{m.name}: {m.annotation}"


def local(path: str, module: StubModule) -> str:
    """A class path as the module refers to it: its bare name in its own module, else `keras.x.Y`."""
    owner, _, name = path.rpartition(".")
    return name if owner == module.path else path


# --- imports ----------------------------------------------------------------------------------------


def _texts(module: StubModule) -> list[str]:
    texts = [t for _, t in module.class_aliases] + list(module.extras)
    for c in module.classes:
        texts += list(c.bases) + list(c.hand) + [member_source(m) for m in c.members]
    texts += [definition(f) for f in module.functions]
    return texts


def imports(module: StubModule) -> tuple[list[str], list[str]]:
    """The import lines the module's annotations need, and no more (none re-exported); and the
    generic typing names the module itself defines, imported as `_Name` (always subscripted)."""
    used: set[str] = set()
    for text in _texts(module):
        used |= used_names(re.sub(r"def \w+", "", text))
    clashes = sorted(used & set(module.names) & set(TYPING_NAMES))
    clash = sorted(used & set(module.names) & (set(_TYPING) | TYPES_MODULE_NAMES) - set(clashes))
    if clash:
        raise StubRenderError(f"stubs for {module.path}: the module defines {', '.join(clash)}, which its "
                              "annotations use as a typing name")
    lines = []
    by_module: dict[str, list[str]] = {}
    for name in sorted(used & set(_TYPING)):
        by_module.setdefault(_TYPING[name], []).append(f"{name} as _{name}" if name in clashes else name)
    lines += [f"from {source} import {', '.join(names)}" for source, names in sorted(by_module.items())]
    if "keras" in used:
        lines.append("import keras")
    types_used = sorted(used & TYPES_MODULE_NAMES)
    if types_used:
        lines.append(f"from keras._typing import {', '.join(types_used)}")
    return lines, clashes


# --- writing ----------------------------------------------------------------------------------------


def write_stubs(files: dict[str, str], folder: Path = STUBS) -> None:
    """Replace generated/keras-stubs with `files`, all or nothing (built beside it, swapped in)."""
    replace_folder(folder, {name: text.encode("utf-8") for name, text in files.items()})


def stub_differences(files: dict[str, str], folder: Path = STUBS) -> list[str]:
    """Files of generated/keras-stubs that differ from `files` (or are missing or extra)."""
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()
    on_disk = {name for name in on_disk if "/.mypy_cache/" not in f"/{name}" and not name.endswith(".pyc")
               and ".egg-info/" not in name and not name.startswith(("build/", "dist/"))}
    problems = [f"keras-stubs/{name}: missing" for name in sorted(files.keys() - on_disk)]
    problems += [f"keras-stubs/{name}: not generated" for name in sorted(on_disk - files.keys())]
    problems += [f"keras-stubs/{name}: differs from what regeneration emits" for name in sorted(files.keys() & on_disk)
                 if (folder / name).read_text(encoding="utf-8") != files[name]]
    return problems


