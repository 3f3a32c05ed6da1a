"""Stage 7: the documentation site, in two steps with a hard line between them.

1. Sources (pure, committed). `emit_docs(store, version)` turns (snapshot, binding, history,
   templates) into `generated/mkdocs.yml` and the Markdown pages under `generated/docs/`: a home
   page, getting started, the guides (hand-written under `templates/docs/`), a page per family
   listing its wrappers and one page per wrapper (upstream prose naming a wrapped symbol links to
   its page, parameter types to the `keras3.types` page), the subclassing bases, one changelog
   page per stored Keras release and the API-evolution SVG on the changelog's index. The result
   is byte-identical on every run, so it holds no executed output: every block whose output the
   build adds carries a marker instead,

       <!-- keras3:example keras.ops.add 0 -->      (an upstream example, until the closing
       ```python ... ```                            `<!-- /keras3:example -->`: path and index
       <!-- /keras3:example -->                     as `generator.docs.examples.run_all` keys them)

       ```python ... ```                            (a code block of a hand-written page,
       <!-- keras3:output guides/models.md 2 -->    run at build time; its output goes here)

2. Build (impure, an artefact). `build_site()` copies the sources into `.cache/docs-build/`,
   replaces each upstream example with its keras3 translation and real output
   (`generator.docs.examples.run_all`, cached there by code and Keras release), runs the code of the
   hand-written pages (each page in a fresh interpreter on jax, cached by code and release, beside
   the examples), inserts the outputs and runs `mkdocs build --strict` into `site/`, with a rich
   progress bar; it reports each phase's wall time and the CPU time of all its processes. Any
   mkdocs warning fails it.

    python -m generator.docs.site --sources   write generated/docs and generated/mkdocs.yml
    python -m generator.docs.site             build site/ from the committed sources
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2

from generator.binding.model import Binding, Wrapper, WrapperParam
from generator.binding.spec import BindingSpec
from generator.binding.docstrings.markdown import render_chunks, render_entries, render_text
from generator.binding.docstrings.model import RENDER_TITLES, SECTION_TITLES, DocArg, DocPatch, DocPatchError, Example, ParsedDoc
from generator.binding.docstrings.parse import parse_docstring
from generator.binding.docstrings.patches import apply_patches, load_doc_patches
from generator.binding.docstrings.sentences import documented_names, prose_sentences, token_text
from generator.upstream.model import Snapshot, Symbol
from generator.settings import CACHE, GENERATED, REPO_ROOT, SITE_DIR, TEMPLATES, version_key
from generator.render.package import signature_parts
from generator.upstream.store import SnapshotStore

DOCS_TEMPLATES = TEMPLATES / "docs"
BUILD_DIR = CACHE / "docs-build"
CONFIG_NAME = "mkdocs.yml"
DOCS_NAME = "docs"

UPSTREAM_SEARCH = "https://keras.io/search.html?query={}"
EXAMPLE_OPEN = re.compile(r"^<!-- keras3:example (?P<path>\S+) (?P<index>\d+) -->$", re.MULTILINE)
EXAMPLE_BLOCK = re.compile(
    r"^<!-- keras3:example (?P<path>\S+) (?P<index>\d+) -->\n(?P<block>.*?)\n<!-- /keras3:example -->$",
    re.MULTILINE | re.DOTALL)
OUTPUT_MARKER = re.compile(r"^<!-- keras3:output (?P<page>\S+) (?P<index>\d+) -->$", re.MULTILINE)
_FENCE = re.compile(r"^(?P<marker>`{3,})(?P<info>[^`\n]*)\n(?P<code>.*?)\n(?P=marker)[ \t]*$", re.MULTILINE | re.DOTALL)
_PYTHON_LANGUAGES = ("", "python", "py", "python3", "pycon")
_GUIDE_PREFIX = re.compile(r"^\d+-")

FAMILY_TITLES = {
    "ops": "Operations", "random": "Random", "activations": "Activations", "layers": "Layers",
    "losses": "Losses", "metrics": "Metrics", "optimizers": "Optimizers", "callbacks": "Callbacks",
    "initializers": "Initializers", "constraints": "Constraints", "regularizers": "Regularizers",
    "config": "Configuration", "models": "Models and saving", "distribution": "Distribution",
    "applications": "Applications", "utils": "Utilities", "datasets": "Datasets",
}
_SHAPE_RETURNS = {
    "layer": "the layer when `object` is None; the model when `object` is a Sequential model; "
             "otherwise the layer's output.",
    "dual": "the computed value when `y_true` and `y_pred` are given; otherwise the configured object.",
}
_SHAPE_NOTES = {
    "layer": "`object` comes first and decides what you get back: nothing gives the layer; a "
             "Sequential model gets the layer added and is returned; a tensor (or a list of tensors) "
             "is passed through the layer and its output returned. The layer's own arguments are "
             "keyword-only.",
    "dual": "Given `y_true` and `y_pred` it computes the value; without them it returns the "
            "configured object (for `compile()`).",
}


# How a wrapper that covers a class and its function form (`Wrapper.function`) takes the latter.
_FUNCTION_NOTES = {
    "dual": "the same wrapper, given `y_true` and `y_pred`",
    "layer": "the same wrapper, given a list of tensors as `object`",
}


class DocsError(RuntimeError):
    """The docs sources could not be emitted, or the site could not be built; the message says why."""


# ---------------------------------------------------------------------------------------------
# Step 1: sources


def emit_docs(store: SnapshotStore, version: str) -> dict[str, str]:
    """{path relative to generated/: text} of the docs sources for a stored Keras release."""
    return docs_for(store.load(version), store)


def docs_for(snapshot: Snapshot, store: SnapshotStore,
             built: tuple[Binding, BindingSpec] | None = None,
             templates: Path = DOCS_TEMPLATES) -> dict[str, str]:
    """The docs sources for `snapshot`, which need not be stored yet (as in `make regenerate`)."""
    from generator.render.package import template_error

    try:
        return _docs_for(snapshot, store, built, templates)
    except jinja2.TemplateError as error:  # one line naming the template, not a traceback
        raise template_error(error, templates) from None


def _docs_for(snapshot: Snapshot, store: SnapshotStore, built: tuple[Binding, BindingSpec] | None,
              templates: Path) -> dict[str, str]:
    from generator.binding.build import build_for

    binding, spec = built if built is not None else build_for(snapshot, store)
    env = _environment(templates)
    files: dict[str, str] = {}
    version = snapshot.keras_version

    overrides = read_hand_written() if any(w.overridden for w in binding.wrappers) else {}
    links = LinkMap.of(binding, snapshot, type_names(TYPES_FILE))
    families = []
    for family in spec.families:
        wrappers = binding.by_family(family.module)
        if not wrappers:
            continue
        families.append({
            "module": family.module,
            "title": FAMILY_TITLES.get(family.module, family.module.capitalize()),
            "upstream": family.upstream,
            "shape": family.shape,
            "count": len(wrappers),
            "path": f"reference/{family.module}/index.md",
        })
        symbols = [_symbol_view(w, snapshot, overrides, links) for w in wrappers]
        files[f"{DOCS_NAME}/reference/{family.module}/index.md"] = env.get_template("reference/family.md.j2").render(
            family=families[-1], symbols=symbols, version=version, shape_note=_SHAPE_NOTES.get(family.shape, ""))
        for view in symbols:  # one page per wrapper: a link names the wrapper, not a 1 MB page
            files[f"{DOCS_NAME}/reference/{family.module}/{view['name']}.md"] = env.get_template(
                "reference/wrapper.md.j2").render(family=families[-1], s=view, version=version,
                                                  shape_note=_SHAPE_NOTES.get(family.shape, ""))
    files[f"{DOCS_NAME}/reference/types.md"] = env.get_template("reference/types.md.j2").render(
        types=read_types(TYPES_FILE), version=version)
    files[f"{DOCS_NAME}/reference/index.md"] = env.get_template("reference/index.md.j2").render(
        families=families, version=version, binding=binding, total=len(binding.wrappers))
    files[f"{DOCS_NAME}/reference/bases.md"] = env.get_template("reference/bases.md.j2").render(
        bases=[_base_view(name, path, snapshot, load_doc_patches()) for name, path in binding.bases.items()],
        version=version)

    releases = _releases_up_to(store, snapshot)
    changelog = [_changelog_view(store, snapshot, old, new) for old, new in zip([None, *releases], releases)]
    for entry in changelog:
        files[f"{DOCS_NAME}/changelog/{entry['release']}.md"] = entry["text"]
    files[f"{DOCS_NAME}/changelog/{EVOLUTION_SVG}"] = env.get_template(f"changelog/{EVOLUTION_SVG}.j2").render(
        chart=evolution_chart(changelog))
    files[f"{DOCS_NAME}/changelog/index.md"] = env.get_template("changelog/index.md.j2").render(
        releases=list(reversed(changelog)), version=version)

    pages = _hand_written_pages(templates, env, {
        "version": version, "families": families, "total": len(binding.wrappers)})
    files.update({f"{DOCS_NAME}/{path}": text for path, text in pages.items()})
    guides = [{"title": _page_title(text, path), "path": path}
              for path, text in sorted(pages.items(), key=lambda item: _guide_order(templates, item[0]))
              if path.startswith("guides/")]
    files[CONFIG_NAME] = env.get_template("mkdocs.yml.j2").render(
        version=version, families=families, guides=guides,
        releases=[entry["release"] for entry in reversed(changelog)])
    return dict(sorted(files.items()))


def _environment(templates: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters["cell"] = table_cell
    return env


def table_cell(text: str) -> str:
    """Text for one cell of a Markdown table: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


