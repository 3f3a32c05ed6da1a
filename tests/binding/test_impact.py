"""Published wrapper names never vanish, and the change report says what a release costs keras3's
users ("keras3 impact").

Upstream's next release is stated as edits of the real snapshot of the pinned release (so these
tests always run): `keras.ops.amax`/`amin` become aliases of `max`/`min` and
`keras.layers.GroupQueryAttention` is renamed `GroupedQueryAttention` (the old path kept as an
alias), as in keras-nightly 3.16.0.dev2026102704. Layer classes renamed to a class the installed
Keras has (the old path kept as an alias, or dropped), an op removed outright and a made-up op that
no longer exists complete the cases. The emitted package then runs on the real installed Keras in a
child process. (The same flow on the real nightly: see the report of issue 8 item 5.)
"""

from __future__ import annotations

import ast
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from generator.binding.spec import load_binding_spec
from generator.settings import pinned_release
from generator.binding.impact import binding_impact, dropped_names, lost_names
from generator.settings import version_key
from generator.binding.naming import load_naming_spec
from generator.binding.build import build_for
from generator.render.package import PACKAGE, emit, format_files, write_package
from generator.changes.report import IMPACT_TITLE, render
from generator.upstream.store import SnapshotStore
from tests.conftest import built
from tests.synthetic import (
    function, made_alias, method, next_release, param, renamed, with_symbol, with_version, without,
)

REPO = Path(__file__).resolve().parents[2]

# The upstream changes of the scenario: old public path -> what a keras3 user is told to use.
ALIAS_IZED = {"keras.ops.amax": ("keras.ops.max", "op_amax", "op_max"),
              "keras.ops.amin": ("keras.ops.min", "op_amin", "op_min")}
RENAMED_KEEPING_ALIAS = ("keras.layers.GroupQueryAttention", "keras.layers.GroupedQueryAttention")
# Published under a made-up old path; the object is a class the installed Keras has.
RENAMED_TO_REAL = ("keras.layers.Identical", "keras.layers.Identity")  # old path kept as an alias
RENAMED_DROPPING_OLD = ("keras.layers.Flattening", "keras.layers.Flatten")  # old path gone
REMOVED_REAL = "keras.ops.logaddexp"  # removed from the new snapshot; the installed Keras still has it
REMOVED_MADE_UP = "keras.ops.frobnicate"  # published once; no Keras has it


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, store, pinned) -> SimpleNamespace:
    """A store holding one earlier release (the real one before the pin, plus the published names
    the cases need), and the next snapshot: the pin's, mutated as upstream's next release."""
    earlier = store.load(store.previous_release(pinned.keras_version))
    # Built from whatever is stored: where the pin already has upstream's change (a pin at 3.16 or
    # later), it is taken as is, and the release before is given the state before the change.
    for path, (target, _, _) in ALIAS_IZED.items():
        if earlier.symbols[path].is_alias:
            earlier = unaliased(earlier, path)
    old_name, new_name = RENAMED_KEEPING_ALIAS
    if new_name in earlier.symbols and not earlier.symbols[new_name].is_alias:
        earlier = renamed(without(earlier, old_name) if old_name in earlier.symbols else earlier,
                          new_name, old_name, keep_alias=False)
    for old, real in (RENAMED_TO_REAL, RENAMED_DROPPING_OLD):
        earlier = renamed(earlier, real, old, keep_alias=False)
    earlier = with_symbol(earlier, function(REMOVED_MADE_UP, param("x")))
    history = SnapshotStore(tmp_path_factory.mktemp("store"))
    history.save(earlier)
    new = pinned  # labelled as the pin: the installed Keras (the pin, or newer) is past its removals
    for path, (target, _, _) in ALIAS_IZED.items():
        if not new.symbols[path].is_alias:
            new = made_alias(new, path, target)
    if new_name not in new.symbols:
        new = renamed(new, *RENAMED_KEEPING_ALIAS, keep_alias=True)
    assert new.symbols[old_name].alias_of == new_name
    new = with_symbol(new, replace(new.symbols[RENAMED_TO_REAL[1]], path=RENAMED_TO_REAL[0],
                                   alias_of=RENAMED_TO_REAL[1]))
    new = without(new, REMOVED_REAL)
    binding, spec = build_for(new, history)
    return SimpleNamespace(earlier=earlier, new=new, store=history, binding=binding, spec=spec,
                           wrappers={w.name: w for w in binding.wrappers})


