"""Which upstream tutobooks (keras.io guides and examples) the project tracks: `spec/guides.toml`.

A tutobook is a Python script with a header docstring and Markdown prose in triple-quoted strings
between its code cells, the source of a keras.io guide or example. Each `[[guide]]` or `[[example]]`
table of the spec names one: its upstream path (which is also its place in the store,
`upstream_snapshots/keras-io/<path>`), the repository it is read from, optionally the git ref it is
read at, its page's slug and gallery category, and `skip` (tracked, but no page: the reason is
stated in the sync report). Settings the docs stage reads when it runs a page (fixtures, training
shortened, cells skipped) are further fields of the same table, checked here like the others:
`RUN_FIELDS` names them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.settings import SPEC_DIR
from generator.tomlfiles import Kind, fields, read_toml

GUIDES_SPEC = SPEC_DIR / "guides.toml"
REPOSITORIES = ("keras-team/keras", "keras-team/keras-io")
KINDS = ("guide", "example")

# Per-tutobook settings of the docs stage (running the page's cells); kept in `settings`.
RUN_FIELDS: dict[str, Kind] = {}
_FIELDS: dict[str, Kind] = {"path": "str", "repo": "str", "ref": "str", "slug": "str",
                            "category": "str", "skip": "str", **RUN_FIELDS}


class TutobookSpecError(ValueError):
    """spec/guides.toml is malformed; the message names the file, the entry and the field."""


@dataclass(frozen=True)
class Tracked:
    """One tracked tutobook."""

    kind: str  # "guide" or "example"
    path: str  # upstream path, e.g. guides/functional_api.py
    repo: str  # keras-team/keras or keras-team/keras-io
    ref: str | None  # git ref of a checkout of `repo` to read it at (None: what is checked out)
    slug: str  # the page's file name, without .md
    category: str  # gallery category of an example; "guides" for a guide
    skip: str | None  # why it has no page
    settings: Mapping[str, Any] = field(default_factory=dict)  # RUN_FIELDS given

    @property
    def page(self) -> str | None:
        """The page's path under templates/docs/, or None when skipped."""
        if self.skip:
            return None
        if self.kind == "guide":
            return f"guides/keras-io/{self.slug}.md"
        return f"examples/{self.category}/{self.slug}.md"


def default_category(path: str) -> str:
    """The folder above the file, past `examples/keras_io/tensorflow/` (a gallery category)."""
    return path.rsplit("/", 2)[-2] if path.count("/") >= 2 else "examples"


def load_tracked(path: Path = GUIDES_SPEC) -> tuple[Tracked, ...]:
    """Every tracked tutobook, guides first then examples, each in the spec's order."""
    data = fields(read_toml(path, TutobookSpecError), path, "top level",
                  {kind: "list[table]" for kind in KINDS}, TutobookSpecError)
    out: list[Tracked] = []
    for kind in KINDS:
        for number, raw in enumerate(data.get(kind, []), start=1):
            where = f"{kind} {number}"
            raw = fields(raw, path, where, _FIELDS, TutobookSpecError, required=("path", "repo"))
            out.append(_entry(kind, raw, path, where))
    _check_unique(out, path)
    return tuple(out)


def _entry(kind: str, raw: Mapping[str, Any], spec: Path, where: str) -> Tracked:
    upstream = raw["path"]
    if not upstream.endswith(".py") or upstream.startswith("/") or ".." in upstream.split("/"):
        raise TutobookSpecError(f"{spec}: {where}: path {upstream!r} must be a relative path to a .py file")
    if raw["repo"] not in REPOSITORIES:
        raise TutobookSpecError(f"{spec}: {where} ({upstream}): repo {raw['repo']!r} is not one of "
                                f"{', '.join(REPOSITORIES)}")
    stem = upstream.rsplit("/", 1)[-1].removesuffix(".py")
    slug = raw.get("slug", stem)
    category = "guides" if kind == "guide" else raw.get("category", default_category(upstream))
    for name, value in (("slug", slug), ("category", category)):
        if not value or not all(c.isalnum() or c in "_-" for c in value):
            raise TutobookSpecError(f"{spec}: {where} ({upstream}): {name} {value!r} may hold only "
                                    "letters, digits, '_' and '-'")
    if "skip" in raw and not raw["skip"].strip():
        raise TutobookSpecError(f"{spec}: {where} ({upstream}): skip needs a reason")
    return Tracked(kind, upstream, raw["repo"], raw.get("ref"), slug, category, raw.get("skip"),
                   {k: v for k, v in raw.items() if k in RUN_FIELDS})


def _check_unique(entries: Sequence[Tracked], spec: Path) -> None:
    seen: dict[str, str] = {}
    pages: dict[str, str] = {}
    for entry in entries:
        if entry.path in seen:
            raise TutobookSpecError(f"{spec}: {entry.path} is listed twice")
        seen[entry.path] = entry.repo
        if entry.page is not None:
            if entry.page in pages:
                raise TutobookSpecError(f"{spec}: {entry.path} and {pages[entry.page]} would both have the "
                                        f"page {entry.page}: give one a slug")
            pages[entry.page] = entry.path
