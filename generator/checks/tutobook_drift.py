"""The drift check's part for the pages translated from keras.io tutobooks: the store of upstream
copies intact, every tracked tutobook's page present and tethered to the stored copy (path and
sha256), no page left with conflict markers by a three-way merge, no tethered page that no spec
entry claims.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from generator.docs.site.common import DOCS_TEMPLATES
from generator.docs.tutobooks.tether import TetherError, conflict_lines, is_tethered, read_tether
from generator.upstream.tutobook_spec import GUIDES_SPEC, Tracked, load_tracked
from generator.upstream.tutobooks import TutobookStore

_SYNC = "make guides-sync KERAS_IO=DIR"


def tutobook_problems(store: TutobookStore | None = None, templates: Path = DOCS_TEMPLATES,
                      tracked: Sequence[Tracked] | None = None) -> list[str]:
    """Every way the translated pages are out of step with the stored upstream copies."""
    store = store or TutobookStore()
    tracked = load_tracked(GUIDES_SPEC) if tracked is None else tracked
    problems = store.verify()
    damaged = bool(problems)  # then the tethers are not compared with it
    index = {} if damaged else store.index()
    claimed: set[str] = set()
    for entry in tracked:
        if entry.page is None:
            continue
        claimed.add(entry.page)
        file = templates / entry.page
        where = f"templates/docs/{entry.page}"
        if not file.exists():
            problems.append(f"{where}: missing; {entry.path} is tracked: run `{_SYNC}` (or give it a skip "
                            "reason in generator/spec/guides.toml)")
            continue
        text = file.read_text(encoding="utf-8")
        lines = conflict_lines(text)
        if lines:
            problems.append(f"{where}: conflict markers of a three-way merge at lines "
                            f"{', '.join(map(str, lines[:12]))}: resolve them (keep the hand edit, upstream's "
                            "change, or both) and remove the markers")
        try:
            tether = read_tether(text, where)
        except TetherError as error:
            problems.append(str(error))
            continue
        record = index.get(entry.path)
        if tether.path != entry.path:
            problems.append(f"{where}: tethered to {tether.path}, but spec/guides.toml gives it {entry.path}")
        elif record is None and not damaged:
            problems.append(f"{where}: tethered to {entry.path}, which upstream_snapshots/keras-io/ does not "
                                f"hold (removed upstream?): run `{_SYNC}`, or remove the spec entry and the page")
        elif record is not None and tether.sha256 != record.sha256:
            problems.append(f"{where}: tethered to {entry.path} at {tether.commit[:12]} (sha256 {tether.sha256[:12]}), "
                            f"but the store holds {record.commit[:12]} (sha256 {record.sha256[:12]}): upstream "
                            f"moved; run `{_SYNC}` to merge its change into the page")
    for folder in ("guides", "examples"):
        for file in sorted((templates / folder).rglob("*.md")):
            page = file.relative_to(templates).as_posix()
            if page not in claimed and is_tethered(file.read_text(encoding="utf-8")):
                problems.append(f"templates/docs/{page}: a translated page no entry of generator/spec/guides.toml "
                                "claims (skipped or removed): delete it, or track its tutobook again")
    return problems
