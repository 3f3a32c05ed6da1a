"""Lossless by sentence: every sentence of upstream prose a wrapper covers is on its page (in the
sources, and in the built site), and the wrapper parameters no docstring documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.binding.docstrings.model import (
    DocPatchError,
)
from generator.binding.docstrings.patches import apply_patches, load_doc_patches
from generator.binding.docstrings.sentences import documented_names, prose_sentences, token_text
from generator.binding.model import Binding
from generator.docs.site.common import FENCE, DocsError
from generator.docs.site.wrapper_pages import merged_args
from generator.upstream.model import Snapshot

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
        documented = documented_names(merged_args(w))
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
    # prose must be in the prose: code blocks (upstream's or translated examples) are left out, and
    # the tags of a parameter table are no words (the built site's measure strips every tag)
    sections = {anchor: token_text(_TABLE_TAG.sub(" ", FENCE.sub("", text)))
                for anchor, text in wrapper_sections(files).items()}
    return _count_sentences(binding, snapshot, exceptions, lambda anchor: sections.get(anchor, ""))


_PRE = re.compile(r"<pre\b.*?</pre>", re.DOTALL)
_TABLE_TAG = re.compile(r"</?(?:table|thead|tbody|tr|th|td)\b[^>]*>")
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
