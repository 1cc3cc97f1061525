# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run   – create .venv, install everything, start the whole platform (fupin up)
#   make test  – create .venv if missing, install, run the whole test suite
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := -e libs/fupin_kit -e libs/fupin_contracts -e libs/fupin_cli \
	-e services/registry -e services/identification -e services/assistance -e services/funds \
	-e services/evaluation -e gateway
STAMP := $(VENV)/.installed

.PHONY: run test install fonts browser lint typecheck check demo clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python Makefile requirements-dev.txt $(wildcard libs/*/pyproject.toml services/*/pyproject.toml gateway/pyproject.toml)
	$(BIN)/python -m pip install --quiet $(PACKAGES) -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) fonts browser

# The household card (户卡) and notice PDFs embed CJK fonts from the system: WenQuanYi Micro Hei (Debian
# package fonts-wqy-microhei), unless FUPIN_CJK_FONT names another TrueType font with Chinese glyphs, backed
# by HanaMin (fonts-hanazono) for the CJK Extension A/B characters of names such as 王䶮 or 㵲水街道.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
CJK_FALLBACK_FONT := /usr/share/fonts/truetype/hanazono/HanaMinB.ttf
fonts:
	@test -f $(CJK_FONT) || test -n "$$FUPIN_CJK_FONT" || \
	  { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	    apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null; } || \
	  echo "warning: no CJK font: run 'sudo apt-get install fonts-wqy-microhei' or set FUPIN_CJK_FONT"
	@test -f $(CJK_FALLBACK_FONT) || \
	  { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	    apt-get update -qq && apt-get install -y -qq fonts-hanazono >/dev/null; } || \
	  echo "warning: no CJK fallback font: run 'sudo apt-get install fonts-hanazono' (else rare characters print as [U+XXXX])"

# The web console's browser test (gateway/tests/test_console.py) drives Debian's Chromium through
# Playwright; Playwright's own browser download is not used.
CHROMIUM := /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || \
	  { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	    apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
	  echo "warning: no $(CHROMIUM): run 'sudo apt-get install chromium' (the console test needs it)"

run: install
	$(BIN)/fupin up $(ARGS)

demo: install
	$(BIN)/fupin up --demo $(ARGS)

# Two phases: first everything that tolerates company, on TEST_WORKERS workers (pytest-xdist; whole files
# per worker, so a module's fixtures are built once), then the timing-sensitive process scenarios alone
# (tests/conftest.py marks them `serial`). Status 5 (nothing selected: PYTEST_ARGS naming a file of one
# phase only) is not a failure. TEST_WORKERS=0 runs the first phase in one process.
TEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not serial" $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(BIN)/python -m pytest -m serial $(PYTEST_ARGS) || [ $$? -eq 5 ]

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy libs gateway/fupin_gateway $(foreach s,$(notdir $(wildcard services/*)),services/$(s)/$(s)) tests bench conftest.py
	@# Each package's tests/ folder is a top-level `tests` for mypy (its import root is the package folder),
	@# so they are checked one at a time.
	for d in gateway/tests services/*/tests; do ! ls $$d/*.py >/dev/null 2>&1 || $(BIN)/mypy $$d || exit 1; done

check: lint typecheck test

clean:
	rm -rf $(VENV) .fupin
