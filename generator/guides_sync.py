"""The write flow of `make guides-sync KERAS_IO=DIR`: upstream tutobooks into the store, upstream's
change merged into each translated page, and the sync report.

For each checkout given (a keras-io checkout, a keras checkout with guides/ and examples/), for
each tracked tutobook of its repository (spec/guides.toml):

1. the checkout's copy is compared with the stored one (added, removed, changed with a unified
   diff, unchanged, unavailable);
2. its page (templates/docs/guides/keras-io/<slug>.md, templates/docs/examples/<category>/<slug>.md):
   base = the translation of the stored copy, theirs = the translation of the checkout's copy,
   mine = the committed page; `git merge-file` three-way: clean → written (updated when mine was
   base, merged when it had hand edits), conflict → written with markers (the drift check fails
   until they are resolved); a missing page is written (added);
3. everything is computed first, then written under the lock of the store and the templates:
   the pages (each atomically), then the store folder (staged and swapped in whole).

`--check` writes nothing and fails when a tethered tutobook moved upstream (the weekly job).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from generator.changes.tutobooks import (
    STORED,
    SyncReport,
    TutobookChange,
    merged_reports,
    render_sync_report,
    unified_diff,
)
from generator.docs.examples.table import TranslationTable
from generator.docs.site.common import DOCS_TEMPLATES
from generator.docs.tutobooks.merge import three_way
from generator.docs.tutobooks.page import sentence_retention, translate_page
from generator.docs.tutobooks.tether import Tether, conflict_lines
from generator.upstream.checkout import Read, read_checkout
from generator.upstream.store import SnapshotStore, atomic_write
from generator.upstream.tutobook_spec import GUIDES_SPEC, Tracked, load_tracked
from generator.upstream.tutobooks import (
    TUTOBOOK_ROOT,
    StoredFile,
    TutobookStore,
    folder_files,
    sha256_of,
)


@dataclass(frozen=True)
class Planned:
    report: SyncReport
    store: dict[str, bytes] | None  # the store folder's new content; None when unchanged
    pages: dict[str, str]  # page under templates/docs/ -> new text


def translation_table(snapshots: SnapshotStore | None = None) -> TranslationTable:
    """The table of the pinned release (the release the package and its docs are built for)."""
    from generator.binding.build import build
    from generator.settings import pinned_release

    snapshots = snapshots or SnapshotStore()
    release = pinned_release()
    return TranslationTable.from_binding(build(snapshots, release)[0], snapshots.load(release))


def plan_sync(folders: Sequence[Path], tracked: Sequence[Tracked], store: TutobookStore, templates: Path,
              table: TranslationTable, repo: str | None = None, paths: Sequence[str] | None = None) -> Planned:
    """Everything a sync would write, and its report; nothing written."""
    index = dict(store.index())
    data = {path: store.data(path) for path in index}
    pages: dict[str, str] = {}
    reports = []
    for folder in folders:
        checkout = read_checkout(folder, tracked, repo, paths)
        changes = [_sync_one(read, index, data, templates, table, pages, store) for read in checkout.reads]
        reports.append(SyncReport(str(folder), checkout.repo, tuple(changes), checkout.untracked))
    changed = folder_files(index, data) if index != store.index() else None
    return Planned(merged_reports(reports), changed, pages)


def _sync_one(read: Read, index: dict[str, StoredFile], data: dict[str, bytes], templates: Path,
              table: TranslationTable, pages: dict[str, str], store: TutobookStore) -> TutobookChange:
    """One tutobook: its status, the store's new record (in `index`/`data`), its page (in `pages`)."""
    entry = read.entry
    old = index.get(entry.path)
    old_text = data[entry.path].decode("utf-8") if old else None
    if read.unavailable is not None:
        return TutobookChange(entry.path, entry.repo, entry.kind, "unavailable", old.commit if old else None, None,
                              "", entry.page, None, note=read.unavailable)
    if read.data is None:
        if old is None:
            return TutobookChange(entry.path, entry.repo, entry.kind, "unavailable", None, None, "", entry.page,
                                  None, note="tracked, but neither upstream nor stored")
        del index[entry.path], data[entry.path]
        diff = unified_diff(old_text or "", "", entry.path, old.commit, None)
        return TutobookChange(entry.path, entry.repo, entry.kind, "removed", old.commit, None, diff, entry.page,
                              "removed" if entry.page else "skipped",
                              note="removed upstream: remove its spec entry and its page")
    new_text = read.data.decode("utf-8")
    record = StoredFile(entry.repo, read.commit, sha256_of(read.data))
    status = "added" if old is None else "unchanged" if old.sha256 == record.sha256 else "changed"
    if old is None or status == "changed" or old.commit != record.commit:
        index[entry.path], data[entry.path] = record, read.data
    diff = unified_diff(old_text, new_text, entry.path, old.commit, record.commit) \
        if old is not None and old_text is not None and status == "changed" else ""
    base = {"path": entry.path, "repo": entry.repo, "kind": entry.kind, "status": status,
            "old_commit": old.commit if old else None, "new_commit": record.commit, "diff": diff, "page": entry.page}
    if entry.page is None:
        return TutobookChange(**base, grade="skipped", note=entry.skip or "")
    tether = Tether(entry.path, entry.repo, record.commit, record.sha256)
    theirs = translate_page(new_text, entry, tether, table)
    file = templates / entry.page
    mine = file.read_text(encoding="utf-8") if file.exists() else None
    if mine is None:
        grade, text, note = "added", theirs.text, ""
    elif status == "unchanged" and old is not None and old.commit == record.commit:
        grade, text, note = "unchanged", mine, ""
    else:
        base_text = ""
        if old is not None and old_text is not None:
            base_text = translate_page(old_text, entry, Tether(entry.path, old.repo, old.commit, old.sha256), table).text
        merged = three_way(mine, base_text, theirs.text,
                           (f"{entry.page} (as committed)", f"translation of {entry.path} at {(old.commit if old else 'nothing')[:12]}",
                            f"translation of {entry.path} at {record.commit[:12]}"))
        grade, text = merged.grade, merged.text
        note = (f"{merged.conflicts} conflict(s), markers at lines "
                f"{', '.join(map(str, conflict_lines(text)[:9]))}: resolve them, then `make drift-check`"
                if merged.grade == "conflict" else "")
    if text != mine:
        pages[entry.page] = text
    kept = sentence_retention(new_text, text, entry.path)
    return TutobookChange(**base, grade=grade, calls=theirs.calls, rewritten=theirs.rewritten,
                          sentences_kept=kept.kept, sentences=kept.total, note=note)


