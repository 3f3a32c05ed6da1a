"""The page of one wrapper: its signature, upstream's docstring rendered (links added, every
sentence kept), the hand-written overrides shown as they are, and the subclassing bases.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from generator.binding.docstrings.markdown import render_chunks, render_entries, render_text
from generator.binding.docstrings.model import (
    RENDER_TITLES,
    SECTION_TITLES,
    DocArg,
    DocPatch,
    DocPatchError,
    Example,
    ParsedDoc,
)
from generator.binding.docstrings.parse import parse_docstring
from generator.binding.docstrings.patches import apply_patches
from generator.binding.docstrings.sentences import documented_names
from generator.binding.model import Wrapper, WrapperParam
from generator.docs.site.common import FENCE, PYTHON_LANGUAGES
from generator.docs.site.links import UPSTREAM_SEARCH, LinkMap, format_parts
from generator.render.package import own_param_text, typed_forms, with_call
from generator.upstream.model import Snapshot, Symbol

_SHAPE_RETURNS = {
    "layer": "the layer when `object` is None; the model when `object` is a Sequential model; "
             "otherwise the layer's output.",
    "dual": "the computed value when `y_true` and `y_pred` are given; otherwise the configured object.",
}
SHAPE_NOTES = {
    "layer": "`object` comes first and decides what you get back: nothing gives the layer; a "
             "Sequential model gets the layer added and is returned; a tensor (or a list of tensors) "
             "is passed through the layer and its output returned. The layer's own arguments follow "
             "`object`, by position or keyword (keyword-only when `object` is left out).",
    "dual": "Given `y_true` and `y_pred` it computes the value; without them it returns the "
            "configured object (for `compile()`).",
}


# How a wrapper that covers a class and its function form (`Wrapper.function`) takes the latter.
_FUNCTION_NOTES = {
    "dual": "the same wrapper, given `y_true` and `y_pred`",
    "layer": "the same wrapper, given a list of tensors as `object`",
}


# --- one wrapper ------------------------------------------------------------------------------


def symbol_view(w: Wrapper, snapshot: Snapshot, overrides: Mapping[str, HandWritten],
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
    doc = merged_args(w)
    forms = typed_forms(w)
    view = {
        "name": w.name,
        "wrapper": w,
        "summary": render_text(w.doc.summary or w.summary),
        "own": "",
        "signature": signature_block(w.name, forms),
        "params": [_param_row(p, symbol, w, links, doc, forms) for p in with_call(w.params, w.call_params)],
        "returns": " | ".join(dict.fromkeys(returns for _, returns in forms)),
        "returns_text": returns_text,
        # a hand-written wrapper's table is its own: upstream's documentation follows it whole
        "doc": links.prose(render_doc(_unlisted_args(w, doc) if hand is None else doc, key, skip_summary=True,
                                      skip_returns=skip_returns), own=w.name),
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
        view.update(signature=format_parts(w.name, hand.parts, hand.returns), params=list(hand.rows),
                    returns=hand.returns, own=hand.doc,
                    returns_text="" if w.shape in _SHAPE_RETURNS else view["returns_text"])
    return view


def _has_text(doc: ParsedDoc) -> bool:
    return doc != ParsedDoc()


def merged_args(w: Wrapper) -> ParsedDoc:
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


def _param_row(p: WrapperParam, symbol: Symbol | None, w: Wrapper, links: LinkMap, doc: ParsedDoc,
               forms: Sequence[tuple[Sequence[str], str]]) -> dict[str, str]:
    """One row of the parameter table: name, type (an `Any` that the overloads narrow shows their
    types), default, and the description upstream (or keras3, for what the wrapper adds) gives."""
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
    annotation = p.annotation
    if annotation == "Any" and len(forms) > 1:
        annotation = " | ".join(dict.fromkeys(
            _part_annotation(part) for parts, _ in forms for part in parts if _part_name(part) == p.name))
    if w.shape == "layer" and p.name == "object":
        default = "`None`"
    own = own_param_text(w, p)
    entries = doc.call_args if p.name in {c.name for c in w.call_params} else doc.args
    upstream_text = next((e.description for e in entries if p.name in _names(e.name)), "")
    # upstream's words first: its "name: description" entry reads on as one sentence after the name
    text = " ".join(t for t in (upstream_text, own) if t) if own and p.name not in ("y_true", "y_pred") else (
        upstream_text or own or "")
    return {"name": f"`{star}{p.name}`", "type": links.annotation(annotation) if annotation else "",
            "default": default, "description": links.prose(render_text(text), own=w.name) if text else ""}


def _part_name(part: str) -> str:
    return part.split(":", 1)[0].split("=", 1)[0].strip().lstrip("*")


def _part_annotation(part: str) -> str:
    return part.split(":", 1)[1].split(" = ", 1)[0].strip() if ":" in part else ""


def _unlisted_args(w: Wrapper, doc: ParsedDoc) -> ParsedDoc:
    """The docstring without the argument entries the parameter table shows (an entry stays when
    it names something that is no parameter of the wrapper, or is prose before the entries)."""
    names = {p.name for p in w.params}
    routed = {p.name for p in w.call_params}

    def left(entries: tuple[DocArg, ...], shown: set[str]) -> tuple[DocArg, ...]:
        return tuple(e for e in entries if not e.name or not set(_names(e.name)) <= shown)

    return replace(doc, args=left(doc.args, names), call_args=left(doc.call_args, routed))


def signature_block(name: str, forms: Sequence[tuple[Sequence[str], str]], width: int = 88,
                    brief_width: int = 100) -> str:
    """The code block atop a page: each typed form of the wrapper (its overloads, as a type
    checker sees them; its signature when it has one form). When a form does not fit on a line,
    every form keeps the parameters that differ between forms and the required ones, and `...`
    stands for the rest: the parameter table lists them all."""
    full = [format_parts(name, list(parts), returns, width) for parts, returns in forms]
    if len(forms) == 1 or not any("\n" in text for text in full):
        return "\n".join(full)
    annotations: dict[str, set[str]] = {}
    for parts, _ in forms:
        for part in parts:
            annotations.setdefault(_part_name(part), set()).add(part)
    varying = {key for key, texts in annotations.items() if len(texts) > 1}
    brief = [format_parts(name, _brief(parts, varying), returns, brief_width) for parts, returns in forms]
    return ("\n\n" if any("\n" in text for text in brief) else "\n").join(brief)


def _brief(parts: Sequence[str], varying: set[str]) -> list[str]:
    shown: list[str] = []
    for part in parts:
        required = part not in ("/", "*") and not part.startswith("*") and " = " not in part
        if part in ("/", "*") or required or _part_name(part) in varying:
            shown.append(part)
        elif not shown or shown[-1] != "...":
            shown.append("...")
    out: list[str] = []
    for index, part in enumerate(shown):  # a `*` before nothing but `...` says nothing
        if part == "*" and all(later == "..." for later in shown[index + 1:]):
            continue
        if part == "..." and out and out[-1] == "...":
            continue
        out.append(part)
    return out


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
        for row in rows:  # its Args go into the table, one row each
            name = row["name"].strip("`").lstrip("*")
            row["description"] = next((render_text(e.description) for e in parsed.args if name in _names(e.name)), "")
        shown = {row["name"].strip("`").lstrip("*") for row in rows}
        doc = render_doc(replace(parsed, args=tuple(e for e in parsed.args
                                                    if not e.name or not set(_names(e.name)) <= shown)),
                         node.name.value)
        found[node.name.value] = HandWritten(tuple(parts), code(node.returns.annotation) if node.returns else "Any",
                                             tuple(rows), doc)
    return found


# --- docstrings -------------------------------------------------------------------------------


def example_blocks(examples: Iterable[Example]) -> list[tuple[int, Example]]:
    """The runnable chunks of an examples section with their `index`: the chunk's position in
    `ParsedDoc.examples`, text chunks counted (how `generator.docs.examples.run_all` keys its
    results). Runnable: doctest runs, and code blocks in Python or with no language."""
    return [(index, c) for index, c in enumerate(examples)
            if c.kind == "doctest" or (c.kind == "code" and c.language.strip().lower() in PYTHON_LANGUAGES)]


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
    for fence in FENCE.finditer(markdown):
        out.append(_LINK.sub(lambda m: f"](https://keras.io{m.group('target')})", markdown[position:fence.start()]))
        out.append(fence.group(0))
        position = fence.end()
    out.append(_LINK.sub(lambda m: f"](https://keras.io{m.group('target')})", markdown[position:]))
    return "".join(out)


# --- bases ------------------------------------------------------------------------------------


def base_view(name: str, path: str, snapshot: Snapshot, patches: Mapping[str, DocPatch]) -> dict[str, Any]:
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