# --- one wrapper ------------------------------------------------------------------------------


def _symbol_view(w: Wrapper, snapshot: Snapshot, overrides: Mapping[str, HandWritten],
                 links: LinkMap | None = None) -> dict[str, Any]:
    links = links or LinkMap({}, frozenset())
    symbol = snapshot.symbols.get(w.upstream)
    hand = overrides.get(w.name) if w.overridden else None
    key = f"{w.upstream}.{w.member}" if w.member else w.upstream
    returns_text = _SHAPE_RETURNS.get(w.shape, "")
    skip_returns = False
    if not returns_text and w.shape == "constructor":
        returns_text = f"a `{w.returns}` instance."
    elif not returns_text and w.doc.returns:
        returns_text, skip_returns = render_text(w.doc.returns), True
    view = {
        "name": w.name,
        "wrapper": w,
        "summary": render_text(w.doc.summary or w.summary),
        "own": "",
        "signature": format_signature(w.name, w.params, w.returns),
        "params": [_param_row(p, symbol, w, links) for p in w.params],
        "returns": w.returns,
        "returns_text": returns_text,
        "doc": links.prose(render_doc(_merged_args(w), key, skip_summary=True, skip_returns=skip_returns),
                           own=w.name),
        "function": w.function if w.function and _has_text(w.function_doc) else None,
        "function_doc": links.prose(render_doc(_function_rest(w), w.function), own=w.name) if w.function else "",
        "function_url": UPSTREAM_SEARCH.format(w.function) if w.function else "",
        "function_note": _FUNCTION_NOTES.get(w.shape, "the same wrapper"),
        "target": key,
        "upstream_url": UPSTREAM_SEARCH.format(key),
        "aliases": [a for a in w.aliases],
        "changes": [{"release": release, "kinds": ", ".join(kinds)} for release, kinds in w.changes],
        "deprecated": symbol.deprecated if symbol is not None else None,
    }
    if hand is not None:  # hand-written: its own signature, and its own words before upstream's
        view.update(signature=_format_parts(w.name, hand.parts, hand.returns), params=list(hand.rows),
                    returns=hand.returns, own=hand.doc,
                    returns_text="" if w.shape in _SHAPE_RETURNS else view["returns_text"])
    return view


def _has_text(doc: ParsedDoc) -> bool:
    return doc != ParsedDoc()


def _merged_args(w: Wrapper) -> ParsedDoc:
    """The wrapper's docstring with the arguments it leaves undocumented added: those its
    function form documents (a dual loss's `y_true`, `ignore_class`), then those another
    upstream docstring documents (`Wrapper.borrowed_args`), each saying where it comes from."""
    have = documented_names(w.doc)
    extra = [DocArg(entry.name, _from(entry.description, w.function or ""))
             for entry in w.function_doc.args if entry.name and not set(_names(entry.name)) <= have]
    have |= {name for entry in extra for name in _names(entry.name)}
    extra += [DocArg(name, _from(text, source)) for name, text, source in w.borrowed_args if name not in have]
    return replace(w.doc, args=w.doc.args + tuple(extra)) if extra else w.doc


def _names(entry_name: str) -> list[str]:
    return [n.strip().lstrip("*") for n in entry_name.split(",") if n.strip()]


def _from(description: str, source: str) -> str:
    return f"{description.rstrip()}\n\n*(As documented for `{source}`.)*"


def _function_rest(w: Wrapper) -> ParsedDoc:
    """The function form's docstring minus the arguments the main Arguments already show with
    the same words (so nothing upstream wrote is lost and nothing is said twice)."""
    shown = {entry.name: " ".join(entry.description.split()) for entry in w.doc.args}
    merged = documented_names(w.doc)
    kept = tuple(entry for entry in w.function_doc.args
                 if not entry.name or (set(_names(entry.name)) <= merged
                                       and shown.get(entry.name) != " ".join(entry.description.split())))
    return replace(w.function_doc, args=kept)


def _param_row(p: WrapperParam, symbol: Symbol | None, w: Wrapper, links: LinkMap) -> dict[str, str]:
    star = "*" if p.kind == "var_positional" else "**" if p.kind == "var_keyword" else ""
    if star:
        default = ""
    elif p.default is None:
        default = "required"
    elif p.omit_when_missing:
        upstream = symbol.signature.parameter(p.name) if symbol and symbol.signature else None
        default = f"upstream's `{upstream.default}`" if upstream and upstream.default else "upstream's"
    else:
        default = f"`{p.default}`"
    if w.shape == "layer" and p.name == "object":
        default = "`None`"
    return {"name": f"`{star}{p.name}`", "type": links.annotation(p.annotation), "default": default}


# --- links: wrappers to wrappers, types to keras3.types ----------------------------------------

TYPES_FILE = GENERATED / "keras3" / "types.py"
_CODE_SPAN = re.compile(r"(?<![`\[])`(?P<path>keras(?:\.\w+)+)(?:\(\))?`(?![`\]])")
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class LinkMap:
    """Where a name points in the site, as a path relative to a wrapper page
    (`reference/<family>/<wrapper>.md`)."""

    paths: Mapping[str, tuple[str, str]]  # public Keras path -> (wrapper or base name, link)
    types: frozenset[str]  # names keras3.types defines

    @classmethod
    def of(cls, binding: Binding, snapshot: Snapshot, types: Iterable[str]) -> LinkMap:
        paths: dict[str, tuple[str, str]] = {}
        for name, path in binding.bases.items():
            for public in (path, *(snapshot.symbols[path].aliases if path in snapshot.symbols else ())):
                paths.setdefault(public, (name, f"../bases.md#{name}"))
        for w in binding.wrappers:
            if w.member:
                continue
            for upstream in filter(None, (w.upstream, w.function)):
                symbol = snapshot.symbols.get(upstream)
                for public in (upstream, *(symbol.aliases if symbol else ())):
                    paths.setdefault(public, (w.name, f"../{w.family}/{w.name}.md"))
        return cls(dict(sorted(paths.items())), frozenset(types))

    def prose(self, markdown: str, own: str = "") -> str:
        """`keras.layers.Dense` in upstream prose (outside code blocks) links to its wrapper's page."""
        def link(match: re.Match[str]) -> str:
            target = self.paths.get(match.group("path"))
            if target is None or target[0] == own:
                return match.group(0)
            return f"[{match.group(0)}]({target[1]})"

        out: list[str] = []
        position = 0
        for fence in _FENCE.finditer(markdown):
            out.append(_CODE_SPAN.sub(link, markdown[position:fence.start()]))
            out.append(fence.group(0))
            position = fence.end()
        out.append(_CODE_SPAN.sub(link, markdown[position:]))
        return "".join(out)

    def annotation(self, annotation: str) -> str:
        """A parameter's type for the table: names of keras3.types link to their entry, the rest
        stays code (`[`ActivationLike`](../types.md#ActivationLike)` | None``)."""
        out: list[str] = []
        rest = 0
        for match in _IDENTIFIER.finditer(annotation):
            name = match.group(0)
            if name not in self.types:
                continue
            between = annotation[rest:match.start()]
            if between.strip():
                out.append(f"`{between.strip()}`")
            out.append(f"[`{name}`](../types.md#{name})")
            rest = match.end()
        tail = annotation[rest:]
        if tail.strip():
            out.append(f"`{tail.strip()}`")
        return " ".join(out)


