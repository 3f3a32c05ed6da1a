"""Since when a signature has stood as it is, and since when each of its parameters exists.

A wrapper generated for the pinned release must also run on every older release the package admits.
Two facts per wrapped signature make that possible, both read from the store only:

* `since`: the oldest release from which the signature (names, kinds, order, defaults) is the one
  the wrapper was generated for. On a Keras at least that new, handing on every argument is the
  same as handing on only what the caller gave: the wrapper takes its fast path.
* `added`: for each parameter the oldest release from which it exists without a break up to the
  generated release. On an older Keras a parameter the caller gives is checked against it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from packaging.version import Version

from generator.upstream.model import Signature, Snapshot, Symbol
from generator.upstream.store import SnapshotStore


@dataclass(frozen=True)
class SignatureHistory:
    since: str  # the oldest release from which the signature is unchanged
    added: Mapping[str, str]  # parameter -> the oldest release from which it exists without a break


def call_signature(snapshot_symbols: Mapping[str, Symbol], symbol: Symbol, name: str = "call") -> Signature | None:
    """The signature of a class's method (a layer's `call`), from the class or the nearest public
    ancestor defining it.

    Members of an exported ancestor are recorded on that ancestor only (`AdditiveAttention.call`
    is `Attention.call`, `Sequential.fit` is `Model.fit`), so the MRO is walked in the same snapshot.
    """
    for owner in (symbol.path, *symbol.mro):
        found = snapshot_symbols.get(owner)
        member = found.member(name) if found is not None else None
        if member is not None:
            return member.signature
    return None


def _shape(signature: Signature) -> tuple[tuple[str, str, str | None], ...]:
    return tuple((p.name, p.kind, p.default) for p in signature.parameters)


def _signature_in(store: SnapshotStore, release: str, path: str, member: str | None) -> Signature | None:
    symbol = store.symbol(release, path)
    if symbol is None:
        return None
    if member is None:
        return symbol.signature
    index = store.index(release)
    symbols = {p: s for p in (path, *symbol.mro) if p in index and (s := store.symbol(release, p)) is not None}
    return call_signature(symbols, symbol, member)


def signature_history(store: SnapshotStore, snapshot: Snapshot, path: str, member: str | None = None) -> SignatureHistory | None:
    """The history of `path`'s signature (or of its method `member`, e.g. "call") up to `snapshot`.

    None when the symbol has no signature in `snapshot`.
    """
    symbol = snapshot.symbols[path]
    current = symbol.signature if member is None else call_signature(snapshot.symbols, symbol, member)
    if current is None:
        return None
    target = Version(snapshot.keras_version)
    older = [r for r in reversed(store.releases()) if Version(r) < target]
    since = snapshot.keras_version
    unchanged = True
    alive = {p.name for p in current.parameters}
    added = dict.fromkeys(alive, snapshot.keras_version)
    for release in older:
        signature = _signature_in(store, release, path, member)
        if signature is None:
            break
        unchanged = unchanged and _shape(signature) == _shape(current)
        if unchanged:
            since = release
        alive &= {p.name for p in signature.parameters}
        if not alive and not unchanged:
            break
        for name in alive:
            added[name] = release
    return SignatureHistory(since=since, added=dict(sorted(added.items())))


def signature_histories(store: SnapshotStore, snapshot: Snapshot) -> Callable[[str, str | None], SignatureHistory | None]:
    """`signature_history` of (path, member), computed on first need and kept."""
    found: dict[tuple[str, str | None], SignatureHistory | None] = {}

    def history(path: str, member: str | None) -> SignatureHistory | None:
        if (path, member) not in found:
            found[(path, member)] = signature_history(store, snapshot, path, member) if path in snapshot.symbols else None
        return found[(path, member)]

    return history

