"""Copies of this repository for tests that run the toolkit's command line on a tree of their own
(tests/regenerate/test_upgrade.py, tests/regenerate/test_robust.py), and the environment such a child runs in."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# What regenerate reads and writes: enough for `python -m generator ...` in the copy.
COPIED = ("generator", "templates", "generated/keras3", "generated/keras-stubs", "generated/docs", "generated/mkdocs.yml",
          "generated/rendered",
          "upstream_snapshots", "pyproject.toml")


def copy_repository(target: Path) -> Path:
    """Copy the committed toolkit, package, docs sources and store to `target`; return it."""
    for part in COPIED:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, target / part, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / part)
    return target


def tree(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file below `folder`; caches excluded (bytecode, and `.cache/`,
    where regeneration keeps its content-addressed translations: a cache, not an output)."""
    return {str(f.relative_to(folder)): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(folder.rglob("*"))
            if f.is_file() and "__pycache__" not in f.parts and ".cache" not in f.relative_to(folder).parts
            and not any(part.endswith(".egg-info") for part in f.parts)}  # pip's editable-install metadata


def child_environment(repo: Path, **extra: str) -> dict[str, str]:
    """The caller's environment with the copy first on PYTHONPATH (its `generator`), then whatever
    the caller's PYTHONPATH puts before the venv (a Keras installed in isolation): the Keras under
    test is the installed one."""
    path = os.pathsep.join(filter(None, [str(repo), os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": path, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3", **extra}
