# Fangpin: `make demo` runs the app on SQLite with demo data; `make test` runs every test.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
APT_PACKAGES := libharfbuzz-subset0 fonts-noto-cjk poppler-utils chromium chromium-driver postgresql
DEMO_DIR := instance/demo
DEMO_PORT ?= 5000

VENDOR := web/static/vendor/bpmn-js
BPMN_DIST := node_modules/bpmn-js/dist

.PHONY: setup system-packages venv assets demo test lint bench clean

setup: system-packages venv assets

# Debian packages (fonts, PDF tools, Chromium, PostgreSQL); skipped when already installed.
system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing: $$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

# npm packages (package-lock.json pins them): bpmn-js copied for the case diagram, the designer's bundled by esbuild.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends nodejs npm; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.copied: node_modules/.installed
	mkdir -p $(VENDOR)
	cp $(BPMN_DIST)/bpmn-navigated-viewer.production.min.js $(VENDOR)/
	cp -r $(BPMN_DIST)/assets/diagram-js.css $(BPMN_DIST)/assets/bpmn-js.css $(BPMN_DIST)/assets/bpmn-font $(VENDOR)/
	touch $@

# The designer: web/designer_src (bpmn-js Modeler, properties panel, bpmnlint, dmn-js) bundled by esbuild into one
# script and one stylesheet (fonts beside it); rebuilt whenever a source file changes.
DESIGNER_SRC := $(shell find web/designer_src -type f 2>/dev/null)
DESIGNER_BUILD := web/static/build
ESBUILD := node_modules/.bin/esbuild
ESBUILD_FLAGS := --bundle --minify --format=iife --target=es2019 --log-level=warning \
	--loader:.woff=file --loader:.woff2=file --loader:.ttf=file --loader:.eot=file --loader:.svg=file \
	--asset-names=fonts/[name]-[hash]

$(DESIGNER_BUILD)/designer.js: node_modules/.installed $(DESIGNER_SRC)
	$(ESBUILD) web/designer_src/index.js $(ESBUILD_FLAGS) --outfile=$@

assets: $(VENDOR)/.copied $(DESIGNER_BUILD)/designer.js

# The first run builds the demo database (removed again if that fails, so the next run starts over);
# every run upgrades it, so a demo made before a pull gets the new migrations and process models.
demo: setup
	@export FANGPIN_INSTANCE_DIR=$(DEMO_DIR); \
	if [ -f $(DEMO_DIR)/fangpin.db ]; then \
		$(VENV)/bin/fangpin db upgrade; \
	else \
		{ $(VENV)/bin/fangpin db upgrade && $(VENV)/bin/fangpin demo; } || { rm -f $(DEMO_DIR)/fangpin.db*; exit 1; }; \
	fi
	@echo "打开 http://127.0.0.1:$(DEMO_PORT)/ 登录 (密码 fangpin2026): village_150223100201 嘎查村干部," \
		"township_1502231 苏木乡镇, county_150223 旗县, designer_15 流程设计员, admin_15 管理员"
	FANGPIN_INSTANCE_DIR=$(DEMO_DIR) $(VENV)/bin/fangpin serve --host 127.0.0.1 --port $(DEMO_PORT)

# One worker more than cores (pytest-xdist): each worker starts its own PostgreSQL and Chromium; a group
# (xdist_group) stays on one worker. The extra worker runs tests while another waits on a served demo, Chromium or
# the shared demo build (a run on 2 cores with 2 workers kept the CPU busy ~57% of the time). The ten slowest tests
# are listed, so a new slow one shows in the CI log.
TEST_WORKERS := $(shell echo $$(( $$(nproc) + 1 )))
test: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadgroup --durations=10

lint: venv
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) bench/engine_steps.py
	$(PY) bench/documents.py
	$(PY) bench/login.py
	$(PY) bench/scale.py --scale 0.01 --runs 5

clean:
	rm -rf $(VENV) node_modules web/static/vendor $(DESIGNER_BUILD) instance test-artifacts .pytest_cache
