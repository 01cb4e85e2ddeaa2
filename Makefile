# One place for the everyday commands. `make run` is the main job, `make test` the test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch is installed first: a bare `torch` requirement would pull a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0

.PHONY: install run test test-slow quality format bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q -e ".[dev]"
	touch $@

# Until the Gradio demo lands: the published models, the datasets they train on, and one model at work.
run: install
	$(BIN)/rnnhub models
	$(BIN)/rnnhub data list
	$(BIN)/rnnhub predict lstm-sentiment-rt-en "a wonderful, moving film" "a dull, tedious mess"

test: install
	$(BIN)/python -m pytest -q

test-slow: install
	$(BIN)/python -m pytest -q -m slow

quality: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: install
	$(BIN)/python bench/bench_recurrent.py --threads 1
	$(BIN)/python bench/bench_generate.py --threads 1

clean:
	rm -rf build dist src/*.egg-info .pytest_cache .ruff_cache
