"""The drift check: in step on the pinned release, out of step (with a report) on any other,
and an allowlist that cannot rot."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from generator.checks.drift import AllowlistError, check, load_allowlist, stale_overrides
from generator.settings import pinned_release
from generator.settings import version_key
from generator.upstream.model import Snapshot

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 24)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))  # add, never hide
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": path}
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=REPO, env=env,
                          capture_output=True, text=True)


def with_dense_default(snapshot: Snapshot, default: str) -> Snapshot:
    dense = snapshot.symbols["keras.layers.Dense"]
    params = tuple(replace(p, default=default) if p.name == "use_bias" else p for p in dense.signature.parameters)
    symbols = {**snapshot.symbols, dense.path: replace(dense, signature=replace(dense.signature, parameters=params))}
    return Snapshot(snapshot.keras_version, symbols)


def write_allowlist(tmp_path: Path, body: str) -> Path:
    file = tmp_path / "allowlist.toml"
    file.write_text(body)
    return file


ACCEPT_DENSE = """
[[accept]]
kind = "default-changed"
path = "keras.layers.Dense"
parameter = "use_bias"
reason = "upstream flipped it; our wrapper pins the old default"
expires = {expires}
"""


def test_the_installed_keras_is_in_step_with_the_pin_or_out_of_step_with_a_report(store, installed_keras):
    result = run_cli("drift-check")
    if installed_keras == pinned_release():
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"against stored {pinned_release()}: in step" in result.stderr
        return
    # Another Keras (a nightly a maintainer regenerated against, before bumping the pin): the check
    # of the pin must fail and say so. Against the installed release's own stored snapshot (which
    # regenerate stored) the API and the regenerated tree are in step; what is left are the
    # overrides whose upstream symbol changed there (3.16 changed keras.Layer, keras.Model and
    # keras.Sequential): each waits for a maintainer's review and is named with the hash to tether to.
    assert result.returncode == 1
    assert f"installed Keras {installed_keras} against stored {pinned_release()}: out of step" in result.stderr
    own = run_cli("drift-check", "--against", installed_keras)
    waiting = stale_overrides(store, installed_keras)
    assert f"against stored {installed_keras}: {'out of step' if waiting else 'in step'} (0 findings" in own.stderr
    assert own.returncode == (1 if waiting else 0), own.stdout + own.stderr
    problems = [line for line in own.stderr.splitlines() if line.startswith(("override ", "generated/", "allowlist:"))]
    assert problems == [f"override {s.override.name} ({s.override.upstream}) is tethered to {s.override.tethered_to}"
                        f"{f' (Keras {s.since})' if s.since else ''}; upstream is now {s.current} (Keras "
                        f'{installed_keras}). Review it, then set tethered_to="{s.current}".' for s in waiting]


def test_against_another_release_it_fails_with_a_readable_report(store, installed_keras):
    # The newest stored release of an earlier minor: patch releases may change no API at all.
    minor = version_key(installed_keras).release[:2]
    older = [r for r in store.releases() if version_key(r).release[:2] < minor][-1]
    result = run_cli("drift-check", "--against", older, "--format", "markdown")
    assert result.returncode == 1
    assert result.stdout.startswith(f"# Keras {older} (stored) → {installed_keras} (installed): API changes")
    assert "out of step" in result.stderr


def test_an_accepted_finding_passes(pinned, tmp_path):
    allowlist = load_allowlist(write_allowlist(tmp_path, ACCEPT_DENSE.format(expires="2027-01-31")))
    result = check(pinned, with_dense_default(pinned, "False"), allowlist, TODAY)
    assert result.ok and [f.id for f in result.accepted] == ["default-changed:keras.layers.Dense:use_bias"]


def test_an_expired_entry_fails_even_when_it_matches(pinned, tmp_path):
    allowlist = load_allowlist(write_allowlist(tmp_path, ACCEPT_DENSE.format(expires="2026-11-01")))
    result = check(pinned, with_dense_default(pinned, "False"), allowlist, TODAY)
    assert not result.ok and result.expired == tuple(allowlist)


def test_an_entry_that_matches_nothing_fails(pinned, tmp_path):
    allowlist = load_allowlist(write_allowlist(tmp_path, ACCEPT_DENSE.format(expires="2027-01-31")))
    result = check(pinned, pinned, allowlist, TODAY)
    assert not result.ok and result.unused == tuple(allowlist) and not result.findings


def test_an_unaccepted_finding_fails(pinned):
    result = check(pinned, with_dense_default(pinned, "False"), [], TODAY)
    assert not result.ok and [f.id for f in result.findings] == ["default-changed:keras.layers.Dense:use_bias"]


def test_a_malformed_allowlist_names_the_file_and_entry(tmp_path):
    with pytest.raises(AllowlistError, match=r"allowlist\.toml: entry 1 lacks reason"):
        load_allowlist(write_allowlist(tmp_path, '[[accept]]\nkind = "x"\npath = "y"\nexpires = 2027-01-01\n'))
    with pytest.raises(AllowlistError, match="expires must be a date"):
        load_allowlist(write_allowlist(tmp_path, ACCEPT_DENSE.format(expires='"soon"')))


def test_the_cli_turns_bad_input_into_a_one_line_error():
    result = run_cli("diff", pinned_release(), "3.99.0")
    assert result.returncode == 2
    assert "no stored snapshot of Keras 3.99.0" in result.stderr and "Traceback" not in result.stderr
