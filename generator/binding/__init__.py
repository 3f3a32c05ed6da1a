"""Stage 3, binding: the spec files read and checked, wrapper names and types, parsed docstrings,
the overrides, and the binding model built from a snapshot (what is wrapped, how, and why not)."""