def unaliased(base, path: str):
    """`path`, an alias in `base`, as the function of its own it was before upstream aliased it
    (its record otherwise the target's: the wrapper keeps the target's signature)."""
    alias = base.symbols[path]
    target = base.symbols[alias.alias_of]
    symbols = {**base.symbols, path: replace(alias, alias_of=None, aliases=()),
               target.path: replace(target, aliases=tuple(a for a in target.aliases if a != path))}
    return type(base)(base.keras_version, dict(sorted(symbols.items())))


def test_alias_ized_and_renamed_names_are_kept_typed_like_their_target(scenario):
    w = scenario.wrappers
    for path, (target, name, replacement) in ALIAS_IZED.items():
        kept = w[name]
        assert kept.deprecation is not None and kept.deprecation.replacement == replacement
        assert kept.deprecation.message == f"{path} is now an alias of {target}; use {replacement}"
        # Typed like the target, in the family it was in; it calls the same object.
        assert (kept.params, kept.returns, kept.shape, kept.family) == (
            w[replacement].params, w[replacement].returns, w[replacement].shape, w[replacement].family)
        assert kept.upstream == w[replacement].upstream  # it delegates to the new target
    old, new = RENAMED_KEEPING_ALIAS
    kept, target = w["layer_group_query_attention"], w["layer_grouped_query_attention"]
    assert target.deprecation is None and target.upstream == new
    assert kept.deprecation.replacement == "layer_grouped_query_attention"
    assert kept.deprecation.message == f"{old} is now an alias of {new}; use layer_grouped_query_attention"
    assert (kept.params, kept.shape, kept.upstream) == (target.params, target.shape, new)
    old, real = RENAMED_TO_REAL
    assert w["layer_identical"].deprecation.message == f"{old} is now an alias of {real}; use layer_identity"
    gone, real = RENAMED_DROPPING_OLD
    assert w["layer_flattening"].deprecation.message == (
        f"{gone} was renamed {real} in Keras {scenario.new.keras_version}; use layer_flatten")
    assert w["layer_flattening"].upstream == real and w["layer_flattening"].params == w["layer_flatten"].params


def test_a_removed_upstream_keeps_its_wrapper_as_it_was_and_names_the_release(scenario):
    version = scenario.new.keras_version
    for path, name in ((REMOVED_REAL, "op_logaddexp"), (REMOVED_MADE_UP, "op_frobnicate")):
        kept = scenario.wrappers[name]
        assert kept.deprecation.removed_in == version and kept.upstream == path
        assert kept.deprecation.message == f"{path} was removed in Keras {version}"
    was = scenario.earlier.symbols[REMOVED_MADE_UP].signature.parameters
    assert [p.name for p in scenario.wrappers["op_frobnicate"].params] == [p.name for p in was]


