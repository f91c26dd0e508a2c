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

.PHONY: venv run-local test test-fast compile images push lock lock-check clean bench

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

# The paper's comparisons, then BENCHMARKS.md (several hours on a 2-core
# CPU; see benchmarks/README.md). Datasets are fetched and verified first,
# from $$CLREC_DATA_MIRROR when it is set. Not part of `make test`.
# Epochs of every loss on Amazon Beauty (Table 7); configs/amazon-beauty.yaml
# sets 35, which fits the paper comparison's 45-minute budget on one thread.
BENCH_BEAUTY_EPOCHS ?= 35
# Torch threads of each Beauty run and of the RecBole peer; on 2 cores one
# thread was as fast as two.
BENCH_THREADS ?= 1
# Wall-clock training budget of the RecBole peer, in minutes: CLRec's training
# time on Beauty when it shared the 2 cores with another run.
BENCH_PEER_MINUTES ?= 41
# EVENTS:ITEMS of each synthetic scale point.
BENCH_SCALE_POINTS ?= 1e5:1e4 1e6:1e5 1e7:1e6
# Longer epochs are timed over this many steps and extrapolated (labelled so).
BENCH_SCALE_STEPS ?= 200
BENCH_COMPARE := $(BIN)/python benchmarks/loss_comparison.py

bench: $(STAMP)
	$(BIN)/clrec data fetch ml-100k
	$(BIN)/clrec data fetch amazon-beauty
	$(BENCH_COMPARE) --dataset amazon-beauty --kind cached_queue --set train.epochs=$(BENCH_BEAUTY_EPOCHS) --set train.num_threads=$(BENCH_THREADS)
	$(BENCH_COMPARE) --dataset amazon-beauty --kind sampled_softmax --set train.epochs=$(BENCH_BEAUTY_EPOCHS) --set train.num_threads=$(BENCH_THREADS)
	$(BENCH_COMPARE) --dataset amazon-beauty --kind binary_cross_entropy --set train.epochs=$(BENCH_BEAUTY_EPOCHS) --set train.num_threads=$(BENCH_THREADS)
	$(BENCH_COMPARE) --dataset ml-100k --kind cached_queue
	$(BENCH_COMPARE) --dataset ml-100k --kind sampled_softmax
	$(BIN)/python benchmarks/efficiency.py
	$(BIN)/python benchmarks/scale.py --points $(BENCH_SCALE_POINTS) --max-train-steps $(BENCH_SCALE_STEPS)
	$(BIN)/python benchmarks/recbole_peer.py --budget-minutes $(BENCH_PEER_MINUTES) --threads $(BENCH_THREADS)
	$(BIN)/python benchmarks/assemble.py

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
