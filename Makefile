# The README's commands. Each target sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test serve bench loadtest clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,addin]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/planround demo --out demo_out

test: $(STAMP)
	$(BIN)/python -m pytest -q

serve: $(STAMP)
	$(BIN)/planround serve

# Measures against the raw xlsx floor into bench_out/ (README: Performance); --quick for a smoke run.
bench: $(STAMP)
	$(BIN)/python -m bench.run

# Economists and approvers at once against serve --production; needs PLANROUND_BENCH_DATABASE_URL
# (PostgreSQL). README: Running in production, The load test. Override LOADTEST for other sizes.
LOADTEST ?= --economists 40 --approvers 10 --duration 120 --max-requests 2000
loadtest: $(STAMP)
	$(BIN)/python -m bench.loadtest $(LOADTEST)

clean:
	rm -rf $(VENV) demo_out bench_out dist instance build *.egg-info