def test_a_removed_member_wrapper_is_kept_and_guarded_on_the_member(store, pinned, tmp_path):
    """FeatureSpace's class methods are wrappers (feature_*): one that upstream drops stays, guarded."""
    space = pinned.symbols["keras.utils.FeatureSpace"]
    extra = method("frobnicate", param("name"), kind="classmethod", doc="Frobnicates.")
    earlier = with_symbol(with_version(pinned, store.previous_release(pinned.keras_version)),
                          replace(space, members=(*space.members, extra)))
    history = SnapshotStore(tmp_path / "store")
    history.save(earlier)
    binding, spec = build_for(pinned, history)
    kept = next(w for w in binding.wrappers if w.name == "feature_frobnicate")
    assert (kept.shape, kept.member, kept.deprecation.removed_in) == ("member", "frobnicate", pinned.keras_version)
    assert kept.deprecation.message == f"keras.utils.FeatureSpace.frobnicate was removed in Keras {pinned.keras_version}"
    text = format_files(emit(binding, spec))["layers.py"]
    # Read as code, not as text: the formatter wraps the call when the versions are long (a dev build).
    guards = [[ast.literal_eval(a) for a in node.args] for node in ast.walk(ast.parse(text))
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "removed"]
    assert ["feature_frobnicate", "keras.utils.FeatureSpace.frobnicate", earlier.keras_version,
            pinned.keras_version] in guards


@pytest.fixture(scope="module")
def emitted(scenario, tmp_path_factory) -> Path:
    """The scenario's keras3 package, written as regeneration writes it, beside the hand-written files."""
    folder = tmp_path_factory.mktemp("package")
    shutil.copytree(PACKAGE, folder / "keras3", ignore=shutil.ignore_patterns("__pycache__"))
    write_package(format_files(emit(scenario.binding, scenario.spec)), scenario.spec, folder / "keras3")
    return folder


