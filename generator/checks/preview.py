"""`make preview`: upstream's next release, seen before it ships, without touching the tree.

Installs a `keras-nightly` build in isolation (the newest on the package index, or the one asked
for), snapshots it into a throwaway copy of the store, and prints the change report against the
pinned release, then the "keras3 impact" section (what users of the generated names would see),
then "before you bump the pin": the hand-written overrides whose upstream symbol changed (the drift
check fails on each once the pin moves) and the doc patches that no longer apply (fixed upstream).
`upstream_snapshots/` and `generated/` are only read: the snapshot lives in a temporary folder that
is deleted afterwards, and the install in `.cache/` (ignored by git).
"""

from __future__ import annotations

import difflib
import io
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from generator.binding.docstrings.patches import load_doc_patches, stale_patches
from generator.binding.impact import binding_impact
from generator.changes.diff import Finding, diff_snapshots
from generator.changes.report import _escape_annotation, _title, render
from generator.checks.drift import StaleOverride, stale_overrides
from generator.pipeline import stubs_for
from generator.render.stubs import STUBS
from generator.settings import version_key
from generator.upstream.releases import DEFAULT_CACHE, ReleaseError, take_release
from generator.upstream.store import SnapshotStore

NIGHTLY = "keras-nightly"


def newest_nightly() -> str:
    """The newest `keras-nightly` version on the package index (asked through pip, nothing installed)."""
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--disable-pip-version-check",
               "--no-deps", "--ignore-installed", "--pre", "--report", "-", NIGHTLY]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        (item,) = json.loads(result.stdout)["install"]
        version = str(item["metadata"]["version"])
    except (ValueError, KeyError, TypeError):
        tail = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise ReleaseError(f"could not find the newest {NIGHTLY} on the package index: {tail} "
                           "(give one with `make preview VERSION=...`)") from None
    version_key(version)  # a clear error for a version this toolkit cannot store
    return version


