# The two front-door commands: `make demo` and `make test`. Every install uses constraints.txt.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
CONSTRAINTS := constraints.txt
SHARED ?= ../shared
INDEX ?= citeqa-index
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-dev browser demo test lint typecheck pytest quality bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# torch first, pinned to the CPU build on these machines, so nothing pulls a CUDA build.
$(VENV)/.runtime: $(BIN)/python pyproject.toml $(CONSTRAINTS)
	$(PIP) install -q -c $(CONSTRAINTS) torch==2.13.0
	$(PIP) install -q -c $(CONSTRAINTS) -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime
	$(PIP) install -q -c $(CONSTRAINTS) -e '.[dev]'
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# Debian's Chromium for the browser tests (never a downloaded browser).
browser:
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium is not installed and cannot be installed here: browser tests will be skipped"; fi

demo: install
	$(BIN)/citeqa ingest $(SHARED)/corpus/kazakhstan-2022 --index $(INDEX)
	@echo
	@echo "Try:  curl -s http://$(HOST):$(PORT)/v1/query -H 'Content-Type: application/json' \\"
	@echo "        -d '{\"question\": \"Who commanded the CSTO peacekeeping contingent?\", \"k\": 3}'"
	@echo "or open http://$(HOST):$(PORT)/ in a browser (API docs at /docs)."
	@echo
	$(BIN)/citeqa serve --index $(INDEX) --host $(HOST) --port $(PORT)

lint: install-dev
	$(BIN)/ruff check ingest service eval tests

typecheck: install-dev
	$(BIN)/mypy

pytest: install-dev browser
	$(BIN)/pytest

# Quality gate on the sample corpus with the real model: a retrieval or answer regression fails CI.
QUALITY_BARS ?= answer_recall@1=0.95 answer_recall@3=1.0 hits@3=1.0 answer_accuracy=0.9 abstention_recall=1.0 \
	citation_validity=1.0 offset_validity=1.0
# The same on questions the team wrote over the sample corpus (eval/data; 48 answerable, 4 not), none of them
# in the shared dev set: answer extraction that only fits the dev questions fails here.
TEAM_BARS ?= answer_recall@1=0.95 answer_recall@3=1.0 answer_accuracy=0.9 abstention_recall=0.75 \
	citation_validity=1.0 offset_validity=1.0
quality: install-dev
	rm -rf .quality
	$(BIN)/citeqa eval $(SHARED)/qa/kazakhstan-2022.dev.jsonl --ingest $(SHARED)/corpus/kazakhstan-2022 \
		--index .quality/index --out .quality/run -k 5 $(addprefix --fail-under ,$(QUALITY_BARS))
	$(BIN)/citeqa eval eval/data/kazakhstan-2022.team.jsonl --index .quality/index --out .quality/team -k 5 \
		$(addprefix --fail-under ,$(TEAM_BARS))
	# Written blind, to stand in for held-out questions: reported, not gated (see docs/quality.md).
	$(BIN)/citeqa eval eval/data/kazakhstan-2022.blind.jsonl --index .quality/index --out .quality/blind -k 5
	$(BIN)/citeqa eval eval/data/kazakhstan-2022.blind2.jsonl --index .quality/index --out .quality/blind2 -k 5
	$(BIN)/citeqa eval eval/data/kazakhstan-2022.blind3.jsonl --index .quality/index --out .quality/blind3 -k 5
	$(BIN)/citeqa eval eval/data/kazakhstan-2022.blind4.jsonl --index .quality/index --out .quality/blind4 -k 5

test: lint typecheck pytest quality

clean:
	rm -rf $(VENV) $(INDEX) .quality .pytest_cache .mypy_cache .ruff_cache
