"""Upstream docstring mistakes fixed as data: `[doc_patches."<path>"]` of spec/docs.toml, applied
before parsing, each with a reason (a patch whose text upstream no longer has is an error, so
patches cannot silently rot), and `[arg_docs."<path>"]`, other docstrings that document a
symbol's parameters.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from generator.binding.docstrings.model import DocPatch, DocPatchError
from generator.settings import SPEC_DIR
from generator.tomlfiles import fields, read_toml

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
