"""The drift check: is what we committed still in step with upstream Keras?

Compares the live installed Keras with the stored snapshot of the pinned release (the `keras==`
pin in pyproject.toml). Any finding fails the check unless the allowlist accepts it; an allowlist
entry that has expired, or that matches nothing, fails it too, so the list never silently rots.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from generator.binding.overrides import Override, read_overrides
from generator.changes.diff import (
    KINDS,
    Finding,
    compare_symbols,
    diff_snapshots,
    knows_target,
    target_candidates,
)
from generator.changes.report import render, summary_line
from generator.checks.tutobook_drift import tutobook_problems
from generator.render.writephase import MARKER, interrupted
from generator.settings import ALLOWLIST, GENERATED, pinned_release
from generator.tomlfiles import Kind, fields, read_toml
from generator.upstream.model import Snapshot, unknown_path
from generator.upstream.store import SnapshotStore, encode_snapshot

DEFAULT_ALLOWLIST = ALLOWLIST


class AllowlistError(ValueError):
    """The allowlist file is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class Accepted:
    kind: str
    path: str  # the finding's target: a public path, or path.method for members
    parameter: str | None
    reason: str
    expires: dt.date
    where: str  # "allowlist.toml entry 3", for messages

    def matches(self, finding: Finding) -> bool:
        return (finding.kind, finding.target, finding.parameter) == (self.kind, self.path, self.parameter)


@dataclass(frozen=True)
class DriftResult:
    findings: tuple[Finding, ...]  # those not accepted
    accepted: tuple[Finding, ...]
    expired: tuple[Accepted, ...]
    unused: tuple[Accepted, ...]
    representation_differs: bool  # same API by every finding, different stored bytes

    @property
    def ok(self) -> bool:
        return not (self.findings or self.expired or self.unused or self.representation_differs)


_ENTRY_FIELDS: dict[str, Kind] = {"kind": "str", "path": "str", "parameter": "str", "reason": "str", "expires": "date"}


def load_allowlist(file: Path) -> list[Accepted]:
    if not file.exists():
        return []
    data = fields(read_toml(file, AllowlistError), file, "top level", {"accept": "list[table]"}, AllowlistError)
    entries = []
    for number, raw in enumerate(data.get("accept", []), start=1):
        where = f"{file.name} entry {number}"
        missing = [k for k in ("kind", "path", "reason", "expires") if k not in raw]
        if missing:
            raise AllowlistError(f"{file}: entry {number} lacks {', '.join(missing)}")
        fields(raw, file, f"entry {number}", _ENTRY_FIELDS, AllowlistError)
        if raw["kind"] not in KINDS:
            raise AllowlistError(f"{file}: entry {number}: unknown kind {raw['kind']!r}; known kinds: "
                                 f"{', '.join(sorted(KINDS))}")
        entries.append(Accepted(kind=raw["kind"], path=raw["path"], parameter=raw.get("parameter"),
                                reason=raw["reason"], expires=raw["expires"], where=where))
    return entries


def check(stored: Snapshot, live: Snapshot, allowlist: Sequence[Accepted], today: dt.date) -> DriftResult:
    for entry in allowlist:  # a typo in a path would otherwise read "matches no finding"
        if not (knows_target(stored, entry.path) or knows_target(live, entry.path)):
            raise AllowlistError(f"{entry.where}: path " + unknown_path(
                entry.path, f"path or member of Keras {stored.keras_version} (stored) or {live.keras_version} "
                "(installed)", [*target_candidates(stored, entry.path), *target_candidates(live, entry.path)]))
    findings = diff_snapshots(stored, live)
    accepted = [f for f in findings if any(a.matches(f) for a in allowlist)]
    used = {id(a) for a in allowlist for f in accepted if a.matches(f)}
    same_bytes = encode_snapshot(stored) == encode_snapshot(live)
    return DriftResult(
        findings=tuple(f for f in findings if f not in accepted),
        accepted=tuple(accepted),
        expired=tuple(a for a in allowlist if a.expires < today),
        unused=tuple(a for a in allowlist if id(a) not in used),
        representation_differs=not findings and not same_bytes,
    )


