"""The Keras stubs (generated/keras-stubs): emitted as regeneration emits them, for any stored
release; a wheel; stubtest-clean against the installed Keras beyond a reasoned allowlist; every
public symbol's type known to pyright; plain-Keras programs clean and real mistakes flagged under
pyright strict and mypy --strict; keras.io's own code checked (the peer suite).

Cost (CPU, 2 cores): stubtest imports Keras once (~26 s); --verifytypes ~9 s; pyright and mypy once
per corpus (~10 s each); the wheel ~3 s; emitting the stubs of two releases ~10 s; the peer suite
(only where ../shared is, as in CI) ~55 s, its errors sorted by spec/peer_suite.toml.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from generator.checks.stub_checks import (
    PEERS,
    PeerClassError,
    allowlist_entries,
    load_peer_classes,
    mypy_errors,
    peer_suite,
    peer_summary,
    pyright_errors,
    run_stubtest,
    sort_peer_errors,
    stub_root,
    verify_types,
)
from generator.pipeline import stubs_for
from generator.render.stubs import PACKAGE_DIR, PY_TYPED, STUBS, stub_differences
from generator.settings import pinned_release

HERE = Path(__file__).resolve().parent
TYPED_USAGE = HERE / "typed_usage"
MISUSE = HERE / "misuse"


@pytest.fixture(scope="module")
def root():
    with stub_root() as folder:
        yield folder


@pytest.fixture(scope="module")
def emitted(store):
    return stubs_for(store.load(pinned_release()), store)


def test_committed_stubs_are_what_regeneration_emits(emitted):
    assert stub_differences(emitted) == []
    assert emitted[f"{PACKAGE_DIR}/py.typed"] == PY_TYPED
    assert f'version = "{pinned_release()}"' in emitted["pyproject.toml"]


def test_every_module_and_path_of_the_snapshot_has_a_stub(emitted, store):
    snapshot = store.load(pinned_release())
    for path in snapshot.symbols:
        module, name = path.rsplit(".", 1)
        file = "/".join([PACKAGE_DIR, *module.split(".")[1:], "__init__.pyi"])
        text = emitted[file]
        assert re.search(rf"(^class {name}\b|^def {name}\(|import \w+ as {name}$|^{name} = )", text, re.MULTILINE), path


def test_a_changed_stub_is_reported(emitted, tmp_path):
    copy = tmp_path / "keras-stubs"
    shutil.copytree(STUBS, copy)
    (copy / PACKAGE_DIR / "layers" / "__init__.pyi").write_text("# edited by hand\n", encoding="utf-8")
    (copy / PACKAGE_DIR / "stray.pyi").write_text("", encoding="utf-8")
    changed = f"keras-stubs/{PACKAGE_DIR}/layers/__init__.pyi: differs from what regeneration emits"
    assert stub_differences(emitted, copy) == [f"keras-stubs/{PACKAGE_DIR}/stray.pyi: not generated", changed]


def test_stubs_are_emitted_for_another_stored_release_deterministically(store):
    oldest = store.releases()[0]
    first = stubs_for(store.load(oldest), store)
    assert first == stubs_for(store.load(oldest), store)
    assert f'version = "{oldest}"' in first["pyproject.toml"]
    assert f"upstream_snapshots/keras-{oldest}.json" in first[f"{PACKAGE_DIR}/__init__.pyi"]


def test_the_stubs_build_as_a_wheel(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(STUBS, source)  # the build writes beside the sources: never in generated/
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                             "--quiet", "--wheel-dir", str(tmp_path / "dist"), str(source)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    wheel = next((tmp_path / "dist").glob("keras_stubs-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert f"{PACKAGE_DIR}/py.typed" in names and f"{PACKAGE_DIR}/ops/__init__.pyi" in names
    assert f"{PACKAGE_DIR}/_typing.pyi" in names


def test_stubtest_reports_nothing_beyond_the_allowlist(root):
    result = run_stubtest(root)
    assert result.returncode == 0 and not result.errors, "\n".join(result.errors)
    print(f"stubtest: clean with {result.entries} allowlist entries")


def test_every_allowlist_entry_carries_a_reason():
    entries = allowlist_entries()
    assert entries
    for entry, reason in entries:
        assert reason.startswith("Kind:") and len(reason) > 40, f"{entry}: no reason above it"
        re.compile(entry)


def test_pyright_knows_the_type_of_every_public_symbol(root):
    exported, known = verify_types(root)
    print(f"pyright --verifytypes keras: {known}/{exported}")
    assert exported > 1000 and known == exported


def test_plain_keras_programs_are_clean_under_pyright_strict(root):
    errors = pyright_errors(TYPED_USAGE, root)
    assert len(list(TYPED_USAGE.glob("*.py"))) >= 8
    assert not errors, "\n".join(f"{Path(d['file']).name}:{d['range']['start']['line'] + 1}: {d['message']}"
                                 for d in errors)


def test_plain_keras_programs_are_clean_under_mypy_strict(root):
    errors = mypy_errors(TYPED_USAGE, root)
    assert not errors, "\n".join(errors)


def _misuse_lines() -> list[int]:
    lines = (MISUSE / "misuse.py").read_text(encoding="utf-8").splitlines()
    return [n for n, line in enumerate(lines, 1) if line.startswith("    ") and not line.strip().startswith("#")
            and "def " not in line]


def test_every_misuse_carries_both_checkers_expected_errors():
    lines = (MISUSE / "misuse.py").read_text(encoding="utf-8").splitlines()
    for number in _misuse_lines():
        assert "# type: ignore[" in lines[number - 1] and "# pyright: ignore[" in lines[number - 1], number
    assert len(_misuse_lines()) >= 15


def test_every_misuse_is_an_error_under_pyright_strict(root):
    # An ignore comment pyright finds unnecessary is an error: the misuse was accepted.
    errors = pyright_errors(MISUSE, root)
    assert not errors, "\n".join(f"misuse.py:{d['range']['start']['line'] + 1}: {d['message']}" for d in errors)


def test_every_misuse_is_an_error_under_mypy_strict(root):
    errors = mypy_errors(MISUSE, root)  # warn_unused_ignores: an accepted misuse is an error
    assert not errors, "\n".join(errors)


def test_backend_neutral_programs_run(tmp_path):
    """The corpus is real code: the programs that need no particular backend run (the training
    loops run once per backend, tests/backends/test_stub_corpus.py)."""
    programs = [p for p in sorted(TYPED_USAGE.glob("*.py")) if not p.name.startswith("training_")]
    script = "import runpy, sys\nfor p in sys.argv[1:]:\n    runpy.run_path(p, run_name='__main__')\n"
    result = subprocess.run([sys.executable, "-c", script, *map(str, programs)], capture_output=True, text=True,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.skipif(not PEERS.exists(), reason=f"the peer suite needs keras.io's code at {PEERS} (CI has it "
                    "beside the repository); the stubs need nothing at run time")
def test_every_peer_suite_error_is_sorted_and_every_entry_used(root):
    """keras.io's code under pyright with the stubs: each error is accepted by an entry of
    spec/peer_suite.toml (an upstream mistake, not Keras, a single-backend or an untyped idiom,
    each with its reason); a new error (a stub regression: a stub too narrow for code Keras runs)
    or an entry that accepts nothing (stale) fails."""
    result = peer_suite(PEERS, root)
    verdict = sort_peer_errors(result.errors, load_peer_classes())
    print("\n".join(peer_summary(result, verdict)))
    assert result.programs > 100  # keras-io's guides and examples and the bundle's, all analysed
    assert not verdict.unaccepted, "errors no entry of generator/spec/peer_suite.toml accepts:\n" + "\n".join(
        f"  {program}: {rule}: {message}" for program, rule, message in verdict.unaccepted)
    assert not verdict.stale, "entries accepting no error (stale):\n" + "\n".join(f"  {c}" for c in verdict.stale)


def test_peer_sorting_takes_the_first_entry_and_reports_the_rest(tmp_path):
    """The sorting itself, on made-up errors: the first matching entry wins, an error no entry
    matches and an entry no error matches are reported, a kind outside [kinds] is refused."""
    spec = tmp_path / "peer_suite.toml"
    spec.write_text('[kinds]\n"not Keras" = "."\n"untyped idiom" = "."\n'
                    '[[accept]]\nkind = "not Keras"\nreason = "r1"\nprograms = ["a.py"]\nmessage = "^x"\n'
                    '[[accept]]\nkind = "untyped idiom"\nreason = "r2"\nrule = "R"\nmessage = "x"\n'
                    '[[accept]]\nkind = "untyped idiom"\nreason = "r3"\nmessage = "never"\n', encoding="utf-8")
    classes = load_peer_classes(spec)
    verdict = sort_peer_errors((("a.py", "R", "x1"), ("b.py", "R", "x2"), ("b.py", "S", "x3")), classes)
    assert [(e[0], c.reason) for e, c in verdict.accepted] == [("a.py", "r1"), ("b.py", "r2")]
    assert verdict.unaccepted == (("b.py", "S", "x3"),)
    assert [c.reason for c in verdict.stale] == ["r3"]
    assert verdict.by_kind() == {"not Keras": 1, "untyped idiom": 1}
    spec.write_text(spec.read_text(encoding="utf-8").replace('kind = "not Keras"', 'kind = "Keras"'), encoding="utf-8")
    with pytest.raises(PeerClassError, match=r"peer_suite\.toml: accept 1: kind 'Keras' is not one of \[kinds\]"):
        load_peer_classes(spec)
