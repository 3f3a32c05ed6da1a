"""A wrapper's documentation: its upstream docstring (a member's for a member wrapper), patched
with spec/docs.toml, parsed, with argument descriptions borrowed from the docstrings that document
them, and the release notes that matter to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from generator.binding.docstrings.model import DocArg, DocPatchError, ParsedDoc
from generator.binding.docstrings.parse import parse_docstring
from generator.binding.docstrings.patches import apply_patches
from generator.binding.docstrings.sentences import borrowed_arg_docs
from generator.binding.model import DocSources, Wrapper
from generator.binding.spec import BindingSpec, SpecError
from generator.binding.typing_rules import admit_documented
from generator.upstream.model import Snapshot, Symbol


def documented_wrapper(wrapper: Wrapper, snapshot: Snapshot, docs: DocSources, spec: BindingSpec) -> Wrapper:
    """`wrapper` with its parsed docs (and the function form's, for a dual wrapper), the argument
    descriptions it borrows, and parameter types widened where its docs admit more."""
    symbol = snapshot.symbols[wrapper.upstream]
    key = wrapper.upstream
    text = symbol.doc
    if wrapper.member is not None:
        member = symbol.member(wrapper.member)
        text, key = (member.doc if member else ""), f"{wrapper.upstream}.{wrapper.member}"
        if not text.strip():
            text = _commented_call(symbol, wrapper.member)
    doc = parse_docstring(_patched(text, key, docs))
    if key in spec.docs_from:
        doc = _borrowed(doc, wrapper, snapshot, spec.docs_from[key], key, spec)
    function = snapshot.symbols.get(wrapper.function) if wrapper.function else None
    function_doc = parse_docstring(_patched(function.doc, function.path, docs)) if function else ParsedDoc()
    borrowed = borrowed_arg_docs(
        [p.name for p in wrapper.params if p.kind not in ("var_positional", "var_keyword")],
        [doc, function_doc], _arg_doc_sources(wrapper, key, snapshot, docs))
    # A parameter whose docs allow None (or another documented form) admits it, by rule.
    described = {a.name: a.description for a in (*function_doc.args, *doc.args)}
    params = tuple(replace(p, annotation=admit_documented(p.annotation, described[p.name]))
                   if p.name in described and p.forward != "none" else p for p in wrapper.params)
    return replace(wrapper, params=params, doc=doc, function_doc=function_doc, borrowed_args=borrowed,
                   changes=docs.changes.get(wrapper.upstream, ()))


def _patched(text: str, key: str, docs: DocSources) -> str:
    try:
        return apply_patches(text, docs.patches.get(key))
    except DocPatchError:
        if docs.strict_patches:
            raise
        return text


def _doc_at(snapshot: Snapshot, path: str) -> str | None:
    """The docstring of a public path or of `<class path>.<member>`; None when there is no such thing."""
    if path in snapshot.symbols:
        return snapshot.symbols[path].doc
    owner, _, name = path.rpartition(".")
    member = snapshot.symbols[owner].member(name) if owner in snapshot.symbols else None
    return member.doc if member is not None else None


def _commented_call(owner: Symbol, member: str) -> str:
    """A member's summary from its owner's docstring, when that shows the call under a comment.

    FeatureSpace documents its feature constructors only so: `# Float values to be preprocessed
    via linear rescaling ...` above `FeatureSpace.float_rescaled(scale=1., offset=0., name=None)`.
    """
    lines = owner.doc.splitlines()
    call = f"{owner.path.rsplit('.', 1)[1]}.{member}("
    for index, line in enumerate(lines):
        if line.strip().startswith(call):
            comment: list[str] = []
            for above in reversed(lines[:index]):
                if not above.strip().startswith("#"):
                    break
                comment.insert(0, above.strip().lstrip("#").strip())
            return " ".join(comment)
    return ""


def _borrowed(parsed: ParsedDoc, wrapper: Wrapper, snapshot: Snapshot, rule: Mapping[str, Any],
              key: str, spec: BindingSpec) -> ParsedDoc:
    """Fill a docstring from what the callable calls: `text` gives the whole text (no examples: they
    are the other callable's), `args` each argument the text leaves out, `own` our words for the rest."""
    if "text" in rule:
        source = _doc_at(snapshot, rule["text"])
        if source is None:
            raise SpecError(f"{spec.source}: docs_from {key}: {rule['text']} has no docstring to borrow")
        borrowed = parse_docstring(source)
        parsed = replace(borrowed, summary=parsed.summary or borrowed.summary, examples=())
    if "summary" in rule and not parsed.summary:
        parsed = replace(parsed, summary=rule["summary"])
    args = list(parsed.args)
    described = {a.name for a in args if a.description.strip()}
    pool: dict[str, str] = {}
    for path in rule.get("args", ()):
        source = _doc_at(snapshot, path)
        if source is None:
            raise SpecError(f"{spec.source}: docs_from {key}: {path} has no docstring to borrow")
        for arg in parse_docstring(source).args:
            pool.setdefault(arg.name, arg.description)
    pool.update(rule.get("own", {}))
    for p in wrapper.params:
        if p.name not in described and p.name in pool:
            args.append(DocArg(p.name, pool[p.name]))
    return replace(parsed, args=tuple(args))


def _arg_doc_sources(wrapper: Wrapper, key: str, snapshot: Snapshot,
                     docs: DocSources) -> list[tuple[str, ParsedDoc]]:
    """Where else upstream documents a wrapper's parameters, in the order asked: the spec's
    `[arg_docs]`, the class's `__init__`, then each public base in the MRO (and its `__init__`),
    the base a constructor forwards `**kwargs` to."""
    found: list[tuple[str, ParsedDoc]] = []
    paths = list(docs.arg_docs.get(key, ()))
    symbol = snapshot.symbols[wrapper.upstream]
    if wrapper.member is None and symbol.kind == "class":
        paths += [f"{wrapper.upstream}.__init__"]
        paths += [q for base in symbol.mro if base != wrapper.upstream and base in snapshot.symbols
                  for q in (base, f"{base}.__init__")]
    for path in dict.fromkeys(paths):
        owner, _, name = path.rpartition(".")
        if path in snapshot.symbols:
            text = snapshot.symbols[path].doc
        elif owner in snapshot.symbols and (member := snapshot.symbols[owner].member(name)) is not None:
            text = member.doc
        else:
            continue
        if text.strip():
            found.append((path, parse_docstring(_patched(text, path, docs))))
    return found
