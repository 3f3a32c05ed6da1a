"""The example report: how many upstream examples translate and run; a failing one is run again
as upstream wrote it, so each reason says whose it is (upstream's, the docs environment's, or
ours).

    python -m generator.docs.examples [--workers N] [--limit N]    the report for the pinned release
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from generator.docs.examples.runner import WORKERS, ExampleRunner
from generator.docs.examples.surface import CACHE_DIR, ExampleResult, run_all

# The target: the share of upstream examples that translate and run.
TARGET = 0.90


Blame = Literal["upstream", "environment", "ours"]

# Why an example does not translate and run: (title, stage, whose, pattern over the reason).
# "upstream": the example as upstream wrote it is broken (it fails the same way, or is not Python);
# "environment": it cannot run in a docs build (network, another process, another backend switch);
# "ours": the translator, the binding or the runner is at fault.
_CATEGORIES: tuple[tuple[str, str, Blame, re.Pattern[str]], ...] = (
    ("upstream example is not valid Python", "translate", "upstream",
     re.compile(r"^upstream example is not valid Python")),
    ("upstream passes an argument the API lacks", "translate", "upstream", re.compile(r"^upstream bug:")),
    ("a call its wrapper cannot take", "translate", "ours",
     re.compile(r" has no parameter | is called with \*args| positional arguments that ")),
    ("needs download", "run", "environment", re.compile(r"^needs download")),
    ("not run (spec/docs.toml [examples])", "run", "environment", re.compile(r"^not run: ")),
    # only after a second run alone with RETRY_LIMIT: too slow for a docs build, whoever's fault
    ("too slow for a docs build (timed out, also when run alone)", "run", "environment",
     re.compile(r"^timed out")),
    ("the fixture code failed", "run", "ours", re.compile(r"^the fixture code failed")),
    ("fails only translated: a translation bug", "run", "ours", re.compile(r"the upstream example runs")),
    ("needs a package the docs environment lacks", "run", "environment",
     re.compile(r"upstream example fails too.*(ModuleNotFoundError|TBNotInstalledError)")),
    ("a fragment: uses names it never defines (upstream fails too)", "run", "upstream",
     re.compile(r"upstream example fails too.*NameError: name '"
                r"|NameError: name '.*upstream example fails too")),
    ("upstream example fails too (on jax)", "run", "upstream", re.compile(r"upstream example fails too")),
)


def reason_category(reason: str) -> tuple[str, str, Blame]:
    """(title, stage, whose fault) of a failure reason."""
    for title, stage, blame, pattern in _CATEGORIES:
        if pattern.search(reason):
            return title, stage, blame
    return "fails (not checked against upstream)", "run", "ours"


@dataclass(frozen=True)
class ExampleReport:
    total: int
    translated: int
    ran_ok: int
    failures: tuple[tuple[str, int, str], ...]  # (public path, example index, reason)

    @property
    def share(self) -> float:
        """Upstream examples that translate and run, of all of them."""
        return self.ran_ok / self.total if self.total else 1.0

    def blamed(self, whose: Blame) -> int:
        return sum(reason_category(reason)[2] == whose for _, _, reason in self.failures)

    @property
    def runnable(self) -> int:
        """Examples not disqualified by upstream (broken as written) or the environment."""
        return self.total - self.blamed("upstream") - self.blamed("environment")

    @property
    def runnable_share(self) -> float:
        """Of the examples upstream did not break, the share that translate and run."""
        return self.ran_ok / self.runnable if self.runnable else 1.0

    @property
    def ok(self) -> bool:
        return self.share >= TARGET

    def __iter__(self) -> Any:  # unpacks as (total, translated, ran_ok, failures)
        return iter((self.total, self.translated, self.ran_ok, list(self.failures)))


def example_report(results: Mapping[str, Sequence[ExampleResult]]) -> ExampleReport:
    total = translated = ran_ok = 0
    failures: list[tuple[str, int, str]] = []
    for path, items in sorted(results.items()):
        for item in items:
            total += 1
            failed = item.translated is None or (
                item.reason is not None and reason_category(item.reason)[1] == "translate")
            translated += not failed
            ran_ok += item.ok
            if not item.ok:
                failures.append((path, item.index, item.reason or "failed"))
    return ExampleReport(total, translated, ran_ok, tuple(failures))


def format_example_report(report: ExampleReport, limit: int | None = None) -> str:
    def pct(n: int, of: int | None = None) -> str:
        of = report.total if of is None else of
        return f"{100 * n / of:.1f}%" if of else "n/a"

    verdict = "meets" if report.ok else "misses"
    upstream, environment, ours = (report.blamed(w) for w in ("upstream", "environment", "ours"))
    lines = [
        f"Upstream examples (Keras docstrings of the binding's API): {report.total}",
        f"  translated to the binding's API: {report.translated} ({pct(report.translated)})",
        f"  translated and ran: {report.ran_ok} ({pct(report.ran_ok)}); {verdict} the {TARGET:.0%} target",
        f"  broken upstream (not Python, or failing as upstream wrote it): {upstream}",
        f"  cannot run in a docs build (network, spec/docs.toml): {environment}",
        f"  the binding's or translator's fault: {ours}",
        (f"  translated and ran, of the {report.runnable} examples upstream did not break: "
         f"{pct(report.ran_ok, report.runnable)}"),
    ]
    if report.failures:
        counts = Counter(reason_category(reason)[0] for _, _, reason in report.failures)
        lines += ["", "Why the others do not:"]
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        lines += [f"  {count:4d}  {title}" for title, count in ordered]
        lines += ["", "Examples that do not translate and run:"]
        shown = report.failures if limit is None else report.failures[:limit]
        lines += [f"  {path} [{index}]: {reason}" for path, index, reason in shown]
        if limit is not None and len(report.failures) > limit:
            lines.append(f"  ... and {len(report.failures) - limit} more")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Command line: python -m generator.docs.examples


def main(argv: Sequence[str] | None = None) -> int:
    """Translate and run every upstream example of a stored release; print the report.
    Exit status 0 when nothing fails through the binding's, translator's or runner's fault."""
    import argparse

    from generator.binding.build import build
    from generator.settings import pinned_release
    from generator.upstream.store import SnapshotStore

    parser = argparse.ArgumentParser(prog="python -m generator.docs.examples", description=main.__doc__)
    parser.add_argument("--release", help="a stored Keras release (default: the pinned one)")
    parser.add_argument("--workers", type=int, default=WORKERS,
                        help="worker processes (default: %(default)s)")
    parser.add_argument("--cache", type=Path, default=CACHE_DIR,
                        help="cache directory (default: %(default)s)")
    parser.add_argument("--limit", type=int, default=None, help="list at most this many failures")
    args = parser.parse_args(argv)
    store = SnapshotStore()
    version = args.release or pinned_release()
    binding, _ = build(store, version)
    started = time.perf_counter()
    with ExampleRunner(workers=args.workers) as runner:
        results = run_all(store.load(version), binding, args.cache, runner=runner)
    report = example_report(results)
    print(format_example_report(report, args.limit))
    print(f"\n{time.perf_counter() - started:.1f} s; {runner.sessions_run} docstrings run, "
          f"the rest from {args.cache}", file=sys.stderr)
    return 0 if report.blamed("ours") == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
