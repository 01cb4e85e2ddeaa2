# One place for the everyday commands. `make run` is the main job, `make test` the test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The CPU build of torch is installed first: a bare `torch` requirement would pull a multi-GB CUDA build.
TORCH_SPEC ?= torch==2.13.0

.PHONY: install browser run test test-slow quality format bench clean

install: $(VENV)/.installed

# One line per step (what, and roughly how long on a fresh 2-vCPU machine), then how long it took.
STEP = @echo "==> [install $(1)/5] $(2)"
TIMED = start=$$(date +%s); $(1) && echo "    done in $$(( $$(date +%s) - start )) s"

$(VENV)/.installed: pyproject.toml setup.py
	$(call STEP,1,virtual environment in $(VENV) (a few seconds))
	@$(call TIMED,test -x $(BIN)/python || $(PYTHON) -m venv $(VENV))
	$(call STEP,2,upgrading pip (about 10 s))
	@$(call TIMED,$(BIN)/python -m pip install -q --upgrade pip)
	$(call STEP,3,CPU build of torch $(TORCH_SPEC) (about 1-2 min when missing; skipped when installed))
	@$(call TIMED,$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q "$(TORCH_SPEC)")
	$(call STEP,4,rnnhub and its dependencies: transformers gradio datasets ... plus the dev tools (about 1-3 min))
	@$(call TIMED,$(BIN)/python -m pip install -q -e ".[dev]")
	$(call STEP,5,Chromium and a Chinese font for the browser test (about 1 min with apt-get when missing))
	@$(call TIMED,$(MAKE) --no-print-directory browser)
	@touch $@
	@echo "==> installed into $(VENV); next: make run (the demo) or make test"

# The browser test drives the system Chromium through Playwright (no Playwright browser download); charts and
# screenshots of Chinese text need a CJK font. Installed with apt-get when running as root, else a hint.
browser:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then \
		echo "    chromium and a Chinese font are installed"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "    apt-get update, then apt-get install chromium fonts-wqy-microhei (output hidden)"; \
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

# Two workers (pytest-xdist), each test file on one worker (module fixtures such as the demo server are built once),
# dealt in collection order (--no-loadscope-reorder: xdist would otherwise deal the files with most tests first),
# which tests/conftest.py starts with the longest file; the 15 slowest tests are listed at the end.
PYTEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=15

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
	$(BIN)/python bench/bench_cli.py

clean:
	rm -rf build dist src/*.egg-info .pytest_cache .ruff_cache
