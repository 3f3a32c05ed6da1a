"""The snapshot store, `upstream_snapshots/`.

Layout, all deterministic JSON with a schema version:

* `keras-<version>.json`: one file per Keras release, mapping each public path to the content hash
  of its record.
* `pool.json`: the records and docstrings, keyed by content hash and shared by every release.
  Between two releases most symbols do not change, so each distinct record and docstring is stored
  once; that keeps 40 releases to a few megabytes.

Both files hold one entry per line, so `git diff` shows what a release changed. Each file's header
holds a `digest` of the file's own bytes (with the digest's value left empty) and the version of the
toolkit that wrote it: a record hash guards a record, the digest guards everything else (the index
that names the records, the header), so any changed byte stops every reader. Writes go to a
temporary file in the same folder and are moved into place, so a crash or a bad input never leaves
a half-written file, and files already in the store are never lost.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from generator.settings import STORE_ROOT, toolkit_version, version_key
from generator.upstream.model import (
    SCHEMA_VERSION,
    Member,
    Parameter,
    Signature,
    Snapshot,
    Symbol,
)

DEFAULT_ROOT = STORE_ROOT
POOL_FILE = "pool.json"
# `keras-<PEP 440 version>.json`: finals ("3.15.1") and keras-nightly builds ("3.16.0.dev2026102704",
# "3.16.0rc1") alike; `releases()` keeps only names `version_key` accepts.
_RELEASE_FILE = re.compile(r"^keras-(\d[0-9A-Za-z.!+_-]*)\.json$")


class StoreError(Exception):
    """A store file is missing, damaged or inconsistent; the message names the file and place."""


# --- canonical JSON and hashing ---------------------------------------------------------------------


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(value: Any) -> str:
    return content_hash_of_text(canonical_json(value))


def content_hash_of_text(text: str) -> str:
    """The content hash of a value given as its canonical JSON text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def dump_entries(header: Mapping[str, Any], key: str, entries: Mapping[str, Any]) -> str:
    """A JSON object with `header` fields, then `key` holding `entries`, one entry per line."""
    lines = [f"{canonical_json(k)}:{canonical_json(entries[k])}" for k in sorted(entries)]
    head = ",".join(f"{canonical_json(k)}:{canonical_json(v)}" for k, v in sorted(header.items()))
    body = ",\n".join(lines)
    return "{" + head + f',{canonical_json(key)}:{{\n' + body + "\n}}\n"


_UNSEALED = '"digest":""'
_SEAL = re.compile(r'"digest":"([0-9a-f]*)"')


def sealed(header: Mapping[str, Any], key: str, entries: Mapping[str, Any], writer: str | None = None) -> str:
    """`dump_entries` with the header's `digest` (of the text with that digest empty) and the
    version of the toolkit that writes it (`writer`, by default this one)."""
    text = dump_entries({**header, "digest": "", "toolkit_version": writer or toolkit_version()}, key, entries)
    return reseal(text)


def _writer_of(file: Path) -> str | None:
    """The toolkit version recorded in a store file's header (its first line), if any."""
    try:
        with file.open(encoding="utf-8") as stream:
            head = stream.readline()
    except (OSError, UnicodeDecodeError):
        return None
    match = re.search(r'"toolkit_version":"([^"\\]*)"', head)
    return match.group(1) if match else None


def _write_if_changed(target: Path, header: Mapping[str, Any], key: str, entries: Mapping[str, Any]) -> None:
    """Write a store file unless it holds these entries already (then it keeps the toolkit
    version that wrote them: a new toolkit version alone rewrites nothing)."""
    writer = _writer_of(target)
    if writer is not None and target.read_text(encoding="utf-8") == sealed(header, key, entries, writer):
        return
    atomic_write(target, sealed(header, key, entries))


def reseal(text: str) -> str:
    """`text` with its digest recomputed (the header's first `"digest":"..."`)."""
    blank = _SEAL.sub(_UNSEALED, text, count=1)
    return blank.replace(_UNSEALED, f'"digest":"{content_hash_of_text(blank)}"', 1)


