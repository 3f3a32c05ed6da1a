"""What an upstream sync of the tutobooks changed, and what it did to each translated page: the
sync report, in the terminal (rich), Markdown (a CI job's summary) and JSON, like the API change
report.

Per tracked tutobook: its upstream status (added: not stored before; removed: gone upstream;
changed: other bytes, with a unified diff of prose and code; unchanged; unavailable: this checkout
cannot say) and its page's grade (added, unchanged, updated: no hand edits, the new translation
written; merged: hand edits kept; conflict: written with markers; removed: upstream is gone, the
page stays until a maintainer removes it; skipped: tracked without a page).
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

STORED = "the store"  # the repo of a report made from the store alone (every page listed)
STATUSES = ("added", "removed", "changed", "unchanged", "unavailable")
PAGE_GRADES = ("added", "unchanged", "updated", "merged", "conflict", "removed", "skipped")
_STYLES = {"added": "green", "removed": "red", "changed": "yellow", "unchanged": "dim", "unavailable": "dim",
           "updated": "green", "merged": "cyan", "conflict": "bold red", "skipped": "dim"}


@dataclass(frozen=True)
class TutobookChange:
    path: str  # upstream path
    repo: str
    kind: str  # guide or example
    status: str  # one of STATUSES
    old_commit: str | None
    new_commit: str | None
    diff: str  # unified diff of the stored and the new upstream text ("" when not changed)
    page: str | None  # the page under templates/docs/, None when skipped
    grade: str | None  # one of PAGE_GRADES; None when nothing was done to a page
    calls: int = 0  # calls of a path that has a keras3 wrapper, in the new translation
    rewritten: int = 0  # of those, rewritten to the wrapper
    sentences_kept: int = 0  # upstream prose sentences on the page
    sentences: int = 0
    note: str = ""  # why unavailable, why skipped, where the conflicts are


@dataclass(frozen=True)
class SyncReport:
    checkout: str  # the folder synced from
    repo: str
    changes: tuple[TutobookChange, ...]
    untracked: tuple[str, ...]  # tutobooks upstream has that the spec does not track

    def count(self, status: str) -> int:
        return sum(c.status == status for c in self.changes)

    @property
    def moved(self) -> tuple[TutobookChange, ...]:
        """Tracked tutobooks with a page whose upstream moved (what fails the weekly job)."""
        return tuple(c for c in self.changes if c.page is not None and c.status in ("changed", "removed"))

    @property
    def conflicts(self) -> tuple[TutobookChange, ...]:
        return tuple(c for c in self.changes if c.grade == "conflict")


def unified_diff(old: str, new: str, path: str, old_commit: str | None, new_commit: str | None) -> str:
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=f"a/{path} ({(old_commit or 'stored')[:12]})",
                                 tofile=f"b/{path} ({(new_commit or 'upstream')[:12]})", n=3)
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def summary_line(report: SyncReport) -> str:
    statuses = ", ".join(f"{report.count(s)} {s}" for s in STATUSES)
    grades = Counter(c.grade for c in report.changes if c.grade)
    pages = ", ".join(f"{grades[g]} {g}" for g in PAGE_GRADES if grades[g])
    calls = sum(c.calls for c in report.changes if c.page)
    rewritten = sum(c.rewritten for c in report.changes if c.page)
    return (f"{len(report.changes)} tracked tutobooks of {report.repo}: {statuses}; pages: {pages or 'none'}; "
            f"calls rewritten {rewritten}/{calls} that have a wrapper")


def render_sync_report(report: SyncReport, fmt: str, out: TextIO) -> None:
    {"terminal": _terminal, "markdown": _markdown, "json": _json, "github": _markdown}[fmt](report, out)


def _rows(report: SyncReport) -> list[TutobookChange]:
    """Moved first (conflicts, then changes), then the rest; by path within."""
    order = {g: n for n, g in enumerate(("conflict", "merged", "updated", "removed", "added"))}
    return sorted(report.changes, key=lambda c: (c.status in ("unchanged", "unavailable"),
                                                 order.get(c.grade or "", 9), c.path))


def _figure(change: TutobookChange) -> str:
    if not change.page:
        return ""
    calls = f"{change.rewritten}/{change.calls}" if change.calls else "-"
    sentences = f"{change.sentences_kept}/{change.sentences}" if change.sentences else "-"
    return f"{calls} calls, {sentences} sentences"


def _title(report: SyncReport) -> str:
    if report.repo == STORED:
        return "Translated keras.io pages, from the stored upstream copies"
    return f"Tutobooks synced from {report.checkout}"


def _shown(report: SyncReport, change: TutobookChange) -> bool:
    """A sync's tables list what moved; the store's report lists every page."""
    if report.repo == STORED:
        return change.page is not None
    return not (change.status == "unchanged" and change.grade in (None, "unchanged", "skipped"))


def _terminal(report: SyncReport, out: TextIO) -> None:
    console = Console(file=out, width=None if out.isatty() else 140, highlight=False, soft_wrap=False)
    console.print(f"[bold]{escape(_title(report))}[/]: {summary_line(report)}")
    table = Table(show_lines=False, expand=False)
    for column in ("upstream", "status", "page", "translation", "note"):
        table.add_column(column, overflow="fold")
    for change in _rows(report):
        if not _shown(report, change):
            continue
        table.add_row(change.path, f"[{_STYLES[change.status]}]{change.status}[/]",
                      f"[{_STYLES.get(change.grade or '', 'dim')}]{change.grade or ''}[/] {change.page or ''}",
                      _figure(change), escape(change.note))
    console.print(table)
    for change in _rows(report):
        if change.diff:
            console.print(f"[bold]{change.path}[/] ({change.status})")
            for line in change.diff.splitlines():
                style = "green" if line.startswith("+") else "red" if line.startswith("-") else \
                    "cyan" if line.startswith("@@") else ""
                console.print(f"[{style}]{escape(line)}[/]" if style else escape(line))
    if report.untracked:
        console.print(f"Untracked upstream tutobooks ({len(report.untracked)}): {', '.join(report.untracked)}")


def _markdown(report: SyncReport, out: TextIO) -> None:
    out.write(f"# {_title(report)}\n\n{summary_line(report)}\n\n")
    out.write("| upstream | status | page | translation | note |\n| --- | --- | --- | --- | --- |\n")
    for change in _rows(report):
        if not _shown(report, change):
            continue
        note = change.note.replace("|", "\\|").replace("\n", " ")
        out.write(f"| `{change.path}` | {change.status} | {change.grade or ''} {change.page or ''} | "
                  f"{_figure(change)} | {note} |\n")
    for change in _rows(report):
        if change.diff:
            fence = "`" * max(3, max((len(r) for r in change.diff.split() if set(r) == {"`"}), default=0) + 1)
            out.write(f"\n<details><summary><code>{change.path}</code> ({change.status}, "
                      f"{(change.old_commit or '')[:12]} → {(change.new_commit or '')[:12]})</summary>\n\n"
                      f"{fence}diff\n{change.diff}{fence}\n\n</details>\n")
    if report.untracked:
        out.write(f"\nUntracked upstream tutobooks ({len(report.untracked)}): "
                  + ", ".join(f"`{p}`" for p in report.untracked) + "\n")


def _json(report: SyncReport, out: TextIO) -> None:
    data = {"checkout": report.checkout, "repo": report.repo, "summary": summary_line(report),
            "counts": {s: report.count(s) for s in STATUSES},
            "pages": dict(sorted(Counter(c.grade for c in report.changes if c.grade).items())),
            "changes": [asdict(c) for c in sorted(report.changes, key=lambda c: c.path)],
            "untracked": list(report.untracked)}
    out.write(json.dumps(data, indent=1, sort_keys=True) + "\n")


def merged_reports(reports: Sequence[SyncReport]) -> SyncReport:
    """Several syncs (one per checkout) as one report."""
    return SyncReport(", ".join(r.checkout for r in reports), ", ".join(r.repo for r in reports),
                      tuple(c for r in reports for c in r.changes), tuple(u for r in reports for u in r.untracked))
