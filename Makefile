# dedup: install, run as a pipeline step, test, measure.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= ../shared/data
IN     ?= fixtures/seeds
FORMAT ?=
OUT    ?= out/report.$(or $(FORMAT),json)
# The format follows OUT's extension unless FORMAT names one.
FORMAT_ARG = $(if $(FORMAT),--format $(FORMAT))
REPEAT ?= 3
ARGS   ?=

INDEX  ?= out/index

.PHONY: install install-spark java browser report daily test test-fast eval bench bench-spark lint format clean

install: $(BIN)/dedup browser java

## The Spark engine (match --engine spark): pyspark in the virtualenv and Java 17 (both part of `install`)
install-spark: $(BIN)/dedup java

## Java 17 for Spark: Debian's openjdk-17-jre-headless, installed where no java is found
java:
	@if command -v java >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "installing openjdk-17-jre-headless (for the Spark engine)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	else \
		echo "warning: java is missing and cannot be installed here (root and apt-get needed):" \
			"the Spark engine and its tests need Java 17 (apt-get install openjdk-17-jre-headless)" >&2; \
	fi

## The HTML report's tests drive a real browser: Debian's chromium and its driver, installed where missing
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		echo "installing chromium and chromium-driver (for the HTML report's tests)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
		echo "warning: chromium and chromium-driver are missing and cannot be installed here (root and apt-get needed):" \
			"the HTML report's tests need them (apt-get install chromium chromium-driver)" >&2; \
	fi

$(BIN)/dedup: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	$(BIN)/python -m dedup.kernels
	@touch $@

## The pipeline step: make report IN=dir-or-file OUT=report.json [FORMAT=md] [ARGS="--skip-bad -j 2 -q"]
## (IN may name several inputs, space-separated; OUT is one path and may hold spaces; ARGS go to dedup match)
## (the command is echoed on stderr: with OUT=- the report alone is on stdout)
report: install
	@echo '$(BIN)/dedup match $(IN) -o "$(OUT)" $(FORMAT_ARG) $(ARGS)' >&2
	@$(BIN)/dedup match $(IN) -o "$(OUT)" $(FORMAT_ARG) $(ARGS)

## The daily step: make daily IN=todays-articles.jsonl INDEX=index-dir [OUT=report.json] [ARGS="--window-days 3"]
## (matches IN against the articles indexed in INDEX, adds them, keeps story ids across runs)
daily: install
	@echo '$(BIN)/dedup match $(IN) --index "$(INDEX)" -o "$(OUT)" $(FORMAT_ARG) $(ARGS)' >&2
	@$(BIN)/dedup match $(IN) --index "$(INDEX)" -o "$(OUT)" $(FORMAT_ARG) $(ARGS)

test: install
	$(BIN)/pytest -q

test-fast: install
	$(BIN)/pytest -q -m "not slow"

## Quality on the labelled stories, alone and among the 35k unlabelled distractors
eval: install
	$(BIN)/python scripts/evaluate.py --gold $(DATA)/vmds-dev.jsonl --distractors $(DATA)/baomoi-2017.jsonl.gz

## Speed and memory beside a plain datasketch run (REPEAT rounds; and references), then 5k/10k/35k/140k articles
bench: install
	$(BIN)/python bench/run.py --corpus $(DATA)/baomoi-2017.jsonl.gz --repeat $(REPEAT) --scaling

## The Spark engine beside the local one on the corpus (COPIES=4: with three perturbed copies), per-stage shuffle sizes
COPIES ?= 1
bench-spark: install
	$(BIN)/python bench/spark_scale.py --corpus $(DATA)/baomoi-2017.jsonl.gz --copies $(COPIES)

lint: install
	$(BIN)/ruff check dedup tests scripts bench
	$(BIN)/ruff format --check dedup tests scripts bench

format: install
	$(BIN)/ruff format dedup tests scripts bench
	$(BIN)/ruff check --fix dedup tests scripts bench

clean:
	rm -rf $(VENV) out build *.egg-info .pytest_cache .ruff_cache
