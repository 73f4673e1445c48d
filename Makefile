# SmartChain: build, test and run. `make run` and `make test` set the project up first when needed.
.PHONY: setup build test run size bench typecheck clean

STAMP := node_modules/.setup-stamp
SMARTCHAIN := node host-tools/cli/bin.js
TESTS := $(shell find test -name '*.test.ts' | sort)

setup: $(STAMP)

$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(STAMP)

build: $(STAMP)
	$(SMARTCHAIN) build --board all

typecheck: $(STAMP)
	npx tsc --noEmit -p tsconfig.json

test: $(STAMP) typecheck build
	node --import tsx test/run.ts $(TESTS)

run: $(STAMP) build
	$(SMARTCHAIN) demo --nodes 8 --minutes 30 --out out

size: $(STAMP)
	$(SMARTCHAIN) build --board all --check-budget

bench: $(STAMP) build
	node --import tsx host-tools/bench/run-all.ts

clean:
	rm -rf dist out
