"""Reading the toolkit's TOML data files (spec, type rules, allowlist) with errors that name them.

Each table of a spec file is read into a typed record through `fields()`, which checks every
field's type and refuses unknown fields, naming the file, the entry and the field and listing the
fields that entry knows. A string where a list is meant (`upstream = "keras.ops"`) would
otherwise be read as a tuple of characters and silently drop a whole family.

Why explicit checks over dataclasses rather than pydantic or msgspec: the spec's fields are only
strings, booleans, lists of strings and string tables, so the checker is a few lines; it keeps
the toolkit's one-line error form (`file: entry: field ...`) without translating a library's
multi-line errors, and adds no dependency to every maintainer's venv.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

# What a field may hold. "table" is any TOML table (checked by its own reader).
Kind = Literal["str", "bool", "date", "list", "list[str]", "table[str]", "table", "list[table]"]

_DESCRIPTIONS: dict[str, str] = {
    "str": "a string",
    "bool": "true or false",
    "list": "a list",
    "date": "a date like 2027-01-31 (not a date-time)",
    "list[str]": 'a list of strings, e.g. ["a", "b"]',
    "table[str]": "a table of strings",
    "table": "a table",
    "list[table]": "a list of tables ([[...]])",
}


def read_toml(path: Path, error: type[ValueError]) -> dict[str, Any]:
    """The parsed file; a missing file or a syntax error becomes `error` naming the file."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except UnicodeDecodeError as problem:
        raise error(f"{path}: not UTF-8 text (byte {problem.start})") from None
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{path}: {problem}") from None


def _is(value: Any, kind: Kind) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "list":
        return isinstance(value, list)
    if kind == "date":  # a TOML date-time is a datetime, a date that cannot be compared with one
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    if kind == "list[str]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == "table[str]":
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if kind == "table":
        return isinstance(value, dict)
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def fields(raw: Any, path: Path, entry: str, known: Mapping[str, Kind], error: type[ValueError],
           required: Iterable[str] = ()) -> dict[str, Any]:
    """`raw` checked as a table whose fields are `known` (name -> kind), `required` among them.

    Every error names the file, the entry (`family 3`, `[renames]`, `doc patch for keras.X`) and
    the field, and lists the fields the entry knows.
    """
    listing = f"known fields: {', '.join(known)}"
    if not isinstance(raw, dict):
        raise error(f"{path}: {entry} must be a table, got {_shown(raw)}; {listing}")
    unknown = [name for name in raw if name not in known]
    if unknown:
        raise error(f"{path}: {entry}: unknown key {unknown[0]!r}; {listing}")
    missing = [name for name in required if name not in raw]
    if missing:
        raise error(f"{path}: {entry}: field {missing[0]!r} is missing; {listing}")
    for name, value in raw.items():
        if not _is(value, known[name]):
            raise error(f"{path}: {entry}: {name} must be {_DESCRIPTIONS[known[name]]}, "
                        f"got {_shown(value)}; {listing}")
    return raw


def _shown(value: Any) -> str:
    kinds = {str: "string", bool: "boolean", int: "integer", float: "float", list: "list", dict: "table",
             dt.datetime: "date-time", dt.date: "date", dt.time: "time"}
    text = repr(value)
    return f"{kinds.get(type(value), type(value).__name__)} {text if len(text) <= 60 else text[:57] + '...'}"