def preview(store: SnapshotStore, baseline: str, version: str | None, fmt: str, out: TextIO,
            cache_root: Path = DEFAULT_CACHE) -> int:
    """Snapshot Keras `version` (default: the newest nightly) into a copy of `store`; report it
    against the stored `baseline` (the pinned release)."""
    version = version or newest_nightly()
    with tempfile.TemporaryDirectory(prefix="keras3-preview-") as scratch:
        copy = SnapshotStore(Path(scratch) / "store")
        shutil.copytree(store.root, copy.root)
        run = take_release(version, copy, cache_root)
        copy = SnapshotStore(copy.root)  # the child wrote the store; read it afresh
        old, new = copy.load(baseline), copy.load(version)
        # What the drift check and the docs build would say once the pin is `version`, asked of
        # the copy that holds its snapshot (the same functions, so the two cannot disagree).
        overrides = stale_overrides(copy, version)
        stubs = stub_changes(stubs_for(new, copy))
    patches = stale_patches(new, load_doc_patches())
    print(f"Keras {version}: snapshot taken under the {run.backend} backend in {run.seconds:.0f} s "
          f"(a temporary store; {store.root.name}/ untouched)", file=sys.stderr)
    # The report ends with its "keras3 impact" section: what the release costs keras3's users;
    # then what bumping the pin to `version` takes.
    findings, impact = diff_snapshots(old, new), binding_impact(old, new)
    if fmt == "json":  # one JSON document: the section goes inside it
        report = io.StringIO()
        render(findings, baseline, version, fmt, report, impact)
        document = json.loads(_json_with_before_bump(report.getvalue(), overrides, patches))
        document["stubs"] = [{"file": f, "added": a, "removed": r} for f, a, r in stubs]
        out.write(json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    else:
        render(findings, baseline, version, fmt, out, impact)
        _render_before_bump(fmt, version, overrides, patches, out)
        _render_stub_changes(fmt, version, stubs, out)
    return 0


def stub_changes(files: dict[str, str], folder: Path = STUBS) -> list[tuple[str, int, int]]:
    """(file, lines added, lines removed) of each Keras stub file regeneration for that Keras would
    change in generated/keras-stubs (a new file: all added; a dropped one: all removed)."""
    changes = []
    on_disk = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()} if folder.exists() else {}
    for name in sorted(files.keys() | on_disk.keys()):
        old = on_disk[name].read_text(encoding="utf-8").splitlines() if name in on_disk else []
        new = files[name].splitlines() if name in files else []
        if old == new:
            continue
        diff = [line for line in difflib.unified_diff(old, new, lineterm="", n=0)
                if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        changes.append((name, sum(line.startswith("+") for line in diff), sum(line.startswith("-") for line in diff)))
    return changes


def _render_stub_changes(fmt: str, version: str, changes: Sequence[tuple[str, int, int]], out: TextIO) -> None:
    """What regenerating for `version` changes in the Keras stubs (generated/keras-stubs)."""
    title = f"keras-stubs for {version}: {len(changes)} file(s) change"
    lines = [f"{name}: +{added} -{removed}" for name, added, removed in changes]
    if fmt == "markdown":
        out.write(f"\n## {title[0].upper()}{title[1:]}\n\n" + "".join(f"- `{line}`\n" for line in lines))
    elif fmt == "github":
        out.write(f"::notice title={_title(title)}::{_escape_annotation('; '.join(lines) or 'none')}\n")
    else:
        out.write(f"{title}\n" + "".join(f"  {line}\n" for line in lines))


BEFORE_BUMP_TITLE = "before you bump the pin"
FINDINGS_SHOWN = 5  # per override: enough to see what moved; the drift check prints them all


def _override_line(stale: StaleOverride, version: str) -> str:
    o = stale.override
    since = f" (Keras {stale.since})" if stale.since else " (in no stored release)"
    head = f"`{o.name}` (`{o.upstream}`, overrides.py line {o.line}): tethered to {o.tethered_to}{since}; "
    if stale.current is None:
        return head + f"`{o.upstream}` is gone in Keras {version}: rewrite or remove the override"
    return head + (f"upstream is now {stale.current} in Keras {version}: review it, then set "
                   f'tethered_to="{stale.current}"')


def _override_findings(stale: StaleOverride) -> list[str]:
    """The upstream symbol's API changes since the tether (docstring churn left out), a few."""
    shown = [f"`{f.target}`: {f.message} ({f.grade})"
             for f in sorted(stale.findings, key=Finding.sort_key) if f.grade != "docs-only"]
    more = len(shown) - FINDINGS_SHOWN
    return shown[:FINDINGS_SHOWN] + ([f"... and {more} more (`make drift-check` once the pin moved)"]
                                     if more > 0 else [])


def _json_with_before_bump(report: str, overrides: Sequence[StaleOverride],
                           patches: Sequence[tuple[str, str]]) -> str:
    document = json.loads(report)
    document["before_bump"] = {
        "overrides": [{"name": s.override.name, "upstream": s.override.upstream,
                       "tethered_to": s.override.tethered_to, "since": s.since, "current": s.current,
                       "findings": [f.id for f in s.findings if f.grade != "docs-only"]} for s in overrides],
        "doc_patches": [{"path": path, "why": why} for path, why in patches],
    }
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _render_before_bump(fmt: str, version: str, overrides: Sequence[StaleOverride],
                        patches: Sequence[tuple[str, str]], out: TextIO) -> None:
    """The section "before you bump the pin", after the report, in the report's format."""
    overrides_title = f"overrides to re-tether ({len(overrides)})"
    patches_title = f"doc patches to remove from generator/spec/docs.toml ({len(patches)})"
    if fmt == "markdown":
        out.write(f"\n## {BEFORE_BUMP_TITLE.capitalize()} to {version}\n\n")
        if not overrides and not patches:
            out.write("Nothing to do: every override's upstream is unchanged and every doc patch applies.\n")
        if overrides:
            out.write(f"### {overrides_title.capitalize()}\n\n")
            for stale in overrides:
                out.write(f"- {_override_line(stale, version)}\n")
                out.writelines(f"  - {line}\n" for line in _override_findings(stale))
        if patches:
            out.write(f"\n### {patches_title.capitalize()}\n\n")
            out.writelines(f"- `{path}`: {why}\n" for path, why in patches)
    elif fmt == "github":
        title = _title(f"{BEFORE_BUMP_TITLE} to {version}")
        for stale in overrides:
            out.write(f"::warning title={title}::{_escape_annotation(_override_line(stale, version))}\n")
        out.writelines(f"::warning title={title}::{_escape_annotation(f'doc patch {path}: {why}')}\n"
                       for path, why in patches)
    else:
        console = Console(file=out, width=None if out.isatty() else 120, highlight=False, soft_wrap=False)
        console.print(f"[bold]{BEFORE_BUMP_TITLE} to {escape(version)}[/]: {overrides_title}, {patches_title}")
        for stale in overrides:
            console.print(f"  [yellow]override[/] {escape(_override_line(stale, version))}")
            for line in _override_findings(stale):
                console.print(f"      {escape(line)}")
        for path, why in patches:
            console.print(f"  [yellow]doc patch[/] {escape(path)}: {escape(why)}")
