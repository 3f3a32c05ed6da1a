"""`python -m generator ...`: the toolkit's single entry point (see generator/cli.py)."""

from generator.cli import main

raise SystemExit(main())
