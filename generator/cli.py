"""Command line: wires the stages together and does nothing else.

    python -m generator snapshot [--release V]       take (and store) a snapshot; V a PEP 440 version
    python -m generator preview [--release V]        the next Keras (newest keras-nightly) against the pin
    python -m generator diff OLD NEW [--format F]    graded API diff and its keras3 impact; OLD/NEW a release or `live`
    python -m generator history SYMBOL               added / changed / deprecated / removed in
    python -m generator drift-check                  live Keras against the pinned snapshot
    python -m generator regenerate                   snapshot the installed Keras, report its diff
    python -m generator doc-report                   docstring word coverage, upstream doc mistakes
    python -m generator docs [--sources|--check]     build the docs site (examples run, cached)
    python -m generator guides-render [--check] [--only GLOB]  run the stale keras.io guides and gallery pages
    python -m generator example-report               upstream examples translated into keras3 and run
    python -m generator coverage                     wrappers per family, skips, gaps
    python -m generator typing-report                pyright strict, verifytypes, typed share
    python -m generator stubs [--release V] [--output DIR]   emit the Keras stubs of a stored release
    python -m generator stubs-report                 stubtest, verifytypes, corpora and peer suite of the stubs
    python -m generator bench                        print the speed figures
    python -m generator guides-sync --from DIR       keras.io tutobooks into the store, pages merged
    python -m generator guides-report                the translated pages: calls rewritten, sentences kept
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from generator.upstream.releases import ReleaseError
from generator.upstream.store import DEFAULT_ROOT, SnapshotStore, StoreError, atomic_write

LIVE = "live"
FORMATS = ("terminal", "markdown", "json", "github")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    # soft_wrap: an error stays one line, whatever the terminal width, so logs can be grepped.
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        return int(args.run(args) or 0)
    except (StoreError, ReleaseError, ValueError, LookupError) as error:
        console.print(f"[bold red]error:[/] {escape(str(error))}")  # "[renames]" is text, not markup
        return 2
    except BrokenPipeError:  # `... | head`: the reader has what it wanted; end quietly
        return _closed_pipe()


def _closed_pipe() -> int:
    """Exit as a pipeline's writer does when its reader went away (SIGPIPE's 128 + 13), without
    the flush at exit raising again: stdout is pointed at /dev/null (the Python docs' recipe)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, default=DEFAULT_ROOT, help="snapshot store folder")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    snapshot = commands.add_parser("snapshot", help="introspect Keras and store its snapshot")
    snapshot.add_argument("--release", help="a Keras 3 release to install in isolation first")
    snapshot.add_argument("--print-only", action="store_true", help="print the summary, store nothing")
    snapshot.add_argument("--expect-version", metavar="V",
                          help="refuse to store unless the imported Keras is release V")
    snapshot.set_defaults(run=_snapshot)

    preview = commands.add_parser("preview", help="snapshot the newest keras-nightly in a temporary "
                                  "store and report it against the pinned release")
    preview.add_argument("--release", help="a keras-nightly (or any Keras) version instead of the newest nightly")
    preview.add_argument("--format", choices=FORMATS, default="terminal")
    preview.add_argument("--output", type=Path, help="write the report to this file instead of stdout")
    preview.set_defaults(run=_preview)

    diff = commands.add_parser("diff", help="graded diff of two snapshots")
    diff.add_argument("old", help=f"a stored release or {LIVE!r}")
    diff.add_argument("new", help=f"a stored release or {LIVE!r}")
    diff.add_argument("--format", choices=FORMATS, default="terminal")
    diff.add_argument("--symbol", help="only findings for this public path (an alias path or a member, "
                      "e.g. keras.layers.Layer, keras.Layer.add_weight)")
    diff.set_defaults(run=_diff)

    history = commands.add_parser("history", help="a symbol's history across stored releases")
    history.add_argument("symbol", help="public path, e.g. keras.layers.Dense or layers.Dense; an alias path "
                         "or a member (keras.Layer.add_weight) too")
    history.add_argument("--format", choices=("terminal", "json"), default="terminal")
    history.set_defaults(run=_history)

    drift = commands.add_parser("drift-check", help="fail when upstream moved from the store")
    drift.add_argument("--against", help="stored release to compare with (default: the pinned one)")
    drift.add_argument("--allowlist", type=Path, default=None)
    drift.add_argument("--format", choices=FORMATS, default="terminal")
    drift.set_defaults(run=_drift_check)

    regenerate = commands.add_parser("regenerate", help="snapshot installed Keras, report the diff")
    regenerate.set_defaults(run=_regenerate)

    doc_report = commands.add_parser("doc-report", help="docstring word coverage and upstream doc mistakes")
    _release_option(doc_report)
    doc_report.set_defaults(run=_doc_report)

    docs = commands.add_parser("docs", help="build the docs site (or emit/check its sources)")
    docs.add_argument("--sources", action="store_true", help="only emit generated/docs and mkdocs.yml")
    docs.add_argument("--check", action="store_true", help="only check the committed sources")
    _release_option(docs)
    docs.add_argument("--no-examples", action="store_true", help="do not run examples and guides")
    docs.set_defaults(run=_docs)

    guides_render = commands.add_parser("guides-render", help="run the keras.io guides and gallery pages whose "
                                        "committed output (generated/rendered) is stale, and write it")
    guides_render.add_argument("--check", action="store_true", help="only list the stale pages (nothing runs)")
    guides_render.add_argument("--jobs", type=int, default=2, help="pages run at once (default 2)")
    guides_render.add_argument("--only", metavar="GLOB", help='only the pages whose path matches, e.g. '
                               '"examples/timeseries/*" (the others are left as they are)')
    guides_render.set_defaults(run=_guides_render)

    example_report = commands.add_parser("example-report", help="upstream examples translated and run")
    example_report.set_defaults(run=_example_report)

    coverage = commands.add_parser("coverage", help="wrappers per family, skips and gaps")
    _release_option(coverage)
    coverage.set_defaults(run=_coverage)

    typing_report = commands.add_parser("typing-report", help="pyright strict, verifytypes, typed share")
    _release_option(typing_report)
    typing_report.set_defaults(run=_typing_report)

    stubs = commands.add_parser("stubs", help="emit the Keras stubs of a stored release")
    _release_option(stubs)
    stubs.add_argument("--output", type=Path, help="folder to write them to (default: generated/keras-stubs, "
                       "for the pinned release only)")
    stubs.set_defaults(run=_stubs)

    stubs_report = commands.add_parser("stubs-report", help="stubtest, verifytypes, the corpora and the "
                                       "peer suite (keras.io guides and examples) of the stubs")
    stubs_report.add_argument("--peers", type=Path, default=None,
                              help="the upstream tutobooks folder (default: ../shared/upstream-tutobooks)")
    stubs_report.set_defaults(run=_stubs_report)

    bench = commands.add_parser("bench", help="print speed figures")
    bench.set_defaults(run=_bench)

    sync = commands.add_parser("guides-sync", help="sync keras.io tutobooks (guides, examples) from an upstream "
                               "checkout into upstream_snapshots/keras-io/ and merge upstream's change into "
                               "each translated page")
    sync.add_argument("--from", dest="folders", type=Path, action="append", required=True, metavar="DIR",
                      help="a keras-io checkout, or a keras checkout with guides/ and examples/ (repeatable)")
    sync.add_argument("--repo", choices=("keras-team/keras", "keras-team/keras-io"),
                      help="the repository DIR is a checkout of (default: read from DIR)")
    sync.add_argument("--paths", nargs="+", metavar="PATH", help="only these tracked upstream paths")
    sync.add_argument("--format", choices=FORMATS, default="terminal")
    sync.add_argument("--output", type=Path, help="write the report to this file instead of stdout")
    sync.add_argument("--check", action="store_true", help="write nothing; fail when a tethered tutobook "
                      "moved upstream (the weekly job)")
    sync.set_defaults(run=_guides_sync)

    guides_report = commands.add_parser("guides-report", help="the translated keras.io pages from the store: "
                                        "calls rewritten of those that have a wrapper, prose sentences kept")
    guides_report.add_argument("--format", choices=FORMATS, default="terminal")
    guides_report.set_defaults(run=_guides_report)
    return parser


def _release_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--release", help="stored release (default: the pinned one)")


def _live_snapshot():  # imported late: only these commands import Keras
    from generator.upstream.introspect import take_snapshot
    from generator.upstream.preflight import check_keras_installation

    check_keras_installation()  # Keras 3 with its backend's package, before importing it
    return take_snapshot()


def _resolve(store: SnapshotStore, name: str):
    return _live_snapshot() if name == LIVE else store.load(name)


def _snapshot(args: argparse.Namespace) -> int:
    store = SnapshotStore(args.store)
    if args.release:
        from generator.upstream.releases import snapshot_release

        file = snapshot_release(args.release, store)
        Console(stderr=True).print(f"stored {file}")
        return 0
    snapshot = _live_snapshot()
    if args.expect_version and snapshot.keras_version != args.expect_version:
        # `--release` runs this in a child whose PYTHONPATH should make release V shadow the
        # venv's Keras; storing another release's API under V's name would corrupt the store.
        found = getattr(sys.modules.get("keras"), "__file__", "?")
        raise ValueError(
            f"imported Keras {snapshot.keras_version} from {found}, expected {args.expect_version}; "
            "nothing stored"
        )
    canonical = len(snapshot.canonical_symbols())
    summary = f"Keras {snapshot.keras_version}: {len(snapshot.symbols)} public paths, {canonical} objects"
    if not args.print_only:
        from generator.render.writephase import remove_temporaries, writer_lock

        console = Console(stderr=True, highlight=False, soft_wrap=True)
        # One writer of the store and generated/ at a time.
        with writer_lock(store.root, lambda text: console.print(escape(text))):
            remove_temporaries(store.root, ["pool.json", "keras-*.json"])
            summary += f" -> {store.save(snapshot)}"
    Console(stderr=True).print(summary)
    return 0


def _preview(args: argparse.Namespace) -> int:
    from generator.checks.preview import preview
    from generator.settings import pinned_release

    store = SnapshotStore(args.store)
    if args.output is None:
        return preview(store, pinned_release(), args.release, args.format, sys.stdout)
    out = io.StringIO()  # the file is written whole, and only when the preview succeeded
    status = preview(store, pinned_release(), args.release, args.format, out)
    atomic_write(args.output, out.getvalue())
    return status


def _diff(args: argparse.Namespace) -> int:
    from generator.binding.impact import binding_impact
    from generator.changes.diff import diff_snapshots, findings_for, knows_target, target_candidates
    from generator.changes.report import render
    from generator.settings import version_key
    from generator.upstream.model import unknown_path

    store = SnapshotStore(args.store)
    old, new = _resolve(store, args.old), _resolve(store, args.new)
    if args.symbol and not any(knows_target(s, args.symbol) for s in (old, new)):
        raise LookupError(unknown_path(args.symbol, f"path or member of Keras {old.keras_version} or "
                                       f"{new.keras_version}", [*target_candidates(old, args.symbol), *target_candidates(new, args.symbol)]))
    if version_key(old.keras_version) > version_key(new.keras_version):
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"[yellow]note:[/] the releases are in reverse order: {old.keras_version} is newer than "
            f"{new.keras_version}, so this reports a downgrade (what is lost going back); for the "
            f"changes of an upgrade, run `diff {new.keras_version} {old.keras_version}`")
    findings = diff_snapshots(old, new)
    impact = binding_impact(old, new)
    if args.symbol:
        findings = findings_for(findings, args.symbol, old, new)
        impact = [i for i in impact if args.symbol in (i.upstream, i.name)]
    render(findings, old.keras_version, new.keras_version, args.format, sys.stdout, impact)
    return 0


