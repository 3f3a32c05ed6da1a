"""The docstring model: a runtime docstring split into sections (`ParsedDoc`), its argument
entries (`DocArg`) and example chunks (`Example`), a doc patch of spec/docs.toml (`DocPatch`), and
the section labels Keras writes (`SECTION_TITLES`) with the titles the docs render them under.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

SectionKey = Literal[
    "args", "call_args", "returns", "raises", "input_shape", "output_shape",
    "examples", "references", "notes", "other",
]

# The known section labels, exactly as Keras writes them (before the colon). Membership alone makes
# a line a section: `Formula:`, `It is defined as:`, `Standalone usage:`, `Usage in a Keras model:`
# have the same shape and are prose. `Arg` and `Return` are upstream slips (one each in 3.15) whose
# meaning is not in doubt; `Usage` bodies are example code, so they join the examples.
SECTION_TITLES: Mapping[str, SectionKey] = {
    "Args": "args",
    "Arguments": "args",
    "Arg": "args",
    "Parameters": "args",
    "Call arguments": "call_args",
    "Call args": "call_args",
    "Returns": "returns",
    "Return": "returns",
    "Raises": "raises",
    "Input shape": "input_shape",
    "Output shape": "output_shape",
    "Example": "examples",
    "Examples": "examples",
    "Usage": "examples",
    "Reference": "references",
    "References": "references",
    "Note": "notes",
    "Notes": "notes",
    "Attributes": "other",
    "Yields": "other",
    "Warning": "other",
    "Warnings": "other",
    "See also": "other",
    "See Also": "other",
}

# Titles used when rendering; `other` sections keep their own title.
RENDER_TITLES: Mapping[SectionKey, str] = {
    "args": "Arguments",
    "call_args": "Call arguments",
    "returns": "Returns",
    "raises": "Raises",
    "input_shape": "Input shape",
    "output_shape": "Output shape",
    "examples": "Examples",
    "references": "References",
    "notes": "Notes",
}


# ---------------------------------------------------------------------------------------------
# The model


@dataclass(frozen=True)
class DocArg:
    """One entry of an argument (or `Raises`) block. `name` is "" for prose before the first entry."""

    name: str
    description: str


@dataclass(frozen=True)
class Example:
    """One ordered chunk of an examples section."""

    kind: Literal["doctest", "code", "text"]
    text: str  # doctests keep their `>>>`/`...` prompts and printed output; code is unfenced
    language: str = ""  # a fenced block's info string (`python`, `shell`, ...), "" when none


@dataclass(frozen=True)
class ParsedDoc:
    summary: str = ""
    # Prose before the first section, then, in order, prose that follows an indented section
    # (e.g. `Formula:` paragraphs); look-alike labels are part of this text.
    description: str = ""
    args: tuple[DocArg, ...] = ()
    call_args: tuple[DocArg, ...] = ()
    returns: str = ""
    raises: tuple[DocArg, ...] = ()
    input_shape: str = ""
    output_shape: str = ""
    examples: tuple[Example, ...] = ()
    references: str = ""
    notes: str = ""
    other: tuple[tuple[str, str], ...] = ()  # (title, body) of recognised but unusual sections
    # The section labels as upstream wrote them, in order (`Args`, `Example`, ...). Rendering
    # replaces them with its own titles, so the coverage measure does not count them as text.
    sections: tuple[str, ...] = ()


@dataclass(frozen=True)
class DocPatch:
    """A fix of one upstream docstring, from `[doc_patches."<path>"]` in `spec/docs.toml`."""

    path: str  # public path of the symbol, or `<symbol path>.<member name>`
    replace: tuple[tuple[str, str], ...]
    reason: str


class DocPatchError(ValueError):
    """A docstring patch is malformed or no longer matches upstream; the message names the path."""
