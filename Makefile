# One Makefile; README.md lists the same commands. Every target sets up what it needs, idempotently.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
RASA_VENV   := .venv-rasa
PY          := $(VENV)/bin/python
RASA        := $(RASA_VENV)/bin/rasa
MODEL_DIR   ?= .cache/models/multilingual-e5-small
RASA_MODEL  := models/ipgp.tar.gz
UV_HOME     := .cache/uv
UV          := $(UV_HOME)/bin/uv
# bot/jieba/userdict.txt is a link to knowledge/userdict.txt, which `find -type f` does not list.
BOT_FILES   := $(shell find bot -type f 2>/dev/null) knowledge/userdict.txt config.yml domain.yml
KNOWLEDGE   := $(shell find knowledge -type f 2>/dev/null)
INDEX_STAMP := .cache/index/.built-by-make
READINGS    := .cache/han-readings.tsv
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export RASA_TELEMETRY_ENABLED := false
export IPGP_MODEL_DIR ?= $(MODEL_DIR)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export UV_LINK_MODE := copy
export UV_PYTHON_DOWNLOADS := never

.PHONY: help setup setup-parts run test eval bench bench-load lint index clean

help:
	@echo "make run    set up what is missing, start Rasa + action server + gateway (http://127.0.0.1:8000/)"
	@echo "make test   set up what is missing, run every check (rasa data validate, pytest, rasa test stories)"
	@echo "make eval   dev set: retrieval hit@k, the running bot through /api/chat (with latency), NLU cross-validation"
	@echo "make bench  retrieval latency/memory benchmarks"
	@echo "make bench-load  start the bot on free ports, ramp chat + WeChat load, print capacity, CPU and memory"
	@echo "make lint   ruff and mypy over retrieval, actions, service, bench and tests"

# --- environments: rebuilt only when their lock file changes -------------------------------
# uv installs the locked packages in parallel and compiles their bytecode on both cores (a fresh
# Rasa venv: about 35 s against 100 s with pip). uv itself is pinned in requirements/tools.lock and
# installed by pip into .cache/uv (order-only: a new uv does not rebuild the environments). uv does not
# read pip's configuration, so it gets pip's local wheel directories (find-links), where the CPU build
# of torch lies on these machines.
$(UV): requirements/tools.lock
	rm -rf $(UV_HOME)
	"$$(scripts/find-python.sh 3.11 APP_PYTHON)" -m pip install -q --root-user-action=ignore --target $(UV_HOME) -r requirements/tools.lock
	touch $@

PIP_FIND_LINKS_DIRS = $(or $(PIP_FIND_LINKS),$(shell python3 -m pip config get global.find-links 2>/dev/null))
UV_INSTALL = $(UV) pip install -q --compile-bytecode $(foreach dir,$(PIP_FIND_LINKS_DIRS),--find-links $(dir))
# Builds that run beside the Rasa training (see setup) yield the CPU to it; they finish well before it.
BESIDE := nice -n 10

$(VENV)/.stamp: requirements/app.lock | $(UV)
	rm -rf $(VENV)
	$(UV) venv -q --seed --python "$$(scripts/find-python.sh 3.11 APP_PYTHON)" $(VENV)
	$(BESIDE) $(UV_INSTALL) --python $(VENV)/bin/python -r requirements/app.lock
	touch $@

$(RASA_VENV)/.stamp: requirements/rasa.lock | $(UV)
	rm -rf $(RASA_VENV)
	$(UV) venv -q --seed --python "$$(scripts/find-python.sh 3.10 RASA_PYTHON)" $(RASA_VENV)
	$(UV_INSTALL) --python $(RASA_VENV)/bin/python -r requirements/rasa.lock
	touch $@

# --- built artefacts --------------------------------------------------------------------------
$(MODEL_DIR)/ipgp-model.json: $(VENV)/.stamp retrieval/e5_model.py
	$(BESIDE) $(PY) -m retrieval.e5_model --out $(MODEL_DIR)

# Rebuilt when knowledge/ or the retrieval code changed since make last built it, so an index that
# staff published from the admin page is not replaced by the shipped files on the next `make run`.
$(INDEX_STAMP): $(MODEL_DIR)/ipgp-model.json $(KNOWLEDGE) $(wildcard retrieval/*.py)
	$(BESIDE) $(PY) -m retrieval build
	touch $@

index: $(INDEX_STAMP)

# The spelling corrector's pinyin table (pypinyin itself stays out of the serving processes).
$(READINGS): $(VENV)/.stamp retrieval/han_readings.py
	$(BESIDE) $(PY) -m retrieval.han_readings --out $@

# Rasa's own `rasa train`, without the training cache that --force never reads and with three of DIET's
# training steps made cheaper; the weights are the same bytes (service/rasa_training.py).
$(RASA_MODEL): $(RASA_VENV)/.stamp $(BOT_FILES) service/rasa_training.py
	$(RASA_VENV)/bin/python -m service.rasa_training train --force --fixed-model-name ipgp --out models --config config.yml --domain domain.yml --data bot

# Rasa's environment first, on both cores: training the Rasa model is the longest path (DIET alone
# took 2 to 4.5 minutes on the 2-core machine). The app environment, the embedding model, the readings and the index
# are then built beside that training.
setup:
	@$(MAKE) --no-print-directory $(RASA_VENV)/.stamp
	@$(MAKE) --no-print-directory -j2 setup-parts

setup-parts: $(VENV)/.stamp $(RASA_VENV)/.stamp index $(READINGS) $(RASA_MODEL)

# --- the two commands ---------------------------------------------------------------------------
run: setup
	$(PY) -m service.supervisor --model $(RASA_MODEL)

test: setup
	$(RASA) data validate --config config.yml --domain domain.yml --data bot
	$(PY) -m pytest
	$(RASA) test core --model $(RASA_MODEL) --stories tests/rasa --fail-on-prediction-errors --out results/core

lint: $(VENV)/.stamp
	$(VENV)/bin/ruff check retrieval actions service bench tests
	$(VENV)/bin/mypy retrieval actions service bench

DEV_SET ?= ../shared/eval/dev.jsonl

eval: setup
	$(PY) -m retrieval evaluate $(DEV_SET)
	$(PY) -m bench.evaluate $(DEV_SET)
	@echo "probe set (new questions written to check generalisation; reported, not a gate):"
	-$(PY) -m bench.evaluate tests/eval/probe.jsonl --rounds 0
	@echo "evaluation corpus (issue #11; each kind on the tune and test halves, test-half failures; reported, not a gate):"
	-$(PY) -m bench.evaluate tests/eval/corpus.jsonl --split all --rounds 0 --json results/corpus-verdicts.json
	$(RASA_VENV)/bin/python tests/rasa/nlu_cv.py --config config.yml --nlu bot --folds 3 --seeds 1 2 --out results/nlu --min 0.93

bench: setup
	$(PY) -m bench.search

# e.g. make bench-load BENCH_LOAD_ARGS="--ramp 10,20,30 --duration 20 --mix chat"
BENCH_LOAD_ARGS ?=
bench-load: setup
	$(PY) -m bench.load.bench --model $(RASA_MODEL) $(BENCH_LOAD_ARGS)

clean:
	rm -rf $(VENV) $(RASA_VENV) .cache models results var
