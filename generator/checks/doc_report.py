"""`python -m generator doc-report`: the docstring model's promise measured over a whole snapshot.

Every upstream docstring word reaches the rendered docs (word coverage), every documented argument
is a parameter of the signature (upstream doc mistakes listed), and every doc patch still applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from generator.binding.docstrings.lines import words
from generator.binding.docstrings.markdown import render_markdown
from generator.binding.docstrings.model import DocPatch, DocPatchError, ParsedDoc
from generator.binding.docstrings.parse import parse_docstring, unbalanced_fences
from generator.binding.docstrings.patches import apply_patches, documented_docstrings
from generator.binding.docstrings.sentences import entry_names
from generator.upstream.model import Signature, Snapshot

# The target: the share of upstream docstring words that reach the rendered docs.
COVERAGE_TARGET = 0.995


# ---------------------------------------------------------------------------------------------
# Coverage and the report


def word_coverage(doc: str, rendered: str, labels: Iterable[str] = ()) -> tuple[int, int]:
    """(kept, total): upstream words (a multiset) that occur in the rendered text.

    `labels` are section labels the parser recognised (`ParsedDoc.sections`): their words are
    structure that rendering replaces with its own titles (`Args` becomes "Arguments"), so they
    leave the measure; with no labels every upstream token counts.
    """
    upstream, out = words(doc) - words(" ".join(labels)), words(rendered)
    return sum(min(count, out[word]) for word, count in upstream.items()), sum(upstream.values())


@dataclass(frozen=True)
class ArgMismatch:
    path: str
    documented: tuple[str, ...]  # documented names the signature lacks
    parameters: tuple[str, ...]  # the signature's parameter names
    via_kwargs: bool  # the signature has **kwargs, so the names may still be accepted


@dataclass(frozen=True)
class DocCoverage:
    path: str
    kept: int
    total: int

    @property
    def lost(self) -> int:
        return self.total - self.kept


@dataclass(frozen=True)
class DocReport:
    keras_version: str
    docstrings: int
    kept: int  # upstream words in the rendered docs, recognised section labels aside
    total: int
    raw_kept: int  # the same, every upstream token counted (labels included)
    raw_total: int
    worst: tuple[DocCoverage, ...]
    mismatches: tuple[ArgMismatch, ...]
    undocumented_params: int  # named parameters missing from a docstring that has an Args section
    unfilled_placeholders: tuple[str, ...]  # paths whose runtime docstring still holds `{{...}}`
    unbalanced_fences: tuple[str, ...]  # paths with a ``` marker lacking its pair
    parse_errors: tuple[tuple[str, str], ...]
    patched: tuple[str, ...]
    # Patches (spec/docs.toml) that do not apply to this release, with why: written for another
    # release, they are listed rather than fatal unless the report is strict (the pinned release).
    unapplied: tuple[tuple[str, str], ...] = ()

    @property
    def coverage(self) -> float:
        return self.kept / self.total if self.total else 1.0

    @property
    def ok(self) -> bool:
        return self.coverage >= COVERAGE_TARGET and not self.parse_errors


def arg_mismatch(path: str, parsed: ParsedDoc, signature: Signature | None) -> ArgMismatch | None:
    """Documented argument names that the signature lacks, if any."""
    if signature is None or not parsed.args:
        return None
    parameters = tuple(p.name for p in signature.parameters if p.name not in ("self", "cls"))
    missing = tuple(
        name for name in entry_names(parsed.args) if name not in parameters
    )
    if not missing:
        return None
    via_kwargs = any(p.kind == "var_keyword" for p in signature.parameters)
    return ArgMismatch(path, missing, parameters, via_kwargs)


def doc_report(snapshot: Snapshot, patches: Mapping[str, DocPatch] | None = None,
               worst: int = 10, strict: bool = True) -> DocReport:
    """Coverage of upstream words, signature mismatches and parse errors over every docstring.

    Coverage compares the rendered page with the upstream docstring as published (before
    patches): a patch that renames a word counts against it, which keeps patches few.
    `strict` (the pinned release, whose patches must all apply) makes a patch for a path without
    a docstring, or whose text the docstring lacks, an error; otherwise such patches are listed in
    `unapplied` and the docstring is read as upstream has it.
    """
    patches = patches or {}
    documented = documented_docstrings(snapshot)
    known = {path for path, _, _ in documented}
    stale = sorted(set(patches) - known)
    if stale and strict:
        raise DocPatchError(f"doc patches for paths without a docstring in Keras "
                            f"{snapshot.keras_version}: {', '.join(stale)}")
    unapplied = [(path, f"no docstring at this path in Keras {snapshot.keras_version}") for path in stale]
    kept = total = raw_kept = raw_total = undocumented = 0
    scores: list[DocCoverage] = []
    mismatches: list[ArgMismatch] = []
    errors: list[tuple[str, str]] = []
    placeholders: list[str] = []
    fences: list[str] = []
    for path, doc, signature in documented:
        try:
            try:
                patched = apply_patches(doc, patches.get(path))
            except DocPatchError as error:
                if strict:
                    raise
                unapplied.append((path, str(error)))
                patched = doc
            parsed = parse_docstring(patched)
            rendered = render_markdown(parsed)
        except DocPatchError:
            raise
        except Exception as error:  # noqa: BLE001 - the report counts them; the target is 0
            errors.append((path, f"{type(error).__name__}: {error}"))
            continue
        doc_kept, doc_total = word_coverage(doc, rendered)  # every token, section labels included
        kept, total = kept + doc_kept, total + doc_total
        every_kept, every_total = word_coverage(doc, rendered)
        raw_kept, raw_total = raw_kept + every_kept, raw_total + every_total
        scores.append(DocCoverage(path, doc_kept, doc_total))
        if "{{" in doc and "}}" in doc:
            placeholders.append(path)
        if unbalanced_fences(doc):
            fences.append(path)
        mismatch = arg_mismatch(path, parsed, signature)
        if mismatch:
            mismatches.append(mismatch)
        if signature is not None and parsed.args:
            names = set(entry_names(parsed.args))
            undocumented += sum(
                1 for p in signature.parameters
                if p.kind not in ("var_positional", "var_keyword") and p.name not in names
                and p.name not in ("self", "cls")
            )
    scores.sort(key=lambda s: (-s.lost, s.path))
    return DocReport(
        keras_version=snapshot.keras_version,
        docstrings=len(documented),
        kept=kept,
        total=total,
        raw_kept=raw_kept,
        raw_total=raw_total,
        worst=tuple(s for s in scores[:worst] if s.lost),
        mismatches=tuple(sorted(mismatches, key=lambda m: (m.via_kwargs, m.path))),
        undocumented_params=undocumented,
        unfilled_placeholders=tuple(placeholders),
        unbalanced_fences=tuple(fences),
        parse_errors=tuple(errors),
        patched=tuple(sorted(set(patches) - {path for path, _ in unapplied})),
        unapplied=tuple(sorted(unapplied)),
    )


def format_doc_report(report: DocReport, limit: int = 15) -> str:
    """The report as plain text (what `python -m generator doc-report` prints)."""
    hard = [m for m in report.mismatches if not m.via_kwargs]
    soft = [m for m in report.mismatches if m.via_kwargs]
    verdict = "meets" if report.coverage >= COVERAGE_TARGET else "MISSES"
    lines = [
        (f"Docstrings of Keras {report.keras_version}: {report.docstrings} "
         "(canonical symbols and public members)"),
        (f"Word coverage: {report.kept}/{report.total} = {report.coverage:.3%} of upstream words "
         f"reach the rendered docs, every token counted ({verdict} the {COVERAGE_TARGET:.1%} target)"),
        f"Parse errors: {len(report.parse_errors)}",
        *(f"  {path}: {message}" for path, message in report.parse_errors[:limit]),
        (f"Documented arguments the signature lacks: {len(hard)} docstrings "
         f"(+{len(soft)} where **kwargs may accept them)"),
        *(f"  {m.path}: documents {', '.join(m.documented)}; "
          f"signature has ({', '.join(m.parameters)})" for m in hard[:limit]),
        f"Signature parameters missing from an Args section: {report.undocumented_params}",
        _listed("Unfilled {{...}} placeholders", report.unfilled_placeholders),
        _listed("Unbalanced code fences", report.unbalanced_fences),
        _listed("Patched docstrings (spec/docs.toml)", report.patched),
        f"Patches that do not apply to Keras {report.keras_version}: {len(report.unapplied)}",
        *(f"  {path}: {why}" for path, why in report.unapplied),
    ]
    if report.worst:
        lines.append("Most words lost:")
        lines += [f"  {s.path}: {s.lost} of {s.total}" for s in report.worst[:limit]]
    return "\n".join(lines) + "\n"


def _listed(title: str, paths: Sequence[str]) -> str:
    return f"{title}: {len(paths)}" + (f" ({', '.join(paths)})" if paths else "")
