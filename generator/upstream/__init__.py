"""Stage 1, upstream: the installed Keras read into a snapshot (the only importer of Keras), the
snapshot model, the store of one snapshot per release, and releases installed in isolation."""
