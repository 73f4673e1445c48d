# SmartChain: build, test and run. `make run` and `make test` set the project up first when needed.
.PHONY: setup build test run size bench typecheck clean

STAMP := node_modules/.setup-stamp
SMARTCHAIN := node host-tools/cli/bin.js
TESTS := $(shell find test -name '*.test.ts' | sort)

setup: $(STAMP)

# Debian packages the tests need: chromium renders the simulation report headless; etcd-server and
# etcd-client run the federation's local cluster (docs/federation.md).
DEBIAN_PACKAGES := chromium etcd-server etcd-client
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): package.json package-lock.json
	@{ command -v chromium >/dev/null && command -v etcd >/dev/null && command -v etcdctl >/dev/null; } || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $(DEBIAN_PACKAGES); }
	npm ci --no-audit --no-fund
	touch $(STAMP)

build: $(STAMP)
	$(SMARTCHAIN) build --board all
	$(SMARTCHAIN) build --board all --lora

typecheck: $(STAMP)
	npx tsc --noEmit -p tsconfig.json

test: $(STAMP) typecheck build
	node --import tsx test/run.ts $(TESTS)

# The main job on embedded defaults: the city simulation (docs/simulation.md), within two minutes here.
run: $(STAMP) build
	$(SMARTCHAIN) simulate --evs 6 --duration 12h --link uart --boards esp32 --seed 1 --out out

size: $(STAMP)
	$(SMARTCHAIN) build --board all --check-budget

bench: $(STAMP) build
	node --import tsx host-tools/bench/run-all.ts

clean:
	rm -rf dist out
