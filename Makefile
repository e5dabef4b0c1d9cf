# The two commands of the README. Each installs what it needs first (scripts/setup.sh).
.PHONY: setup demo test lint bench

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/policy-archive demo

test: setup
	.venv/bin/python -m pytest -q
	.venv/bin/ruff check .
	.venv/bin/lint-imports

bench: setup
	.venv/bin/python -m tests.bench
	.venv/bin/python -m tests.bench_ui
