"""What both steps share: the folder and file names, the markers a source page carries where the
build inserts an output (the contract between the sources and the build), fences, `DocsError`.
"""

from __future__ import annotations

import re

from generator.settings import CACHE, TEMPLATES

DOCS_TEMPLATES = TEMPLATES / "docs"
BUILD_DIR = CACHE / "docs-build"
CONFIG_NAME = "mkdocs.yml"
DOCS_NAME = "docs"


EXAMPLE_OPEN = re.compile(r"^<!-- keras3:example (?P<path>\S+) (?P<index>\d+) -->$", re.MULTILINE)
EXAMPLE_BLOCK = re.compile(
    r"^<!-- keras3:example (?P<path>\S+) (?P<index>\d+) -->\n(?P<block>.*?)\n<!-- /keras3:example -->$",
    re.MULTILINE | re.DOTALL)
OUTPUT_MARKER = re.compile(r"^<!-- keras3:output (?P<page>\S+) (?P<index>\d+) -->$", re.MULTILINE)
FENCE = re.compile(r"^(?P<marker>`{3,})(?P<info>[^`\n]*)\n(?P<code>.*?)\n(?P=marker)[ \t]*$", re.MULTILINE | re.DOTALL)
PYTHON_LANGUAGES = ("", "python", "py", "python3", "pycon")



class DocsError(RuntimeError):
    """The docs sources could not be emitted, or the site could not be built; the message says why."""


def fenced(code: str, language: str) -> str:
    runs = [len(run) for run in re.findall(r"`{3,}", code)]
    marker = "`" * max(3, max(runs, default=0) + 1)
    return f"{marker}{language}\n{code}\n{marker}"


def cpu_seconds() -> float:
    """User and system time of this process and of its children that have ended (the example
    workers, the pages' interpreters, mkdocs): on a shared machine, the figure load does not change."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
