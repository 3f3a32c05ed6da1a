"""Stage 6, checks: consumers of every earlier stage: the drift check, the preview of upstream's
next release, the coverage and typing reports, and the speed figures."""
