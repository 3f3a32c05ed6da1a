"""The snapshot store: byte-stable round trips, clear errors on damage, nothing lost on failure."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.model import SCHEMA_VERSION, Snapshot, Symbol
from generator.store import POOL_FILE, SnapshotStore, StoreError, content_hash

ALL_RELEASES = [
    "3.0.0", "3.0.1", "3.0.2", "3.0.3", "3.0.4", "3.0.5", "3.1.0", "3.1.1", "3.2.0", "3.2.1",
    "3.3.0", "3.3.1", "3.3.2", "3.3.3", "3.4.0", "3.4.1", "3.5.0", "3.6.0", "3.7.0", "3.8.0",
    "3.9.0", "3.9.1", "3.9.2", "3.10.0", "3.11.0", "3.11.1", "3.11.2", "3.11.3", "3.12.0",
    "3.12.1", "3.12.2", "3.12.3", "3.12.4", "3.13.0", "3.13.1", "3.13.2", "3.14.0", "3.14.1",
    "3.15.0", "3.15.1",
]  # every Keras 3 release on the package index (shared/facts/api-drift.md)


@pytest.fixture
def copy(store: SnapshotStore, tmp_path: Path) -> SnapshotStore:
    """A private copy of the real store that a test may damage."""
    shutil.copytree(store.root, tmp_path / "store")
    return SnapshotStore(tmp_path / "store")


def file_bytes(root: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(root.iterdir())}


def test_the_store_holds_every_keras_3_release(store):
    assert store.releases() == ALL_RELEASES


def test_the_whole_store_stays_under_25_megabytes(store):
    total = sum(f.stat().st_size for f in store.root.iterdir() if f.is_file())
    assert total < 25 * 1024 * 1024, f"{total / 2**20:.1f} MiB"


@pytest.mark.parametrize("release", ALL_RELEASES)
def test_load_then_dump_is_byte_identical(store, release):
    assert store.dump(release) == store.release_file(release).read_text(encoding="utf-8")


def test_saving_a_loaded_release_rewrites_identical_bytes(copy):
    before = file_bytes(copy.root)
    copy.save(copy.load("3.15.1"))
    assert file_bytes(copy.root) == before


def test_a_truncated_release_file_names_the_file_and_the_place(copy):
    file = copy.release_file("3.10.0")
    file.write_text(file.read_text()[:5000])
    with pytest.raises(StoreError, match=r"keras-3\.10\.0\.json: line \d+, column \d+.*damaged or truncated"):
        SnapshotStore(copy.root).load("3.10.0")


def test_a_damaged_pool_fails_loudly_and_a_save_then_overwrites_nothing(copy):
    pool = copy.root / POOL_FILE
    pool.write_text(pool.read_text().replace('"kind":"function"', '"kind":"function",,', 1))
    before = file_bytes(copy.root)
    fresh = SnapshotStore(copy.root)
    with pytest.raises(StoreError, match=r"pool\.json: line \d+, column \d+"):
        fresh.load("3.15.1")
    with pytest.raises(StoreError, match=r"pool\.json"):
        fresh.save(Snapshot("3.16.0", {}))
    assert file_bytes(copy.root) == before


def test_a_record_missing_from_the_pool_names_the_symbol(copy):
    file = copy.release_file("3.15.1")
    data = json.loads(file.read_text())
    data["symbols"]["keras.layers.Dense"] = "0000000000000000"
    file.write_text(json.dumps(data))
    with pytest.raises(StoreError, match=r"keras\.layers\.Dense refers to 0000000000000000"):
        SnapshotStore(copy.root).load("3.15.1")


def test_a_malformed_record_names_the_symbol(copy):
    # A record that hashes to its key but lacks a field (a store written by a faulty toolkit).
    pool, file = copy.root / POOL_FILE, copy.release_file("3.15.1")
    data, index = json.loads(pool.read_text()), json.loads(file.read_text())
    record = {k: v for k, v in data["entries"][index["symbols"]["keras.ops.add"]].items() if k != "kind"}
    data["entries"][content_hash(record)] = record
    index["symbols"]["keras.ops.add"] = content_hash(record)
    pool.write_text(json.dumps(data))
    file.write_text(json.dumps(index))
    with pytest.raises(StoreError, match=r"record of keras\.ops\.add .* is malformed"):
        SnapshotStore(copy.root).load("3.15.1")


def test_another_schema_version_is_refused_with_the_way_out(copy):
    file = copy.release_file("3.15.1")
    file.write_text(file.read_text().replace(f'"schema_version":{SCHEMA_VERSION}', '"schema_version":99'))
    with pytest.raises(StoreError, match=r"schema_version 99.*make snapshot"):
        SnapshotStore(copy.root).load("3.15.1")


def test_an_unknown_release_lists_what_is_stored(store):
    with pytest.raises(StoreError, match=r"no stored snapshot of Keras 3\.99\.0 \(stored: 3\.0\.0, "):
        store.load("3.99.0")


def test_a_release_name_that_is_not_a_version_is_refused(store):
    with pytest.raises(ValueError, match="not a Keras release number"):
        store.load("../pyproject")


def test_the_pool_keeps_only_what_stored_releases_use(copy):
    extra = Symbol(path="keras.ops.only_in_3_99", kind="function", implementation="x", doc="Only here.")
    copy.save(Snapshot("3.99.0", {extra.path: extra}))
    copy.release_file("3.99.0").unlink()
    copy.save(copy.load("3.15.1"))  # any save collects what no release refers to
    assert "Only here." not in (copy.root / POOL_FILE).read_text()