def run_drift_check(store: SnapshotStore, against: str | None, allowlist_file: Path | None, fmt: str) -> int:
    from generator.upstream.introspect import take_snapshot  # the one place this module needs Keras
    from generator.upstream.preflight import check_keras_installation

    release = against or pinned_release()
    stored = store.load(release)
    allowlist = load_allowlist(allowlist_file or DEFAULT_ALLOWLIST)  # a malformed entry fails before Keras loads
    check_keras_installation()
    live = take_snapshot()
    result = check(stored, live, allowlist, dt.date.today())
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    if result.findings:
        render(list(result.findings), f"{release} (stored)", f"{live.keras_version} (installed)", fmt, sys.stdout)
    for entry in result.expired:
        console.print(f"[red]allowlist:[/] {entry.where} ({entry.kind} {entry.path}) expired on {entry.expires}: "
                      f"review it, then renew or remove it")
    for entry in result.unused:
        console.print(f"[red]allowlist:[/] {entry.where} ({entry.kind} {entry.path}) matches no finding: remove it")
    if result.representation_differs:
        console.print("[red]drift:[/] the installed Keras gives the same API but different snapshot bytes; "
                      f"retake it with `make snapshot VERSION={live.keras_version}` and commit")
    stale_list = stale_overrides(store, release)
    for stale in stale_list:
        if stale.current is None:  # the symbol is gone: no hash to re-tether to
            paths = store.index(release)
            console.print(f"[red]override {stale.override.name}[/] (overrides.py line {stale.override.line}): its "
                          f"upstream {unknown_path(stale.override.upstream, f'path of Keras {release}', paths)}")
            continue
        console.print(f"[red]override {stale.override.name}[/] ({stale.override.upstream}) is tethered to "
                      f"{stale.override.tethered_to}{f' (Keras {stale.since})' if stale.since else ''}; upstream is now "
                      f"{stale.current} (Keras {release}). Review it, then set tethered_to=\"{stale.current}\".")
        if stale.findings:
            render(list(stale.findings), stale.since or "tether", release, fmt, sys.stdout)
    generated = _generated_differences(store, release)
    if interrupted(GENERATED):
        generated.insert(0, f"../{MARKER}: a regenerate run was interrupted between writing the package "
                            "and the docs, which may be out of step")
    for problem in generated:
        where = "generated/" if problem.startswith("keras-stubs/") else "generated/keras3/"
        console.print(f"[red]{where}{problem}[/]; run `make regenerate` (never edit generated files)")
    rendered = stale_rendered(release)
    for problem in rendered:
        console.print(f"[red]generated/rendered:[/] {escape(problem)}; run `make guides-render` and commit")
    tutobooks = tutobook_problems()
    for problem in tutobooks:
        console.print(f"[red]tutobooks:[/] {escape(problem)}")
    ok = result.ok and not generated and not stale_list and not rendered and not tutobooks
    verdict = "[green]in step[/]" if ok else "[bold red]out of step[/]"
    console.print(f"drift check, installed Keras {live.keras_version} against stored {release}: {verdict} "
                  f"({summary_line(result.findings)}; {len(result.accepted)} accepted by the allowlist)")
    return 0 if ok else 1


@dataclass(frozen=True)
class StaleOverride:
    override: Override
    current: str | None  # the upstream record hash now (None: the symbol is gone)
    since: str | None  # the newest stored release whose record matches the tether
    findings: tuple[Finding, ...]  # the upstream symbol's changes since then


def stale_overrides(store: SnapshotStore, release: str,
                    overrides: Sequence[Override] | None = None) -> list[StaleOverride]:
    """Overrides whose upstream symbol changed since the snapshot they were tethered to."""
    stale = []
    for override in read_overrides() if overrides is None else overrides:
        # Identities, not raw record hashes: an override of an alias path must see its target move.
        current = store.identity(release, override.upstream)
        if current == override.tethered_to:
            continue
        since = next((r for r in reversed(store.releases())
                      if store.identity(r, override.upstream) == override.tethered_to), None)
        findings: tuple[Finding, ...] = ()
        before = store.symbol(since, override.upstream) if since else None
        now = store.symbol(release, override.upstream)
        if before is not None and now is not None:
            findings = tuple(compare_symbols(before, now, since or "", release))
        stale.append(StaleOverride(override, current, since, findings))
    return stale


def stale_rendered(release: str) -> list[str]:
    """The keras.io guides and gallery pages whose committed output (generated/rendered) is stale."""
    from generator.docs.guides.outputs import source_pages, stale_outputs
    from generator.docs.guides.spec import load_guide_spec

    return stale_outputs(source_pages(), load_guide_spec(), release)


def _generated_differences(store: SnapshotStore, release: str) -> list[str]:
    """generated/keras3, the Keras stubs and the docs sources, against what regeneration emits now."""
    from generator.docs.site.sources import docs_differences
    from generator.pipeline import outputs_for
    from generator.render.package import differences
    from generator.render.stubs import stub_differences

    outputs = outputs_for(store.load(release), store)
    return (differences(outputs.package, outputs.spec) + [f"../{p}" for p in docs_differences(outputs.docs)]
            + stub_differences(outputs.stubs))
