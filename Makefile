# Two commands matter: `make run-local` runs the whole pipeline on this
# machine, `make test` runs the tests. Both create the virtual environment
# first when it is missing or out of date.

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
DATASET ?= ml-100k
CONFIG ?= configs/$(DATASET).yaml
EXTRAS := preprocess,validate,features,train,evaluate,publish,pipeline,dev
# The stamp changes only when the pinned dependencies change, so a second
# run reinstalls nothing.
STAMP := $(VENV)/.installed

.PHONY: venv run-local test test-fast compile images push lock lock-check clean

venv: $(STAMP)

$(STAMP): pyproject.toml requirements/constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip==26.3"
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e ".[$(EXTRAS)]"
	@touch $(STAMP)

run-local: $(STAMP)
	$(BIN)/clrec data fetch $(DATASET)
	$(BIN)/clrec pipeline run-local --config $(CONFIG)

# pytest exits 5 when it collects no test; that is a failure here too.
test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

compile: $(STAMP)
	$(BIN)/clrec pipeline compile --config $(CONFIG) --output pipelines/clrec_pipeline.yaml

clean:
	rm -rf artifacts .pytest_cache

# One image per step, tagged <prefix>/clrec-<step>:<version from
# components/<step>/metadata.yaml>; CLREC_IMAGE_PREFIX sets the prefix and
# STEPS limits the run to some steps. Both refuse to run while the lock is
# out of date, skip tags that already exist, and need Docker with BuildKit.
STEPS ?=

images: $(STAMP)
	PYTHON=$(BIN)/python images/build.sh build $(STEPS)

push: $(STAMP)
	PYTHON=$(BIN)/python images/build.sh push $(STEPS)

# Record each component's content digest after its version was bumped.
lock: $(STAMP)
	$(BIN)/python -m pipelines.lock update

# Fail when a component's content changed without a version bump.
lock-check: $(STAMP)
	$(BIN)/python -m pipelines.lock check
