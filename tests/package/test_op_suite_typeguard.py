"""Keras's own op tests, run with `keras.ops` routed through the keras3 wrappers under typeguard:
the wrappers' parameter types reject nothing that Keras's tests pass to Keras.

The tests come from the source distribution of the installed Keras release (`pip download
--no-binary :all:`, cached in .cache/), since the wheel does not ship them. The run happens in a
child process on jax (tests/op_suite_typeguard.py is the plugin that routes and checks).

The whole suite is about 7,400 tests; by default a deterministic sample runs (every
KERAS3_OP_SUITE_EVERY-th test by node id, 4 unless set; 1 runs all): a share that keeps this test
within a CI job's time. Set KERAS3_OP_SUITE_EVERY=1 for the full run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from generator.upstream.releases import distributions_for

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "keras-op-tests"


def op_test_files(version: str) -> Path:
    """keras/src/ops/*_test.py of Keras `version`, from its sdist; a folder of them, cached."""
    folder = CACHE / f"keras-{version}"
    if folder.is_dir() and any(folder.glob("*_test.py")):
        return folder
    download = CACHE / "sdist"
    download.mkdir(parents=True, exist_ok=True)
    # `keras` for finals, `keras-nightly` for development builds (the pin may name either).
    distribution = distributions_for(version)[0]
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                    f"{distribution}=={version}", "--dest", str(download)], check=True)
    staging = CACHE / f".keras-{version}.partial"
    staging.mkdir(parents=True, exist_ok=True)
    sdist = download / f"{distribution.replace('-', '_') if distribution != 'keras' else 'keras'}-{version}.tar.gz"
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            parts = Path(member.name).parts
            if parts[1:4] == ("keras", "src", "ops") and len(parts) == 5 and parts[4].endswith("_test.py"):
                member.name = parts[4]  # flat: no `keras` package beside the tests shadows the installed one
                archive.extract(member, staging, filter="data")
    if not any(staging.glob("*_test.py")):
        shutil.rmtree(staging)
        # keras-nightly's sdists (3.16.0.dev2026102704, for one) leave the tests out
        pytest.skip(f"the {distribution} {version} source distribution ships no keras/src/ops tests")
    staging.rename(folder)
    return folder


@pytest.mark.skipif(os.environ.get("KERAS_BACKEND", "jax") != "jax", reason="the routed run is on jax")
def test_keras_op_tests_pass_the_wrappers_annotations(tmp_path, installed_keras):
    # The installed release's own tests: another release's tests may not even import against it.
    version = installed_keras
    tests = op_test_files(version)
    report = tmp_path / "rejections.json"
    every = os.environ.get("KERAS3_OP_SUITE_EVERY", "4")
    env = {**os.environ, "KERAS_BACKEND": "jax", "KERAS3_REJECTIONS": str(report), "KERAS3_OP_SUITE_EVERY": every,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
                             "-p", "tests.op_suite_typeguard", "--import-mode=importlib", "--rootdir", str(tests),
                             str(tests)], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert report.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    found = json.loads(report.read_text())
    print(f"Keras {version} op tests (every {every}th): {found['routed']} ops routed, "
          f"{found['checked_calls']} calls checked, {len(found['rejections'])} rejections, "
          f"{len(found['returns'])} return values outside their annotation")
    assert found["routed"] > 300 and found["checked_calls"] > 1000, found
    assert not found["rejections"], "\n".join(found["rejections"])
