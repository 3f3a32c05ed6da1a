"""Upstream docstring mistakes fixed as data: `[doc_patches."<path>"]` of spec/docs.toml, applied
before parsing, each with a reason (a patch whose text upstream no longer has is an error, so
patches cannot silently rot), and `[arg_docs."<path>"]`, other docstrings that document a
symbol's parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import cast

from generator.binding.docstrings.model import DocPatch, DocPatchError
from generator.settings import SPEC_DIR
from generator.tomlfiles import fields, read_toml
from generator.upstream.model import Signature, Snapshot

DOCS_SPEC = SPEC_DIR / "docs.toml"


# ---------------------------------------------------------------------------------------------
# Patches


def load_doc_patches(path: Path = DOCS_SPEC) -> dict[str, DocPatch]:
    """`[doc_patches."<path>"]` tables of `spec/docs.toml`; none when the file is absent."""
    if not path.exists():
        return {}
    data = fields(read_toml(path, DocPatchError), path, "top level",
                  {"doc_patches": "table", "examples": "table", "arg_docs": "table",
                   "lost_sentences": "list[table]"}, DocPatchError)
    patches: dict[str, DocPatch] = {}
    for symbol, raw in data.get("doc_patches", {}).items():
        patches[symbol] = _doc_patch(path, symbol, raw)
    return patches


def _doc_patch(path: Path, symbol: str, raw: object) -> DocPatch:
    where = f"{path}: doc patch for {symbol}"
    table = cast(dict[str, object], fields(raw, path, f"doc patch for {symbol}",
                                           {"reason": "str", "replace": "list"}, DocPatchError))
    reason = table.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise DocPatchError(f"{where} has no reason")
    pairs: list[tuple[str, str]] = []
    for pair in cast(list[object], table.get("replace") or []):
        items = cast(list[object], pair) if isinstance(pair, list) else []
        if len(items) != 2 or not all(isinstance(item, str) for item in items) or not items[0]:
            break
        pairs.append((str(items[0]), str(items[1])))
    else:
        if pairs:
            return DocPatch(symbol, tuple(pairs), reason)
    raise DocPatchError(f'{where} needs replace = [["old text", "new text"], ...]')


def apply_patches(doc: str, patches: DocPatch | None) -> str:
    """The docstring with a patch's replacements applied, in order (every occurrence)."""
    if patches is None:
        return doc
    for old, new in patches.replace:
        if old not in doc:
            raise DocPatchError(
                f"doc patch for {patches.path}: {old!r} is not in the upstream docstring "
                "(fixed upstream? then remove the patch)"
            )
        doc = doc.replace(old, new)
    return doc


def documented_docstrings(snapshot: Snapshot) -> list[tuple[str, str, Signature | None]]:
    """(path, docstring, signature) of every canonical symbol and public member with a doc."""
    out: list[tuple[str, str, Signature | None]] = []
    for symbol in sorted(snapshot.canonical_symbols(), key=lambda s: s.path):
        if symbol.doc:
            out.append((symbol.path, symbol.doc, symbol.signature))
        for member in symbol.members:
            if member.doc:
                out.append((f"{symbol.path}.{member.name}", member.doc, member.signature))
    return out


def stale_patches(snapshot: Snapshot, patches: Mapping[str, DocPatch]) -> list[tuple[str, str]]:
    """(path, why) of every patch that does not apply to `snapshot`: its path has no docstring
    there, or a text it replaces is not in the docstring (upstream fixed it, or reworded it)."""
    docs = {path: doc for path, doc, _ in documented_docstrings(snapshot)}
    stale = []
    for path in sorted(patches):
        if path not in docs:
            stale.append((path, f"no docstring at this path in Keras {snapshot.keras_version}"))
            continue
        missing = [old for old, _ in patches[path].replace if old not in docs[path]]
        if missing:
            stale.append((path, "upstream text no longer there: " + ", ".join(repr(m) for m in missing)))
    return stale


def check_patches_apply(snapshot: Snapshot, patches: Mapping[str, DocPatch], source: Path = DOCS_SPEC) -> None:
    """The pinned release's patches must all apply; one error names every one that does not, so a
    maintainer bumping the pin removes them in one go (each is upstream's fix landing)."""
    stale = stale_patches(snapshot, patches)
    if stale:
        raise DocPatchError(
            f"{source}: {len(stale)} doc patch(es) do not apply to Keras {snapshot.keras_version}, the pin "
            "(fixed upstream? then remove them): " + "; ".join(f"{path}: {why}" for path, why in stale))


def load_arg_docs(path: Path = DOCS_SPEC) -> dict[str, tuple[str, ...]]:
    """`[arg_docs."<path>"]` of spec/docs.toml: other upstream docstrings (`from`, public paths or
    `<class>.<member>`) that document the parameters of a symbol whose own docstring does not
    (`keras.saving.save_weights` has none; `keras.Model.save_weights` documents the same
    arguments), each with its `reason`."""
    if not path.exists():
        return {}
    data = read_toml(path, DocPatchError)
    out: dict[str, tuple[str, ...]] = {}
    for symbol, raw in sorted(data.get("arg_docs", {}).items()):
        sources = raw.get("from") if isinstance(raw, dict) else None
        if (not isinstance(sources, list) or not sources or not all(isinstance(x, str) for x in sources)
                or not isinstance(raw.get("reason"), str) or not raw["reason"].strip()):
            raise DocPatchError(f"{path}: [arg_docs.\"{symbol}\"] needs `from` (a list of paths) and a `reason`")
        out[symbol] = tuple(sources)
    return out
