"""Every upstream example of a release: translated, run (or read from the cache), each result with
the reason it does not run.

The cache on disk: runs by sha256 of (the docstring's translated chunks, Keras release, backend,
`RUNNER_VERSION`), translations by (chunks, translation table, the translator's source). An
unchanged example neither translates nor runs again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from generator.binding.docstrings.model import Example
from generator.binding.model import Binding
from generator.docs.examples.runner import (
    BACKEND,
    RUNNER_VERSION,
    SEED,
    TIME_LIMIT,
    WORKERS,
    ExampleRunner,
    Run,
    timed_out,
)
from generator.docs.examples.spec import ExampleData, fixture_setup, load_example_data
from generator.docs.examples.table import Translation, TranslationTable
from generator.docs.examples.translate import download_reason, translate_chunks
from generator.settings import CACHE
from generator.upstream.model import Snapshot

CACHE_DIR = CACHE / "examples"


# ---------------------------------------------------------------------------------------------
# The whole surface: translate, run (or reuse the cache), report


@dataclass(frozen=True)
class ExampleResult:
    index: int  # position in the docstring's examples (`ParsedDoc.examples`, text chunks included)
    original: str  # the upstream chunk as written (a doctest keeps its prompts and output)
    translated: str | None  # in the binding's API; None when it does not parse
    output: str | None  # what it printed and showed when run; None when not run
    ok: bool  # translated and ran without error
    reason: str | None  # why not ok
    setup: str | None = None  # fixture code run before it (spec/docs.toml), for "assumes:"


def example_pages(snapshot: Snapshot, binding: Binding) -> dict[str, tuple[Example, ...]]:
    """Public path -> the examples of its docstring: every wrapper (a member wrapper as
    `<class path>.<member>`), and the subclassing bases that no wrapper documents."""
    from generator.binding.docstrings.parse import parse_docstring
    from generator.binding.docstrings.patches import apply_patches, load_doc_patches

    pages: dict[str, tuple[Example, ...]] = {}
    for w in binding.wrappers:
        if w.deprecation is not None:
            continue  # documented under the wrapper it delegates to
        key = f"{w.upstream}.{w.member}" if w.member else w.upstream
        pages[key] = w.doc.examples
        if w.function:  # the function form a wrapper also covers has its own page section
            pages.setdefault(w.function, w.function_doc.examples)
    patches = load_doc_patches()
    for path in binding.bases.values():
        if path not in pages and path in snapshot.symbols:
            doc = apply_patches(snapshot.symbols[path].doc, patches.get(path))
            pages[path] = parse_docstring(doc).examples
    return {k: v for k, v in sorted(pages.items()) if any(e.kind != "text" for e in v)}


def cache_key(chunks: Sequence[str], keras_version: str, backend: str = BACKEND) -> str:
    payload = json.dumps({"chunks": list(chunks), "keras": keras_version, "backend": backend,
                          "runner": RUNNER_VERSION, "seed": SEED, "limit": TIME_LIMIT}, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _cache_read(cache_dir: Path, key: str, count: int) -> list[Run] | None:
    try:
        data = json.loads((cache_dir / f"{key}.json").read_text(encoding="utf-8"))
        runs = [Run(**item) for item in data["runs"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return runs if len(runs) == count else None


def _cache_write(cache_dir: Path, key: str, page: str, runs: Sequence[Run]) -> None:
    if any(r.error and (r.error.startswith("timed out") or "crashed its worker" in r.error) for r in runs):
        return  # a machine-dependent failure: try again next time
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / f"{key}.json"
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"page": page, "runs": [asdict(r) for r in runs]}, indent=1) + "\n",
                         encoding="utf-8")
    os.replace(temporary, target)


# The translator's source: a change to any module a translation depends on retranslates.
_TRANSLATOR_MODULES = ("table.py", "resolve.py", "rewrite.py", "translate.py")
_TRANSLATOR = hashlib.sha256(b"".join(Path(__file__).with_name(name).read_bytes()
                                      for name in _TRANSLATOR_MODULES)).hexdigest()


def _translated(chunks: Sequence[str], table: TranslationTable, page: str,
                cache_dir: Path) -> list[Translation]:
    """`translate_chunks`, cached on disk by (chunks, page, table, translator source)."""
    payload = json.dumps([_TRANSLATOR, table.digest, page, list(chunks)])
    key = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    target = cache_dir / "translations" / f"{key}.json"
    try:
        items = json.loads(target.read_text(encoding="utf-8"))
        return [Translation(item["code"], item["reason"], tuple(item["mapped"]), tuple(item["unmapped"]),
                            tuple(item["notes"])) for item in items]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    translations = translate_chunks(chunks, table, page=page)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps([asdict(t) for t in translations]) + "\n", encoding="utf-8")
    os.replace(temporary, target)
    return translations


@dataclass
class _Session:
    """What runs for one docstring: the fixture code (if any), then its runnable chunks."""

    page: str
    setup: str | None
    chunks: list[str]
    key: str = ""
    runs: list[Run] | None = None

    @property
    def code(self) -> list[str]:
        return ([self.setup] if self.setup else []) + self.chunks

    def chunk_runs(self) -> list[Run]:
        """The runs of the chunks (the fixture's run left out; when it failed, every chunk says so)."""
        runs = list(self.runs or [])
        if self.setup and runs:
            first = runs.pop(0)
            if not first.ok:
                return [Run("", False, f"the fixture code failed: {first.error}") for _ in self.chunks]
        return runs


def _execute_sessions(sessions: Sequence[_Session], keras_version: str, cache_dir: Path,
                      runner: ExampleRunner | None, workers: int) -> None:
    """Fill in each session's runs, from the cache or by running what it lacks."""
    pending: list[_Session] = []
    for session in sessions:
        session.key = cache_key(session.code, keras_version)
        session.runs = _cache_read(cache_dir, session.key, len(session.code)) if session.chunks else []
        if session.runs is None:
            pending.append(session)
    if not pending:
        return
    active = runner or ExampleRunner(workers=workers)
    try:
        outcomes = active.run_sessions([s.code for s in pending])
    finally:
        if runner is None:
            active.close()
    for session, runs in zip(pending, outcomes):
        session.runs = runs
        _cache_write(cache_dir, session.key, session.page, runs)


def run_all(snapshot: Snapshot, binding: Binding, cache_dir: Path = CACHE_DIR, *,
            runner: ExampleRunner | None = None, workers: int = WORKERS,
            data: ExampleData | None = None, paths: Iterable[str] | None = None,
            check_upstream: bool = True) -> dict[str, list[ExampleResult]]:
    """Every upstream example of the binding's API (or of the public `paths` given), translated
    and run (or taken from the cache), keyed by public path, in docstring order. Deterministic:
    the same inputs give the same result.

    An example that fails is run once more as upstream wrote it (made self-contained the same
    way): the reason then says whether upstream's own example fails too. The docs build, which
    shows a failing example without output whoever's fault it is, skips that (`check_upstream`).
    """
    table = TranslationTable.from_binding(binding, snapshot)
    plain = replace(table, targets={}, bases={})  # resolves and imports, maps nothing
    data = load_example_data() if data is None else data
    plans: list[tuple[str, list[tuple[int, Example, Translation, str | None]], _Session, list[bool]]] = []
    pages = example_pages(snapshot, binding)
    if paths is not None:
        wanted = set(paths)
        pages = {k: v for k, v in pages.items() if k in wanted}
    warming = False
    for page, examples in pages.items():
        chunks = [(i, e) for i, e in enumerate(examples) if e.kind != "text"]
        translations = _translated([e.text for _, e in chunks], table, page, cache_dir)
        skip = data.specs[page].skip if page in data.specs else None
        rows: list[tuple[int, Example, Translation, str | None]] = []
        for (index, example), translation in zip(chunks, translations):
            why: str | None = None
            if translation.code is None:
                why = translation.reason
            elif skip is not None:
                why = f"not run: {skip}"
            else:
                why = download_reason(translation.code, table)
            rows.append((index, example, translation, why))
        codes = [t.code for _, _, t, why in rows if why is None and t.code is not None]
        fixtures = [f for f in data.fixtures if f.serves(page)]
        setup, needs = fixture_setup(codes, fixtures)
        plans.append((page, rows, _Session(page, setup, codes), needs))
        if runner is not None and not warming and codes and _cache_read(
                cache_dir, cache_key(plans[-1][2].code, snapshot.keras_version), len(plans[-1][2].code)) is None:
            warming = True  # something will run: the workers import Keras while the rest translates
            runner.warm_up()
    _execute_sessions([p[2] for p in plans], snapshot.keras_version, cache_dir, runner, workers)

    # Failures: does the upstream example fail as well?
    checks: dict[str, _Session] = {}
    for page, rows, session, _ in plans:
        if check_upstream and any(not r.ok and not timed_out(r) for r in session.chunk_runs()):
            originals = [e.text for _, e, _, why in rows if why is None]
            upstream = [t.code or "" for t in _translated(originals, plain, page, cache_dir)]
            fixtures = [f for f in data.fixtures if f.serves(page)]
            checks[page] = _Session(page, fixture_setup(upstream, fixtures)[0], upstream)
    _execute_sessions(list(checks.values()), snapshot.keras_version, cache_dir, runner, workers)

    results: dict[str, list[ExampleResult]] = {}
    for page, rows, session, needs in plans:
        runs = iter(session.chunk_runs())
        upstream_runs = iter(checks[page].chunk_runs()) if page in checks else iter(())
        flags = iter(needs)
        items: list[ExampleResult] = []
        for index, example, translation, why in rows:
            run = next(runs, None) if why is None else None
            upstream_run = next(upstream_runs, None) if why is None else None
            needs_setup = next(flags, False) if why is None else False
            reason = why or translation.reason
            if reason is None and (run is None or not run.ok):
                reason = _run_reason(run, upstream_run)
            items.append(ExampleResult(index, example.text, translation.code,
                                       run.output if run is not None else None, reason is None, reason,
                                       session.setup if needs_setup else None))
        results[page] = items
    return results


def _run_reason(run: Run | None, upstream: Run | None) -> str:
    error = (run.error if run is not None else None) or "not run"
    if run is not None and timed_out(run):
        return error  # time says nothing of the translation: no comparison, no blame
    if upstream is None:
        return error
    if not upstream.ok:
        same = upstream.error == error
        return f"upstream example fails too: {error}" if same else (
            f"{error} (the upstream example fails too: {upstream.error})")
    return f"{error} (the upstream example runs: a translation bug)"