def _history(args: argparse.Namespace) -> int:
    from generator.changes.history import render_history, symbol_history

    store = SnapshotStore(args.store)
    symbol = args.symbol if args.symbol.startswith("keras.") else f"keras.{args.symbol}"
    render_history(symbol_history(store, symbol), args.format, sys.stdout)
    return 0


def _drift_check(args: argparse.Namespace) -> int:
    from generator.checks.drift import run_drift_check

    return run_drift_check(SnapshotStore(args.store), args.against, args.allowlist, args.format)


def _regenerate(args: argparse.Namespace) -> int:
    from generator.regenerate import regenerate

    return regenerate(SnapshotStore(args.store))


def _binding(args: argparse.Namespace):
    from generator.binding.build import build
    from generator.settings import pinned_release

    binding, _ = build(SnapshotStore(args.store), args.release or pinned_release())
    return binding


def _doc_report(args: argparse.Namespace) -> int:
    from generator.binding.build import build
    from generator.binding.docstrings.patches import load_doc_patches
    from generator.checks.doc_report import doc_report, format_doc_report
    from generator.docs.site.coverage import format_undocumented, undocumented_params
    from generator.settings import pinned_release

    store = SnapshotStore(args.store)
    pin = pinned_release()
    release = args.release or pin
    # Patches are written against the pinned release; another release lists those that miss.
    report = doc_report(store.load(release), load_doc_patches(), strict=release == pin)
    sys.stdout.write(format_doc_report(report))
    if release == pin:
        sys.stdout.write(format_undocumented(undocumented_params(build(store, release)[0]), limit=1000))
    else:  # the binding spec (skips, renames) is written against the pin: no binding of R to list
        sys.stdout.write(f"undocumented wrapper parameters: listed for the pinned release ({pin}) only\n")
    return 0 if report.ok else 1


