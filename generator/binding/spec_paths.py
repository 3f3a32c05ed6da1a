"""Every upstream path the spec names must exist: a typo would otherwise be silently ignored.

`[skip]`, `[bases]` and `[member_wrappers]` are checked against the snapshot being built
(`wrappers._check_spec_names`); the names checked here may rightly be absent from one release and
present in another (a rename for a symbol added in 3.12 is read for 3.10 too), so each must exist
in the snapshot being built or in some stored release: a typo exists in none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from generator.binding.docstrings.model import DocPatch
from generator.binding.docstrings.patches import DOCS_SPEC
from generator.binding.naming import NamingSpec
from generator.binding.spec import BindingSpec, SpecError


def modules_of(paths: Iterable[str]) -> set[str]:
    """Every module path above a public path: keras.ops.image.resize -> keras.ops.image, keras.ops, keras."""
    found: set[str] = set()
    for path in paths:
        parts = path.split(".")
        found.update(".".join(parts[:cut]) for cut in range(1, len(parts)))
    return found


def check_spec_paths(known: Iterable[str], spec: BindingSpec, naming: NamingSpec,
                     patches: Mapping[str, DocPatch], docs_file: Path = DOCS_SPEC) -> None:
    """Raise SpecError naming the file, the entry and the field of the first unknown path."""
    paths = set(known)
    modules = modules_of(paths)
    for number, family in enumerate(spec.families, start=1):
        for module in family.upstream:
            if module not in modules:
                raise SpecError(f"{spec.source}: family {number} ({family.module}): field 'upstream' names "
                                f"{module!r}, a module no stored Keras release has")
    for path in naming.renames:
        if path not in paths:
            raise SpecError(f"{naming.source}: [renames] {path!r}: no stored Keras release has this path")
    named_modules = [("[prefixes]", m) for m in naming.prefixes] + [("[qualify]", m) for m in naming.qualify]
    named_modules += [(f"group {n}: module", g.module) for n, g in enumerate(naming.groups, start=1)]
    named_modules += [("keep_case", m) for m in sorted(naming.keep_case)]
    named_modules += [("class_function_pairs", m) for m in sorted(naming.class_function_pairs)]
    for entry, module in named_modules:
        if module.removesuffix(".*") not in modules:
            raise SpecError(f"{naming.source}: {entry} {module!r}: no stored Keras release has this module")
    for path in patches:
        if path not in paths and path.rsplit(".", 1)[0] not in paths:
            raise SpecError(f"{docs_file}: [doc_patches.{path!r}]: no stored Keras release has this path "
                            "(or, for a member, its class)")
