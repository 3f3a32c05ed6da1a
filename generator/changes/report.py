"""Render a change report for people (terminal, Markdown) and tools (JSON, GitHub)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from itertools import groupby
from typing import TextIO

from rich.console import Console
from rich.table import Table

from generator.changes.diff import GRADES, Finding, Impact

IMPACT_TITLE = "keras3 impact"

GRADE_TITLES = {
    "breaking": "Breaking",
    "possibly-breaking": "Possibly breaking",
    "compatible": "Compatible",
    "docs-only": "Docs only",
}
_GRADE_STYLES = {"breaking": "bold red", "possibly-breaking": "yellow", "compatible": "green", "docs-only": "dim"}
_ANNOTATION_LEVELS = {"breaking": "error", "possibly-breaking": "warning", "compatible": "notice", "docs-only": "notice"}


def summary_counts(findings: Iterable[Finding]) -> dict[str, int]:
    counts = Counter(f.grade for f in findings)
    return {grade: counts.get(grade, 0) for grade in GRADES}


def _grade_counts(findings: Sequence[Finding]) -> str:
    counts = summary_counts(findings)
    return ", ".join(f"{counts[g]} {GRADE_TITLES[g].lower()}" for g in GRADES)


def summary_line(findings: Sequence[Finding]) -> str:
    return f"{len(findings)} findings: {_grade_counts(findings)}"


def render(findings: Sequence[Finding], old: str, new: str, fmt: str, out: TextIO,
           impact: Sequence[Impact] | None = None) -> None:
    """The change report; with `impact`, it ends with the section "keras3 impact"."""
    renderers = {"terminal": render_terminal, "markdown": render_markdown, "json": render_json,
                 "github": render_github}
    renderers[fmt](findings, old, new, out, impact)


def impact_line(impact: Sequence[Impact]) -> str:
    counts = Counter(i.grade for i in impact)
    grades = ", ".join(f"{counts.get(g, 0)} {GRADE_TITLES[g].lower()}" for g in GRADES if g != "docs-only")
    return f"{len(impact)} wrapper names: {grades}"


def render_terminal(findings: Sequence[Finding], old: str, new: str, out: TextIO,
                    impact: Sequence[Impact] | None = None) -> None:
    console = Console(file=out, width=None if out.isatty() else 120, highlight=False, soft_wrap=False)
    console.print(f"[bold]Keras {old} → {new}[/]: {summary_line(findings)}")
    _grade_tables(console, "", "symbol", [(f.grade, f.target, f.message, f.kind) for f in findings])
    if impact is not None:
        _terminal_impact(console, impact)


def _terminal_impact(console: Console, impact: Sequence[Impact]) -> None:
    console.print(f"[bold]{IMPACT_TITLE}[/]: {impact_line(impact)}")
    _grade_tables(console, f"{IMPACT_TITLE}: ", "wrapper", [(i.grade, i.name, i.message, i.kind) for i in impact])


def _grade_tables(console: Console, prefix: str, subject: str, rows: Sequence[tuple[str, str, str, str]]) -> None:
    """One table per grade, in the order given: (grade, what changed, the change, finding kind)."""
    for grade, group in groupby(rows, key=lambda row: row[0]):
        entries = list(group)
        table = Table(title=f"{prefix}{GRADE_TITLES[grade]} ({len(entries)})", title_style=_GRADE_STYLES[grade],
                      title_justify="left", show_lines=False, expand=False)
        table.add_column(subject, overflow="fold")
        table.add_column("change", overflow="fold")
        table.add_column("kind", style="dim")
        for _, target, message, kind in entries:
            table.add_row(target, message, kind)
        console.print(table)


def _module_of(path: str) -> str:
    return path.rsplit(".", 1)[0]


def render_markdown(findings: Sequence[Finding], old: str, new: str, out: TextIO,
                    impact: Sequence[Impact] | None = None) -> None:
    """A release note a maintainer can act on: grade, then module, then symbol."""
    out.write(f"# Keras {old} → {new}: API changes\n\n")
    out.write(f"**{len(findings)} findings**: {_grade_counts(findings)}.\n")
    if impact is not None:
        out.write(f"\n**{IMPACT_TITLE}**: {impact_line(impact)} (section at the end).\n")
    if not findings:
        out.write("\nNo difference in the public API.\n")
    for grade, grade_group in groupby(findings, key=lambda f: f.grade):
        rows = list(grade_group)
        out.write(f"\n## {GRADE_TITLES[grade]} ({len(rows)})\n")
        if grade == "docs-only":
            _markdown_docstrings(rows, out)
            continue
        for module, module_group in groupby(sorted(rows, key=lambda f: (_module_of(f.path), f.sort_key())),
                                            key=lambda f: _module_of(f.path)):
            out.write(f"\n### `{module}`\n\n")
            for line in _markdown_bullets(list(module_group)):
                out.write(f"- {line}\n")
    if impact is not None:
        _markdown_impact(impact, out)


def _markdown_impact(impact: Sequence[Impact], out: TextIO) -> None:
    """keras3's users' view: wrapper names removed, renamed or changed, breaking first."""
    out.write(f"\n## {IMPACT_TITLE} ({len(impact)})\n\n")
    out.write(f"{impact_line(impact)}. A removed or renamed wrapper name is kept, deprecated "
              "(it warns with `DeprecationWarning`), and graded breaking for keras3's users.\n")
    for grade, group in groupby(impact, key=lambda i: i.grade):
        rows = list(group)
        out.write(f"\n### {IMPACT_TITLE}: {GRADE_TITLES[grade]} ({len(rows)})\n\n")
        for i in rows:
            out.write(f"- `{i.name}` ({i.kind}): {i.message}\n")


def _markdown_bullets(rows: Sequence[Finding]) -> list[str]:
    """One bullet per finding, except that a symbol's positional shifts read as one bullet."""
    bullets: list[str] = []
    shifts: dict[str, list[Finding]] = {}
    for f in rows:
        if f.kind == "parameter-moved":
            if f.target not in shifts:
                bullets.append(f.target)  # placeholder, filled below in first-seen order
            shifts.setdefault(f.target, []).append(f)
        else:
            bullets.append(f"`{f.target}`: {f.message}")
    for target, moved in shifts.items():
        moved.sort(key=lambda f: int(f.old or 0))
        positions = ", ".join(f"`{f.parameter}` {f.old}→{f.new}" for f in moved)
        bullets[bullets.index(target)] = (
            f"`{target}`: {len(moved)} parameters change position ({positions}); positional calls shift")
    return bullets


