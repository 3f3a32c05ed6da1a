"""The snapshot store: byte-stable round trips, clear errors on damage, nothing lost on failure."""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.settings import pinned_release
from generator.upstream.model import SCHEMA_VERSION, Snapshot, Symbol
from generator.settings import version_key
from generator.upstream.releases import KERAS_RELEASES
from generator.upstream.store import DEFAULT_ROOT, POOL_FILE, SnapshotStore, StoreError, content_hash, reseal

REPO = Path(__file__).resolve().parents[2]

PIN = pinned_release()


def stored_releases() -> list[str]:
    """The releases in the store under test (read at collection, for parametrize)."""
    return SnapshotStore(Path(os.environ.get("KERAS3_TEST_STORE", DEFAULT_ROOT))).releases()


@pytest.fixture
def copy(store: SnapshotStore, tmp_path: Path) -> SnapshotStore:
    """A private copy of the real store that a test may damage."""
    shutil.copytree(store.root, tmp_path / "store")
    return SnapshotStore(tmp_path / "store")


def file_bytes(root: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(root.iterdir()) if f.is_file()}  # not keras-io/


def test_the_store_holds_every_known_release_and_the_pin_in_pep_440_order(store):
    releases = store.releases()
    assert set(KERAS_RELEASES) <= set(releases) and PIN in releases
    assert releases == sorted(releases, key=version_key) and len(set(releases)) == len(releases)
    assert all(store.release_file(r).name == f"keras-{r}.json" for r in releases)


def test_the_whole_store_stays_under_25_megabytes(store):
    total = sum(f.stat().st_size for f in store.root.iterdir() if f.is_file())
    assert total < 25 * 1024 * 1024, f"{total / 2**20:.1f} MiB"


@pytest.mark.parametrize("release", stored_releases())
def test_load_then_dump_is_byte_identical(store, release):
    assert store.dump(release) == store.release_file(release).read_text(encoding="utf-8")


def test_saving_a_loaded_release_rewrites_identical_bytes(copy):
    before = file_bytes(copy.root)
    copy.save(copy.load(PIN))
    assert file_bytes(copy.root) == before


def test_a_truncated_release_file_names_the_file_and_the_place(copy):
    older = copy.previous_release(PIN)
    file = copy.release_file(older)
    file.write_text(file.read_text()[:5000])
    with pytest.raises(StoreError, match=re.escape(file.name) + r": line \d+, column \d+.*damaged or truncated"):
        SnapshotStore(copy.root).load(older)


def test_a_damaged_pool_fails_loudly_and_a_save_then_overwrites_nothing(copy):
    pool = copy.root / POOL_FILE
    pool.write_text(pool.read_text().replace('"kind":"function"', '"kind":"function",,', 1))
    before = file_bytes(copy.root)
    fresh = SnapshotStore(copy.root)
    with pytest.raises(StoreError, match=r"pool\.json: line \d+, column \d+"):
        fresh.load(PIN)
    with pytest.raises(StoreError, match=r"pool\.json"):
        fresh.save(Snapshot("3.16.0", {}))
    assert file_bytes(copy.root) == before


def test_a_record_missing_from_the_pool_names_the_symbol(copy):
    file = copy.release_file(PIN)
    data = json.loads(file.read_text())
    data["symbols"]["keras.layers.Dense"] = "0000000000000000"
    file.write_text(reseal(json.dumps(data, separators=(",", ":"))))
    with pytest.raises(StoreError, match=r"keras\.layers\.Dense refers to 0000000000000000"):
        SnapshotStore(copy.root).load(PIN)


def test_a_malformed_record_names_the_symbol(copy):
    # A record that hashes to its key but lacks a field (a store written by a faulty toolkit).
    pool, file = copy.root / POOL_FILE, copy.release_file(PIN)
    data, index = json.loads(pool.read_text()), json.loads(file.read_text())
    record = {k: v for k, v in data["entries"][index["symbols"]["keras.ops.add"]].items() if k != "kind"}
    data["entries"][content_hash(record)] = record
    index["symbols"]["keras.ops.add"] = content_hash(record)
    pool.write_text(reseal(json.dumps(data, separators=(",", ":"))))  # as a faulty toolkit would write it
    file.write_text(reseal(json.dumps(index, separators=(",", ":"))))
    with pytest.raises(StoreError, match=r"record of keras\.ops\.add .* is malformed"):
        SnapshotStore(copy.root).load(PIN)


def test_an_older_schema_version_is_refused_with_the_way_out(copy):
    file = copy.release_file(PIN)
    file.write_text(reseal(file.read_text().replace(f'"schema_version":{SCHEMA_VERSION}', '"schema_version":0')))
    with pytest.raises(StoreError, match=r"schema_version 0.*make snapshot"):
        SnapshotStore(copy.root).load(PIN)