def type_names(file: Path) -> list[str]:
    return [entry["name"] for entry in read_types(file)]


def read_types(file: Path) -> list[dict[str, str]]:
    """The public names of keras3.types (`__all__`) with their definition and the `#:` comment or
    docstring that explains them, read from the source (never imported)."""
    import ast

    if not file.exists():
        return []
    source = file.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    public: list[str] = []
    found: dict[str, dict[str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            public = [ast.literal_eval(e) for e in node.value.elts]  # type: ignore[attr-defined]
            continue
        name = (node.target.id if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                else node.name if isinstance(node, ast.ClassDef) else None)
        if name is None:
            continue
        comment: list[str] = []
        number = node.lineno - 2
        while number >= 0 and lines[number].startswith("#:"):
            comment.insert(0, lines[number][2:].strip())
            number -= 1
        if isinstance(node, ast.ClassDef):
            definition = f"class {name}(" + ", ".join(ast.unparse(b) for b in node.bases) + ")"
            text = ast.get_docstring(node) or ""
        else:
            value = node.value  # type: ignore[union-attr]
            shown = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else (
                ast.unparse(value) if value is not None else "")
            definition = f"{name} = {shown}"
            text = " ".join(comment)
        found[name] = {"name": name, "definition": definition, "doc": " ".join(text.split())}
    return [found[name] for name in sorted(public, key=str.lower) if name in found]


def format_signature(name: str, params: Sequence[WrapperParam], returns: str, width: int = 88) -> str:
    return _format_parts(name, signature_parts(params), returns, width)


def _format_parts(name: str, parts: Sequence[str], returns: str, width: int = 88) -> str:
    one_line = f"def {name}({', '.join(parts)}) -> {returns}"
    if len(one_line) <= width:
        return one_line
    return f"def {name}(\n" + "".join(f"    {part},\n" for part in parts) + f") -> {returns}"


# --- hand-written wrappers (generated/keras3/overrides.py) --------------------------------------


@dataclass(frozen=True)
class HandWritten:
    """What the docs show of an override: read from its source with libcst, never imported."""

    parts: tuple[str, ...]  # the signature's parameters as written (`/` and `*` included)
    returns: str
    rows: tuple[dict[str, str], ...]  # the parameters table
    doc: str  # its docstring as Markdown, "Wraps ..." line left out (the section says it)


def read_hand_written(file: Path | None = None) -> dict[str, HandWritten]:
    import libcst as cst

    from generator.binding.overrides import OVERRIDES_FILE

    file = file or OVERRIDES_FILE
    if not file.exists():
        return {}
    module = cst.parse_module(file.read_text(encoding="utf-8"))
    code = module.code_for_node
    found: dict[str, HandWritten] = {}
    for node in module.body:
        if not isinstance(node, cst.FunctionDef):
            continue
        params = node.params
        parts: list[str] = []
        rows: list[dict[str, str]] = []

        def add(param: cst.Param, star: str = "") -> None:
            annotation = code(param.annotation.annotation) if param.annotation else "Any"
            default = code(param.default) if param.default is not None else None
            parts.append(f"{star}{param.name.value}: {annotation}" + (f" = {default}" if default else ""))
            rows.append({"name": f"`{star}{param.name.value}`", "type": f"`{annotation}`",
                         "default": "" if star else (f"`{default}`" if default else "required")})

        for param in params.posonly_params:
            add(param)
        if params.posonly_params:
            parts.append("/")
        for param in params.params:
            add(param)
        if isinstance(params.star_arg, cst.Param):
            add(params.star_arg, "*")
        elif params.kwonly_params:
            parts.append("*")
        for param in params.kwonly_params:
            add(param)
        if isinstance(params.star_kwarg, cst.Param):
            add(params.star_kwarg, "**")
        docstring = node.get_docstring() or ""
        docstring = re.sub(r"\n*Wraps `[^`]+`\.?\s*$", "", docstring)
        parsed = parse_docstring(docstring)
        doc = render_doc(parsed, node.name.value)
        found[node.name.value] = HandWritten(tuple(parts), code(node.returns.annotation) if node.returns else "Any",
                                             tuple(rows), doc)
    return found


# --- docstrings -------------------------------------------------------------------------------


def example_blocks(examples: Iterable[Example]) -> list[tuple[int, Example]]:
    """The runnable chunks of an examples section with their `index`: the chunk's position in
    `ParsedDoc.examples`, text chunks counted (how `generator.docs.examples.run_all` keys its
    results). Runnable: doctest runs, and code blocks in Python or with no language."""
    return [(index, c) for index, c in enumerate(examples)
            if c.kind == "doctest" or (c.kind == "code" and c.language.strip().lower() in _PYTHON_LANGUAGES)]


def render_doc(parsed: ParsedDoc, key: str, skip_summary: bool = False, skip_returns: bool = False) -> str:
    """An upstream docstring as Markdown, section titles as upstream wrote them (`Args`,
    `Example`, ...), sections in upstream's order, runnable examples marked for the build."""
    parts: list[str] = []
    if parsed.summary and not skip_summary:
        parts.append(render_text(parsed.summary))
    if parsed.description:
        parts.append(render_text(parsed.description))
    others = list(parsed.other)
    done: set[str] = set()
    order: list[tuple[str, str]] = []  # (key, upstream title)
    for label in parsed.sections:
        section_key = SECTION_TITLES.get(label, "other")
        if section_key == "other":
            continue
        if section_key not in done:
            done.add(section_key)
            order.append((section_key, label))
    for section_key, title in RENDER_TITLES.items():  # sections found under no label of their own
        if section_key not in done:
            order.append((section_key, title))
    bodies: dict[str, Callable[[], str]] = {
        "args": lambda: render_entries(parsed.args),
        "call_args": lambda: render_entries(parsed.call_args),
        "returns": lambda: "" if skip_returns else render_text(parsed.returns),
        "raises": lambda: render_entries(parsed.raises),
        "input_shape": lambda: render_text(parsed.input_shape),
        "output_shape": lambda: render_text(parsed.output_shape),
        "examples": lambda: _render_examples(parsed.examples, key),
        "references": lambda: render_text(parsed.references),
        "notes": lambda: render_text(parsed.notes),
    }
    for section_key, title in order:
        body = bodies[section_key]()
        if body.strip():
            parts += [f"**{title}**", body]
    for title, body in others:
        rendered = render_text(body)
        if rendered.strip():
            parts += [f"**{title}**", rendered]
    return _absolute_links("\n\n".join(p for p in parts if p.strip()))


def _render_examples(examples: Sequence[Example], key: str) -> str:
    numbers = {id(chunk): index for index, chunk in example_blocks(examples)}
    out: list[str] = []
    for chunk in examples:
        block = render_chunks([chunk])
        if id(chunk) in numbers:
            block = (f"<!-- keras3:example {key} {numbers[id(chunk)]} -->\n{_pythonic(block)}\n"
                     "<!-- /keras3:example -->")
        out.append(block)
    return "\n\n".join(out)


def _pythonic(block: str) -> str:
    """A fenced block marked as Python whatever its info string (`py`, `pycon`, none)."""
    first, _, rest = block.partition("\n")
    return re.sub(r"^(`{3,})[^\n]*", r"\1python", first) + "\n" + rest


_LINK = re.compile(r"\]\((?P<target>/[^)\s]*)\)")


def _absolute_links(markdown: str) -> str:
    """Site-relative links in upstream prose point into keras.io, not into this site."""
    out: list[str] = []
    position = 0
    for fence in _FENCE.finditer(markdown):
        out.append(_LINK.sub(lambda m: f"](https://keras.io{m.group('target')})", markdown[position:fence.start()]))
        out.append(fence.group(0))
        position = fence.end()
    out.append(_LINK.sub(lambda m: f"](https://keras.io{m.group('target')})", markdown[position:]))
    return "".join(out)


# --- bases ------------------------------------------------------------------------------------


def _base_view(name: str, path: str, snapshot: Snapshot, patches: Mapping[str, DocPatch]) -> dict[str, Any]:
    symbol = snapshot.symbols[path]
    try:
        parsed = parse_docstring(apply_patches(symbol.doc, patches.get(path)))
    except DocPatchError:  # a patch written for another release: the docstring as upstream has it
        parsed = parse_docstring(symbol.doc)
    members = [{"name": m.name, "kind": m.kind, "summary": _first_sentence(m.doc)}
               for m in symbol.members if not m.name.startswith("_")]
    return {"name": name, "path": path, "summary": render_text(parsed.summary),
            "doc": render_doc(parsed, path, skip_summary=True), "members": members,
            "upstream_url": UPSTREAM_SEARCH.format(path)}


def _first_sentence(doc: str) -> str:
    first = " ".join(doc.strip().split("\n\n", 1)[0].split())
    return first


# --- changelog --------------------------------------------------------------------------------


def _releases_up_to(store: SnapshotStore, snapshot: Snapshot) -> list[str]:
    target = version_key(snapshot.keras_version)
    releases = [r for r in store.releases() if version_key(r) < target]
    return [*releases, snapshot.keras_version]


def _changelog_view(store: SnapshotStore, snapshot: Snapshot, old: str | None, new: str) -> dict[str, Any]:
    from generator.changes.diff import GRADES, diff_snapshots
    from generator.changes.report import GRADE_TITLES, render_markdown, summary_counts

    new_snapshot = snapshot if new == snapshot.keras_version else store.load(new)
    if old is None:
        count = len(new_snapshot.canonical_symbols())
        text = (f"# Keras {new}\n\nThe first stored release of Keras 3: {len(new_snapshot.symbols)} public "
                f"paths naming {count} objects. Every later page lists what changed against the release "
                "before it.\n")
        return {"release": new, "old": None, "counts": {}, "text": text, "total": 0,
                "symbols": len(new_snapshot.symbols)}
    findings = diff_snapshots(store.load(old), new_snapshot)
    out = io.StringIO()
    render_markdown([f for f in findings if f.grade != "docs-only"], old, new, out)
    text = out.getvalue()
    counts = summary_counts(findings)
    # The header counts every finding; the docs-only ones follow in a collapsed block of their own.
    first, _, rest = text.partition("\n\n")
    header = f"{first}\n\n**{len(findings)} findings**: " + ", ".join(
        f"{counts[g]} {GRADE_TITLES[g].lower()}" for g in GRADES) + ".\n"
    rest = rest.split("\n", 1)[1] if rest.startswith("**") else rest
    text = header + rest.removeprefix("\nNo difference in the public API.\n")
    if not findings:
        text += "\nNo difference in the public API.\n"
    docs_only = [f for f in findings if f.grade == "docs-only"]
    if docs_only:
        text += f"\n## {GRADE_TITLES['docs-only']} ({len(docs_only)})\n\n"
        text += f'??? note "Docstring changes of {len(docs_only)} symbols"\n\n'
        for f in docs_only:
            detail = (f.detail or "").rstrip("\n")
            text += f"    `{f.target}`\n\n" + _indent_block(_fenced(detail, "diff"), 4) + "\n\n"
    return {"release": new, "old": old, "counts": counts, "text": _escape_html(text.rstrip("\n") + "\n"),
            "total": len(findings), "symbols": len(new_snapshot.symbols)}


EVOLUTION_SVG = "api-evolution.svg"
# Grade colours of the picture (the report's order): red, amber, green, grey.
GRADE_COLOURS = {"breaking": "#c62828", "possibly-breaking": "#ef8f00", "compatible": "#2e7d32",
                 "docs-only": "#9e9e9e"}


def evolution_chart(changelog: Sequence[Mapping[str, Any]], bar: int = 18, gap: int = 6) -> dict[str, Any]:
    """The geometry of the API-evolution picture (drawn by templates/docs/changelog/api-evolution.svg.j2):
    public paths per release on top, that release's findings per grade stacked below, one
    column per stored release, oldest first. Pure numbers from the store, so the SVG is
    byte-identical on every build."""
    from generator.changes.diff import GRADES
    from generator.changes.report import GRADE_TITLES

    left, top, panel, middle, label = 64, 40, 150, 56, 60
    rows = list(changelog)
    width = left + len(rows) * (bar + gap) + 40  # room for the last rotated label
    most_symbols = max((r["symbols"] for r in rows), default=1) or 1
    most_findings = max((sum(r["counts"].get(g, 0) for g in GRADES) for r in rows), default=1) or 1
    # a log scale for findings: the first releases changed hundreds of symbols, later ones a few
    import math

    def scaled(n: float) -> float:
        return panel * math.log10(1 + n) / math.log10(1 + most_findings)

    columns = []
    base = top + panel + middle + panel
    for index, r in enumerate(rows):
        x = left + index * (bar + gap)
        height = round(panel * r["symbols"] / most_symbols, 1)
        stacks, total = [], 0
        for grade in GRADES:
            count = r["counts"].get(grade, 0)
            if count:
                y0, y1 = base - scaled(total), base - scaled(total + count)
                stacks.append({"grade": grade, "title": GRADE_TITLES[grade], "count": count,
                               "y": round(y1, 1), "height": round(y0 - y1, 1), "colour": GRADE_COLOURS[grade]})
            total += count
        columns.append({"release": r["release"], "x": x, "symbols": r["symbols"],
                        "y": round(top + panel - height, 1), "height": height, "stacks": stacks,
                        "breaking": r["counts"].get("breaking", 0)})
    ticks = [n for n in (1, 10, 100, 1000, 10000) if n <= most_findings]
    return {
        "width": width, "height": base + label + 30, "left": left, "top": top, "panel": panel, "bar": bar,
        "findings_top": top + panel + middle, "base": base, "columns": columns,
        "most_symbols": most_symbols, "symbol_ticks": [{"value": v, "y": round(top + panel - panel * v / most_symbols, 1)}
                                                       for v in _round_ticks(most_symbols)],
        "finding_ticks": [{"value": v, "y": round(base - scaled(v), 1)} for v in ticks],
        "legend": [{"title": GRADE_TITLES[g], "colour": GRADE_COLOURS[g]} for g in GRADES],
    }


def _round_ticks(most: int) -> list[int]:
    step = 10 ** max(0, len(str(most)) - 1)
    if most // step < 3:
        step = max(step // 2, 1)
    return list(range(0, most + 1, max(step, 1)))


def _fenced(code: str, language: str) -> str:
    runs = [len(run) for run in re.findall(r"`{3,}", code)]
    marker = "`" * max(3, max(runs, default=0) + 1)
    return f"{marker}{language}\n{code}\n{marker}"


def _indent_block(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else "" for line in text.splitlines())


_RAW_TAG = re.compile(r"<(?=[A-Za-z/!?])")


def _escape_html(markdown: str) -> str:
    """`<...>` outside code (a repr in a finding's message) is text, not an HTML tag."""
    out: list[str] = []
    position = 0
    for fence in _FENCE.finditer(markdown):
        out.append(_escape_prose(markdown[position:fence.start()]))
        out.append(fence.group(0))
        position = fence.end()
    out.append(_escape_prose(markdown[position:]))
    return "".join(out)


def _escape_prose(text: str) -> str:
    # Inline code spans are left alone: Markdown shows their content literally.
    pieces = re.split(r"(`+[^`\n]*?`+)", text)
    return "".join(p if p.startswith("`") else _RAW_TAG.sub("&lt;", p) for p in pieces)


# --- hand-written pages -----------------------------------------------------------------------


def _hand_written_pages(templates: Path, env: jinja2.Environment, context: Mapping[str, Any]) -> dict[str, str]:
    """Pages under templates/docs/ other than the generated kinds: `*.md` verbatim, `*.md.j2`
    rendered with `context`; Python blocks get an output marker (`python no-run` ones do not)."""
    pages: dict[str, str] = {}
    for file in sorted(templates.rglob("*")):
        relative = file.relative_to(templates).as_posix()
        if not file.is_file() or relative.startswith(("reference/", "changelog/")) or relative == "mkdocs.yml.j2":
            continue
        if relative.endswith(".md.j2"):
            text, relative = env.get_template(relative).render(**context), relative.removesuffix(".j2")
        elif relative.endswith(".md"):
            text = file.read_text(encoding="utf-8")
        else:
            continue
        parts = relative.split("/")
        parts[-1] = _GUIDE_PREFIX.sub("", parts[-1])
        relative = "/".join(parts)
        pages[relative] = mark_outputs(text, relative)
    return pages


def _guide_order(templates: Path, relative: str) -> str:
    for file in (templates / "guides").glob("*.md*"):
        if _GUIDE_PREFIX.sub("", file.name).removesuffix(".j2") == relative.removeprefix("guides/"):
            return file.name
    return relative


def mark_outputs(text: str, page: str) -> str:
    """Put an output marker after every runnable Python block of a hand-written page."""
    out: list[str] = []
    position = 0
    index = 0
    for fence in _FENCE.finditer(text):
        info = fence.group("info").split()
        out.append(text[position:fence.start()])
        position = fence.end()
        if info[:1] != ["python"]:
            out.append(fence.group(0))
            continue
        if "no-run" in info[1:]:
            rest = [word for word in info[1:] if word != "no-run"]
            out.append(f"{fence.group('marker')}{' '.join(['python', *rest])}\n{fence.group('code')}\n{fence.group('marker')}")
            continue
        out.append(f"{fence.group(0)}\n<!-- keras3:output {page} {index} -->")
        index += 1
    out.append(text[position:])
    return "".join(out)


def runnable_blocks(text: str) -> list[str]:
    """The code of a (marked) page's runnable blocks, in order: each block just before a marker."""
    blocks: list[str] = []
    for marker in OUTPUT_MARKER.finditer(text):
        before = text[:marker.start()].rstrip("\n")
        fence = None
        for fence in _FENCE.finditer(before):
            pass
        if fence is None or fence.end() != len(before) or int(marker.group("index")) != len(blocks):
            raise DocsError(f"{marker.group('page')}: output marker {marker.group('index')} follows no code block")
        blocks.append(fence.group("code"))
    return blocks


def _page_title(text: str, path: str) -> str:
    match = re.search(r"^# (.+)$", text, re.MULTILINE)
    return match.group(1).replace("`", "").strip() if match else path  # nav titles are plain text


# --- writing and comparing --------------------------------------------------------------------


def write_docs(files: Mapping[str, str], root: Path = GENERATED) -> None:
    """Replace generated/docs (whole, swapped in with renames) and generated/mkdocs.yml (atomically)."""
    from generator.render.package import _recover, exchange_directories

    docs = root / DOCS_NAME
    _recover(docs)
    staging = Path(tempfile.mkdtemp(prefix=f".{DOCS_NAME}.new-", dir=root))
    try:
        for name, text in files.items():
            if not name.startswith(f"{DOCS_NAME}/"):
                continue
            target = staging / name.removeprefix(f"{DOCS_NAME}/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        for folder in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
            folder.chmod(0o755)
        if not docs.exists():
            staging.rename(docs)
        elif exchange_directories(staging, docs):
            shutil.rmtree(staging)
        else:
            retired = root / f".{DOCS_NAME}.old"
            docs.rename(retired)
            staging.rename(docs)
            shutil.rmtree(retired, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if CONFIG_NAME in files:
        handle, temporary = tempfile.mkstemp(prefix=f".{CONFIG_NAME}.", dir=root)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(files[CONFIG_NAME])
        os.chmod(temporary, 0o644)
        os.replace(temporary, root / CONFIG_NAME)


def docs_differences(files: Mapping[str, str], root: Path = GENERATED) -> list[str]:
    """Docs sources on disk that differ from `files` (or are missing or extra), like render.differences."""
    on_disk = {p.relative_to(root).as_posix() for p in (root / DOCS_NAME).rglob("*") if p.is_file()}
    if (root / CONFIG_NAME).exists():
        on_disk.add(CONFIG_NAME)
    problems = [f"{name}: missing" for name in sorted(files.keys() - on_disk)]
    problems += [f"{name}: not generated" for name in sorted(on_disk - files.keys())]
    problems += [f"{name}: differs from what regeneration emits" for name in sorted(files.keys() & on_disk)
                 if (root / name).read_text(encoding="utf-8") != files[name]]
    return problems


# --- lossless by sentence ---------------------------------------------------------------------

_SECTION_HEAD = re.compile(r"^#{1,3} .*\{ #(?P<anchor>[\w.-]+) \}[ \t]*$", re.MULTILINE)


def wrapper_sections(files: Mapping[str, str]) -> dict[str, str]:
    """{anchor: Markdown of its section} over the docs sources: a section runs from its heading
    (`## `name` { #name }`) to the next heading of its level or above, or the end of the page."""
    sections: dict[str, str] = {}
    for path, text in sorted(files.items()):
        if not path.endswith(".md"):
            continue
        heads = list(_SECTION_HEAD.finditer(text))
        levels = [len(h.group(0)) - len(h.group(0).lstrip("#")) for h in heads]
        for number, head in enumerate(heads):
            end = next((later.start() for later, level in zip(heads[number + 1:], levels[number + 1:])
                        if level <= levels[number]), len(text))
            sections.setdefault(head.group("anchor"), text[head.start():end])
    return sections


def covered_docstrings(binding: Binding, snapshot: Snapshot) -> list[tuple[str, str, str]]:
    """(anchor of the section that shows it, upstream key, upstream docstring as patched) of
    every docstring the site promises to carry: each wrapper's upstream symbol (or member), the
    function form a wrapper also covers (dual losses and metrics, the layers' merge functions)
    and the subclassing bases."""
    patches = load_doc_patches()

    def patched(key: str, text: str) -> str:
        try:
            return apply_patches(text, patches.get(key))
        except DocPatchError:
            return text

    out: list[tuple[str, str, str]] = []
    for w in binding.wrappers:
        symbol = snapshot.symbols.get(w.upstream)
        if symbol is None:
            continue
        if w.member:
            member = symbol.member(w.member)
            key, text = f"{w.upstream}.{w.member}", member.doc if member else ""
        else:
            key, text = w.upstream, symbol.doc
        if text.strip():
            out.append((w.name, key, patched(key, text)))
        function = snapshot.symbols.get(w.function) if w.function else None
        if function is not None and function.doc.strip():
            out.append((w.name, function.path, patched(function.path, function.doc)))
    for name, path in binding.bases.items():
        symbol = snapshot.symbols.get(path)
        if symbol is not None and symbol.doc.strip():
            out.append((name, path, patched(path, symbol.doc)))
    return out


def undocumented_params(binding: Binding) -> list[tuple[str, str, str]]:
    """(wrapper, upstream key, parameter) of every wrapper parameter that the docs leave without
    a description: no upstream docstring documents it (its own, its function form's, its
    `__init__`'s, a base's, or one `[arg_docs]` names). The parameters the wrapper itself adds
    (`object` of a layer, `y_true`/`y_pred` of a dual) are explained by its shape and left out."""
    own = {"layer": {"object"}, "dual": {"y_true", "y_pred"}}
    out: list[tuple[str, str, str]] = []
    for w in binding.wrappers:
        if w.overridden:
            continue  # hand-written: documented in overrides.py
        documented = documented_names(_merged_args(w))
        key = f"{w.upstream}.{w.member}" if w.member else w.upstream
        for p in w.params:
            if p.kind in ("var_positional", "var_keyword") or p.name in own.get(w.shape, set()):
                continue
            if p.name not in documented:
                out.append((w.name, key, p.name))
    return out


def format_undocumented(items: Sequence[tuple[str, str, str]], limit: int = 15) -> str:
    by_wrapper: dict[tuple[str, str], list[str]] = {}
    for name, key, param in items:
        by_wrapper.setdefault((name, key), []).append(param)
    lines = [(f"Wrapper parameters no upstream docstring documents: {len(items)} "
              f"(in {len(by_wrapper)} wrappers)")]
    lines += [f"  {name} ({key}): {', '.join(params)}" for (name, key), params in list(by_wrapper.items())[:limit]]
    if len(by_wrapper) > limit:
        lines.append(f"  ... and {len(by_wrapper) - limit} more wrappers")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class SentenceCoverage:
    kept: int
    total: int
    missing: tuple[tuple[str, str, str], ...]  # (upstream key, anchor, sentence) not on the page
    excused: tuple[tuple[str, str, str], ...]  # (upstream key, sentence, reason) listed in docs.toml

    @property
    def share(self) -> float:
        return self.kept / self.total if self.total else 1.0


def sentence_coverage(files: Mapping[str, str], binding: Binding, snapshot: Snapshot,
                      exceptions: Mapping[tuple[str, str], str] | None = None) -> SentenceCoverage:
    """How many prose sentences of the covered upstream docstrings are in the section of the
    wrapper (or base) that shows them. `exceptions` ((key, sentence) -> reason, from
    `[[lost_sentences]]` of spec/docs.toml) are counted as missing but listed with their reason."""
    exceptions = load_lost_sentences() if exceptions is None else exceptions
    # prose must be in the prose: code blocks (upstream's or translated examples) are left out
    sections = {anchor: token_text(_FENCE.sub("", text)) for anchor, text in wrapper_sections(files).items()}
    return _count_sentences(binding, snapshot, exceptions, lambda anchor: sections.get(anchor, ""))


_PRE = re.compile(r"<pre\b.*?</pre>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def site_sentence_coverage(site: Path, binding: Binding, snapshot: Snapshot,
                           exceptions: Mapping[tuple[str, str], str] | None = None) -> SentenceCoverage:
    """`sentence_coverage` over the built HTML: each wrapper's page (`reference/<family>/<name>/`),
    the bases' page; code blocks left out, tags stripped, entities decoded. What mkdocs made of
    the Markdown, so a sentence lost to rendering (an unescaped `<tag>`, a swallowed line) counts."""
    import html

    exceptions = load_lost_sentences() if exceptions is None else exceptions
    family = {w.name: w.family for w in binding.wrappers}
    texts: dict[Path, str] = {}

    def page_text(path: Path) -> str:
        if path not in texts:
            raw = path.read_text(encoding="utf-8") if path.exists() else ""
            body = raw.split('<article', 1)[-1].split("</article>", 1)[0]
            texts[path] = token_text(html.unescape(_TAG.sub(" ", _PRE.sub(" ", body))))
        return texts[path]

    def page_of(anchor: str) -> str:
        return page_text(site / "reference" / family[anchor] / anchor / "index.html" if anchor in family
                         else site / "reference" / "bases" / "index.html")

    return _count_sentences(binding, snapshot, exceptions, page_of)


def _count_sentences(binding: Binding, snapshot: Snapshot, exceptions: Mapping[tuple[str, str], str],
                     page_of: Callable[[str], str]) -> SentenceCoverage:
    """Each prose sentence of each covered docstring, looked up in the text of its wrapper's
    section or page (`page_of(anchor)`, tokens separated by single spaces)."""
    kept = total = 0
    missing: list[tuple[str, str, str]] = []
    excused: list[tuple[str, str, str]] = []
    for anchor, key, doc in covered_docstrings(binding, snapshot):
        page = page_of(anchor)
        for sentence in prose_sentences(doc):
            total += 1
            if f" {sentence} " in page:
                kept += 1
            elif (key, sentence) in exceptions:
                excused.append((key, sentence, exceptions[key, sentence]))
            else:
                missing.append((key, anchor, sentence))
    return SentenceCoverage(kept, total, tuple(missing), tuple(excused))


def load_lost_sentences(path: Path | None = None) -> dict[tuple[str, str], str]:
    """`[[lost_sentences]]` of spec/docs.toml: upstream sentences the site does not carry, each
    with the reason (`path`, `sentence` as its words, `reason`)."""
    from generator.binding.docstrings.patches import DOCS_SPEC
    from generator.tomlfiles import read_toml

    path = path or DOCS_SPEC
    data = read_toml(path, DocsError) if path.exists() else {}
    out: dict[tuple[str, str], str] = {}
    for number, entry in enumerate(data.get("lost_sentences", [])):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) and entry.get(k)
                                                  for k in ("path", "sentence", "reason")):
            raise DocsError(f"{path}: lost_sentences entry {number + 1} needs path, sentence and reason")
        out[entry["path"], " ".join(entry["sentence"].split())] = entry["reason"]
    return out


def format_sentence_coverage(coverage: SentenceCoverage, limit: int | None = 40) -> str:
    lines = [(f"Upstream prose sentences on the page that shows them: {coverage.kept}/{coverage.total} "
              f"= {coverage.share:.3%}")]
    if coverage.excused:
        lines.append(f"Not carried, with a reason (spec/docs.toml [[lost_sentences]]): {len(coverage.excused)}")
        lines += [f"  {key}: {sentence!r}: {reason}" for key, sentence, reason in coverage.excused]
    if coverage.missing:
        lines.append(f"Missing without a reason: {len(coverage.missing)}")
        shown = coverage.missing if limit is None else coverage.missing[:limit]
        lines += [f"  {key} (section {anchor}): {sentence!r}" for key, anchor, sentence in shown]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Step 2: build


@dataclass
class BuildResult:
    site: Path
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # upstream examples: "run" (translated, with output), "unrun" (translated, no output: it did
    # not run), "upstream" (upstream's code: not translated, or examples not available)
    examples: dict[str, int] = field(default_factory=dict)


def build_site(source: Path = GENERATED, build_dir: Path = BUILD_DIR, site_dir: Path = SITE_DIR,
               store: SnapshotStore | None = None, run_examples: bool = True, jobs: int = 2,
               cache_dir: Path = BUILD_DIR / "outputs",
               log: Callable[[str], None] = lambda message: print(message, file=sys.stderr),
               progress: bool = False) -> BuildResult:
    """Build the site from the docs sources: outputs inserted, `mkdocs build --strict`, no warnings.

    `build_dir` holds the working copy of the sources (`src/`); `cache_dir` the outputs of the
    hand-written pages' code (shared between builds; upstream examples use generator.docs.examples'
    own cache). The hand-written pages' code runs in a thread beside the upstream examples, so
    neither phase's tail leaves a core idle; `progress` shows a rich progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    started = time.perf_counter()
    cpu_before = _cpu_seconds()
    timings: dict[str, float] = {}
    config = (source / CONFIG_NAME).read_text(encoding="utf-8")
    version_match = re.search(r"^  keras_version: (\S+)$", config, re.MULTILINE)
    if version_match is None or not (source / DOCS_NAME).is_dir():
        raise DocsError(f"{source}: no docs sources (run `python -m generator.docs.site --sources`)")
    version = version_match.group(1)
    work = build_dir / "src"
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(source / DOCS_NAME, work / DOCS_NAME)
    shutil.copy2(source / CONFIG_NAME, work / CONFIG_NAME)
    pages = {p.relative_to(work / DOCS_NAME).as_posix(): p for p in sorted((work / DOCS_NAME).rglob("*.md"))}
    texts = {name: path.read_text(encoding="utf-8") for name, path in pages.items()}
    timings["copy"] = time.perf_counter() - started

    bar = Progress(TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), disable=not progress, transient=False)
    if progress:
        log = bar.console.print
    with bar:
        mark = time.perf_counter()
        runnable = {name: runnable_blocks(text) for name, text in texts.items() if OUTPUT_MARKER.search(text)}
        page_task = bar.add_task("guides' code", total=0)
        page_outputs: dict[str, list[str]] = {}
        page_error: list[BaseException] = []

        def run_guides() -> None:
            try:
                page_outputs.update(run_pages(
                    runnable, version, cache_dir, jobs=jobs, log=log,
                    on_start=lambda n: bar.update(page_task, total=n),
                    on_done=lambda: bar.advance(page_task)))
            except BaseException as error:  # noqa: BLE001 - re-raised in the building thread
                page_error.append(error)
            finally:
                timings["pages"] = time.perf_counter() - mark

        guides = threading.Thread(target=run_guides, name="docs-pages", daemon=True)
        guides.start()
        example_task = bar.add_task("upstream examples", total=0)
        results = None

        def examples_start(sessions: int) -> None:
            # the binding is built and every example translated (or read from the cache): runs begin
            timings.setdefault("translate", time.perf_counter() - mark)
            bar.update(example_task, total=sessions)

        if run_examples:
            results = _example_results(texts, version, store, build_dir, log, on_start=examples_start,
                                       on_done=lambda: bar.advance(example_task))
        bar.update(example_task, total=bar.tasks[example_task].total or 1,
                   completed=bar.tasks[example_task].total or 1)
        counts = {"run": 0, "unrun": 0, "upstream": 0}
        for name, text in texts.items():
            if "<!-- keras3:example " in text:
                texts[name] = insert_examples(text, results, counts)
        timings["examples"] = time.perf_counter() - mark  # translate included
        timings.setdefault("translate", timings["examples"])  # nothing ran: all from the cache
        guides.join()
        bar.update(page_task, total=bar.tasks[page_task].total or 1, completed=bar.tasks[page_task].total or 1)
        if page_error:
            raise page_error[0]
        for name, outputs in page_outputs.items():
            texts[name] = insert_outputs(texts[name], outputs)

        for name, text in texts.items():
            pages[name].write_text(text, encoding="utf-8")
        mark = time.perf_counter()
        mkdocs_task = bar.add_task("mkdocs build", total=None)
        warnings = run_mkdocs(work / CONFIG_NAME, site_dir)
        bar.update(mkdocs_task, total=1, completed=1)
        timings["mkdocs"] = time.perf_counter() - mark
    timings["cpu"] = _cpu_seconds() - cpu_before  # every process of the build, on all cores
    result = BuildResult(site_dir, time.perf_counter() - started, timings, warnings, counts)
    if warnings:
        raise DocsError("mkdocs build --strict warned:\n" + "\n".join(warnings))
    return result


# (key in BuildResult.timings, what the phase is); the guides' code runs beside the examples
_PHASES = (("copy", "copy sources"), ("translate", "binding and translation"),
           ("examples", "upstream examples (translation included)"),
           ("pages", "guides' code (beside the examples)"), ("mkdocs", "mkdocs build"))


def format_phases(result: BuildResult) -> str:
    """The build's phases in wall-clock seconds, then its CPU time (every process of the build) and
    the machine's load: on a shared machine the wall-clock figures mean little without them."""
    parts = [f"{label} {result.timings[key]:.1f} s" for key, label in _PHASES if key in result.timings]
    cpu = result.timings.get("cpu")
    if cpu is not None:
        parts.append(f"total {result.seconds:.1f} s wall, {cpu:.1f} s CPU")
    parts.append("load average " + " ".join(f"{load:.1f}" for load in os.getloadavg()))
    return "; ".join(parts)


def _cpu_seconds() -> float:
    """User and system time of this process and of its children that have ended (the example
    workers, the pages' interpreters, mkdocs): on a shared machine, the figure load does not change."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# --- upstream examples ------------------------------------------------------------------------


def _example_results(texts: Mapping[str, str], version: str, store: SnapshotStore | None,
                     build_dir: Path, log: Callable[[str], None],
                     on_start: Callable[[int], None] | None = None,
                     on_done: Callable[[], None] | None = None) -> Mapping[str, Sequence[Any]] | None:
    from generator.docs.examples.runner import ExampleRunner
    from generator.docs.examples.surface import CACHE_DIR, run_all
    from generator.binding.build import build

    store = store or SnapshotStore()
    binding, _ = build(store, version)
    with ExampleRunner() as runner:
        runner.on_start, runner.on_done = on_start, on_done
        # the page shows a failing example without output whoever is at fault: no upstream re-run
        return run_all(store.load(version), binding, CACHE_DIR, runner=runner,
                                check_upstream=False)


def _code_of(block: str) -> str:
    """The code of a fenced example: doctest prompts removed and printed output dropped."""
    match = _FENCE.match(block.strip())
    code = match.group("code") if match else block
    lines = code.splitlines()
    if not any(line.lstrip().startswith(">>>") for line in lines):
        return code
    kept: list[str] = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(">>>"):
            kept.append(stripped[4:] if stripped.startswith(">>> ") else stripped[3:])
        elif stripped.startswith("...") and kept:
            kept.append(stripped[4:] if stripped.startswith("... ") else stripped[3:])
        elif not stripped and kept and kept[-1]:
            kept.append("")
    return "\n".join(kept).strip("\n")


def _same_code(a: str, b: str) -> bool:
    return " ".join(_code_of(a).split()) == " ".join(_code_of(b).split())


def insert_examples(text: str, results: Mapping[str, Sequence[Any]] | None, counts: dict[str, int]) -> str:
    """Each marked upstream example becomes its keras3 translation followed by the output it
    printed. One that did not run (it needs a `model` from the surrounding prose, a download, ...)
    shows its translation without output; one that did not translate (or with no results at all)
    shows upstream's code, without upstream's illustrative doctest output."""

    def replace(match: re.Match[str]) -> str:
        path, index, block = match.group("path"), int(match.group("index")), match.group("block")
        candidates = list(results.get(path, ())) if results else []
        found = next((r for r in candidates if r.index == index and _same_code(r.original, block)), None)
        if found is None:
            found = next((r for r in candidates if _same_code(r.original, block)), None)
        if found is not None and found.translated:
            rendered = _fenced(found.translated.strip("\n"), "python")
            output = scrub_output(found.output or "") if found.ok else ""
            counts["run" if found.ok else "unrun"] = counts.get("run" if found.ok else "unrun", 0) + 1
            if output.strip():
                rendered += "\n\n" + _fenced(output, 'text title="Output"')
            return rendered
        counts["upstream"] = counts.get("upstream", 0) + 1
        return _fenced(_code_of(block), "python")

    return EXAMPLE_BLOCK.sub(replace, text)


# --- hand-written pages' code -----------------------------------------------------------------

RUNNER_VERSION = "1"
# One interpreter serves every page: it imports what each page would (keras3, Keras, jax and the
# TensorFlow that `set_random_seed` seeds) once, in a forkserver, and each page runs in a process
# forked from it, used for that page alone (max_tasks_per_child=1): what a reader gets running
# the page top to bottom in a new interpreter, without paying ~4 s of imports per page.
_RUNNER = r"""
import json, multiprocessing, os, sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from generator.docs.site import run_page_blocks

if __name__ == "__main__":
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # what the pages' libraries print at C level must not reach the protocol
    jobs, pages = json.loads(sys.stdin.read())
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["generator.docs.site", "keras3", "keras", "jax", "tensorflow"])
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context, max_tasks_per_child=1) as pool:
        futures = {pool.submit(run_page_blocks, page["blocks"], page["folder"]): page for page in pages}
        for future in as_completed(futures):
            page = futures[future]
            with open(os.path.join(page["folder"], "results.json"), "w", encoding="utf-8") as stream:
                json.dump(future.result(), stream)
            protocol.write(json.dumps(page["name"]) + "\n")
    # Stop the forkserver and reap it (multiprocessing's own stop, private but stable since 3.8):
    # the CPU time of the pages' processes then counts in the build's, as a child's does.
    from multiprocessing import forkserver
    forkserver._forkserver._stop()
"""


def run_page_blocks(blocks: Sequence[str], folder: str) -> list[dict[str, Any]]:
    """In a page's own process: run its blocks in order in one namespace, in `folder`; per block
    what it printed (and the repr of a last expression), up to the first that fails."""
    import ast
    import contextlib
    import traceback

    os.chdir(folder)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    results: list[dict[str, Any]] = []
    for number, code in enumerate(blocks):
        buffer = io.StringIO()
        try:
            tree = ast.parse(code)
            last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            body = tree.body[:-1] if last is not None else tree.body
            with contextlib.redirect_stdout(buffer):
                exec(compile(ast.Module(body=body, type_ignores=[]), f"<block {number}>", "exec"), namespace)  # noqa: S102
                if last is not None:
                    value = eval(compile(ast.Expression(last.value), f"<block {number}>", "eval"), namespace)
                    if value is not None:
                        print(repr(value))
        except BaseException:  # noqa: BLE001 - a page's code may raise anything: reported with its traceback
            results.append({"ok": False, "output": buffer.getvalue(), "error": traceback.format_exc()})
            break
        results.append({"ok": True, "output": buffer.getvalue()})
    sys.stdout.flush()
    return results


def _page_key(page: str, blocks: Sequence[str], version: str) -> str:
    digest = hashlib.sha256(json.dumps([RUNNER_VERSION, version, page, list(blocks)]).encode("utf-8"))
    return digest.hexdigest()[:20]


def run_pages(pages: Mapping[str, Sequence[str]], version: str, cache: Path, jobs: int = 2,
              log: Callable[[str], None] = lambda message: None,
              on_start: Callable[[int], None] | None = None,
              on_done: Callable[[], None] | None = None) -> dict[str, list[str]]:
    """{page: output of each block}: every page's blocks run in order in a process of its own on
    jax, forked from one that has only imported (what a reader gets running the page top to
    bottom), cached by page, code and release."""
    cache.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, list[str]] = {}
    todo: dict[str, tuple[Sequence[str], Path]] = {}
    for page, blocks in sorted(pages.items()):
        file = cache / f"{page.replace('/', '__')}-{_page_key(page, blocks, version)}.json"
        for stale in cache.glob(f"{page.replace('/', '__')}-*.json"):
            if stale != file:
                stale.unlink(missing_ok=True)  # an older version of the page
        if file.exists():
            outputs[page] = json.loads(file.read_text(encoding="utf-8"))
        else:
            todo[page] = (blocks, file)
    if on_start is not None:
        on_start(len(todo))
    if not todo:
        return outputs

    def done(page: str, result: list[str], seconds: float) -> None:
        blocks, file = todo[page]
        partial = file.with_name(f".{file.name}.{os.getpid()}")
        partial.write_text(json.dumps(result), encoding="utf-8")
        os.replace(partial, file)  # concurrent builds read whole files or none
        outputs[page] = result
        log(f"docs: ran {page} ({len(blocks)} blocks, {seconds:.1f} s)")
        if on_done is not None:
            on_done()

    _run_pages({page: blocks for page, (blocks, _) in todo.items()}, jobs, done)
    return outputs


def _run_pages(pages: Mapping[str, Sequence[str]], jobs: int,
               done: Callable[[str, list[str], float], None]) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("XLA_", "KERAS_"))}
    env.update({"KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONHASHSEED": "0",
                "CUDA_VISIBLE_DEVICES": "", "JAX_PLATFORMS": "cpu", "COLUMNS": "100",
                "PYTHONPATH": os.pathsep.join([str(GENERATED), str(REPO_ROOT),
                                               *filter(None, [os.environ.get("PYTHONPATH")])])})
    with tempfile.TemporaryDirectory(prefix="keras3-docs-run-") as root:
        env["KERAS_HOME"] = str(Path(root) / "keras_home")  # Keras's defaults, no user keras.json
        folders = {page: Path(root) / f"page{number}" for number, page in enumerate(pages)}
        for folder in folders.values():
            folder.mkdir()
        request = [max(1, jobs), [{"name": page, "blocks": list(blocks), "folder": str(folders[page])}
                                  for page, blocks in pages.items()]]
        began = time.perf_counter()
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen([sys.executable, "-c", _RUNNER], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=errors, cwd=root, env=env, text=True)
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(json.dumps(request))
            process.stdin.close()
            for line in process.stdout:
                page = json.loads(line)
                results = json.loads((folders[page] / "results.json").read_text(encoding="utf-8"))
                for number, result in enumerate(results):
                    if not result["ok"]:
                        process.kill()
                        process.wait()
                        raise DocsError(f"{page}: code block {number} failed:\n{pages[page][number]}\n\n"
                                        f"{result['error']}")
                done(page, [scrub_output(result["output"]) for result in results], time.perf_counter() - began)
            code = process.wait()
            errors.seek(0)
            stderr = errors.read().decode("utf-8", "replace")
        missing = [page for page in pages if not (folders[page] / "results.json").exists()]
    if code != 0 or missing:
        raise DocsError(f"{', '.join(missing) or 'the pages'}: the pages' code could not run (exit {code}):\n"
                        f"{stderr[-3000:]}")


_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,}\b")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def scrub_output(text: str) -> str:
    """Printed output as shown: no colour codes, no memory addresses, no trailing blanks."""
    text = _ANSI.sub("", text).replace("\r\n", "\n")
    text = "\n".join(line.split("\r")[-1] for line in text.split("\n"))  # progress bars redraw
    text = _ADDRESS.sub("0x…", text)
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


def insert_outputs(text: str, outputs: Sequence[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        output = outputs[int(match.group("index"))]
        return _fenced(output, 'text title="Output"') if output.strip() else ""

    return OUTPUT_MARKER.sub(replace, text)


# --- mkdocs -----------------------------------------------------------------------------------


def run_mkdocs(config: Path, site_dir: Path) -> list[str]:
    """`mkdocs build --strict`; the warnings it printed (a strict build that fails has some)."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "--config-file", str(config),
         "--site-dir", str(site_dir)],
        check=False, capture_output=True, text=True, cwd=config.parent,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"})
    log = result.stdout + result.stderr
    warnings = [line for line in log.splitlines() if line.startswith(("WARNING", "ERROR")) or "Aborted" in line]
    if result.returncode != 0 and not warnings:
        warnings = [f"mkdocs exited {result.returncode}:", *log.splitlines()[-30:]]
    return warnings


