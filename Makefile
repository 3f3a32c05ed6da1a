# Every target builds .venv itself when it is missing or pyproject.toml changed.
VENV    := .venv
PYTHON  := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
# Snapshots are the same on every backend; jax imports fastest and quietly.
export KERAS_BACKEND ?= jax
export TF_CPP_MIN_LOG_LEVEL ?= 3
# The repo first, then what the caller had: a Keras installed in isolation (e.g. keras-nightly with
# `pip install --no-deps --target DIR`, DIR on PYTHONPATH) stays the Keras every target sees.
export PYTHONPATH := $(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH))

.PHONY: regenerate drift-check docs guides-render test test-full bench snapshot snapshots preview venv guides-sync

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	# keras3 depends on keras-stubs: an editable install of generated/keras-stubs (a path entry, so it
	# follows every regeneration) satisfies it before keras3 is installed.
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e ./generated/keras-stubs --config-settings editable_mode=compat
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[backends,toolkit,test,docs]'
	touch $(STAMP)

## regenerate: snapshot the installed Keras into upstream_snapshots/ and print what changed
regenerate: $(STAMP)
	$(PYTHON) -m generator regenerate

## drift-check: fail when installed Keras differs from the stored snapshot of the pinned release
drift-check: $(STAMP)
	$(PYTHON) -m generator drift-check

## docs: build the site into site/ from generated/docs (examples and guides run, cached in .cache/);
## mkdocs build --strict, so any warning fails it; prints the time taken
docs: $(STAMP)
	$(PYTHON) -m generator docs

## guides-render: run the translated keras.io guides and gallery pages whose committed output
## (generated/rendered/, keyed by page, fixtures, settings and Keras release) is stale, and write it;
## commit the result (the drift check fails on a stale one; `make docs` and `make test` re-run nothing)
guides-render: $(STAMP)
	nice $(PYTHON) -m generator guides-render

## test: the whole test suite on real backends, in phases: the main suite on two xdist workers
## (the tests of a module, or of an xdist_group mark, run on one worker, which computes their module
## and session fixtures once), then tests/backends once per backend (the matrix): jax, the heaviest,
## on two workers; then torch, tensorflow and numpy side by side in one session, one worker per
## backend, named after it, every test run in each (`--dist each`): Keras imported once per backend.
## The inherently large suites run a deterministic sample here (see test-full). Each phase prints
## its 15 slowest tests and steps, the 15 tests that took the most CPU, then its wall-clock and CPU
## time (CPU: every process of the phase).
BACKENDS_MATRIX := --dist each $(foreach b,torch tensorflow numpy,--tx popen//id=$(b)//env:KERAS_BACKEND=$(b))
timed = bash -c 'TIMEFORMAT="make test: $(1): %R s wall, %U s user + %S s system CPU"; time $(2)'
REPORTS := --durations=15 --cpu-durations=15
test: $(STAMP)
	$(call timed,main suite,$(PYTHON) -m pytest -n 2 --dist loadgroup --ignore=tests/backends $(REPORTS))
	$(call timed,backends on jax,KERAS_BACKEND=jax $(PYTHON) -m pytest -n 2 tests/backends -p no:cacheprovider $(REPORTS))
	$(call timed,backends on torch tensorflow numpy,$(PYTHON) -m pytest $(BACKENDS_MATRIX) tests/backends -p no:cacheprovider $(REPORTS))

## test-full: `make test` with the large suites whole instead of their CI samples: Keras's own op
## and constructor tests (every test), every stored release's doc report, every wrapper called on
## each of the three older releases, every wrapper's docstring examples, every op's delegation on
## every backend. The weekly workflow runs it.
FULL_SUITES := KERAS3_OP_SUITE_EVERY=1 KERAS3_CONSTRUCTOR_SUITE_EVERY=1 KERAS3_OLDER_RELEASES_EVERY=1 \
               KERAS3_STORED_RELEASES=all KERAS3_DOCSTRING_EXAMPLES=all KERAS3_DELEGATION_EVERY=1
test-full: $(STAMP)
	$(FULL_SUITES) $(MAKE) test

## bench: print speed figures with what each is compared against
bench: $(STAMP)
	$(PYTHON) -m generator bench

## snapshot VERSION=V: install that Keras release in isolation and store its snapshot; V is a PEP 440
## version: a final (3.15.1, from `keras`) or a development build (3.16.0.dev2026102704, `keras-nightly`)
snapshot: $(STAMP)
	@test -n "$(VERSION)" || { echo "usage: make snapshot VERSION=3.x.y (or 3.x.y.devN)" >&2; exit 2; }
	$(PYTHON) -m generator snapshot --release $(VERSION)

## snapshots: (re)take the snapshot of every known Keras 3 release (needs the package index once)
snapshots: $(STAMP)
	for v in $$($(PYTHON) -c "from generator.upstream.releases import KERAS_RELEASES; print(*KERAS_RELEASES)"); do \
	  $(PYTHON) -m generator snapshot --release $$v || exit 1; done

## preview [VERSION=V] [FORMAT=markdown] [OUTPUT=file]: the newest keras-nightly (or V), installed in
## isolation and snapshotted into a temporary store, reported against the pinned release; the tree
## (upstream_snapshots/, generated/) is not touched
preview: $(STAMP)
	$(PYTHON) -m generator preview $(if $(VERSION),--release $(VERSION)) $(if $(FORMAT),--format $(FORMAT)) $(if $(OUTPUT),--output $(OUTPUT))

## guides-sync KERAS_IO="DIR [DIR...]" [FORMAT=markdown] [OUTPUT=file] [CHECK=1]: sync the tracked keras.io
## tutobooks (generator/spec/guides.toml) from each DIR, a keras-io checkout or a keras checkout with
## guides/ and examples/, into upstream_snapshots/keras-io/, three-way merge upstream's change into each
## translated page (templates/docs/guides/keras-io/, templates/docs/examples/) and report what changed;
## CHECK=1 writes nothing and fails when a tethered tutobook moved upstream
guides-sync: $(STAMP)
	@test -n "$(KERAS_IO)" || { echo "usage: make guides-sync KERAS_IO=DIR (a keras-io or keras checkout)" >&2; exit 2; }
	$(PYTHON) -m generator guides-sync $(foreach d,$(KERAS_IO),--from $(d)) $(if $(FORMAT),--format $(FORMAT)) $(if $(OUTPUT),--output $(OUTPUT)) $(if $(CHECK),--check)
