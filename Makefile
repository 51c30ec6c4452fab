# AimDB.js — every command the README names goes through here.
# `make demo` and `make test` install what is missing first (tools/setup.sh).

SHELL := /bin/bash
NODE  ?= node
TSC   := node_modules/.bin/tsc
MOCHA := node_modules/.bin/mocha
ROLLUP := node_modules/.bin/rollup
BOARD ?= esp32
APP   ?= climate-sensor
PORT  ?=

.PHONY: all setup setup-npm setup-demo build bundles typecheck test test-unit demo bench soak flash image run-device sizes bench-engines clean pack bench-package

all: build

setup:
	@tools/setup.sh --browser

setup-npm:
	@tools/setup.sh --npm-only

## What `make demo` and the hints it prints use: npm packages, mosquitto-clients, a browser.
setup-demo:
	@tools/setup.sh --demo

## Bundles for every board and app (dist/), plus the core module. A bundle newer than all of its
## inputs is not rebuilt (tools/build.mjs; `make build FORCE=1` rebuilds every one).
bundles: setup-npm
	@$(NODE) tools/build.mjs $(if $(FORCE),--all)

build: bundles

## Each layer is checked with its own tsconfig: core and device targets against lib ES5 only.
typecheck: setup-npm
	@$(TSC) -p core/tsconfig.json
	@for t in targets/*/tsconfig.json; do $(TSC) -p $$t || exit 1; done
	@$(TSC) -p tsconfig.json

test: setup build typecheck
	@$(MOCHA) 'test/**/*.test.ts'

## Only the mocha suites (no setup, no build); for quick iterations.
test-unit:
	@$(MOCHA) 'test/**/*.test.ts'

## Ports: MQTT_PORT (1883), AIMX_PORT (7350), WS_PORT (7351), DASHBOARD_PORT (8080), MQTT_WS_PORT (9001),
## TWIN_PORT (8081); 0 picks a free one.
demo: setup-demo build
	@$(NODE) bin/aimdb.mjs demo $(if $(MQTT_PORT),--mqtt-port $(MQTT_PORT)) $(if $(AIMX_PORT),--aimx-port $(AIMX_PORT)) \
	  $(if $(WS_PORT),--ws-port $(WS_PORT)) $(if $(DASHBOARD_PORT),--dashboard-port $(DASHBOARD_PORT)) \
	  $(if $(MQTT_WS_PORT),--mqtt-ws-port $(MQTT_WS_PORT)) $(if $(TWIN_PORT),--twin-port $(TWIN_PORT))

bench: setup build
	@$(NODE) --import tsx --expose-gc bench/run.ts

## Device images and uploads (espruino CLI, offline board JSON from boards/<b>/). Budgets shown first.
## DRY_RUN=1 prints the espruino command instead of running it.
flash: setup-npm
	@$(NODE) tools/flash.mjs --board $(BOARD) --app $(APP) --port "$(PORT)" $(if $(DRY_RUN),--dry-run)

image: setup-npm
	@$(NODE) tools/flash.mjs --board $(BOARD) --app $(APP) --image

## An app's bundle on its board's real engine (../shared/engines or AIMDB_ENGINES): its output and
## memory peak. Virtual time (the app's scenario) by default; RUN_SECONDS=n for real time with loopback.
run-device: setup-npm
	@$(NODE) tools/run-device.mjs --board $(BOARD) --app $(APP) $(if $(RUN_SECONDS),--seconds $(RUN_SECONDS))

## Bundle bytes and memory estimates per board and app, into README.md (or docs/SIZES.md).
sizes: bundles
	@$(NODE) tools/sizes.mjs

## The core on the real engines (Espruino ESP32/RAM and Pico/flash, JerryScript 3.0 and 2.4): memory
## per record of each buffer kind, reader, tap, link and app start; ring->tap hops/s against a
## hand-written ring; each app against its hand-written equivalent (bench/hand/). About a minute and a half.
bench-engines: bundles
	@$(NODE) bench/engines.mjs

## Soak (about a minute; not part of `make test`): gateway under load with periodic faults; heap
## slope, counter sums and handle counts checked; non-zero exit on a violation. SOAK_SECONDS=n.
soak: setup-npm
	@$(NODE) --import tsx --expose-gc test/soak/run.ts

## Fault-injection suite (records artifacts/guarantees.json) and the MQTT client suites (records
## artifacts/mqtt-client.json), then docs/GUARANTEES.md from them.
.PHONY: guarantees
guarantees: setup-npm
	@rm -f artifacts/guarantees.json artifacts/mqtt-client.json
	@$(MOCHA) 'test/faults/**/*.test.ts' test/mqtt/interop.test.ts test/mqtt/connectors.test.ts test/mqtt/espruino.test.ts
	@$(NODE) tools/guarantees.mjs

## The installable npm package: build/package/ (compiled, no tsx at run time), packed to build/aimdb-js-<version>.tgz.
pack: bundles
	@$(NODE) tools/pack.mjs

## Start-up time of `aimdb --help` / `aimdb record list` and the demo's resident memory, installed
## (compiled) against the checkout (tsx). BENCH_RUNS=n timings per command.
bench-package: pack
	@$(NODE) bench/package.mjs --runs $(or $(BENCH_RUNS),15)

clean:
	rm -rf dist build artifacts
