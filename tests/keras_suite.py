"""Keras's own test suites, run against the keras3 wrappers: what the two typeguard plugins
(tests/op_suite_typeguard.py, tests/constructor_suite_typeguard.py) and their tests share.

The tests come from the source distribution of the installed Keras release (`pip download
--no-binary :all:`, cached in .cache/), since the wheel does not ship them; they are extracted
under their `keras/src/` folders (`ops/numpy_test.py`, `layers/core/dense_test.py`), with no
`keras` package beside them to shadow the installed one. A plugin runs them in a child process on
jax, records what the wrappers' annotations refuse, and writes it as JSON to KERAS3_REJECTIONS.
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from generator.render.writephase import exclusive

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "keras-tests"


# --- the parent side: the sdist's tests and the child run -----------------------------------------


def upstream_tests(version: str, folders: Iterable[str]) -> Path:
    """keras/src/<folder>/**/*_test.py of Keras `version` for each of `folders`, from its sdist,
    under one cached folder (the whole sdist's tests are extracted once)."""
    folder = CACHE / f"keras-{version}"
    # Both suites' tests ask for it, on two xdist workers at once: one extracts, the other waits for
    # the lock and then finds the folder (a shared staging folder once made them collide in CI).
    with exclusive([CACHE], say=lambda message: None):
        if not folder.is_dir():
            _extract_tests(version, folder)
    wanted = [folder / name for name in folders]
    if not any(any(path.rglob("*_test.py")) for path in wanted if path.is_dir()):
        # keras-nightly's sdists (3.16.0.dev2026102704, for one) leave the tests out
        pytest.skip(f"the Keras {version} source distribution ships no tests under {', '.join(folders)}")
    return folder


def _extract_tests(version: str, folder: Path) -> None:
    """Download Keras `version`'s sdist and extract its tests into `folder` (staged, then moved)."""
    from generator.upstream.releases import distributions_for

    download = CACHE / "sdist"
    download.mkdir(parents=True, exist_ok=True)
    # `keras` for finals, `keras-nightly` for development builds (the pin may name either).
    distribution = distributions_for(version)[0]
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                    f"{distribution}=={version}", "--dest", str(download)], check=True)
    staging = CACHE / f".keras-{version}.partial"
    shutil.rmtree(staging, ignore_errors=True)  # left by a killed run; the lock keeps live ones out
    staging.mkdir(parents=True)
    sdist = download / f"{distribution.replace('-', '_') if distribution != 'keras' else 'keras'}-{version}.tar.gz"
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            parts = Path(member.name).parts
            if parts[1:3] == ("keras", "src") and len(parts) > 4 and parts[-1].endswith("_test.py"):
                member.name = str(Path(*parts[3:]))
                archive.extract(member, staging, filter="data")
    staging.rename(folder)


def run_suite(suite: Path, paths: Iterable[str], plugin: str, report: Path, env: dict[str, str],
              cwd: Path, *options: str) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    """Keras's tests at `paths` (relative to `suite`) with `plugin` loaded, in a child pytest on jax;
    returns the plugin's JSON report and the finished process."""
    child_env = {**os.environ, **env, "KERAS_BACKEND": "jax", "KERAS3_REJECTIONS": str(report),
                 "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
                             "-p", plugin, "--import-mode=importlib", "--rootdir", str(suite), *options,
                             *[str(suite / path) for path in paths]],
                            cwd=cwd, env=child_env, capture_output=True, text=True)
    assert report.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    return json.loads(report.read_text()), result


# --- the child side: what a plugin needs to run Keras's tests -------------------------------------


def describe(value: Any) -> str:
    kind = type(value).__name__
    if isinstance(value, (list, tuple)):
        inner = sorted({type(v).__name__ for v in value})
        return f"{kind}[{', '.join(inner)}]"
    return kind


class _SuiteModules(importlib.abc.MetaPathFinder):
    """`from keras.src.layers.rnn.rnn_test import OneStateRNNCell`: a test module importing another
    test module by its package path, which the installed wheel lacks; found in the suite instead."""

    def __init__(self, suite: Path) -> None:
        self.suite = suite

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if not (name.startswith("keras.src.") and name.endswith("_test")):
            return None
        file = self.suite.joinpath(*name.split(".")[2:]).with_suffix(".py")
        return importlib.util.spec_from_file_location(name, file) if file.is_file() else None


def prepare_keras_tests(config: pytest.Config) -> None:
    """What Keras's repository gives its tests and the sdist does not ship: its conftest (two
    test files import `skip_if_backend` from it), its markers, test modules importable by path."""
    import types

    from keras.src.backend import backend

    module = types.ModuleType("conftest")
    module.skip_if_backend = lambda given, reason: pytest.mark.skipif(backend() == given, reason=reason)  # type: ignore[attr-defined]
    sys.modules.setdefault("conftest", module)
    for marker in ("requires_trainable_backend", "multi_device", "large"):
        config.addinivalue_line("markers", f"{marker}: Keras's marker")
    sys.meta_path.append(_SuiteModules(Path(str(config.rootpath))))


def keep_every_nth(items: list[pytest.Item], variable: str) -> None:
    """Keep every N-th test by node id, N from `variable` (a deterministic sample; 1 keeps all)."""
    every = int(os.environ.get(variable, "1"))
    if every > 1:
        keep = set(sorted(item.nodeid for item in items)[::every])
        items[:] = [item for item in items if item.nodeid in keep]


def keep_every_nth_of_each_class(items: list[pytest.Item], variable: str) -> None:
    """A deterministic sample stratified by test class (by module for module-level tests): of each
    class's tests, sorted by node id, the first and then every N-th, N from `variable` (1 keeps all).
    Every test module and class of the suite runs in the sample, whatever N."""
    every = int(os.environ.get(variable, "1"))
    if every > 1:
        strata: dict[str, list[str]] = {}
        for item in items:
            strata.setdefault(item.nodeid.rsplit("::", 1)[0], []).append(item.nodeid)
        keep = {nodeid for ids in strata.values() for nodeid in sorted(ids)[::every]}
        items[:] = [item for item in items if item.nodeid in keep]


def write_report(found: dict[str, Any]) -> None:
    path = os.environ.get("KERAS3_REJECTIONS")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(found, out, indent=1, sort_keys=True)