def _as_newer_toolkit_wrote_it(file: Path) -> None:
    text = file.read_text().replace(f'"schema_version":{SCHEMA_VERSION}', f'"schema_version":{SCHEMA_VERSION + 1}')
    text = re.sub(r'"toolkit_version":"[^"]*"', '"toolkit_version":"9.9.9"', text, count=1)
    file.write_text(reseal(text.replace('"symbols":{', '"added_by_9_9_9":[1],"symbols":{', 1)))


@pytest.mark.parametrize("which", ["release", "pool"])
def test_a_file_of_a_newer_schema_is_never_rewritten_and_names_its_writer(copy, which):
    """Issue 19: `snapshot` of the same release rewrote a newer toolkit's file as the current
    schema, exit 0, losing what the newer toolkit stored."""
    release = copy.load(PIN)  # read before the file is made newer
    file = copy.release_file(PIN) if which == "release" else copy.root / POOL_FILE
    _as_newer_toolkit_wrote_it(file)
    before = file_bytes(copy.root)
    fresh = SnapshotStore(copy.root)
    for attempt in (lambda: fresh.save(release), lambda: fresh.load(PIN)):
        with pytest.raises(StoreError, match=rf"schema_version {SCHEMA_VERSION + 1} was written by keras3 "
                           r"toolkit 9\.9\.9.*update the toolkit"):
            attempt()
    assert file_bytes(copy.root) == before


def test_a_renamed_path_in_a_release_index_is_damage_not_a_change(copy):
    """Issue 19: renaming keras.layers.Dense to keras.layers.Eense in the pinned release file made
    `diff` report a removal and `regenerate` publish layer_eense: the index had no hash."""
    file = copy.release_file(PIN)
    file.write_text(file.read_text().replace('"keras.layers.Dense":', '"keras.layers.Eense":', 1))
    with pytest.raises(StoreError, match=r"the store is damaged.*restore it from git"):
        SnapshotStore(copy.root).load(PIN)


def test_any_changed_byte_of_any_store_file_is_damage(copy):
    """A byte changed anywhere (header, index, records, the digest itself) in the pinned release
    file, an older one and the pool: every load refuses it, saying the store is damaged."""
    rng = random.Random(19)
    files = [copy.release_file(PIN), copy.release_file(copy.releases()[0]), copy.root / POOL_FILE]
    for file in files:
        original = file.read_bytes()
        header = original.index(b"\n")
        places = [*rng.sample(range(header), 6), *rng.sample(range(header, len(original)), 14)]
        for place in places:
            changed = bytearray(original)
            changed[place] = rng.choice([b for b in b'0123456789abcdefxyz", {}' if b != original[place]])
            file.write_bytes(bytes(changed))
            with pytest.raises(StoreError, match=r"the store is damaged") as raised:
                fresh = SnapshotStore(copy.root)
                fresh.load(file.name.removeprefix("keras-").removesuffix(".json") if file.name != POOL_FILE else PIN)
            assert "from git" in str(raised.value), str(raised.value)
        file.write_bytes(original)


def test_an_unknown_release_lists_what_is_stored(store):
    first = re.escape(store.releases()[0])
    with pytest.raises(StoreError, match=rf"no stored snapshot of Keras 3\.99\.0 \(stored: {first}, "):
        store.load("3.99.0")


def test_a_release_name_that_is_not_a_version_is_refused(store):
    with pytest.raises(ValueError, match="not a Keras release number"):
        store.load("../pyproject")


def test_the_pool_keeps_only_what_stored_releases_use(copy):
    extra = Symbol(path="keras.ops.only_in_3_99", kind="function", implementation="x", doc="Only here.")
    copy.save(Snapshot("3.99.0", {extra.path: extra}))
    copy.release_file("3.99.0").unlink()
    copy.save(copy.load(PIN))  # any save collects what no release refers to
    assert "Only here." not in (copy.root / POOL_FILE).read_text()


# --- PEP 440 releases ---------------------------------------------------------------------------


def test_development_builds_are_stored_ordered_and_named_like_finals(copy):
    """keras-nightly builds ("3.16.0.dev2026102704", "3.16.0rc1") go through the store like finals:
    a dev build sorts before the rc and the final of its release, after every earlier final."""
    base = copy.load(PIN)
    pin = version_key(PIN)
    post = f"{pin.base_version}.post1"  # after the pin, a final or a development build of it
    nightly = f"{pin.major}.{pin.minor + 1}.0"
    builds = [f"{nightly}.dev2026102704", f"{nightly}rc1", post]
    for build in builds:
        copy.save(Snapshot(build, dict(base.symbols)))
    reopened = SnapshotStore(copy.root)
    releases = reopened.releases()
    assert releases[-3:] == [post, f"{nightly}.dev2026102704", f"{nightly}rc1"]
    assert {f"keras-{b}.json" for b in builds} <= {f.name for f in copy.root.iterdir()}
    assert reopened.previous_release(f"{nightly}.dev2026102704") == post
    assert reopened.load(f"{nightly}rc1").symbols == base.symbols
    assert reopened.dump(f"{nightly}.dev2026102704") == reopened.release_file(f"{nightly}.dev2026102704").read_text()


