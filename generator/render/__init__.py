"""Stage 4, render: the binding model rendered into the `keras3` package (jinja2, ruff), and the
write phase that puts it in place (one run at a time, atomic swaps, recovery)."""
