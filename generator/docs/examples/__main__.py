"""`python -m generator.docs.examples`: the example report (see report.py)."""

import sys

from generator.docs.examples.report import main

sys.exit(main())
