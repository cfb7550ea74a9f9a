# Two commands do all the set-up on a fresh machine with only Python:
#   make demo   trains the default GAN (dcgan on the embedded digits) and prints its figures
#   make test   runs the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PLUGINS := $(sort $(dir $(wildcard plugins/*/pyproject.toml)))

.PHONY: demo test benchmark studies install

$(BIN)/ganbench: pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[test]' $(addprefix -e ,$(PLUGINS))
	touch $@

install: $(BIN)/ganbench

demo: install
	$(BIN)/ganbench run --arch dcgan

test: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q

benchmark: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest benchmarks --benchmark-only --benchmark-enable -q

# The studies of results/ (10 to 45 minutes each on a 2-core CPU; about 3.5 hours in all).
# On a GPU machine: make studies STUDY_FLAGS="--budget gpu --executor processes --controls"
STUDY_FLAGS ?= --executor processes --workers 2 --controls
studies: install
	for suite in benchmarks/suites/*.toml; do HF_HUB_OFFLINE=1 $(BIN)/ganbench sweep $$suite $(STUDY_FLAGS) || exit 1; done