def _docs(args: argparse.Namespace) -> int:
    from generator.docs.site.cli import run

    return run(args)


def _guides_render(args: argparse.Namespace) -> int:
    from generator.docs.guides.outputs import main as render_main

    return render_main(check=args.check, jobs=args.jobs, only=args.only)


def _example_report(args: argparse.Namespace) -> int:
    from generator.docs.examples.report import main as examples_main

    return int(examples_main([]) or 0)


def _coverage(args: argparse.Namespace) -> int:
    from generator.checks.reports import print_coverage

    return print_coverage(_binding(args))


def _typing_report(args: argparse.Namespace) -> int:
    from generator.checks.reports import print_typing_report

    return print_typing_report(_binding(args))


def _stubs(args: argparse.Namespace) -> int:
    from contextlib import nullcontext

    from generator.pipeline import stubs_for
    from generator.render.stubs import STUBS, write_stubs
    from generator.render.writephase import writer_lock
    from generator.settings import pinned_release

    store = SnapshotStore(args.store)
    release = args.release or pinned_release()
    if args.output is None and release != pinned_release():
        raise ValueError(f"generated/keras-stubs holds the stubs of the pinned release ({pinned_release()}); "
                         f"give --output DIR for those of {release}")
    files = stubs_for(store.load(release), store)
    console = Console(stderr=True)
    # Into generated/keras-stubs: the writers' lock every writer of generated/ takes; a folder of the
    # caller's (--output) is the caller's.
    lock = writer_lock(store.root, lambda text: console.print(escape(text))) if args.output is None else nullcontext()
    with lock:
        write_stubs(files, args.output or STUBS)
    console.print(f"Keras {release}: {sum(n.endswith('.pyi') for n in files)} stub modules -> {args.output or STUBS}")
    return 0


