"""The translation table (every public Keras path the binding wraps, and the wrapper an upstream
call of it becomes) and the records a translation gives.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from generator.binding.model import Binding, Wrapper
from generator.upstream.model import Signature, Snapshot

# ---------------------------------------------------------------------------------------------
# The translation table: public Keras paths -> wrappers


@dataclass(frozen=True)
class Target:
    """What a public path becomes in the binding."""

    wrapper: Wrapper
    form: Literal["upstream", "function", "member"]  # which face of the wrapper the path is
    signature: Signature | None  # the path's upstream signature: names its positional arguments


@dataclass(frozen=True)
class TranslationTable:
    keras_version: str
    targets: Mapping[str, Target]  # public path (canonical or alias) -> target
    bases: Mapping[str, str]  # public path -> keras3 base class name (`keras.Layer` -> `Layer`)
    modules: frozenset[str]  # public module paths: `keras`, `keras.layers`, `keras.ops.nn`, ...
    symbols: frozenset[str]  # every public path
    leaves: Mapping[str, tuple[str, ...]]  # last component -> public paths ending in it
    module_leaves: Mapping[str, tuple[str, ...]]  # last component -> public modules ending in it
    canonical: Mapping[str, str]  # public path -> canonical path
    families: frozenset[str]  # keras3 submodules (`keras3.config`): a wrapper of that name is
    # reached through its family module, since `from keras3 import config` may give the module
    downloads: Mapping[str, str]  # wrapper name -> why calling it downloads
    imagenet: frozenset[str]  # wrapper names whose `weights` default to a download

    @classmethod
    def from_binding(cls, binding: Binding, snapshot: Snapshot) -> TranslationTable:
        symbols = snapshot.symbols
        targets: dict[str, Target] = {}

        def faces(path: str) -> list[str]:
            symbol = symbols.get(path)
            return [path, *(symbol.aliases if symbol else ())]

        def signature(path: str) -> Signature | None:
            symbol = symbols.get(path)
            return symbol.signature if symbol else None

        # Canonical paths first, aliases after: a path claimed twice keeps its canonical owner.
        claims: list[tuple[int, str, Target]] = []
        for w in binding.wrappers:
            if w.deprecation is not None:
                continue  # a kept name is never what an example translates to
            if w.shape == "member":
                claims.append((0, f"{w.upstream}.{w.member}", Target(w, "member", None)))
                continue
            for rank, path in enumerate(faces(w.upstream)):
                claims.append((min(rank, 1), path, Target(w, "upstream", signature(w.upstream))))
            if w.function:
                for rank, path in enumerate(faces(w.function)):
                    claims.append((min(rank, 1), path, Target(w, "function", signature(w.function))))
        for _, path, target in sorted(claims, key=lambda c: (c[0], c[1], c[2].wrapper.name)):
            targets.setdefault(path, target)

        bases: dict[str, str] = {}
        for name, path in binding.bases.items():
            implementation = symbols[path].implementation if path in symbols else None
            for other in symbols.values():
                if other.path == path or (implementation and other.kind == "class"
                                          and other.implementation == implementation):
                    bases.setdefault(other.path, name)

        modules = {"keras"}
        leaves: dict[str, set[str]] = {}
        for path in symbols:
            parts = path.split(".")
            modules.update(".".join(parts[:i]) for i in range(1, len(parts)))
            leaves.setdefault(parts[-1], set()).add(path)

        module_leaves: dict[str, set[str]] = {}
        for module in modules - {"keras"}:
            module_leaves.setdefault(module.rsplit(".", 1)[1], set()).add(module)

        downloads: dict[str, str] = {}
        imagenet: set[str] = set()
        for w in binding.wrappers:
            if w.upstream.startswith("keras.datasets."):
                downloads[w.name] = f"{w.upstream} fetches its data set"
            elif w.upstream == "keras.utils.get_file" or w.upstream.endswith(".decode_predictions"):
                downloads[w.name] = f"{w.upstream} fetches a file"
            sig = signature(w.upstream)
            weights = sig.parameter("weights") if sig else None
            if weights is not None and weights.default == "'imagenet'":
                imagenet.add(w.name)
        return cls(
            keras_version=snapshot.keras_version,
            targets=dict(sorted(targets.items())),
            bases=dict(sorted(bases.items())),
            modules=frozenset(modules),
            symbols=frozenset(symbols),
            leaves={k: tuple(sorted(v)) for k, v in sorted(leaves.items())},
            module_leaves={k: tuple(sorted(v)) for k, v in sorted(module_leaves.items())},
            canonical={p: s.canonical_path for p, s in sorted(symbols.items())},
            families=frozenset(binding.families),
            downloads=dict(sorted(downloads.items())),
            imagenet=frozenset(imagenet),
        )

    @functools.cached_property
    def paths_of(self) -> Mapping[str, tuple[str, ...]]:
        """Canonical path -> every public path of that object."""
        paths: dict[str, list[str]] = {}
        for path, canonical in self.canonical.items():
            paths.setdefault(canonical, []).append(path)
        return {k: tuple(v) for k, v in paths.items()}

    @functools.cached_property
    def digest(self) -> str:
        """What translation depends on, hashed: with the translator's own source, it keys the
        translation cache."""
        summary = {
            "keras": self.keras_version,
            "symbols": sorted(self.canonical.items()),
            "targets": {p: [t.wrapper.name, t.wrapper.shape, t.wrapper.family, t.form,
                            [(q.name, q.kind) for q in t.wrapper.params],
                            list(t.signature.positional_names()) if t.signature else None]
                        for p, t in self.targets.items()},
            "bases": dict(self.bases), "families": sorted(self.families),
            "downloads": dict(self.downloads), "imagenet": sorted(self.imagenet),
        }
        return hashlib.sha256(json.dumps(summary, sort_keys=True).encode("utf-8")).hexdigest()

    def exists(self, path: str) -> bool:
        """Is `path` public, or an attribute of something public (`keras.layers.Dense.from_config`)?"""
        parts = path.split(".")
        prefixes = (".".join(parts[:n]) for n in range(len(parts), 0, -1))
        return path in self.modules or any(prefix in self.symbols for prefix in prefixes)

    def repair(self, path: str) -> str | None:
        """The public path meant by a Keras path that does not exist (`keras.backend.Variable`,
        `keras.image.crop_images`: upstream examples name old or misspelt modules), when its last
        name settles it: one public object, or the one nearest the path written."""
        if self.exists(path) or path.split(".")[0] != "keras":
            return None
        candidates = self.leaves.get(path.rsplit(".", 1)[-1], ())
        if not candidates:
            return None
        parts = path.split(".")

        def shared(other: str) -> int:
            return next((i for i, (a, b) in enumerate(zip(parts, other.split("."))) if a != b),
                        min(len(parts), other.count(".") + 1))

        best = max(shared(c) for c in candidates)
        near = [c for c in candidates if shared(c) == best]
        canonical = {self.canonical[c] for c in near}
        return min(near, key=lambda c: (c.count("."), c)) if len(canonical) == 1 else None


# ---------------------------------------------------------------------------------------------
# Translation


@dataclass(frozen=True)
class Translation:
    """`code` is the example in the binding's API (None when it does not parse); `reason` says
    why it is not fully translated (a call that has a wrapper could not be rewritten), or None."""

    code: str | None
    reason: str | None = None
    mapped: tuple[str, ...] = ()  # upstream paths rewritten to wrappers, in order of first use
    unmapped: tuple[str, ...] = ()  # upstream paths left as they are (no wrapper)
    notes: tuple[str, ...] = ()  # what the translation read differently from the text
    calls: int = 0  # calls of a path that has a wrapper (each call site)
    rewritten: int = 0  # of those, the calls rewritten to the wrapper
    imports: tuple[str, ...] = ()  # import lines the code needs and was not given (`hoist_imports`)

    @property
    def ok(self) -> bool:
        return self.code is not None and self.reason is None


@dataclass(frozen=True)
class Context:
    """What the earlier chunks of the same docstring left in the shared namespace."""

    bound: frozenset[str] = frozenset()  # every name they bind
    imports: Mapping[str, str] = field(default_factory=dict)  # name -> Keras path they imported
