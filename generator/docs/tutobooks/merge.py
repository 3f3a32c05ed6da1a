"""Upstream's change merged into a hand-edited page: `git merge-file`, a real three-way merge.

base = the translation of the stored (old) upstream, theirs = the translation of the new upstream,
mine = the committed page. A clean merge is the new page; a conflict is written with markers, and
the drift check fails on it until a maintainer resolves it.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Grade = Literal["added", "unchanged", "updated", "merged", "conflict", "removed"]


@dataclass(frozen=True)
class Merged:
    text: str
    grade: Grade  # unchanged (nothing moved), updated (no hand edits), merged (hand edits kept), conflict
    conflicts: int


def three_way(mine: str, base: str, theirs: str, labels: tuple[str, str, str]) -> Merged:
    """Merge `theirs` (base -> theirs is upstream's change) into `mine` (base -> mine: hand edits)."""
    if theirs == base:
        return Merged(mine, "unchanged", 0)
    if mine == base:
        return Merged(theirs, "updated", 0)
    with tempfile.TemporaryDirectory(prefix="keras3-merge-") as folder:
        files = []
        for name, text in (("mine", mine), ("base", base), ("theirs", theirs)):
            file = Path(folder) / name
            file.write_text(text, encoding="utf-8")
            files.append(str(file))
        done = subprocess.run(["git", "merge-file", "--stdout", "-L", labels[0], "-L", labels[1], "-L", labels[2],
                               *files], capture_output=True, check=False)
    if done.returncode < 0 or done.returncode > 127:
        raise RuntimeError(f"git merge-file failed: {done.stderr.decode(errors='replace').strip()}")
    text = done.stdout.decode("utf-8")
    conflicts = done.returncode
    return Merged(text, "conflict" if conflicts else "merged", conflicts)
