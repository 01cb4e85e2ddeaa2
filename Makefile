# One place for the everyday commands. `make run` is the main job, `make test` the test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch is installed first: a bare `torch` requirement would pull a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0

.PHONY: install browser run test test-slow quality format bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	$(BIN)/python -m pip install -q -e ".[dev]"
	$(MAKE) --no-print-directory browser
	touch $@

# The browser test drives the system Chromium through Playwright (no Playwright browser download); charts and
# screenshots of Chinese text need a CJK font. Installed with apt-get when running as root, else a hint.
browser:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	else \
		echo "note: the browser test needs chromium and fonts-wqy-microhei:" \
			"sudo apt-get install -y chromium fonts-wqy-microhei"; \
	fi

# The main job: the Gradio demo on http://$(HOST):$(PORT)/ (a tab per task; models load on first use).
HOST ?= 127.0.0.1
PORT ?= 7860
run: install
	$(BIN)/rnnhub demo --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q

test-slow: install
	$(BIN)/python -m pytest -q -m slow

quality: install
	$(BIN)/ruff check src tests bench demos
	$(BIN)/ruff format --check src tests bench demos

format: install
	$(BIN)/ruff check --fix src tests bench demos
	$(BIN)/ruff format src tests bench demos

bench: install
	$(BIN)/python bench/bench_recurrent.py --threads 1
	$(BIN)/python bench/bench_generate.py --threads 1
	$(BIN)/python bench/bench_translation.py --threads 1

clean:
	rm -rf build dist src/*.egg-info .pytest_cache .ruff_cache
