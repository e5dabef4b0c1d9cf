# The two commands of the README. Each installs what it needs first (scripts/setup.sh).
.PHONY: setup demo test lint bench

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/policy-archive demo

test:
	@bash scripts/setup.sh test
	.venv/bin/python -m pytest -q
	# the same suite again on a throwaway PostgreSQL server (tests/pg.py)
	.venv/bin/python -m tests.pg -- .venv/bin/python -m pytest -q
	.venv/bin/ruff check .
	.venv/bin/lint-imports

bench: setup
	.venv/bin/python -m tests.bench
	.venv/bin/python -m tests.bench_ui
