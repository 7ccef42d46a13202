# Anamnesis: `make run` starts it, `make test` tests it; both install what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help run test test-local-model lint css messages bench

help:
	@echo "make run    install what is missing, migrate, start web + worker (+ bot) on 127.0.0.1:\$${PORT:-8000}"
	@echo "make test   install what is missing, run the whole suite on PostgreSQL + Redis, then on SQLite"
	@echo "make test-local-model  the assistant against a real llama.cpp server with a small model (builds it once)"
	@echo "make lint   ruff"
	@echo "make css    rebuild static/css/app.css (needs Node; the built file is committed)"
	@echo "make messages  update and compile the translations"
	@echo "make bench  every benchmark in bench/ (both modes; throwaway PostgreSQL + Redis)"

run:
	@scripts/bootstrap.sh run >/dev/null
	@scripts/run.sh

test:
	@scripts/bootstrap.sh test >/dev/null
	@scripts/test.sh $(ARGS)

test-local-model:
	@scripts/bootstrap.sh test >/dev/null
	@scripts/local-model/test.sh $(ARGS)

lint:
	@scripts/bootstrap.sh test >/dev/null
	@.venv/bin/ruff check .

css:
	cd frontend && npm ci --no-audit --no-fund && npm run build

messages:
	@scripts/bootstrap.sh test >/dev/null
	@scripts/messages.sh

bench:
	@scripts/bootstrap.sh test >/dev/null
	@scripts/bench.sh
