"""Reading the toolkit's TOML data files (spec, type rules, allowlist) with errors that name them."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


def read_toml(path: Path, error: type[ValueError]) -> dict[str, Any]:
    """The parsed file; a missing file or a syntax error becomes `error` naming the file."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{path}: {problem}") from None
