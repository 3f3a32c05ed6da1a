"""Upstream examples in the binding's API: translate them, run them, cache and report the runs.

Keras docstrings illustrate with upstream calls (`keras.ops.add(a, b)`,
`keras.layers.Dense(4)(x)`); the keras3 docs show the same examples in the binding's API
(`op_add(a, b)`, `layer_dense(x, units=4)`), each with the output it really prints. An example is
one doctest run or code block of a docstring's examples section, keyed by (public path, index in
`ParsedDoc.examples`).

* **translate** (`table`, `resolve`, `rewrite`, `translate`; libcst, codemod style: small visitors
  and transformers, one purpose each): `Bindings` collects a snippet's imports, `_References` its
  variable reads, `Resolver` turns a name or dotted chain into a public Keras path (through the
  snippet's imports, those of earlier chunks of the same docstring, or the names upstream examples
  take for granted: `keras`, `ops`, `layers`, a bare `Dense`), `CallRewriter` maps paths to
  wrappers and rewrites calls in each wrapper shape, `TensorNumpyRewriter` makes `tensor.numpy()`
  backend-neutral, `ImportRewriter` drops the Keras imports nothing reads any more and adds
  keras3's (and `np`, `os`, ... when the example takes them for granted). What has no wrapper
  (`keras.tree.flatten`, `model.fit`) stays and runs with the real Keras. A translation is complete
  when every call that has a wrapper was rewritten; otherwise `Translation.reason` says why.
* **run** (`runner`, `ExampleRunner`): worker processes (two) that import Keras once and run one
  docstring at a time in a fresh namespace (its chunks share it, as on a page), jax backend, seed
  `SEED`, Keras' global state reset in between; stdout plus the repr of each top-level expression
  (as a REPL shows it); a statement upstream shows raising (`# raises ...`) may raise; a time limit
  per chunk; no network (examples that download are reported, not run) and a private `/tmp`; output
  scrubbed of addresses, timings and temporary paths so it is byte-stable. A crash or hang costs
  only its chunk: the worker is killed and restarted.
* **cache** on disk (`surface`, with `run_all`): runs by sha256 of (the docstring's translated
  chunks, Keras release, backend, `RUNNER_VERSION`), translations by (chunks, translation table,
  the translator's source). An unchanged example neither translates nor runs again.
* **report** (`report`): how many upstream examples translate and run; a failing one is run again
  as upstream wrote it, so each reason says whose it is (upstream's, the docs environment's, or
  ours).

Per-example data is in `spec/docs.toml` (`spec`): `[examples."<public path>"] skip = "reason"`
(listed, not run) and `[[examples.fixture]]` (code that defines what fragments assume, such as a
compiled `model` or `x_train`; it runs before the examples that need it and is shown as their
setup).

    python -m generator.docs.examples [--workers N] [--limit N]    the report for the pinned release
"""