# ---------------------------------------------------------------------------------------------
# Command line (wire `python -m generator docs [--sources]` to `main`)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.docs.site", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", action="store_true", help="write generated/docs and generated/mkdocs.yml")
    parser.add_argument("--check", action="store_true", help="fail when the committed sources differ")
    parser.add_argument("--release", help="stored Keras release (default: the pinned one)")
    parser.add_argument("--no-examples", action="store_true", help="build without running upstream examples")
    args = parser.parse_args(argv)
    return run(args)


def run(args: argparse.Namespace) -> int:
    """What `python -m generator docs [--sources] [--check]` runs (reads args.store when given)."""
    from generator.settings import pinned_release
    from generator.upstream.store import DEFAULT_ROOT

    store = SnapshotStore(getattr(args, "store", None) or DEFAULT_ROOT)
    release = getattr(args, "release", None)
    if getattr(args, "sources", False) or getattr(args, "check", False):
        began = time.perf_counter()
        files = emit_docs(store, release or pinned_release())
        elapsed = time.perf_counter() - began
        if getattr(args, "check", False):
            problems = docs_differences(files)
            for problem in problems:
                print(f"generated/{problem}", file=sys.stderr)
            return 1 if problems else 0
        write_docs(files)
        print(f"docs sources: {len(files)} files emitted in {elapsed:.1f} s -> generated/{DOCS_NAME}, "
              f"generated/{CONFIG_NAME}", file=sys.stderr)
        return 0
    try:
        result = build_site(store=store, run_examples=not getattr(args, "no_examples", False),
                            progress=True)
    except DocsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"docs: phases: {format_phases(result)}", file=sys.stderr)
    print(f"docs: built {result.site} in {result.seconds:.1f} s; upstream examples: "
          f"{result.examples.get('run', 0)} in keras3 with output, {result.examples.get('unrun', 0)} in keras3 "
          f"without (not run), {result.examples.get('upstream', 0)} as upstream wrote them; "
          f"{len(result.warnings)} warnings", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