def check_digest(file: Path, text: str, data: Mapping[str, Any]) -> None:
    """Any byte of a store file changed since it was written (the index, a header field, the
    digest itself): the store is damaged, whatever the JSON still parses to."""
    found = data.get("digest")
    blank = text.replace(f'"digest":"{found}"', _UNSEALED, 1) if isinstance(found, str) else None
    if found is None:
        raise StoreError(f"{file}: no digest in its header: the store is damaged (or the file predates "
                         "store digests: save it again with this toolkit); restore it from git "
                         f"(git checkout -- {file.parent.name}/{file.name}), nothing was written")
    if blank is None or content_hash_of_text(blank) != found:
        raise StoreError(f"{file}: its digest does not match its bytes: the store is damaged (the file "
                         "changed on disk after it was written; this is not an upstream change); restore "
                         f"it from git (git checkout -- {file.parent.name}/{file.name}), nothing was written")


# --- encoding records (Symbol <-> plain JSON values) ---------------------------------------------------


def _encode_signature(sig: Signature | None) -> Any:
    if sig is None:
        return None
    params = []
    for p in sig.parameters:
        entry: dict[str, Any] = {"name": p.name, "kind": p.kind}
        if p.default is not None:
            entry["default"] = p.default
        if p.annotation is not None:
            entry["annotation"] = p.annotation
        params.append(entry)
    encoded: dict[str, Any] = {"parameters": params}
    if sig.returns is not None:
        encoded["returns"] = sig.returns
    if sig.accepts:
        encoded["accepts"] = list(sig.accepts)
    return encoded


def _decode_signature(value: Any) -> Signature | None:
    if value is None:
        return None
    return Signature(
        parameters=tuple(
            Parameter(
                name=p["name"],
                kind=p["kind"],
                default=p.get("default"),
                annotation=p.get("annotation"),
            )
            for p in value["parameters"]
        ),
        returns=value.get("returns"),
        accepts=tuple(value.get("accepts", ())),
    )


def encode_symbol(symbol: Symbol, intern: Callable[[Any], str]) -> dict[str, Any]:
    """The record of a symbol, without its path; docstrings go to the pool through `intern`."""
    if symbol.alias_of is not None:
        return {"alias_of": symbol.alias_of}
    record: dict[str, Any] = {"kind": symbol.kind, "implementation": symbol.implementation}
    optional = {
        "aliases": list(symbol.aliases),
        "signature": _encode_signature(symbol.signature),
        "doc": intern(symbol.doc) if symbol.doc else None,
        "bases": list(symbol.bases),
        "mro": list(symbol.mro),
        "members": [_encode_member(m, intern) for m in symbol.members],
        "value": symbol.value,
        "deprecated": symbol.deprecated,
    }
    record.update({k: v for k, v in optional.items() if v not in (None, [])})
    return record


def _encode_member(member: Member, intern: Callable[[Any], str]) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": member.name, "kind": member.kind}
    if member.signature is not None:
        entry["signature"] = _encode_signature(member.signature)
    if member.doc:
        entry["doc"] = intern(member.doc)
    if member.deprecated:
        entry["deprecated"] = member.deprecated
    return entry


def decode_symbol(path: str, record: Mapping[str, Any], text: Callable[[str], str]) -> Symbol:
    """Rebuild a canonical symbol from its record; `text` resolves docstring hashes."""
    return Symbol(
        path=path,
        kind=record["kind"],
        implementation=record["implementation"],
        aliases=tuple(record.get("aliases", ())),
        signature=_decode_signature(record.get("signature")),
        doc=text(record["doc"]) if "doc" in record else "",
        bases=tuple(record.get("bases", ())),
        mro=tuple(record.get("mro", ())),
        members=tuple(
            Member(
                name=m["name"],
                kind=m["kind"],
                signature=_decode_signature(m.get("signature")),
                doc=text(m["doc"]) if "doc" in m else "",
                deprecated=m.get("deprecated"),
            )
            for m in record.get("members", ())
        ),
        value=record.get("value"),
        deprecated=record.get("deprecated"),
    )


