"""Snapshot any Keras 3 release in isolation, next to the Keras installed in this venv.

Each release is installed once, with `pip install --no-deps --target`, into its own folder under
`.cache/keras-releases/keras-<version>/`. Releases are PEP 440 versions: a final ("3.15.1") comes
from the `keras` distribution, a development or release-candidate build of the next release
("3.16.0.dev2026102704") from `keras-nightly`; both install the same `keras` module. Only what the
running venv cannot provide goes there too (e.g. `dm-tree`, which Keras 3.0 needed), so the large
backends (jax, TensorFlow, torch) are shared rather than downloaded forty times. A snapshot is then
taken in a child process whose `PYTHONPATH` puts that folder first, so the old `keras` shadows the
venv's; the child is the ordinary `python -m generator snapshot` with `--expect-version`, so it
refuses to store anything if the shadowing did not work.

This module never imports Keras itself: `introspect` stays the only module that does, and the
parent process stays free to snapshot many releases one after the other.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from generator.settings import CACHE, KERAS_DISTRIBUTIONS, REPO_ROOT, version_key
from generator.upstream.store import SnapshotStore

DEFAULT_CACHE = CACHE / "keras-releases"

# Every Keras 3 release this toolkit stores. A newer release is still accepted when the package
# index has it; this list only saves a round trip to pip for the known ones.
KERAS_RELEASES: tuple[str, ...] = (
    "3.0.0", "3.0.1", "3.0.2", "3.0.3", "3.0.4", "3.0.5",
    "3.1.0", "3.1.1", "3.2.0", "3.2.1",
    "3.3.0", "3.3.1", "3.3.2", "3.3.3", "3.4.0", "3.4.1",
    "3.5.0", "3.6.0", "3.7.0", "3.8.0", "3.9.0", "3.9.1", "3.9.2", "3.10.0",
    "3.11.0", "3.11.1", "3.11.2", "3.11.3",
    "3.12.0", "3.12.1", "3.12.2", "3.12.3", "3.12.4",
    "3.13.0", "3.13.1", "3.13.2", "3.14.0", "3.14.1", "3.15.0", "3.15.1",
)  # fmt: skip

# The order backends are tried in. jax comes first: it imports fastest and, since `introspect`
# hides whatever a backend brings, every backend gives the same snapshot, so taking (nearly) all
# releases under one backend keeps any leftover backend dependence from showing up as a spurious
# diff between releases. TensorFlow is next as Keras's own default, the backend old releases were
# tested against most; an old Keras may fail to import with this venv's newer jax (removed jax
# APIs). torch follows; numpy is last because it is the inference-only backend, the least used.
BACKENDS: tuple[str, ...] = ("jax", "tensorflow", "torch", "numpy")

# Seconds one child may take to import Keras and introspect it before it counts as failed.
SNAPSHOT_TIMEOUT = 900
# How much of a failing child's or pip's stderr an error message quotes.
TAIL_LINES = 12
# Written into a finished install; a cache whose stamp does not match is reinstalled.
_STAMP = "keras3-release-install.json"


class ReleaseError(Exception):
    """A Keras release could not be installed or snapshotted; the message names the release."""


@dataclass(frozen=True)
class ExtraPin:
    """A package version forced into the install folder of some releases, and why."""

    releases: SpecifierSet  # the Keras versions it applies to
    requirement: str  # a pip requirement, e.g. "ml-dtypes<0.5"
    reason: str


# Packages the venv's versions of would break a release, with the reason. Empty when every release
# imports with what the venv has under at least one backend; add rows here, not in the flow.
EXTRA_PINS: tuple[ExtraPin, ...] = ()


def distributions_for(version: str) -> tuple[str, ...]:
    """The distributions that may provide Keras `version`, in the order pip is asked for them.

    Upstream publishes finals (and post releases) as `keras` and development builds of the next
    release as `keras-nightly`; a release candidate has come as either, so both are tried.
    """
    parsed = version_key(version)
    if parsed.is_devrelease:
        return ("keras-nightly",)
    if parsed.is_prerelease:
        return ("keras-nightly", "keras")
    return ("keras",)


def pins_for(version: str) -> list[str]:
    """The extra requirements installed next to Keras `version` (see `EXTRA_PINS`)."""
    return [p.requirement for p in EXTRA_PINS if p.releases.contains(version, prereleases=True)]


# --- installing -------------------------------------------------------------------------------


def install_release(version: str, cache_root: Path = DEFAULT_CACHE) -> Path:
    """Install Keras `version` (and what the venv lacks for it) into its own folder; return it.

    Idempotent: a finished install is reused. The install is built in a temporary folder next to
    its final place and renamed into place only when complete, so a killed run leaves no half
    install that a later run would trust.
    """
    _check_release_number(version)
    target = Path(cache_root) / f"keras-{version}"
    pins = pins_for(version)
    if _is_complete(target, version, pins):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    os.chmod(staging, 0o755)  # mkdtemp makes 0700; the cache is an ordinary folder
    try:
        distribution = _pip_install_keras(version, staging)
        if pins:  # before resolving, so requirements that the pins satisfy are not installed again
            _pip_install(version, staging, pins)
        _install_missing_requirements(version, staging, distribution)
        _stamp_path(staging).write_text(_stamp_text(version, pins, distribution), encoding="utf-8")
        if target.exists():  # an outdated install (different pins); replace it whole
            shutil.rmtree(target)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _pip_install_keras(version: str, folder: Path) -> str:
    """Install Keras `version` from the first distribution that has it; return that one's name."""
    candidates = distributions_for(version)
    for distribution in candidates:
        try:
            _pip_install(version, folder, [f"{distribution}=={version}"])
        except _NotOnIndex:
            continue
        return distribution
    raise ReleaseError(f"Keras {version} is not on the package index (looked for "
                       + " and ".join(f"{d}=={version}" for d in candidates) + ")")


