# Two commands do all the set-up on a fresh machine with only Python:
#   make demo   trains the default GAN (dcgan on the embedded digits) and prints its figures
#   make test   runs the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PLUGINS := $(sort $(dir $(wildcard plugins/*/pyproject.toml)))

.PHONY: demo test test-fast benchmark studies install

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

# The studies of results/ (10 to 45 minutes each on a 2-core CPU; about 3.5 hours in all).
# On a GPU machine: make studies STUDY_FLAGS="--budget gpu --executor processes --controls"
STUDY_FLAGS ?= --executor processes --workers 2 --controls
studies: install
	for suite in benchmarks/suites/*.toml; do HF_HUB_OFFLINE=1 $(BIN)/ganbench sweep $$suite $(STUDY_FLAGS) || exit 1; done