def encode_snapshot(snapshot: Snapshot) -> tuple[dict[str, str], dict[str, Any]]:
    """Split a snapshot into its index (path -> hash) and the pool entries it needs."""
    pool: dict[str, Any] = {}

    def intern(value: Any) -> str:
        key = content_hash(value)
        if key in pool and pool[key] != value:
            raise StoreError(f"content hash collision on {key}; widen the hash")
        pool[key] = value
        return key

    index = {path: intern(encode_symbol(symbol, intern)) for path, symbol in snapshot.symbols.items()}
    return index, pool


# --- reading ----------------------------------------------------------------------------------------------


def _read_json(file: Path, text: str | None = None) -> Any:
    if text is None:
        text = _read_text(file)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise StoreError(
            f"{file}: line {error.lineno}, column {error.colno}: {error.msg}: the store is damaged (the "
            "file is damaged or truncated); restore it from git or retake the snapshot, nothing was written"
        ) from None


def _read_text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StoreError(f"{file}: no such snapshot file") from None
    except UnicodeDecodeError as error:
        raise StoreError(f"{file}: byte {error.start} is not UTF-8: the store is damaged; "
                         "restore it from git or retake the snapshot, nothing was written") from None


def _verified_pool(file: Path) -> dict[str, Any]:
    """The entries of `pool.json`, each checked against the content hash it is keyed by.

    A record whose bytes no longer hash to its key was changed on disk (a flipped bit, a bad
    merge, a hand edit), never by upstream: refusing it here keeps a damaged store from being
    reported as an API change and baked into generated files. Lines as `dump_entries` writes
    them (`"<hash>":<canonical JSON>`) are hashed as they stand, which is strict (any changed
    byte fails) and cheap; an entry not found on such a line is re-encoded and hashed.
    """
    text = _read_text(file)

    def records_hash_to_their_keys(data: dict[str, Any]) -> None:  # names the record, before the digest
        verified: dict[str, str] = {}  # key -> hash of its line's value text
        for line in text.split("\n"):
            head, colon, body = line.partition('":')
            if line.startswith('"') and colon:
                verified[head[1:]] = content_hash_of_text(body.removesuffix(","))
        for key, value in data["entries"].items():
            found = verified.get(key) or content_hash(value)
            if found != key:
                raise StoreError(f"{file}: record {key} hashes to {found}: the store is damaged (its bytes "
                                 "changed on disk; this is not an upstream change); restore "
                                 f"{file.name} from git, nothing was written")

    entries: dict[str, Any] = _check_header(file, text, "entries", records_hash_to_their_keys)["entries"]
    return entries


