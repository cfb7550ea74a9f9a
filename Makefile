# Two commands do all the set-up on a fresh machine with only Python:
#   make demo   trains the default GAN (dcgan on the embedded digits) and prints its figures
#   make test   runs the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PLUGINS := $(sort $(dir $(wildcard plugins/*/pyproject.toml)))

.PHONY: demo test test-fast benchmark studies install gpu gpu-carry

$(BIN)/ganbench: pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]' $(addprefix -e ,$(PLUGINS))
	touch $@

install: $(BIN)/ganbench

demo: install
	$(BIN)/ganbench run --arch dcgan

# One pytest-xdist worker per core (each test on one torch thread, see ganbench_one_thread in
# pyproject.toml); loadgroup keeps the tests that share an expensive module fixture on one worker.
PYTEST_WORKERS ?= auto
test: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadgroup

# The developer loop: the tests of what you touched, without the slow ones, e.g.
#   make test-fast TESTS="tests/test_compare.py plugins/ganbench-wgan"
TESTS ?= tests
test-fast: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -m "not slow" $(TESTS)

benchmark: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest benchmarks --benchmark-only --benchmark-enable -q

# The studies of results/ (10 to 50 minutes each on a 2-core CPU; about 4 hours in all).
# On a GPU machine: make studies STUDY_FLAGS="--budget gpu --executor processes --controls"
STUDY_FLAGS ?= --executor processes --workers 2 --controls
studies: install
	for suite in benchmarks/suites/*.toml; do HF_HUB_OFFLINE=1 $(BIN)/ganbench sweep $$suite $(STUDY_FLAGS) || exit 1; done

# The GPU script (docs/gpu.md): the dcgan 64 px speed benchmark against the reference loop, then the
# reproductions at their gpu budgets, for GPU_MINUTES of wall clock; figures to results/gpu/. It installs
# nothing: a lent machine has torch but not this venv, so it runs the Python at hand.
GPU_MINUTES ?= 8
GPU_FLAGS ?=
GPU_PYTHON ?= $(if $(wildcard $(BIN)/python),$(BIN)/python,python3)
gpu:
	HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1 $(GPU_PYTHON) -m benchmarks.gpu --minutes $(GPU_MINUTES) $(GPU_FLAGS)

# What a bare GPU machine lacks, in .gpu/ (git-ignored) to carry there: the MNIST test split of the speed
# benchmark and the torch-fidelity wheel that the digits reproduction's domain FID imports.
DATA_ROOT ?= ../shared/data
gpu-carry:
	mkdir -p .gpu/data/MNIST/raw .gpu/wheels
	install -m 644 $(DATA_ROOT)/MNIST/raw/t10k-images-idx3-ubyte.gz $(DATA_ROOT)/MNIST/raw/t10k-labels-idx1-ubyte.gz .gpu/data/MNIST/raw/
	$(GPU_PYTHON) -m pip download --quiet --no-deps --only-binary=:all: -d .gpu/wheels torch-fidelity
