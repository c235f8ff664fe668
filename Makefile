# LinguaFlex Payments. `make dev` runs the local stack; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
SAM_VENV := .venv-sam
PY := $(VENV)/bin/python
SAM := $(SAM_VENV)/bin/sam
PORT ?= 8000
export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0

.PHONY: dev test unit integration e2e emulator-tests lint format typecheck template-checks build invoke \
        bench postman audit openapi clean

$(VENV)/.installed: requirements/dev.txt layers/common/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $@

$(SAM_VENV)/.installed: requirements/sam.txt
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SAM_VENV)/bin/python -m pip install --quiet -r requirements/sam.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

dev: $(VENV)/.installed ## Run the whole local stack on 127.0.0.1:$(PORT)
	PORT=$(PORT) $(PY) -m local.dev

test: $(VENV)/.installed $(SAM_VENV)/.installed node_modules/.installed ## Every check CI runs
	$(MAKE) lint
	$(MAKE) typecheck
	$(PY) -m pytest -n 2 --dist loadfile
	$(MAKE) template-checks
	$(MAKE) postman

unit: $(VENV)/.installed
	$(PY) -m pytest tests/unit

integration: $(VENV)/.installed
	$(PY) -m pytest tests/integration

e2e: $(VENV)/.installed
	$(PY) -m pytest tests/e2e

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy layers/common/linguaflex functions local

template-checks: $(VENV)/.installed $(SAM_VENV)/.installed ## sam validate (plain and --lint), cfn-lint, translated-template tests
	$(SAM) validate --region $(AWS_DEFAULT_REGION)
	$(SAM) validate --lint --region $(AWS_DEFAULT_REGION)
	$(VENV)/bin/cfn-lint --append-rules=cfn_lint_serverless.rules template.yaml
	LINGUAFLEX_SAM_BUILD=1 $(PY) -m pytest tests/template -q

build: $(SAM_VENV)/.installed ## sam build (python3.13, arm64 wheels in the layer)
	PATH="$$(dirname "$(PYTHON)"):$$PATH" $(SAM) build --cached --parallel

invoke: $(VENV)/.installed ## make invoke FN=ProcessPaymentFunction EVENT=events/process_payment/new_card.json [ARGS="--student 4242 --set payment_id=1 --render-only out.json"]
	$(PY) -m local.invoke $(FN) $(EVENT) $(ARGS)

bench: $(VENV)/.installed $(SAM_VENV)/.installed ## Cold/warm latency, calls, memory, layer size, load, cost vs a plain reference (BENCH_ARGS=--quick)
	$(PY) -m bench $(BENCH_ARGS)

postman: $(VENV)/.installed node_modules/.installed ## newman runs the Postman collection against a fresh local stack
	$(PY) -m local.run_postman

openapi: $(VENV)/.installed ## regenerate openapi.json and the Postman collection and environment
	$(PY) -m local.openapi
	$(PY) -m local.postman

audit: $(VENV)/.installed ## bandit over the code; pip-audit over the layer's pinned dependencies (needs the network)
	$(VENV)/bin/bandit -q -c pyproject.toml -r layers/common/linguaflex functions
	@# --strict: a dependency that could not be checked fails the audit instead of passing silently.
	$(VENV)/bin/pip-audit --strict --progress-spinner off --vulnerability-service $(or $(AUDIT_SERVICE),pypi) \
		-r layers/common/requirements.txt || { \
		echo "make audit: FAILED. pip-audit found a vulnerability or could not check every dependency" \
		     "(is the $(or $(AUDIT_SERVICE),pypi) vulnerability service reachable? try AUDIT_SERVICE=osv)." >&2; exit 1; }

clean:
	rm -rf .aws-sam .pytest_cache .ruff_cache .mypy_cache