def _stubs_report(args: argparse.Namespace) -> int:
    from generator.checks.stub_checks import print_stubs_report

    return print_stubs_report(args.peers)


def _guides_sync(args: argparse.Namespace) -> int:
    from generator.guides_sync import guides_sync

    console = Console(stderr=True, highlight=False, soft_wrap=True)
    out = io.StringIO() if args.output else sys.stdout
    status = guides_sync(args.folders, args.format, out, lambda text: console.print(escape(text)),
                         check=args.check, repo=args.repo, paths=args.paths)
    if args.output:
        atomic_write(args.output, out.getvalue())
    return status


def _guides_report(args: argparse.Namespace) -> int:
    from generator.changes.tutobooks import render_sync_report
    from generator.docs.site.common import DOCS_TEMPLATES
    from generator.guides_sync import store_report, translation_table
    from generator.upstream.tutobook_spec import load_tracked
    from generator.upstream.tutobooks import TutobookStore

    report = store_report(load_tracked(), TutobookStore(), DOCS_TEMPLATES, translation_table(SnapshotStore(args.store)))
    render_sync_report(report, args.format, sys.stdout)
    return 1 if report.conflicts else 0


def _bench(args: argparse.Namespace) -> int:
    from generator.checks.bench import run_benchmarks

    return run_benchmarks(SnapshotStore(args.store))
