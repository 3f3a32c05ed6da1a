"""Every release the package admits works: on real older Keras releases installed in isolation,
every keras3 wrapper called with its required arguments only constructs or computes (jax), or
raises KerasVersionError because its symbol is newer than that release.

The releases are read from the store relative to pyproject.toml: the oldest the package admits
(`keras>=` in [project] dependencies), one in the middle, and the one before the pin.

`make test` splits the wrappers among the three releases: of each keras3 module's wrappers, in their
order, the i-th release calls those whose index is i modulo KERAS3_OLDER_RELEASES_EVERY (3 unless
set), so every wrapper is called on one older release and every module on each of them. With 1
(`make test-full`, or `KERAS3_OLDER_RELEASES_EVERY=1 .venv/bin/python -m pytest
tests/package/test_older_releases.py`) every wrapper is called on every checked release.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.version import Version

from generator.settings import pinned_release
from generator.settings import supported_releases
from generator.upstream.releases import install_release

REPO = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).resolve().parents[1] / "release_runner.py"
EVERY = int(os.environ.get("KERAS3_OLDER_RELEASES_EVERY", "3"))


def admitted_floor() -> str:
    """The oldest Keras the package admits: the `keras>=X` of [project] dependencies."""
    floors = [s.version for s in supported_releases() if s.operator == ">="]
    assert floors, "pyproject.toml: the keras requirement names no oldest release"
    return floors[0]


def checked_releases(releases: list[str]) -> list[str]:
    """The oldest admitted stored release, the middle one and the one before the pin."""
    floor, pin = Version(admitted_floor()), Version(pinned_release())
    admitted = [r for r in releases if floor <= Version(r) < pin]
    assert admitted, "no stored release between the oldest admitted and the pin"
    return sorted({admitted[0], admitted[len(admitted) // 2], admitted[-1]}, key=Version)


def test_the_oldest_admitted_release_is_stored(store):
    assert admitted_floor() in store.releases()


@pytest.fixture(scope="module")
def verdicts(store, tmp_path_factory) -> dict[str, dict[str, str]]:
    """Verdicts per release, from one child process per release, run side by side."""
    jobs = []
    for index, release in enumerate(checked_releases(store.releases())):
        target = install_release(release)
        out = tmp_path_factory.mktemp(f"keras-{release}") / "verdicts.json"
        env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3",
               "KERAS_HOME": str(out.parent), "PYTHONWARNINGS": "ignore",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(target), str(REPO / "generated"), str(REPO),
                                                           os.environ.get("PYTHONPATH")]))}
        log = (out.parent / "stderr.txt").open("w")
        child = subprocess.Popen([sys.executable, str(RUNNER), str(out), f"{index % EVERY}/{EVERY}"],
                                 env=env, cwd=out.parent,
                                 stdout=subprocess.DEVNULL, stderr=log)
        jobs.append((release, out, child, log))
    found: dict[str, dict[str, str]] = {}
    wrappers: set[str] = set()
    for release, out, child, log in jobs:
        code = child.wait(timeout=3600)
        log.close()
        assert code == 0, (out.parent / "stderr.txt").read_text()[-3000:]
        report = json.loads(out.read_text(encoding="utf-8"))
        assert report["keras"] == release
        found[release] = report["verdicts"]
        wrappers.update(report["wrappers"])
    # the shares together call every wrapper
    assert not wrappers - {name for verdicts in found.values() for name in verdicts}
    print(f"{len(wrappers)} wrappers, 1 in {EVERY} of each module's called per release: "
          f"{sum(map(len, found.values()))} calls on {len(found)} releases")
    return found


def test_three_releases_are_checked(verdicts):
    assert len(verdicts) == 3


def test_every_wrapper_constructs_or_computes_on_every_checked_release(verdicts):
    failures = {release: {name: v for name, v in found.items() if v.startswith("fail")}
                for release, found in verdicts.items()}
    for release, found in verdicts.items():
        counts: dict[str, int] = {}
        for v in found.values():
            kind = v.split(":")[0].split(" (")[0]
            counts[kind] = counts.get(kind, 0) + 1
        print(f"Keras {release}: {len(found)} wrappers: {counts}")  # the figures, with -s
    assert not any(failures.values()), json.dumps(failures, indent=1)[:6000]


def test_the_wrapper_never_fails_where_keras_itself_succeeds(verdicts):
    # "upstream" verdicts: the wrapped object itself fails with the same arguments on that
    # release (an old Keras on today's jax); they are few, and listed here if they grow.
    for release, found in verdicts.items():
        upstream = {name: v for name, v in found.items() if v.startswith("upstream")}
        assert len(upstream) <= 0.02 * len(found), json.dumps(upstream, indent=1)[:6000]