def _check_header(file: Path, text: str, body_key: str,
                  first: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """The parsed store file, once its shape, its digest (every byte) and its schema are checked."""
    data = _read_json(file, text)
    if not isinstance(data, dict) or not isinstance(data.get(body_key), dict):
        raise StoreError(f"{file}: not a snapshot store file (no {body_key!r} object): the store is damaged; "
                         "restore it from git, nothing was written")
    found = data.get("schema_version")
    if first is not None and found == SCHEMA_VERSION:
        first(data)
    check_digest(file, text, data)  # every schema keeps this contract: the digest covers every byte
    if isinstance(found, int) and found > SCHEMA_VERSION:
        raise StoreError(_newer_schema(file, data))
    if found != SCHEMA_VERSION:
        raise StoreError(
            f"{file}: schema_version {found!r}, this toolkit reads {SCHEMA_VERSION}; "
            "retake the snapshot with `make snapshot`"
        )
    return data


def _newer_schema(file: Path, data: Mapping[str, Any]) -> str:
    writer = data.get("toolkit_version")
    by = f"keras3 toolkit {writer}" if isinstance(writer, str) else "a newer keras3 toolkit"
    return (f"{file}: schema_version {data.get('schema_version')} was written by {by}; this toolkit "
            f"({toolkit_version()}) reads and writes schema {SCHEMA_VERSION}: update the toolkit "
            "(git pull); nothing was read or written, so nothing of the newer file is lost")


def _check_before_overwrite(file: Path, body_key: str) -> None:
    """A store file is replaced only when it is sound and of this schema or an older one: a
    damaged file stops the run (restore it from git), and a file a newer toolkit wrote is never
    rewritten (that would drop what it added)."""
    if not file.exists():
        return
    text = _read_text(file)
    data = _read_json(file, text)
    if isinstance(data, dict) and isinstance(data.get("schema_version"), int) \
            and data["schema_version"] < SCHEMA_VERSION:
        return  # an older schema: rewriting it is the upgrade
    _check_header(file, text, body_key)


class SnapshotStore:
    """The folder of release snapshots and their shared pool."""

    def __init__(self, root: Path = DEFAULT_ROOT) -> None:
        self.root = Path(root)
        self._pool: dict[str, Any] | None = None
        # Decoded canonical records, by (path, record hash): all such a record's decoding depends
        # on (the pool is content-addressed). Alias records are not cached: `{"alias_of": T}` has
        # one hash in every release, yet stands for whatever T is in the release being read.
        self._decoded: dict[tuple[str, str], Symbol] = {}
        self._indexes: dict[str, dict[str, str]] = {}

    # listing

    def releases(self) -> list[str]:
        if not self.root.is_dir():
            return []
        found = [m.group(1) for f in self.root.iterdir() if (m := _RELEASE_FILE.match(f.name))]
        return sorted((v for v in found if _is_release_number(v)), key=version_key)

    def release_file(self, version: str) -> Path:
        version_key(version)  # rejects anything that is not a release number
        return self.root / f"keras-{version}.json"

    def previous_release(self, version: str) -> str | None:
        older = [r for r in self.releases() if version_key(r) < version_key(version)]
        return older[-1] if older else None

    # loading

    def pool(self) -> dict[str, Any]:
        if self._pool is None:
            self._pool = _verified_pool(self.root / POOL_FILE)
        return self._pool

    def index(self, version: str) -> dict[str, str]:
        """The path -> record hash map of one release (cheap: no records decoded)."""
        if version not in self._indexes:
            self._indexes[version] = self._read_index(version)
        return self._indexes[version]

    def symbol(self, version: str, path: str) -> Symbol | None:
        """One symbol of one release, decoding only that record (and its alias target)."""
        index = self.index(version)
        if path not in index:
            return None
        return self._symbol(self.release_file(version), path, index[path], index)

    def identity(self, version: str, path: str) -> str | None:
        """What a path's decoded symbol depends on, as one hash: its record hash for a canonical
        symbol; for an alias, the target and the target's identity. Compare these, never raw
        record hashes, to tell whether a path changed: an alias record (`{"alias_of": T}`) has one
        hash in every release while T changes under it."""
        index = self.index(version)
        key = index.get(path)
        if key is None:
            return None
        record = self._entry(self.release_file(version), path, key)
        if not isinstance(record, dict) or "alias_of" not in record:
            return key
        target = record["alias_of"]
        return content_hash({"alias_of": target, "target": self.identity(version, target)})

    def _read_index(self, version: str) -> dict[str, str]:
        file = self.release_file(version)
        if not file.exists():
            known = ", ".join(self.releases()) or "none"
            raise StoreError(f"{file}: no stored snapshot of Keras {version} (stored: {known})")
        data = _check_header(file, _read_text(file), "symbols")
        if data.get("keras_version") != version:
            raise StoreError(f"{file}: holds keras_version {data.get('keras_version')!r}")
        return data["symbols"]

    def load(self, version: str) -> Snapshot:
        file = self.release_file(version)
        index = self.index(version)
        symbols = {path: self._symbol(file, path, key, index) for path, key in index.items()}
        return Snapshot(keras_version=version, symbols=symbols)

    def _entry(self, file: Path, path: str, key: str) -> Any:
        try:
            return self.pool()[key]
        except KeyError:
            raise StoreError(
                f"{file}: {path} refers to {key}, which {self.root / POOL_FILE} does not hold: "
                "the store is damaged; restore both files from git"
            ) from None

    def _symbol(self, file: Path, path: str, key: str, index: Mapping[str, str]) -> Symbol:
        record = self._entry(file, path, key)
        try:
            if "alias_of" in record:
                target = record["alias_of"]
                if target not in index:
                    raise StoreError(f"{file}: {path} is an alias of {target}, which is missing")
                canonical = self._symbol(file, target, index[target], index)
                return replace(canonical, path=path, alias_of=target, aliases=())
            cached = self._decoded.get((path, key))
            if cached is None:
                cached = decode_symbol(path, record, lambda h: self._entry(file, path, h))
                self._decoded[(path, key)] = cached
            return cached
        except (KeyError, TypeError, AttributeError) as error:
            raise StoreError(f"{file}: record of {path} ({key}) is malformed: {error!r}") from None

    # writing

    def save(self, snapshot: Snapshot) -> Path:
        """Store one release; the pool keeps exactly what the stored releases refer to."""
        index, new_entries = encode_snapshot(snapshot)
        file = self.release_file(snapshot.keras_version)
        _check_before_overwrite(file, "symbols")
        others = [r for r in self.releases() if r != snapshot.keras_version]
        pool = self._reachable({**self._existing_pool(), **new_entries}, [index, *map(self.index, others)])
        self.root.mkdir(parents=True, exist_ok=True)
        # Pool first: a crash between the two writes leaves unused entries, never missing ones.
        _write_if_changed(self.root / POOL_FILE, {"schema_version": SCHEMA_VERSION}, "entries", pool)
        _write_if_changed(file, _release_header(snapshot.keras_version), "symbols", index)
        self._pool = pool
        self._indexes[snapshot.keras_version] = index
        return file

    def _existing_pool(self) -> dict[str, Any]:
        return self.pool() if (self.root / POOL_FILE).exists() else {}

    @staticmethod
    def _reachable(pool: Mapping[str, Any], indexes: Iterable[Mapping[str, str]]) -> dict[str, Any]:
        keep: set[str] = set()
        for index in indexes:
            for key in index.values():
                keep.add(key)
                keep.update(_doc_refs(pool[key]))
        return {k: pool[k] for k in keep}

    def dump(self, version: str) -> str:
        """The exact text of a stored release file as this toolkit writes it (load -> dump)."""
        index, _ = encode_snapshot(self.load(version))
        return release_text(version, index, _writer_of(self.release_file(version)))


def _is_release_number(version: str) -> bool:
    try:
        version_key(version)
    except ValueError:
        return False
    return True


def index_text(version: str, index: Mapping[str, str]) -> str:
    """The identity of a release's index, which generated code's header hashes (the file itself
    adds a digest and the toolkit version: `release_text`)."""
    return dump_entries(_release_header(version), "symbols", index)


def release_text(version: str, index: Mapping[str, str], writer: str | None = None) -> str:
    """The text of a release file as `save` writes it: `index_text`'s content, sealed."""
    return sealed(_release_header(version), "symbols", index, writer)


def _release_header(version: str) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "keras_version": version}


def _doc_refs(record: Any) -> Iterable[str]:
    if not isinstance(record, dict):
        return ()
    refs = [record["doc"]] if "doc" in record else []
    refs += [m["doc"] for m in record.get("members", ()) if "doc" in m]
    return refs


def atomic_write(target: Path, text: str) -> None:
    """Write `text` to `target` through a temporary file in the same folder and a rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.", delete=False
    )
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o644)  # mkstemp makes 0600; store files are ordinary repo files
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
