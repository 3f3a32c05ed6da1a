"""`python -m generator.docs.site`: the docs sources or the site (see cli.py)."""

from generator.docs.site.cli import main

raise SystemExit(main())
