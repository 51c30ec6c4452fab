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

.PHONY: all setup setup-npm build bundles typecheck test test-unit demo bench soak flash image sizes bench-engines clean

all: build

setup:
	@tools/setup.sh --browser

setup-npm:
	@tools/setup.sh --npm-only

## Bundles for every board and app (dist/), plus the core module.
bundles: setup-npm
	@$(ROLLUP) -c --silent

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

demo: setup-npm build
	@$(NODE) bin/aimdb.mjs demo

bench: setup build
	@$(NODE) --import tsx --expose-gc bench/run.ts

## Device images and uploads (espruino CLI, offline board JSON from boards/<b>/). Budgets shown first.
flash: setup-npm
	@$(NODE) tools/flash.mjs --board $(BOARD) --app $(APP) --port "$(PORT)"

image: setup-npm
	@$(NODE) tools/flash.mjs --board $(BOARD) --app $(APP) --image

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

## Fault-injection suite (records artifacts/guarantees.json), then docs/GUARANTEES.md from it.
.PHONY: guarantees
guarantees: setup-npm
	@rm -f artifacts/guarantees.json
	@$(MOCHA) 'test/faults/**/*.test.ts'
	@$(NODE) tools/guarantees.mjs

clean:
	rm -rf dist build artifacts
