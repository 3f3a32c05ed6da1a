"""The changelog: one page per stored Keras release (its findings, graded) and the SVG of public
paths and findings per grade per release on the index, drawn from the store.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from generator.docs.site.common import FENCE, fenced
from generator.settings import version_key
from generator.upstream.model import Snapshot
from generator.upstream.store import SnapshotStore

# --- changelog --------------------------------------------------------------------------------


def releases_up_to(store: SnapshotStore, snapshot: Snapshot) -> list[str]:
    target = version_key(snapshot.keras_version)
    releases = [r for r in store.releases() if version_key(r) < target]
    return [*releases, snapshot.keras_version]


def changelog_view(store: SnapshotStore, snapshot: Snapshot, old: str | None, new: str) -> dict[str, Any]:
    from generator.changes.diff import GRADES, diff_snapshots
    from generator.changes.report import GRADE_TITLES, render_markdown, summary_counts

    new_snapshot = snapshot if new == snapshot.keras_version else store.load(new)
    if old is None:
        count = len(new_snapshot.canonical_symbols())
        text = (f"# Keras {new}\n\nThe first stored release of Keras 3: {len(new_snapshot.symbols)} public "
                f"paths naming {count} objects. Every later page lists what changed against the release "
                "before it.\n")
        return {"release": new, "old": None, "counts": {}, "text": text, "total": 0,
                "symbols": len(new_snapshot.symbols)}
    findings = diff_snapshots(store.load(old), new_snapshot)
    out = io.StringIO()
    render_markdown([f for f in findings if f.grade != "docs-only"], old, new, out)
    text = out.getvalue()
    counts = summary_counts(findings)
    # The header counts every finding; the docs-only ones follow in a collapsed block of their own.
    first, _, rest = text.partition("\n\n")
    header = f"{first}\n\n**{len(findings)} findings**: " + ", ".join(
        f"{counts[g]} {GRADE_TITLES[g].lower()}" for g in GRADES) + ".\n"
    rest = rest.split("\n", 1)[1] if rest.startswith("**") else rest
    text = header + rest.removeprefix("\nNo difference in the public API.\n")
    if not findings:
        text += "\nNo difference in the public API.\n"
    docs_only = [f for f in findings if f.grade == "docs-only"]
    if docs_only:
        text += f"\n## {GRADE_TITLES['docs-only']} ({len(docs_only)})\n\n"
        text += f'??? note "Docstring changes of {len(docs_only)} symbols"\n\n'
        for f in docs_only:
            detail = (f.detail or "").rstrip("\n")
            text += f"    `{f.target}`\n\n" + _indent_block(fenced(detail, "diff"), 4) + "\n\n"
    return {"release": new, "old": old, "counts": counts, "text": _escape_html(text.rstrip("\n") + "\n"),
            "total": len(findings), "symbols": len(new_snapshot.symbols)}


EVOLUTION_SVG = "api-evolution.svg"
# Grade colours of the picture (the report's order): red, amber, green, grey.
GRADE_COLOURS = {"breaking": "#c62828", "possibly-breaking": "#ef8f00", "compatible": "#2e7d32",
                 "docs-only": "#9e9e9e"}


def evolution_chart(changelog: Sequence[Mapping[str, Any]], bar: int = 18, gap: int = 6) -> dict[str, Any]:
    """The geometry of the API-evolution picture (drawn by templates/docs/changelog/api-evolution.svg.j2):
    public paths per release on top, that release's findings per grade stacked below, one
    column per stored release, oldest first. Pure numbers from the store, so the SVG is
    byte-identical on every build."""
    from generator.changes.diff import GRADES
    from generator.changes.report import GRADE_TITLES

    left, top, panel, middle, label = 64, 40, 150, 56, 60
    rows = list(changelog)
    width = left + len(rows) * (bar + gap) + 40  # room for the last rotated label
    most_symbols = max((r["symbols"] for r in rows), default=1) or 1
    most_findings = max((sum(r["counts"].get(g, 0) for g in GRADES) for r in rows), default=1) or 1
    # a log scale for findings: the first releases changed hundreds of symbols, later ones a few
    import math

    def scaled(n: float) -> float:
        return panel * math.log10(1 + n) / math.log10(1 + most_findings)

    columns = []
    base = top + panel + middle + panel
    for index, r in enumerate(rows):
        x = left + index * (bar + gap)
        height = round(panel * r["symbols"] / most_symbols, 1)
        stacks, total = [], 0
        for grade in GRADES:
            count = r["counts"].get(grade, 0)
            if count:
                y0, y1 = base - scaled(total), base - scaled(total + count)
                stacks.append({"grade": grade, "title": GRADE_TITLES[grade], "count": count,
                               "y": round(y1, 1), "height": round(y0 - y1, 1), "colour": GRADE_COLOURS[grade]})
            total += count
        columns.append({"release": r["release"], "x": x, "symbols": r["symbols"],
                        "y": round(top + panel - height, 1), "height": height, "stacks": stacks,
                        "breaking": r["counts"].get("breaking", 0)})
    ticks = [n for n in (1, 10, 100, 1000, 10000) if n <= most_findings]
    return {
        "width": width, "height": base + label + 30, "left": left, "top": top, "panel": panel, "bar": bar,
        "findings_top": top + panel + middle, "base": base, "columns": columns,
        "most_symbols": most_symbols, "symbol_ticks": [{"value": v, "y": round(top + panel - panel * v / most_symbols, 1)}
                                                       for v in _round_ticks(most_symbols)],
        "finding_ticks": [{"value": v, "y": round(base - scaled(v), 1)} for v in ticks],
        "legend": [{"title": GRADE_TITLES[g], "colour": GRADE_COLOURS[g]} for g in GRADES],
    }


def _round_ticks(most: int) -> list[int]:
    step = 10 ** max(0, len(str(most)) - 1)
    if most // step < 3:
        step = max(step // 2, 1)
    return list(range(0, most + 1, max(step, 1)))



def _indent_block(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else "" for line in text.splitlines())


_RAW_TAG = re.compile(r"<(?=[A-Za-z/!?])")


def _escape_html(markdown: str) -> str:
    """`<...>` outside code (a repr in a finding's message) is text, not an HTML tag."""
    out: list[str] = []
    position = 0
    for fence in FENCE.finditer(markdown):
        out.append(_escape_prose(markdown[position:fence.start()]))
        out.append(fence.group(0))
        position = fence.end()
    out.append(_escape_prose(markdown[position:]))
    return "".join(out)


def _escape_prose(text: str) -> str:
    # Inline code spans are left alone: Markdown shows their content literally.
    pieces = re.split(r"(`+[^`\n]*?`+)", text)
    return "".join(p if p.startswith("`") else _RAW_TAG.sub("&lt;", p) for p in pieces)
