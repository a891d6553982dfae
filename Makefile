# ocp.day2 — developer entry points. `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUILD := .build
COLL_PATH := $(abspath $(BUILD)/collections)
export OCP_DAY2_COLLECTIONS_PATH := $(COLL_PATH)
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: test demo sim deps system-deps venv collection lint ruff ansible-lint sanity changelog-lint collection-docs ee docs pytest clean

# The linters (single-threaded, two at a time) run beside the pytest suite: scripts/test-all.sh.
test: deps collection
	@scripts/test-all.sh

# Installed once by `test`; the targets that need it install it themselves when run alone.
COLLECTION_DEP ?= collection

demo: deps collection
	$(BIN)/python -m tests.demo

sim: deps collection
	$(BIN)/python -m tests.sim serve

deps: system-deps venv

system-deps:
	@scripts/system-deps.sh

venv: $(VENV)/.stamp

# pip byte-compiles file by file on one core; compileall -j 0 does the same on every core (75 s -> 35 + 25 s on two).
# The byte code must be there before the tests: with PYTHONDONTWRITEBYTECODE set (it is on these machines) nothing
# is compiled on import, and every module process would compile the kubernetes client from source again.
$(VENV)/.stamp: requirements-dev.txt constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --no-compile --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib
	touch $@

collection: venv
	@scripts/install-collection.sh $(COLL_PATH)

lint: ruff ansible-lint changelog-lint collection-docs ee sanity

ruff: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

ansible-lint: venv $(COLLECTION_DEP)
	ANSIBLE_COLLECTIONS_PATH=$(COLL_PATH) $(BIN)/ansible-lint --offline -q

changelog-lint: venv
	$(BIN)/antsibull-changelog lint

sanity: venv
	@scripts/sanity.sh

# Plugin, module and role docs as the Ansible docsite renders them (schema, markup, references, RST).
# antsibull-docs copies a collection inside a git work tree with `git ls-files`: the git ceiling keeps it from
# taking .venv's kubernetes.core and amazon.aws (git-ignored) for part of this repository and copying nothing.
collection-docs: venv
	@mkdir -p $(BUILD)/pythonpath/ansible_collections/ocp
	@ln -sfn $(CURDIR) $(BUILD)/pythonpath/ansible_collections/ocp/day2
	cd $(BUILD)/pythonpath/ansible_collections/ocp/day2 && ANSIBLE_COLLECTIONS_PATH=$(abspath $(BUILD)/pythonpath) \
		GIT_CEILING_DIRECTORIES=$(abspath $(VENV)) $(abspath $(BIN))/antsibull-docs lint-collection-docs --plugin-docs .

# Execution environment: `ansible-builder create` into .build/ee/context (no container engine needed) and its
# Python requirements resolved against constraints.txt.
ee: venv
	@scripts/build-ee.sh

# Browsable docs site in .build/docs/html (antsibull-docs + Sphinx).
docs: venv
	@scripts/docs.sh

pytest: venv $(COLLECTION_DEP)
	@scripts/pytest.sh

clean:
	rm -rf $(BUILD) tests/output .pytest_cache
