"""The tether of a translated page: its front matter names the stored upstream file it was
translated from (path, repository, commit, sha256), so the drift check can tell a page whose
upstream moved, and the sync can merge upstream's change into it. Also: conflict markers left by
a three-way merge, which a page must not keep.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_FRONT = re.compile(r"\A---\n(?P<body>.*?)\n---\n", re.DOTALL)
_FIELD = re.compile(r"^(?P<key>[a-z][a-z0-9_]*): (?P<value>.*)$")
# What `git merge-file` writes around a conflict (its marker size is 7).
CONFLICT = re.compile(r"^(?:<{7} |={7}$|>{7} |\|{7} )", re.MULTILINE)


class TetherError(ValueError):
    """A page's front matter lacks its tether or is malformed; the message names the page."""


@dataclass(frozen=True)
class Tether:
    path: str  # upstream path, e.g. guides/functional_api.py
    repo: str
    commit: str
    sha256: str


def front_matter(title: str, tether: Tether) -> str:
    """The page's front matter (YAML: mkdocs reads `title`; the tether fields are ours)."""
    return "\n".join(["---", f"title: {json.dumps(title, ensure_ascii=False)}",
                      f"upstream: {tether.path}", f"upstream_repo: {tether.repo}",
                      f"upstream_commit: {tether.commit}", f"upstream_sha256: {tether.sha256}", "---"])


def read_tether(text: str, page: str) -> Tether:
    match = _FRONT.match(text)
    if match is None:
        raise TetherError(f"{page}: no front matter (a translated page starts with ---, its tether, ---)")
    values: dict[str, str] = {}
    for line in match.group("body").splitlines():
        field = _FIELD.match(line)
        if field:
            values[field.group("key")] = field.group("value").strip()
    missing = [k for k in ("upstream", "upstream_repo", "upstream_commit", "upstream_sha256") if k not in values]
    if missing:
        raise TetherError(f"{page}: its front matter lacks {', '.join(missing)} (the tether to the stored upstream)")
    return Tether(values["upstream"], values["upstream_repo"], values["upstream_commit"], values["upstream_sha256"])


def is_tethered(text: str) -> bool:
    match = _FRONT.match(text)
    return match is not None and any(line.startswith("upstream: ") for line in match.group("body").splitlines())


def conflict_lines(text: str) -> list[int]:
    """Line numbers (1-based) of the conflict markers in `text`."""
    return [text.count("\n", 0, m.start()) + 1 for m in CONFLICT.finditer(text)]
