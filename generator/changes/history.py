"""A symbol's life across every stored release: added in, changed in, deprecated in, removed in.

Reads only the store. Unchanged records share one content hash, so walking 40 releases decodes a
symbol only where its record actually changed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TextIO

from rich.console import Console

from generator.changes.diff import (
    Finding,
    Lookup,
    alias_change,
    compare_symbols,
    inherited_member,
    member_changes,
)
from generator.settings import version_key
from generator.upstream.model import Member, Snapshot, Symbol, unknown_path
from generator.upstream.store import SnapshotStore, encode_snapshot


@dataclass(frozen=True)
class Event:
    release: str
    event: str  # "added", "changed", "deprecated", "undeprecated", "removed"
    kinds: tuple[str, ...] = ()  # for "changed": the finding kinds, e.g. ("parameter-added",)
    details: tuple[str, ...] = ()  # the findings' messages


@dataclass(frozen=True)
class SymbolHistory:
    path: str  # as asked: a public path, or a class's public path and a member (`keras.Layer.add_weight`)
    releases: tuple[str, ...]  # every stored release, oldest first
    events: tuple[Event, ...] = field(default_factory=tuple)
    # For an alias path: the canonical path it names in the newest release that has it. The events
    # are then the history of that object as seen through this path.
    alias_of: str | None = None
    # For a member target: the class path and the member name (`keras.Layer`, `add_weight`).
    member_of: str | None = None

    def _first(self, event: str) -> str | None:
        return next((e.release for e in self.events if e.event == event), None)

    @property
    def added_in(self) -> str | None:
        return self._first("added")

    @property
    def deprecated_in(self) -> str | None:
        return self._first("deprecated")

    @property
    def removed_in(self) -> str | None:
        """The release that removed the symbol, if it is absent from the newest stored release."""
        last = next((e for e in reversed(self.events) if e.event in ("added", "removed")), None)
        return last.release if last is not None and last.event == "removed" else None

    @property
    def changed_in(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.event == "changed")


def symbol_history(store: SnapshotStore, path: str) -> SymbolHistory:
    """The history of a public path (an alias path follows the object it names) or, when no
    release has `path`, of a member of a class (`keras.Layer.add_weight`)."""
    releases = store.releases()
    if not releases:
        raise LookupError(f"the store {store.root} holds no snapshots")
    if not any(path in store.index(r) for r in releases):
        owner, _, member = path.rpartition(".")
        if owner and any(owner in store.index(r) for r in releases):
            return member_history(store, owner, member)
        every = {p for r in releases for p in store.index(r)}
        raise LookupError(unknown_path(path, f"path of any stored release ({releases[0]} … {releases[-1]})", every))
    events: list[Event] = []
    previous_key: tuple[str, ...] | None = None
    previous_release: str | None = None
    alias_of: str | None = None
    for release in releases:
        key = _record_key(store, release, path)
        if key is not None and previous_key is None:
            events.append(Event(release, "added"))
        elif key is None and previous_key is not None:
            events.append(Event(release, "removed"))
        elif key is not None and key != previous_key and previous_release is not None:
            events += _changes(store, path, previous_release, release)
        if key is not None:
            alias_of = key[1] or None
        previous_key, previous_release = key, release
    return SymbolHistory(path=path, releases=tuple(releases), events=tuple(events), alias_of=alias_of)


def _record_key(store: SnapshotStore, release: str, path: str) -> tuple[str, ...] | None:
    """What the symbol at `path` is in `release`, as cheap hashes: (record, alias target, target's
    record). An alias record only names its target, so the target's record decides whether the
    object seen through the alias changed."""
    index = store.index(release)
    key = index.get(path)
    if key is None:
        return None
    record = store.pool().get(key)
    target = record.get("alias_of") if isinstance(record, dict) else None
    if target is None:
        return (key, "", "")
    return (key, target, index.get(target, ""))


def _lookups(store: SnapshotStore, old: str, new: str) -> tuple[Lookup, Lookup]:
    return (lambda p: store.symbol(old, p)), (lambda p: store.symbol(new, p))


def _symbol(store: SnapshotStore, release: str, path: str) -> Symbol | None:
    """`store.symbol`, with an alias decoded from its target in this very release (the record of
    an alias is the same in every release; its target's is not)."""
    symbol = store.symbol(release, path)
    if symbol is None or symbol.alias_of is None:
        return symbol
    target = store.symbol(release, symbol.alias_of)
    return replace(target, path=path, alias_of=symbol.alias_of, aliases=()) if target is not None else symbol


def _changes(store: SnapshotStore, path: str, old: str, new: str) -> list[Event]:
    before, now = _symbol(store, old, path), _symbol(store, new, path)
    assert before is not None and now is not None
    findings = list(alias_change(before, now)) + compare_symbols(before, now, old, new,
                                                                lookups=_lookups(store, old, new))
    # The symbol's own deprecation gets its own event: it is what "deprecated in" is read from.
    # A deprecated argument (kind "parameter-deprecated") is a change, not the symbol's deprecation.
    own_deprecation = [f for f in findings if f.kind in ("deprecated", "undeprecated") and f.member is None]
    events = [Event(new, f.kind, details=(f.message,)) for f in own_deprecation]
    rest = [f for f in findings if f not in own_deprecation]
    if rest:
        events.append(_changed(new, rest))
    return events


def _changed(release: str, findings: Sequence[Finding]) -> Event:
    kinds = tuple(sorted({f.kind for f in findings}))
    details = tuple(f"{f.target}: {f.message}" for f in findings if f.kind != "docstring-changed")
    return Event(release, "changed", kinds=kinds, details=details)


def member_history(store: SnapshotStore, owner: str, name: str) -> SymbolHistory:
    """The history of member `name` of the class at `owner`, inherited members included (a method
    that moved to a base class is still the class's method)."""
    releases = store.releases()
    events: list[Event] = []
    previous: Member | None = None
    previous_release: str | None = None
    for release in releases:
        symbol = _symbol(store, release, owner)
        member = None
        if symbol is not None:
            member = symbol.member(name) or inherited_member(symbol, name, lambda p, r=release: store.symbol(r, p))
        if member is not None and previous is None:
            events.append(Event(release, "added"))
        elif member is None and previous is not None:
            events.append(Event(release, "removed"))
        elif member is not None and previous is not None and member != previous:
            assert previous_release is not None
            findings = list(member_changes(owner, name, previous, member, (previous_release, release)))
            own = [f for f in findings if f.kind in ("deprecated", "undeprecated") and f.parameter is None]
            events += [Event(release, f.kind, details=(f.message,)) for f in own]
            rest = [f for f in findings if f not in own]
            if rest:
                events.append(_changed(release, rest))
        previous, previous_release = member, release
    if not events:
        names = {f"{owner}.{m.name}" for r in releases if (s := _symbol(store, r, owner)) for m in s.members}
        raise LookupError(unknown_path(f"{owner}.{name}", f"member of {owner} in any stored release "
                                       f"({releases[0]} … {releases[-1]})", names))
    return SymbolHistory(path=f"{owner}.{name}", releases=tuple(releases), events=tuple(events), member_of=owner)


def added_in_all(store: SnapshotStore) -> dict[str, str]:
    """Public path -> first stored release that has it, for every path ever stored."""
    first: dict[str, str] = {}
    for release in store.releases():
        for path in store.index(release):
            first.setdefault(path, release)
    return first


def render_history(history: SymbolHistory, fmt: str, out: TextIO) -> None:
    if fmt == "json":
        document = {
            "path": history.path,
            "added_in": history.added_in,
            "deprecated_in": history.deprecated_in,
            "removed_in": history.removed_in,
            "alias_of": history.alias_of,
            "member_of": history.member_of,
            "events": [asdict(e) for e in history.events],
        }
        json.dump(document, out, indent=1, sort_keys=True)
        out.write("\n")
        return
    console = Console(file=out, width=None if out.isatty() else 120, highlight=False)
    console.print(f"[bold]{history.path}[/] across {len(history.releases)} stored releases "
                  f"({history.releases[0]} … {history.releases[-1]})")
    if history.alias_of is not None:
        console.print(f"  alias of       {history.alias_of} (the history of the object it names)")
    if history.member_of is not None:
        console.print(f"  member of      {history.member_of}")
    console.print(f"  added in       {history.added_in or '-'}")
    console.print(f"  deprecated in  {history.deprecated_in or '-'}")
    console.print(f"  removed in     {history.removed_in or '-'}")
    changed: Sequence[Event] = history.changed_in
    console.print(f"  changed in     {', '.join(e.release for e in changed) or '-'}")
    for event in history.events:
        if event.event == "added":
            continue
        console.print(f"\n[bold]{event.release}[/] {event.event}" + (f": {', '.join(event.kinds)}" if event.kinds else ""))
        for line in event.details:
            console.print(f"  - {line}")


# Findings that do not change how a wrapper is called; left out of a wrapper's "changed in" note.
_NOT_NOTABLE = frozenset({"docstring-changed", "implementation-moved", "mro-changed", "annotation-changed"})


def notable_changes(store: SnapshotStore, snapshot: Snapshot) -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """Public path -> ((release, finding kinds), ...) for every change that alters how the symbol
    itself is called (its methods aside), across the stored releases before `snapshot` and `snapshot` itself (stored or not)."""
    target = version_key(snapshot.keras_version)
    earlier = [r for r in store.releases() if version_key(r) < target]
    own_index, _ = encode_snapshot(snapshot)
    steps = [(r, store.index(r)) for r in earlier] + [(snapshot.keras_version, own_index)]
    found: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for (old_release, old_index), (new_release, new_index) in zip(steps, steps[1:]):
        for path, key in new_index.items():
            previous = old_index.get(path)
            if previous is None or previous == key:
                continue
            before = store.symbol(old_release, path)
            now = snapshot.symbols[path] if new_release == snapshot.keras_version else store.symbol(new_release, path)
            if before is None or now is None or before.is_alias or now.is_alias:
                continue
            findings = compare_symbols(before, now, old_release, new_release)
            kinds = sorted({f.kind for f in findings if f.member is None} - _NOT_NOTABLE)
            if kinds:
                found.setdefault(path, []).append((new_release, tuple(kinds)))
    return {path: tuple(changes) for path, changes in found.items()}
