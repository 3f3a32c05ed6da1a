"""Keras's own op tests, run with `keras.ops` routed through the keras3 wrappers under typeguard:
the wrappers' parameter types reject nothing that Keras's tests pass to Keras.

The tests come from the source distribution of the installed Keras release (tests/keras_suite.py
fetches and caches them); the run happens in a child process on jax (tests/op_suite_typeguard.py
is the plugin that routes and checks).

The whole suite is about 7,400 tests; `make test` runs a deterministic sample: of each test class
(each module's module-level tests), sorted by node id, the first and every N-th, N =
KERAS3_OP_SUITE_EVERY (16 unless set), so every ops module and class of the suite is in it. The full
run, N = 1, is in `make test-full`, or alone:
`KERAS3_OP_SUITE_EVERY=1 .venv/bin/python -m pytest tests/package/test_op_suite_typeguard.py`.
"""

from __future__ import annotations

import os

import pytest

from tests.keras_suite import run_suite, upstream_tests


@pytest.mark.skipif(os.environ.get("KERAS_BACKEND", "jax") != "jax", reason="the routed run is on jax")
def test_keras_op_tests_pass_the_wrappers_annotations(tmp_path, installed_keras):
    # The installed release's own tests: another release's tests may not even import against it.
    version = installed_keras
    suite = upstream_tests(version, ["ops"])
    every = os.environ.get("KERAS3_OP_SUITE_EVERY", "16")
    found, _ = run_suite(suite, ["ops"], "tests.op_suite_typeguard", tmp_path / "rejections.json",
                         {"KERAS3_OP_SUITE_EVERY": every}, tmp_path)
    print(f"Keras {version} op tests: {found['tests']['kept']} of {found['tests']['collected']} "
          f"(the first and every {every}th of each class): {found['routed']} ops routed, "
          f"{found['checked_calls']} calls checked, {len(found['rejections'])} rejections, "
          f"{len(found['returns'])} return values outside their annotation")
    assert found["routed"] > 300 and found["checked_calls"] > 1000, found
    assert not found["rejections"], "\n".join(found["rejections"])
