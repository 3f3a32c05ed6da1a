"""The stored copies of upstream tutobooks, `upstream_snapshots/keras-io/`.

Each tracked guide or example is kept verbatim at its upstream path
(`upstream_snapshots/keras-io/guides/functional_api.py`), and `index.json` names, per path, the
repository and commit it was synced from and its sha256. The index is deterministic JSON, one
entry per line, sealed like the release files (a digest of its own bytes and the toolkit version
that wrote it, so a changed commit or repository string is caught too). Every read is verified
against the index: a byte changed on disk is a damaged store ("restore it from git"), never an
upstream change. The whole folder is written at once by
`replace_folder` of the sync's write flow (staged, then swapped in with renames).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.settings import STORE_ROOT
from generator.upstream.store import StoreError, check_digest, sealed

TUTOBOOK_ROOT = STORE_ROOT / "keras-io"
INDEX_FILE = "index.json"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class StoredFile:
    """Where a stored tutobook came from, and the sha256 of its bytes."""

    repo: str
    commit: str  # the upstream commit of its last change ("unknown" when the checkout did not say)
    sha256: str

    def as_json(self) -> dict[str, str]:
        return {"commit": self.commit, "repo": self.repo, "sha256": self.sha256}


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class TutobookStore:
    """Read access to `upstream_snapshots/keras-io/`, every read verified."""

    def __init__(self, root: Path = TUTOBOOK_ROOT) -> None:
        self.root = root
        self._index: dict[str, StoredFile] | None = None

    def index(self) -> dict[str, StoredFile]:
        """upstream path -> its record; {} for a store that holds nothing yet."""
        if self._index is None:
            self._index = self._read_index()
        return self._index

    def _read_index(self) -> dict[str, StoredFile]:
        file = self.root / INDEX_FILE
        if not file.exists():
            if self.root.exists() and any(p.suffix == ".py" for p in self.root.rglob("*")):
                raise StoreError(f"{file} is missing but {self.root} holds tutobooks: the store is damaged; "
                                 "restore it from git")
            return {}
        text = file.read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except ValueError as error:
            raise StoreError(f"{file}: not JSON ({error}): the store is damaged; restore it from git") from None
        check_digest(file, text, data if isinstance(data, dict) else {})
        try:
            if data.get("schema_version") != SCHEMA_VERSION:
                raise StoreError(f"{file}: schema_version {data.get('schema_version')!r}, expected {SCHEMA_VERSION}")
            return {path: StoredFile(e["repo"], e["commit"], e["sha256"]) for path, e in data["files"].items()}
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise StoreError(f"{file}: not a tutobook index ({error}): the store is damaged; restore it from git") from None

    def data(self, path: str) -> bytes:
        """The stored bytes of `path`, checked against the index."""
        record = self.index().get(path)
        if record is None:
            raise StoreError(f"{self.root}: {path} is not stored (run `make guides-sync KERAS_IO=DIR`)")
        file = self.root / path
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            raise StoreError(f"{file} is missing though {INDEX_FILE} lists it: the store is damaged; "
                             "restore it from git") from None
        found = sha256_of(data)
        if found != record.sha256:
            raise StoreError(f"{file} hashes to {found[:16]}, {INDEX_FILE} says {record.sha256[:16]}: the store "
                             "is damaged (changed on disk, not upstream); restore it from git")
        return data

    def text(self, path: str) -> str:
        try:
            return self.data(path).decode("utf-8")
        except UnicodeDecodeError as error:
            raise StoreError(f"{self.root / path}: byte {error.start} is not UTF-8") from None

    def verify(self) -> list[str]:
        """Every problem of the store (damaged or missing files, files the index does not list)."""
        problems: list[str] = []
        try:
            index = self.index()
        except StoreError as error:
            return [str(error)]
        for path in sorted(index):
            try:
                self.data(path)
            except StoreError as error:
                problems.append(str(error))
        if self.root.exists():
            listed = set(index) | {INDEX_FILE}
            extra = sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())
            problems += [f"{self.root / p}: not listed in {INDEX_FILE}; remove it or sync again"
                         for p in extra if p not in listed]
        return problems


def folder_files(index: Mapping[str, StoredFile], data: Mapping[str, bytes]) -> dict[str, bytes]:
    """The store's whole content for `index` (path -> bytes, `index.json` among them)."""
    for path, record in index.items():
        if sha256_of(data[path]) != record.sha256:
            raise StoreError(f"{path}: the bytes to store do not match their record")
    text = sealed({"schema_version": SCHEMA_VERSION}, "files",
                  {path: index[path].as_json() for path in sorted(index)})
    return {INDEX_FILE: text.encode("utf-8"), **{path: data[path] for path in sorted(index)}}
