"""Keras-aware docstrings: split a runtime docstring into sections and render it as Markdown.

Keras 3 docstrings are Google style with house quirks that general parsers trip over (see
`facts/keras-docstrings.md`): section bodies at column 0 (`Examples:` nearly always), unfenced
`>>>` doctests, prose lines that look like section labels (`Formula:`, `Standalone usage:`),
inline labels (`Note: ...`, `Returns: ...`) and `{{...}}` placeholders that Keras fills at import
time (so only the runtime `__doc__`, which the snapshot stores, is complete).

So the sections are split here (`parse`), by membership of a label in `SECTION_TITLES`, never by
shape; `docstring-parser` is only handed the (dedented) argument blocks, which it splits well, and
its result is checked word by word. Nothing is dropped: text that fits no structured field stays in
`description` (or `other`), in order. `checks/doc_report.py` measures that promise over a whole
snapshot.

Upstream mistakes are fixed as data: `[doc_patches."<path>"]` in `spec/docs.toml`, applied to the
docstring before parsing, each with a reason; a patch whose text upstream no longer has is an
error, so patches cannot silently rot (`patches`).

Modules: `model` (the parsed records), `lines` (indentation, labels, fences), `parse`, `markdown`
(rendering), `patches`, `sentences`
(sentence coverage, borrowed argument docs).
"""
