"""How each translated guide or example runs, and which examples the gallery shows: the data of
`generator/spec/gallery.toml`, keyed by the upstream path a page's front matter names.

    [run."examples/keras_io/vision/mnist_convnet.py"]
    fixtures = ["mnist_digits"]          # functions of generator/docs/guides/fixtures.py
    epochs = 1                           # Model.fit runs at most this many epochs
    steps = 20                           # ... and at most this many steps per epoch
    assign = { num_epochs = 1 }          # top-level assignments of these names run with this value
    skip = { 7 = "needs a GPU" }         # cells (counted from 0) not run, with the reason shown;
    skip = { "plot_model(" = "..." }     # ... or the cells whose code contains this text
    time_limit = 300                     # CPU seconds per cell
    backend = "tensorflow"               # a guide written for one backend runs on it (default jax)
    devices = 8                          # CPU devices jax sees (a distribution guide's mesh)
    environment = { KERAS_NNX_ENABLED = "true" }  # set before Keras is imported (upstream's os.environ)
    validation_steps = 5                 # validation runs at most this many steps (validation_split too)

    skip = { 12 = "@jax_array" }         # ... a reason named in [reasons] (one text, many cells)

    [reasons]                            # reasons several cells share, by name
    jax_array = "Keras 3.15.1 on jax 0.10.2: ..."

    [[gallery.example]]                  # an example the gallery shows
    upstream = "examples/keras_io/vision/mnist_convnet.py"
    category = "vision"
    [[gallery.left_out]]                 # one it leaves out, and why
    upstream = "examples/keras_io/vision/bit.py"
    reason = "fine-tunes BiT-M R50x1 from TF-Hub: pretrained weights (a download)"

Everything here is stated on the page it changes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.settings import SPEC_DIR
from generator.tomlfiles import fields, read_toml

GALLERY_SPEC = SPEC_DIR / "gallery.toml"
DEFAULT_TIME_LIMIT = 300.0
BACKENDS = ("jax", "tensorflow", "torch")


class GuideSpecError(ValueError):
    """gallery.toml is malformed; the message names the file, the entry and the field."""


@dataclass(frozen=True)
class RunSettings:
    fixtures: tuple[str, ...] = ()
    epochs: int | None = None
    steps: int | None = None
    assign: Mapping[str, Any] = field(default_factory=dict)
    skip: Mapping[int | str, str] = field(default_factory=dict)  # cell number, or code it contains
    time_limit: float = DEFAULT_TIME_LIMIT
    backend: str = "jax"  # a guide written for one backend (its tf.GradientTape, torch.nn) runs on it
    # CPU devices the page's process sees (XLA's host-platform device count): a guide that shards
    # over a device mesh runs on one CPU split into that many devices
    devices: int = 1
    # validation in `Model.fit` runs at most this many steps, also when `validation_split` made it
    # (`steps` caps only the validation of `validation_data`)
    validation_steps: int | None = None
    # variables upstream sets in os.environ before it imports Keras (KERAS_NNX_ENABLED): the
    # page's process starts with them, since Keras reads them once, at import
    environment: Mapping[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """What the key hashes and the worker receives."""
        data = {"fixtures": list(self.fixtures), "epochs": self.epochs, "steps": self.steps,
                "assign": dict(sorted(self.assign.items())),
                "skip": {str(k): v for k, v in sorted(self.skip.items(), key=lambda item: str(item[0]))},
                "time_limit": self.time_limit, "backend": self.backend}
        # absent by default: the keys of pages that do not set them stay as they were
        if self.devices != 1:
            data["devices"] = self.devices
        if self.validation_steps is not None:
            data["validation_steps"] = self.validation_steps
        if self.environment:
            data["environment"] = dict(sorted(self.environment.items()))
        return data

    def key_text(self) -> str:
        return json.dumps(self.as_json(), sort_keys=True)


@dataclass(frozen=True)
class GalleryEntry:
    upstream: str
    category: str


@dataclass(frozen=True)
class GuideSpec:
    runs: Mapping[str, RunSettings] = field(default_factory=dict)
    gallery: tuple[GalleryEntry, ...] = ()
    left_out: Mapping[str, str] = field(default_factory=dict)  # upstream path -> reason

    def settings(self, upstream: str) -> RunSettings:
        return self.runs.get(upstream, RunSettings())


def _positive_int(value: Any, where: str, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise GuideSpecError(f"{where}: {name} must be a positive integer, got {value!r}")
    return value


def load_guide_spec(path: Path = GALLERY_SPEC) -> GuideSpec:
    """gallery.toml read and checked field by field (an absent file: no settings, no gallery)."""
    from generator.docs.guides.fixtures import FIXTURES

    if not path.exists():
        return GuideSpec()
    data = read_toml(path, GuideSpecError)
    fields(data, path, "the file", {"run": "table", "gallery": "table", "reasons": "table"}, GuideSpecError)
    reasons = dict(data.get("reasons", {}))
    named: set[str] = set()
    runs: dict[str, RunSettings] = {}
    for upstream, raw in sorted(data.get("run", {}).items()):
        where = f'{path}: [run."{upstream}"]'
        if not isinstance(raw, dict):
            raise GuideSpecError(f"{where} must be a table")
        unknown = sorted(set(raw) - {"fixtures", "epochs", "steps", "assign", "skip", "time_limit", "backend",
                                 "devices", "validation_steps", "environment"})
        if unknown:
            raise GuideSpecError(f"{where}: unknown key {unknown[0]!r}; known fields: fixtures, epochs, steps, "
                                 "assign, skip, time_limit, backend, devices, validation_steps, environment")
        backend = raw.get("backend", "jax")
        if backend not in BACKENDS:
            raise GuideSpecError(f"{where}: backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
        fixtures = raw.get("fixtures", [])
        if not isinstance(fixtures, list) or not all(isinstance(f, str) for f in fixtures):
            raise GuideSpecError(f"{where}: fixtures must be a list of fixture names")
        missing = [f for f in fixtures if f not in FIXTURES]
        if missing:
            raise GuideSpecError(f"{where}: no fixture {missing[0]!r} in generator/docs/guides/fixtures.py "
                                 f"(there are: {', '.join(sorted(FIXTURES))})")
        skip: dict[int | str, str] = {}
        for cell, reason in dict(raw.get("skip", {})).items():
            if not cell.strip() or not isinstance(reason, str) or not reason.strip():
                raise GuideSpecError(f"{where}: skip maps a cell number (or code a cell contains) to a reason, "
                                     f"got {cell} = {reason!r}")
            if reason.startswith("@"):
                if reason[1:] not in reasons:
                    raise GuideSpecError(f"{where}: skip {cell} names the reason {reason!r}, which [reasons] does "
                                         f"not hold (it has: {', '.join(sorted(reasons)) or 'none'})")
                named.add(reason[1:])
                reason = reasons[reason[1:]]
            skip[int(cell) if cell.isdigit() else cell] = reason
        assign = raw.get("assign", {})
        if not isinstance(assign, dict) or not all(isinstance(v, (int, float, str)) for v in assign.values()):
            raise GuideSpecError(f"{where}: assign maps a name to a number or a string")
        environment = raw.get("environment", {})
        if not isinstance(environment, dict) or not all(isinstance(v, str) for v in environment.values()):
            raise GuideSpecError(f"{where}: environment maps a variable's name to a string")
        limit = raw.get("time_limit", DEFAULT_TIME_LIMIT)
        if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit <= 0:
            raise GuideSpecError(f"{where}: time_limit must be a positive number of seconds, got {limit!r}")
        runs[upstream] = RunSettings(tuple(fixtures), _positive_int(raw.get("epochs"), where, "epochs"),
                                     _positive_int(raw.get("steps"), where, "steps"), dict(assign), skip,
                                     float(limit), backend, _positive_int(raw.get("devices"), where, "devices") or 1,
                                     _positive_int(raw.get("validation_steps"), where, "validation_steps"),
                                     dict(environment))
    unused = sorted(set(reasons) - named)
    if unused:
        raise GuideSpecError(f"{path}: [reasons] {unused[0]} is given by no skip")
    gallery_raw = fields(data.get("gallery", {}), path, "[gallery]",
                         {"example": "list[table]", "left_out": "list[table]"}, GuideSpecError)
    gallery: list[GalleryEntry] = []
    left_out: dict[str, str] = {}
    for number, raw in enumerate(gallery_raw.get("example", []), start=1):
        entry = fields(raw, path, f"[[gallery.example]] {number}", {"upstream": "str", "category": "str"},
                       GuideSpecError, required=("upstream", "category"))
        gallery.append(GalleryEntry(entry["upstream"], entry["category"]))
    for number, raw in enumerate(gallery_raw.get("left_out", []), start=1):
        entry = fields(raw, path, f"[[gallery.left_out]] {number}", {"upstream": "str", "reason": "str"},
                       GuideSpecError, required=("upstream", "reason"))
        left_out[entry["upstream"]] = entry["reason"]
    chosen = [entry.upstream for entry in gallery]
    twice = sorted({u for u in chosen if chosen.count(u) > 1} | (set(chosen) & set(left_out)))
    if twice:
        raise GuideSpecError(f"{path}: {twice[0]} is listed twice (chosen and left out, or chosen twice)")
    return GuideSpec(runs, tuple(gallery), left_out)
