"""Stage 2, changes: what differs between two snapshots (the graded diff), a symbol's and a
signature's history across the stored releases, and the change report's renderings."""