@pytest.mark.parametrize("spelling", ["3.16.0-dev2026102704", "3.16.0.DEV1", "v3.15.1", "3.16.0-rc1"])
def test_a_non_canonical_spelling_is_refused_with_the_canonical_one(store, spelling):
    with pytest.raises(ValueError, match="canonical.*write it"):
        store.release_file(spelling)


# --- caches: a release reads the same whatever was loaded before -------------------------------


def _orders(releases: list[str]) -> dict[str, list[str]]:
    shuffled = list(releases)
    random.Random(20261027).shuffle(shuffled)
    return {"forward": list(releases), "reverse": releases[::-1], "shuffled": shuffled}


@pytest.fixture(scope="module")
def fresh_loads(store) -> dict[str, Snapshot]:
    """Every stored release, each read by a store that has read nothing else (caches empty)."""
    return {r: SnapshotStore(store.root).load(r) for r in store.releases()}


@pytest.mark.parametrize("order", ["forward", "reverse", "shuffled"])
def test_each_release_loads_the_same_whatever_was_loaded_before(store, fresh_loads, order):
    """An alias record ({"alias_of": T}) has one hash in every release but stands for what T is
    in the release read: a cache keyed by record alone gave later loads an earlier release's data."""
    shared = SnapshotStore(store.root)
    wrong = {}
    for release in _orders(store.releases())[order]:
        loaded = shared.load(release)
        differs = [p for p, s in fresh_loads[release].symbols.items() if loaded.symbols.get(p) != s]
        if differs or loaded.symbols.keys() != fresh_loads[release].symbols.keys():
            wrong[release] = differs[:3]
    assert not wrong, wrong


def test_symbol_lookups_agree_with_whole_loads_in_any_order(store, fresh_loads):
    """`symbol()` (history, drift's stale overrides) reads through the same caches."""
    shared = SnapshotStore(store.root)
    paths = sorted({p for s in fresh_loads.values() for p, sym in s.symbols.items() if sym.is_alias})[::25]
    for release in _orders(store.releases())["shuffled"]:
        for path in paths:
            assert shared.symbol(release, path) == fresh_loads[release].symbols.get(path), (release, path)


def _digest(snapshot: Snapshot) -> str:
    """Every decoded field of every path (aliases included), hashed."""
    return hashlib.sha256(repr(sorted(snapshot.symbols.items())).encode("utf-8")).hexdigest()


def test_a_load_in_a_new_process_equals_the_load_after_every_other_release(store):
    """The same against processes that each loaded one release only."""
    shared = SnapshotStore(store.root)
    for release in store.releases()[::-1]:
        shared.load(release)
    releases = store.releases()
    probes = sorted({releases[0], releases[len(releases) // 2], PIN}, key=version_key)
    code = ("import sys; from tests.upstream.test_store import _digest; from generator.upstream.store import SnapshotStore; "
            "print(_digest(SnapshotStore(sys.argv[1]).load(sys.argv[2])))")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    for probe in probes:
        result = subprocess.run([sys.executable, "-c", code, str(store.root), probe], env=env, cwd=REPO,
                                capture_output=True, text=True, check=True)
        assert result.stdout.strip() == _digest(shared.load(probe)), probe


def test_an_alias_identity_moves_with_its_target_while_its_record_hash_does_not(store):
    """Found in the store: an alias path whose record hash is the same in two releases while its
    target's record changed. Its identity (what comparisons must use) differs; a canonical path's
    identity is its record hash."""
    releases = store.releases()
    moved = next((old, new, path) for old, new in zip(releases, releases[1:])
                 for path, key in store.index(new).items()
                 if store.index(old).get(path) == key and "alias_of" in store.pool()[key]
                 and store.symbol(old, path) != store.symbol(new, path))
    old, new, path = moved
    assert store.identity(old, path) != store.identity(new, path)
    canonical = store.symbol(new, path).alias_of
    assert store.identity(new, canonical) == store.index(new)[canonical]
    assert store.identity(new, "keras.no_such_path") is None


def test_an_override_of_an_alias_path_goes_stale_when_its_target_moves(store):
    from generator.checks.drift import stale_overrides
    from generator.binding.overrides import Override

    releases = store.releases()
    old, new, path = next((old, new, path) for old, new in zip(releases, releases[1:])
                          for path, key in store.index(new).items()
                          if store.index(old).get(path) == key and "alias_of" in store.pool()[key]
                          and store.identity(old, path) != store.identity(new, path))
    tether = Override("op_x", path, store.identity(old, path), 1)
    (stale,) = stale_overrides(store, new, [tether])
    assert stale.current == store.identity(new, path) and stale.since is not None
    assert stale_overrides(store, new, [Override("op_x", path, store.identity(new, path), 1)]) == []
