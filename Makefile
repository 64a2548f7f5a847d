# Two commands on a fresh machine (Debian, Python >= 3.10):
#   make demo   installs geo and renders the Dumayr demo map into maps/
#   make test   installs geo, its test tools (chromium, gdal-bin) and runs every test
# DATA points at a directory laid out like ../shared/data (boundaries/, gazetteer/).

PYTHON ?= python3
VENV ?= .venv
DATA ?= ../shared/data
BIN := $(VENV)/bin
export GEO_DATA_DIR ?= $(abspath $(DATA))

.PHONY: install system assets demo test lint bench clean

$(BIN)/geo: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(BIN)/geo

# Debian packages the tests use: a real browser and GDAL's command line tools.
system:
	@command -v chromium >/dev/null && command -v ogrinfo >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium gdal-bin >/dev/null; }

# Pinned Leaflet & plugin assets from the npm registry, cached and verified.
assets: install
	$(BIN)/python -m geo.maps.assets fetch

demo: install assets
	$(BIN)/geo map data/events/dumayr_raid.csv --data-dir $(DATA) --offline \
	  --title "Dumayr raid, 19 October 2023 (as reported)" -o maps/dumayr_raid.html

lint: install
	$(BIN)/ruff check geo tests benchmarks
	$(BIN)/ruff format --check geo tests benchmarks

test: install system assets lint
	$(BIN)/python -m pytest -q

# folium's own plugins, pinned, as the reference pages of the render benchmark.
BENCH_NPM := leaflet@1.9.3 jquery@3.7.1 iso8601-js-period@0.2.1 leaflet-timedimension@1.1.1 moment@2.18.1

bench: install system assets
	[ -d .cache/bench-npm/node_modules/leaflet-timedimension ] || \
	  npm install --silent --no-audit --no-fund --prefix .cache/bench-npm $(BENCH_NPM)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
