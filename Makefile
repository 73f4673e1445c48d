# SmartChain: build, test and run. `make run` and `make test` set the project up first when needed.
.PHONY: setup build test run size bench typecheck clean

STAMP := node_modules/.setup-stamp
SMARTCHAIN := node host-tools/cli/bin.js
TESTS := $(shell find test -name '*.test.ts' | sort)

setup: $(STAMP)

# Debian packages the tests need: chromium renders the simulation report headless.
DEBIAN_PACKAGES := chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): package.json package-lock.json
	@command -v chromium >/dev/null || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $(DEBIAN_PACKAGES); }
	npm ci --no-audit --no-fund
	touch $(STAMP)

build: $(STAMP)
	$(SMARTCHAIN) build --board all
	$(SMARTCHAIN) build --board all --lora

typecheck: $(STAMP)
	npx tsc --noEmit -p tsconfig.json

test: $(STAMP) typecheck build
	node --import tsx test/run.ts $(TESTS)

# The main job: the city simulation (docs/simulation.md), a mixed fleet (half picos on our image, half
# ESP32s) over LoRa. Its wall time is measured in docs/simulation.md; shorten it with RUN_DURATION=1h.
RUN_EVS ?= 24
RUN_DURATION ?= 24h
run: $(STAMP) build
	$(SMARTCHAIN) simulate --evs $(RUN_EVS) --duration $(RUN_DURATION) --link lora --boards pico,esp32 --seed 1 --out out

size: $(STAMP)
	$(SMARTCHAIN) build --board all --check-budget

bench: $(STAMP) build
	node --import tsx host-tools/bench/run-all.ts

clean:
	rm -rf dist out
