# SmartChain: build, test and run. `make run` and `make test` set the project up first when needed.
.PHONY: setup setup-image image build test run size bench typecheck clean

STAMP := node_modules/.setup-stamp
SMARTCHAIN := node host-tools/cli/bin.js
TESTS := $(shell find test -name '*.test.ts' | sort)

setup: $(STAMP)

# Debian packages the tests need: chromium renders the simulation report headless; etcd-server and
# etcd-client run the federation's local cluster (docs/federation.md).
DEBIAN_PACKAGES := chromium etcd-server etcd-client
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Native modules build from source (npm_config_build_from_source, set for this npm ci only): cbor-extract
# otherwise loads a prebuilt binary from an optional package and leaves its own binding unbuilt. npm names
# the setting once as unknown here; kept out of .npmrc, it no longer warns on every npx call.
$(STAMP): package.json package-lock.json
	@{ command -v chromium >/dev/null && command -v etcd >/dev/null && command -v etcdctl >/dev/null; } || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $(DEBIAN_PACKAGES); }
	npm_config_build_from_source=true npm ci --no-audit --no-fund
	touch $(STAMP)

# The pico image (docs/boards.md): Kaluma 1.2.1 with our smartcrypto module, built with Debian's ARM
# toolchain. KALUMA_DIR=<a Kaluma 1.2.1 checkout> and PICO_SDK_PATH=<a pico-sdk> replace the tarball in
# ../shared/upstream/kaluma/ and the pico-sdk inside it.
IMAGE_DEBIAN_PACKAGES := gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib cmake python3
# make test builds the image only where its source is, so a fresh clone without ../shared still tests.
IMAGE_FOR_TEST := $(if $(or $(KALUMA_DIR),$(wildcard ../shared/upstream/kaluma/kaluma-1.2.1-src.tar.xz)),image,)

setup-image:
	@dpkg -s $(IMAGE_DEBIAN_PACKAGES) >/dev/null 2>&1 || { $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $(IMAGE_DEBIAN_PACKAGES); }

image: $(STAMP) setup-image
	node --import tsx host-tools/build/image.ts

build: $(STAMP)
	$(SMARTCHAIN) build --board all
	$(SMARTCHAIN) build --board all --lora

typecheck: $(STAMP)
	npx tsc --noEmit -p tsconfig.json

test: $(STAMP) typecheck build $(IMAGE_FOR_TEST)
	node --import tsx test/run.ts $(TESTS)

# The main job on embedded defaults: the city simulation (docs/simulation.md), a mixed fleet of picos and
# ESP32s over LoRa for two simulated hours (the whole day takes about half an hour of CPU). Its figures
# in that doc are rewritten from out/summary.json, so the doc quotes what this command gave.
RUN_COMMAND := simulate --evs 24 --duration 2h --link lora --boards pico,esp32 --seed 1 --out out
run: $(STAMP) build
	$(SMARTCHAIN) $(RUN_COMMAND)
	node --import tsx host-tools/sim/doc-figures.ts out/summary.json docs/simulation.md -- smartchain $(RUN_COMMAND)

size: $(STAMP)
	$(SMARTCHAIN) build --board all --check-budget

bench: $(STAMP) build
	node --import tsx host-tools/bench/run-all.ts

clean:
	rm -rf dist out build