def store_report(tracked: Sequence[Tracked], store: TutobookStore, templates: Path,
                 table: TranslationTable) -> SyncReport:
    """The translation figures of every stored tutobook's page, from the store alone (no checkout):
    calls rewritten of those that have a wrapper (a fresh translation), upstream sentences on the
    committed page, conflict markers left."""
    index = store.index()
    changes = []
    for entry in tracked:
        record = index.get(entry.path)
        if record is None:
            continue
        common = {"path": entry.path, "repo": entry.repo, "kind": entry.kind, "status": "unchanged",
                  "old_commit": record.commit, "new_commit": record.commit, "diff": "", "page": entry.page}
        file = templates / (entry.page or "")
        if entry.page is None or not file.exists():
            changes.append(TutobookChange(**common, grade="skipped" if entry.page is None else None,
                                          note=entry.skip or "no page: run the sync"))
            continue
        text, source = file.read_text(encoding="utf-8"), store.text(entry.path)
        fresh = translate_page(source, entry, Tether(entry.path, record.repo, record.commit, record.sha256), table)
        kept = sentence_retention(source, text, entry.path)
        conflicts = conflict_lines(text)
        changes.append(TutobookChange(**common, grade="conflict" if conflicts else "unchanged", calls=fresh.calls,
                                      rewritten=fresh.rewritten, sentences_kept=kept.kept, sentences=kept.total,
                                      note="; ".join(fresh.reasons)))
    return SyncReport(str(store.root), STORED, tuple(changes), ())


def write_sync(planned: Planned, store_root: Path, templates: Path, say: Callable[[str], None]) -> None:
    """The pages first (each atomically), then the store folder (staged, swapped in): a run killed
    between the two leaves pages tethered to a store that does not hold their upstream yet, which
    the drift check reports and the next sync completes."""
    from generator.render.writephase import exclusive, replace_folder

    with exclusive([store_root.parent, templates], say):
        for page, text in sorted(planned.pages.items()):
            atomic_write(templates / page, text)
        if planned.store is not None:
            replace_folder(store_root, planned.store)


def guides_sync(folders: Sequence[Path], fmt: str, out: TextIO, say: Callable[[str], None], *,
                check: bool = False, repo: str | None = None, paths: Sequence[str] | None = None,
                store_root: Path = TUTOBOOK_ROOT, templates: Path = DOCS_TEMPLATES, spec: Path = GUIDES_SPEC,
                table: TranslationTable | None = None) -> int:
    """Sync (or, with `check`, only report); 1 when a page has conflicts, or (check) when a
    tethered tutobook moved upstream."""
    store = TutobookStore(store_root)
    planned = plan_sync(folders, load_tracked(spec), store, templates, table or translation_table(), repo, paths)
    render_sync_report(planned.report, fmt, out)
    if check:
        moved = planned.report.moved
        if moved:
            say(f"{len(moved)} tethered tutobook(s) moved upstream: {', '.join(c.path for c in moved)}; "
                "run `make guides-sync KERAS_IO=DIR` and review the merged pages")
        return 1 if moved else 0
    write_sync(planned, store_root, templates, say)
    conflicts = planned.report.conflicts
    if conflicts:
        say(f"{len(conflicts)} page(s) have conflict markers: {', '.join(c.page or c.path for c in conflicts)}; "
            "resolve them (the drift check fails until then)")
    return 1 if conflicts else 0