def _markdown_docstrings(rows: Sequence[Finding], out: TextIO) -> None:
    out.write("\n<details><summary>Docstring changes of " + str(len(rows)) + " symbols</summary>\n\n")
    for f in rows:
        out.write(f"#### `{f.target}`\n\n```diff\n{f.detail or ''}\n```\n\n")
    out.write("</details>\n")


def render_json(findings: Sequence[Finding], old: str, new: str, out: TextIO,
                impact: Sequence[Impact] | None = None) -> None:
    document: dict[str, object] = {
        "old": old,
        "new": new,
        "summary": summary_counts(findings),
        "findings": [{"id": f.id, **asdict(f)} for f in findings],
    }
    if impact is not None:
        document["keras3_impact"] = {
            "summary": {grade: sum(i.grade == grade for i in impact) for grade in GRADES},
            "names": [{"id": i.id, **asdict(i)} for i in impact],
        }
    json.dump(document, out, indent=1, sort_keys=True, ensure_ascii=False)
    out.write("\n")


def _escape_annotation(text: str) -> str:
    # GitHub's workflow-command syntax: %, CR and LF must be percent-encoded in the message.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def render_github(findings: Sequence[Finding], old: str, new: str, out: TextIO,
                  impact: Sequence[Impact] | None = None) -> None:
    for f in findings:
        if f.grade == "docs-only":
            continue  # docstring churn would drown the annotations that matter
        level = _ANNOTATION_LEVELS[f.grade]
        title = _escape_annotation(f"{GRADE_TITLES[f.grade]}: {f.kind} (Keras {old} → {new})")
        out.write(f"::{level} title={_title(title)}::"
                  f"{_escape_annotation(f'{f.target}: {f.message} [{f.id}]')}\n")
    out.write(f"::notice title=Keras API diff::{_escape_annotation(summary_line(findings))}\n")
    if impact is None:
        return
    for i in impact:
        level = _ANNOTATION_LEVELS[i.grade]
        title = _escape_annotation(f"{IMPACT_TITLE}: {i.kind} {GRADE_TITLES[i.grade].lower()} (Keras {old} → {new})")
        out.write(f"::{level} title={_title(title)}::{_escape_annotation(f'{i.name}: {i.message} [{i.id}]')}\n")
    out.write(f"::notice title={_title(IMPACT_TITLE)}::{_escape_annotation(impact_line(impact))}\n")


def _title(text: str) -> str:
    # In a workflow command's properties, commas and colons must be percent-encoded too.
    return text.replace(",", "%2C").replace(":", "%3A")