def _check_release_number(version: str) -> None:
    parsed = version_key(version)  # ValueError for anything that is not a PEP 440 version
    # A later major is left for the package index to answer; a local version is no upstream build.
    if len(parsed.release) != 3 or parsed.major < 3 or parsed.local is not None:
        raise ReleaseError(f"{version!r} is not a Keras 3 release (expected e.g. 3.15.1 or "
                           "3.16.0.dev2026102704)")


def _is_complete(target: Path, version: str, pins: list[str]) -> bool:
    stamp = _stamp_path(target)
    if not ((target / "keras").is_dir() and stamp.is_file()):
        return False
    text = stamp.read_text(encoding="utf-8")
    for distribution in distributions_for(version):
        installed = _distribution_in(target, distribution)
        if installed is not None and installed.version == version:
            return text == _stamp_text(version, pins, distribution)
    return False


def _stamp_path(target: Path) -> Path:
    return target / _STAMP


def _stamp_text(version: str, pins: list[str], distribution: str) -> str:
    return json.dumps({"keras": version, "distribution": distribution, "pins": pins}, sort_keys=True) + "\n"


def _remove_leftovers(target: Path) -> None:
    """Delete staging folders an earlier, killed install of this release left behind."""
    for leftover in target.parent.glob(f".{target.name}.*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _pip_install(version: str, folder: Path, requirements: Sequence[str]) -> None:
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--no-deps", "--target", str(folder), *requirements,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode == 0:
        return
    wanted = " ".join(requirements)
    if "No matching distribution found" in result.stderr:
        if any(r.split("==")[0] in KERAS_DISTRIBUTIONS for r in requirements):
            raise _NotOnIndex(f"{wanted} is not on the package index")
        raise ReleaseError(f"Keras {version} needs {wanted}, which is not on the package index")
    raise ReleaseError(
        f"pip could not install {wanted} for Keras {version} (exit {result.returncode}):\n"
        + _tail(result.stderr)
    )


class _NotOnIndex(ReleaseError):
    """pip found no such Keras distribution and version; the next candidate may have it."""


def _install_missing_requirements(version: str, folder: Path, distribution: str = "keras") -> None:
    """Install, without their dependencies, the requirements the venv cannot satisfy.

    Starts from Keras's own `Requires-Dist` and follows those of each package installed here, so
    e.g. `dm-tree`'s `attrs` comes along when the venv has none. A requirement counts as
    satisfied by whichever distribution the child will import: the one in `folder` if there is
    one (it shadows the venv's), else the venv's.
    """
    pending: list[Requirement] = list(_requirements(_distribution_in(folder, distribution)))
    done: set[str] = set()
    while pending:
        requirement = pending.pop(0)
        name = canonicalize_name(requirement.name)
        if name in done:
            continue
        found = _distribution_in(folder, name) or _venv_distribution(name)
        if found is not None and requirement.specifier.contains(found.version, prereleases=True):
            done.add(name)
            continue
        spec = f"{requirement.name}{requirement.specifier}"
        _pip_install(version, folder, [spec])
        installed = _distribution_in(folder, name)
        if installed is None:
            raise ReleaseError(
                f"Keras {version}: pip installed {spec}, but its metadata is missing"
            )
        done.add(name)
        pending.extend(_requirements(installed, requirement.extras))


def _requirements(
    dist: metadata.Distribution | None, extras: Iterable[str] = ()
) -> list[Requirement]:
    """The requirements of `dist` that apply to this interpreter (markers evaluated)."""
    if dist is None:
        return []
    wanted: list[Requirement] = []
    for line in dist.requires or ():
        requirement = Requirement(line)
        if requirement.marker is None or any(
            requirement.marker.evaluate({**default_environment(), "extra": extra})
            for extra in ("", *extras)
        ):
            wanted.append(requirement)
    return wanted


def _distribution_in(folder: Path, name: str) -> metadata.Distribution | None:
    name = canonicalize_name(name)
    for dist in metadata.distributions(path=[str(folder)]):
        if canonicalize_name(dist.metadata["Name"] or "") == name:
            return dist
    return None


def _venv_distribution(name: str) -> metadata.Distribution | None:
    # The child runs this same interpreter, so it sees the distributions this process sees.
    try:
        return metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None


# --- snapshotting -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseRun:
    """What snapshotting one release did: where it stored it, under which backend, how long."""

    version: str
    file: Path
    backend: str
    seconds: float
    summary: str  # the child's own one-line report
    failed: dict[str, str] = field(default_factory=dict)  # backend -> tail of its stderr


def snapshot_release(version: str, store: SnapshotStore, cache_root: Path = DEFAULT_CACHE) -> Path:
    """Install Keras `version` in isolation, snapshot it into `store`, return the stored file."""
    run = take_release(version, store, cache_root)
    tried = "".join(f"; {b} failed" for b in run.failed)
    print(f"Keras {version}: {run.backend} backend, {run.seconds:.1f} s{tried}", file=sys.stderr)
    return run.file


def take_release(
    version: str,
    store: SnapshotStore,
    cache_root: Path = DEFAULT_CACHE,
    backends: Sequence[str] = BACKENDS,
) -> ReleaseRun:
    """Snapshot Keras `version` under the first backend it imports with.

    The child process writes the store, so an object that had already loaded this store's pool
    holds a stale copy afterwards; open a new `SnapshotStore` to read the result.
    """
    target = install_release(version, cache_root)
    root = Path(store.root).resolve()
    failed: dict[str, str] = {}
    for backend in backends:
        started = time.monotonic()
        ok, output = _run_child(version, target, root, backend)
        if ok:
            file = SnapshotStore(root).release_file(version)
            return ReleaseRun(version, file, backend, time.monotonic() - started, output, failed)
        failed[backend] = output
    details = "\n".join(f"--- {b} ---\n{tail}" for b, tail in failed.items())
    raise ReleaseError(f"Keras {version} could not be snapshotted under any backend:\n{details}")


def _run_child(version: str, target: Path, root: Path, backend: str) -> tuple[bool, str]:
    """Run `python -m generator snapshot` against the install in `target`.

    Returns (success, the child's last stderr lines).
    """
    command = [
        sys.executable, "-m", "generator", "--store", str(root),
        "snapshot", "--expect-version", version,
    ]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="keras-home-") as keras_home:
        env = child_environment(target, backend, Path(keras_home))
        try:
            result = subprocess.run(
                command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False,
                timeout=SNAPSHOT_TIMEOUT,
            )  # fmt: skip
        except subprocess.TimeoutExpired as error:
            # run() hands over bytes here even with text=True
            raw = error.stderr or b""
            stderr = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
            return False, _tail(stderr) + f"\n(timed out after {SNAPSHOT_TIMEOUT} s)"
    return result.returncode == 0, _tail(result.stderr)


def child_environment(target: Path, backend: str, keras_home: Path) -> dict[str, str]:
    """The environment of a snapshot child: the release first on the path, one backend chosen."""
    env = dict(os.environ)
    # The release folder first, so its `keras` shadows the venv's; the repo root for `generator`.
    path = [str(target), str(REPO_ROOT)]
    if env.get("PYTHONPATH"):
        path.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(path)
    env["KERAS_BACKEND"] = backend
    # An empty Keras home: Keras reads (and on first import writes) `keras.json` there, and a
    # user's own settings (backend, floatx, image_data_format) must not reach the snapshot.
    env["KERAS_HOME"] = str(keras_home)
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"  # TensorFlow's start-up logging would bury real errors
    return env


def _tail(text: str, lines: int = TAIL_LINES) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(kept[-lines:]) if kept else "(no output)"
