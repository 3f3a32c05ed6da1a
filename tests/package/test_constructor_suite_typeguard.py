"""Keras's own tests of the constructors (layers, losses, metrics, optimizers and learning-rate
schedules, callbacks, initializers, regularizers, constraints, activations), run with each public
constructor a test calls routed through its keras3 wrapper under typeguard
(tests/constructor_suite_typeguard.py): the wrappers' annotations refuse nothing Keras accepts,
and routing changes no outcome (a call the wrapper fails where Keras returns, or a test that fails
routed and passes when rerun unrouted). The same annotations feed keras-stubs, so a rejection here
is a false error for every stub user too.

The tests come from the source distribution of the installed Keras release (tests/keras_suite.py).
The whole suite is about 3,100 tests; by default a deterministic sample runs (every
KERAS3_CONSTRUCTOR_SUITE_EVERY-th test by node id, 40 unless set; 1 runs all), which keeps this
test within a CI job's time. Set KERAS3_CONSTRUCTOR_SUITE_EVERY=1 for the full run.
"""

from __future__ import annotations

import os

import pytest

from tests.constructor_suite_typeguard import FAMILIES
from tests.keras_suite import run_suite, upstream_tests

PLUGIN = "tests.constructor_suite_typeguard"


@pytest.mark.skipif(os.environ.get("KERAS_BACKEND", "jax") != "jax", reason="the routed run is on jax")
def test_keras_constructor_tests_pass_the_wrappers_annotations(tmp_path, installed_keras):
    version = installed_keras
    suite = upstream_tests(version, FAMILIES)
    folders = [name for name in FAMILIES if (suite / name).is_dir()]
    every = os.environ.get("KERAS3_CONSTRUCTOR_SUITE_EVERY", "40")
    # A few layer test files import `grain` (a Keras development dependency): collected apart.
    found, result = run_suite(suite, folders, PLUGIN, tmp_path / "routed.json",
                              {"KERAS3_CONSTRUCTOR_SUITE_EVERY": every}, tmp_path, "--continue-on-collection-errors")
    not_collected = sorted(line.split()[1] for line in result.stdout.splitlines() if line.startswith("ERROR "))
    changed_tests: list[str] = []
    if found["failed"]:
        # The tests that failed routed, rerun with nothing routed: those that pass now changed outcome.
        plain, _ = run_suite(suite, found["failed"], PLUGIN, tmp_path / "plain.json",
                             {"KERAS3_CONSTRUCTOR_SUITE_EVERY": "1", "KERAS3_ROUTE": "0"}, tmp_path)
        changed_tests = sorted(set(found["failed"]) - set(plain["failed"]))
    print(f"Keras {version} constructor tests (every {every}th): {found['routed_classes']} classes and "
          f"{found['routed_functions']} functions routed, {len(found['exercised'])} wrappers exercised, "
          f"{found['checked_calls']} calls checked, {len(found['rejections'])} rejections, "
          f"{len(found['changed'])} calls and {len(changed_tests)} tests with a changed outcome, "
          f"{len(found['returns'])} return values outside their annotation, "
          f"{len(found['failed']) - len(changed_tests)} tests failing on plain Keras too, "
          f"{len(not_collected)} test files not collected")
    print(*found["returns"], *found["unrouted"], *not_collected, sep="\n")
    assert found["routed_classes"] > 200 and found["checked_calls"] > 50, found
    assert not found["rejections"], "\n".join(found["rejections"])
    assert not found["changed"], "\n".join(found["changed"])
    assert not changed_tests, "\n".join(changed_tests)