CHILD = """
import inspect, json, warnings
import numpy as np
import keras, keras3
from keras3 import ops

def call(name, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = getattr(keras3, name)(*args, **kwargs)
        except Exception as error:
            value = f"{type(error).__name__}: {error}"
    return value, [(w.category.__name__, str(w.message), w.filename) for w in caught
                   if issubclass(w.category, DeprecationWarning)]

x = np.array([[1.0, 5.0], [3.0, -2.0]])
out = {"file": keras3.__file__, "installed": keras.__version__, "here": __file__}
for name, target in (("op_amax", "op_max"), ("op_amin", "op_min")):
    value, caught = call(name, x, axis=1)
    out[name] = {"value": np.asarray(value).tolist(), "expected": np.asarray(getattr(keras3, target)(x, axis=1)).tolist(),
                 "warnings": caught, "signature": str(inspect.signature(getattr(keras3, name))),
                 "target_signature": str(inspect.signature(getattr(keras3, target))),
                 "doc": getattr(keras3, name).__doc__.splitlines()[0],
                 "exported": name in keras3.__all__ and name in ops.__all__}
value, caught = call("layer_group_query_attention", head_dim=4, num_query_heads=2, num_key_value_heads=1)
out["layer_group_query_attention"] = (value if isinstance(value, str) else type(value).__name__, caught)
out["has_new_class"] = hasattr(keras.layers, "GroupedQueryAttention")
for name in ("layer_identical", "layer_flattening"):
    value, caught = call(name, keras.Input((3, 2)))
    out[name] = {"shape": list(value.shape), "warnings": caught, "exported": name in keras3.__all__}
value, caught = call("op_logaddexp", 0.0, 0.0)
out["op_logaddexp"] = {"value": float(np.asarray(value)), "warnings": caught}
out["op_frobnicate"] = {"value": call("op_frobnicate", 1)[0]}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def child(emitted, tmp_path_factory) -> dict:
    """Run the kept wrappers on the real installed Keras (the environment's backend, jax by default)."""
    script = tmp_path_factory.mktemp("child") / "use_keras3.py"
    script.write_text(textwrap.dedent(CHILD), encoding="utf-8")
    env = dict(os.environ)
    env.setdefault("KERAS_BACKEND", "jax")
    env["PYTHONPATH"] = os.pathsep.join([str(emitted), *filter(None, [env.get("PYTHONPATH")])])
    result = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_the_child_runs_the_emitted_package(child, emitted):
    assert Path(child["file"]).is_relative_to(emitted)


def test_alias_ized_ops_still_work_and_warn_naming_the_new_wrapper(child):
    for path, (target, name, replacement) in ALIAS_IZED.items():
        result = child[name]
        assert result["value"] == result["expected"]
        assert result["signature"] == result["target_signature"]  # typed like the target
        assert result["doc"].startswith(f"Deprecated: {path} is now an alias of {target}; use {replacement}")
        assert result["exported"]
        # One DeprecationWarning, pointing at the caller's line, naming the wrapper to use instead.
        assert result["warnings"] == [["DeprecationWarning",
                                       f"{name} is deprecated: {path} is now an alias of {target}; use {replacement}",
                                       child["here"]]]


def test_renamed_layers_still_work_and_warn(child):
    for name, (old, real), how, use in (
            ("layer_identical", RENAMED_TO_REAL, "is now an alias of", "layer_identity"),
            ("layer_flattening", RENAMED_DROPPING_OLD, "was renamed", "layer_flatten")):
        result = child[name]
        assert result["exported"]
        assert result["shape"] == ([None, 3, 2] if name == "layer_identical" else [None, 6])
        [(category, message, filename)] = result["warnings"]
        assert (category, filename) == ("DeprecationWarning", child["here"])
        assert message.startswith(f"{name} is deprecated: {old} {how} {real}")
        assert message.endswith(f"; use {use}")


def test_the_kept_name_of_a_renamed_class_delegates_to_the_new_target(child):
    value, warned = child["layer_group_query_attention"]
    assert [m for _, m, _ in warned] == [
        f"layer_group_query_attention is deprecated: {RENAMED_KEEPING_ALIAS[0]} is now an alias of "
        f"{RENAMED_KEEPING_ALIAS[1]}; use layer_grouped_query_attention"]
    new_class = RENAMED_KEEPING_ALIAS[1].rsplit(".", 1)[1]
    if child["has_new_class"]:  # a Keras with the rename (keras-nightly 3.16): the new class
        assert value == new_class
    else:  # the installed Keras predates it: the kept name calls the new target, which it lacks
        assert value.startswith(f"KerasVersionError: keras3.layer_group_query_attention needs {RENAMED_KEEPING_ALIAS[1]}")


def test_a_removed_upstream_works_where_keras_has_it_and_fails_clearly_where_not(child, scenario):
    result = child["op_logaddexp"]
    assert result["value"] == pytest.approx(0.6931, abs=1e-3)  # log(e^0 + e^0)
    removed_in = scenario.new.keras_version
    assert [m for _, m, _ in result["warnings"]] == [
        f"op_logaddexp is deprecated: {REMOVED_REAL} was removed in Keras {removed_in}"]
    assert child["op_frobnicate"]["value"] == (
        f"KerasVersionError: keras3.op_frobnicate needs {REMOVED_MADE_UP}, which Keras {removed_in} "
        f"removed; the installed Keras is {child['installed']}. It works with: "
        f"pip install 'keras>={scenario.earlier.keras_version},<{removed_in}'")  # its only release


# --- the report section ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def impact(scenario):
    return binding_impact(scenario.earlier, scenario.new)


def test_the_impact_grades_removed_and_renamed_names_breaking_first(impact):
    kinds = {i.name: (i.kind, i.grade) for i in impact}
    renamed_names = ["op_amax", "op_amin", "layer_group_query_attention", "layer_identical", "layer_flattening"]
    for name in renamed_names:
        assert kinds[name] == ("renamed", "breaking"), name
    for name in ("op_logaddexp", "op_frobnicate"):
        assert kinds[name] == ("removed", "breaking"), name
    assert kinds["layer_grouped_query_attention"] == ("added", "compatible")
    grades = [i.grade for i in impact]
    assert grades == sorted(grades, key=["breaking", "possibly-breaking", "compatible"].index)
    # Removed, then renamed (a real release may add cases of its own: only the scenario's are read).
    first = [i.name for i in impact if i.name in {"op_frobnicate", "op_logaddexp", *renamed_names}]
    assert first == ["op_frobnicate", "op_logaddexp", *sorted(renamed_names)]
    assert next(i for i in impact if i.name == "op_amax").replacement == "op_max"


# Optional parameters the nightly (3.16.0.dev2026102704) adds to wrapped functions (upstream path,
# wrapper, parameter, its default): compatible for keras3's users, and still worth telling them.
NEW_OPTIONAL = [("keras.losses.SparseCategoricalCrossentropy", "loss_sparse_categorical_crossentropy",
                 "label_smoothing", "0.0"),
                ("keras.ops.top_k", "op_top_k", "is_stable", "False"),
                ("keras.utils.audio_dataset_from_directory", "audio_dataset_from_directory", "format", "'wav'")]


def with_parameter(base, path: str, name: str, default: str, present: bool):
    """`base` with `path`'s signature having (or lacking) the keyword-only parameter `name`; for an
    alias path, its target's too (an alias's record carries its target's signature)."""
    for at_path in dict.fromkeys([path, base.symbols[path].alias_of or path]):
        symbol = base.symbols[at_path]
        params = [p for p in symbol.signature.parameters if p.name != name]
        if present:
            at = next((i for i, p in enumerate(params) if p.kind == "var_keyword"), len(params))
            params.insert(at, param(name, "keyword_only", default))
        base = with_symbol(base, replace(symbol, signature=replace(symbol.signature, parameters=tuple(params))))
    return base


def test_compatible_changes_of_existing_wrappers_are_graded_after_breaking_ones(pinned):
    """A new optional parameter of an existing wrapper is listed ("changed", compatible), after
    every breaking name, and before the new wrappers of the same grade. Stated as edits of the
    stored pin: where the pin already has a parameter, the release before is given it missing."""
    before, after = pinned, with_version(pinned, next_release(pinned.keras_version))
    for path, _, name, default in NEW_OPTIONAL:
        before = with_parameter(before, path, name, default, present=False)
        after = with_parameter(after, path, name, default, present=True)
    after = without(after, REMOVED_REAL)  # a breaking case in the same report
    found = binding_impact(before, after)
    graded = {i.name: i for i in found}
    for path, wrapper, name, _ in NEW_OPTIONAL:
        assert (graded[wrapper].kind, graded[wrapper].grade, graded[wrapper].upstream) == (
            "changed", "compatible", path)
        assert f"`{name}`" in graded[wrapper].message, graded[wrapper].message
    assert graded["op_logaddexp"].grade == "breaking"
    assert "op_add" not in graded  # unchanged wrappers are not listed
    grades = [i.grade for i in found]
    assert grades == sorted(grades, key=["breaking", "possibly-breaking", "compatible"].index)
    # Within the compatible grade: changed wrappers, then new ones (none here), each by name.
    compatible = [i for i in found if i.grade == "compatible"]
    assert [i.kind for i in compatible] == ["changed"] * len(compatible)
    assert [i.name for i in compatible] == sorted(i.name for i in compatible)


def rendered(scenario, impact, fmt: str) -> str:
    out = io.StringIO()
    render([], scenario.earlier.keras_version, scenario.new.keras_version, fmt, out, impact)
    return out.getvalue()


def test_every_format_carries_the_impact_section(scenario, impact):
    markdown = rendered(scenario, impact, "markdown")
    section = markdown[markdown.index(f"## {IMPACT_TITLE}"):]
    assert section.index("Breaking") < section.index("Compatible")
    assert "- `op_amax` (renamed): keras.ops.amax is now an alias of keras.ops.max; use op_max" in section
    terminal = rendered(scenario, impact, "terminal")
    assert f"{IMPACT_TITLE}: Breaking" in terminal and "layer_group_query_attention" in terminal
    document = json.loads(rendered(scenario, impact, "json"))["keras3_impact"]
    assert [n["id"] for n in document["names"]] == [i.id for i in impact]
    assert document["summary"]["breaking"] == sum(i.grade == "breaking" for i in impact)
    github = rendered(scenario, impact, "github").splitlines()
    errors = [line for line in github if line.startswith("::error ") and "keras3 impact" in line]
    assert len(errors) == sum(i.grade == "breaking" for i in impact)
    assert any("::op_amax: keras.ops.amax is now an alias of keras.ops.max; use op_max" in line
               and line.endswith("[renamed:op_amax]") for line in errors)


# --- on the real store ---------------------------------------------------------------------------------


def test_every_name_a_stored_release_published_is_in_the_committed_package(store, pinned):
    spec, naming = load_binding_spec(), load_naming_spec()
    dropped = dropped_names(store, pinned, spec, naming)
    import keras3

    assert dropped and set(dropped) <= set(keras3.__all__)


def test_a_real_move_to_a_skipped_path_is_kept_and_graded(store):
    """keras.AbsMaxQuantizer left the top level (the object stayed at keras.quantizers.AbsMaxQuantizer,
    which the spec skips): its name, published by the releases that had it, keeps working."""
    releases = store.releases()
    last = max((r for r in releases if "keras.AbsMaxQuantizer" in store.index(r)), key=version_key)
    after = releases[releases.index(last) + 1]
    found = {i.name: i for i in binding_impact(store.load(last), store.load(after))}
    assert (found["AbsMaxQuantizer"].kind, found["AbsMaxQuantizer"].grade) == ("renamed", "breaking")
    assert found["AbsMaxQuantizer"].replacement == "keras.quantizers.AbsMaxQuantizer"
    import keras
    import keras3

    with pytest.warns(DeprecationWarning, match=r"AbsMaxQuantizer is deprecated: keras\.AbsMaxQuantizer was "
                      rf"removed in Keras {after}; .*use keras\.quantizers\.AbsMaxQuantizer") as record:
        quantizer = keras3.AbsMaxQuantizer(axis=-1)
    assert isinstance(quantizer, keras.quantizers.AbsMaxQuantizer)
    assert record[0].filename == __file__


# The pin and every stored release after it (a nightly snapshotted with `make snapshot`), each
# against the stored release before it: the pin always gives a case.
FROM_THE_PIN = [r for r in SnapshotStore().releases() if version_key(r) >= version_key(pinned_release())]


@pytest.mark.parametrize("release", FROM_THE_PIN)
def test_a_release_from_the_pin_on_drops_no_name_the_release_before_published(store, release):
    previous = store.previous_release(release)
    before, _ = built(store, previous)
    after, _ = built(store, release)
    names = {w.name: w for w in after.wrappers}
    assert {w.name for w in before.wrappers} <= names.keys()
    graded = {i.name: i for i in binding_impact(store.load(previous), store.load(release))}
    newly_deprecated = [w.name for w in before.wrappers
                        if w.deprecation is None and names[w.name].deprecation is not None]
    assert all(graded[name].grade == "breaking" for name in newly_deprecated)


def test_diff_prints_the_impact_section_in_every_format(store):
    pin = pinned_release()
    old = store.previous_release(pin)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])}
    result = subprocess.run([sys.executable, "-m", "generator", "diff", old, pin, "--format", "json"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    expected = binding_impact(store.load(old), store.load(pin))
    assert json.loads(result.stdout)["keras3_impact"]["names"] == [
        {"id": i.id, "kind": i.kind, "grade": i.grade, "name": i.name, "upstream": i.upstream,
         "message": i.message, "replacement": i.replacement} for i in expected]


def test_regenerate_names_what_a_spec_change_would_drop():
    """A name the spec itself stops giving is not upstream's doing, so not kept: regenerate says so."""
    committed = (PACKAGE / "__init__.py").read_text(encoding="utf-8")
    renamed_text = committed.replace('"op_add",', '"op_plus",')
    assert lost_names(committed, renamed_text) == ["op_add"]
    assert lost_names(committed, committed) == []
