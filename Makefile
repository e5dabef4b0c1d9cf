# The two commands of the README. Each installs what it needs first (scripts/setup.sh).
.PHONY: setup demo test lint bench coverage

setup:
	@bash scripts/setup.sh

demo: setup
	.venv/bin/policy-archive demo

test:
	@bash scripts/setup.sh test
	# one test process per CPU core (pytest-xdist), each taking whole test files
	.venv/bin/python -m pytest -q -n auto --dist loadfile --durations=15
	# the same suite again on a throwaway PostgreSQL server (tests/pg.py)
	.venv/bin/python -m tests.pg -- .venv/bin/python -m pytest -q -n auto --dist loadfile --durations=15
	.venv/bin/ruff check .
	.venv/bin/lint-imports

# What the suite's SQLite pass runs of our code, in every process it starts (pyproject's [tool.coverage]).
coverage:
	@bash scripts/setup.sh test
	rm -rf .coverage-data && mkdir -p .coverage-data
	.venv/bin/coverage run -m pytest -q -n auto --dist loadfile
	.venv/bin/coverage combine -q
	.venv/bin/coverage report --sort=cover | tail -n 25

# Figures, not assertions: 1,000 documents on 100 hosts (three crawls), 200 rendered pages, the UI on 10,000 documents.
bench: setup
	.venv/bin/python -m tests.bench --docs 1000 --hosts 100
	.venv/bin/python -m tests.bench --render 200
	.venv/bin/python -m tests.bench_ui
