# duikou — two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint system-deps seed clean bench bench-load

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Debian packages: Chinese fonts (pages, charts, PDFs), pango for WeasyPrint (PDF reports) and, for tests,
# Chromium (browser tests), poppler-utils (pdftotext, pdftoppm: checking the generated PDFs) and Java 17 (Spark engine).
system-deps:
	@missing=""; \
	for pkg in $(SYSTEM_PACKAGES); do dpkg -s $$pkg >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

run: SYSTEM_PACKAGES = fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
run: $(STAMP) system-deps
	$(BIN)/duikou migrate --noinput -v0
	$(BIN)/duikou seed
	$(BIN)/duikou demo
	$(BIN)/duikou demo-plans
	$(BIN)/duikou demo-projects
	$(BIN)/duikou demo-evaluation
	$(BIN)/duikou load-pairing-data
	$(BIN)/duikou demo-markets
	$(BIN)/duikou demo-monitoring
	$(BIN)/duikou demo-public
	$(BIN)/duikou demo-culture
	@echo "serving on http://$(HOST):$(PORT)/"
	$(BIN)/duikou serve $(HOST):$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: SYSTEM_PACKAGES = fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 chromium poppler-utils openjdk-17-jre-headless
test: $(STAMP) system-deps
	bin/run-tests

seed: $(STAMP)
	$(BIN)/duikou migrate --noinput -v0
	$(BIN)/duikou seed

bench: $(STAMP)
	$(BIN)/python bench/geo_seed/run.py
	$(BIN)/python bench/project_import/run.py

# Not part of `make test`: 50 users against gunicorn and the development server (PostgreSQL on 127.0.0.1:5432).
bench-load: $(STAMP)
	$(BIN)/python bench/load/run.py

clean:
	rm -rf $(VENV) var test-artifacts
